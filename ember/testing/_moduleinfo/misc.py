"""ModuleInfos: containers and exemptions."""
from __future__ import annotations

module_db = []

EXEMPT = {
    "Module": "the base class; tests/test_nn_module.py",
    "Sequential": "container; tests/test_nn_module.py",
    "ModuleList": "container; tests/test_nn_module.py",
    "ModuleDict": "container; tests/test_nn_module.py",
    "ParameterList": "container; tests/test_nn_module.py",
    "ParameterDict": "container; tests/test_nn_module.py",
}
