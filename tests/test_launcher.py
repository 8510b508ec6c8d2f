"""`python -m ember script.py` runs unchanged torch programs and prints torch's numbers."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = Path(__file__).resolve().parent / "programs"


def run(args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          timeout=300, **kw)


def losses(out: str):
    return [float(line.split()[-1]) for line in out.splitlines() if line.startswith("step")]


@pytest.mark.parametrize("seed", ["0", "3"])
def test_small_cnn_prints_torch_losses(seed):
    t = run([str(PROGRAMS / "small_cnn.py"), seed])
    e = run(["-m", "ember", str(PROGRAMS / "small_cnn.py"), seed])
    assert t.returncode == 0, t.stderr
    assert e.returncode == 0, e.stderr
    tl, el = losses(t.stdout), losses(e.stdout)
    assert len(tl) == len(el) == 20
    assert el == pytest.approx(tl, rel=1e-4)


def test_argv_exit_code_and_traceback(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import sys, torch\n"
                      "print(sys.argv[1:], __name__, torch.tensor([1.0]).sum().item())\n"
                      "if sys.argv[1] == 'fail':\n    raise ValueError('boom')\n"
                      "sys.exit(int(sys.argv[1]))\n")
    ok = run(["-m", "ember", str(script), "4"])
    assert ok.returncode == 4 and ok.stdout.strip() == "['4'] __main__ 1.0"
    bad = run(["-m", "ember", str(script), "fail"])
    assert bad.returncode == 1 and "ValueError: boom" in bad.stderr and str(script) in bad.stderr


def test_submodules_alias_to_ember(tmp_path):
    script = tmp_path / "mods.py"
    script.write_text("import torch, torch.nn, torch.nn.functional as F, torch.optim\n"
                      "from torch.utils.data import DataLoader\n"
                      "import torch.autograd\n"
                      "print(torch.nn.Linear.__module__, F.__name__, DataLoader.__module__)\n")
    out = run(["-m", "ember", str(script)])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ember.nn.modules.linear", "ember.nn.functional",
                                  "ember.utils.data.dataloader"]


def test_install_refuses_when_real_torch_loaded():
    code = "import torch, ember.compat\ntry:\n    ember.compat.install()\nexcept RuntimeError as e:\n" \
           "    print('refused' if 'already imported' in str(e) else e)\n"
    out = run(["-c", code])
    assert out.stdout.strip() == "refused", out.stderr


def test_spawned_dataloader_workers_see_alias(tmp_path):
    script = tmp_path / "workers.py"
    script.write_text(
        "import torch\nfrom torch.utils.data import DataLoader, TensorDataset\n"
        "if __name__ == '__main__':\n"
        "    ds = TensorDataset(torch.arange(8.0))\n"
        "    dl = DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context='spawn')\n"
        "    print([b[0].tolist() for b in dl])\n")
    out = run(["-m", "ember", str(script)])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]"
