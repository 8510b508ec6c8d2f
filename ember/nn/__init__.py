"""``ember.nn`` (``torch.nn``): modules, parameters, functional, init, utils."""
from .parameter import Buffer, Parameter, UninitializedParameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from . import functional  # noqa: F401,E402
from . import init  # noqa: F401,E402
from . import utils  # noqa: F401,E402
