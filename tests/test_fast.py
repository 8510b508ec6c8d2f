"""The ``ember[fast]`` switchboard (``ember._backend.fast``): when overrides are taken, that ember
works without Numba, and that parallel kernels are safe in forked children and across threads."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch

import ember
from ember._backend import fast

needs_numba = pytest.mark.skipif(not fast.AVAILABLE, reason="numba not installed")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code, env=None):
    e = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    e.update(env or {})
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=e, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_use_takes_only_large_float_cpu_arrays():
    big = np.zeros(fast.MIN_SIZE, np.float32)
    with fast.forced(True):
        fast.MIN_SIZE = 8
        assert fast.use(np, np.zeros(8, np.float64)) == True  # noqa: E712
        assert not fast.use(np, np.zeros(7, np.float32))
        assert not fast.use(np, np.zeros(8, np.int64))
        assert not fast.use(np, np.zeros(8, np.float16))
        assert not fast.use(np, np.zeros(8, np.float32), np.zeros(8, np.float64))
        assert not fast.use(object(), big)


def test_ember_works_without_numba():
    out = _run("import sys; sys.modules['numba'] = None\n"
               "import ember\n"
               "from ember._backend import fast\n"
               "x = ember.linspace(-1, 1, 100000, requires_grad=True)\n"
               "x.relu().sum().backward()\n"
               "print(fast.AVAILABLE, fast.ENABLED, 'numba' in sys.modules and sys.modules['numba'] "
               "is not None, float(x.grad.sum()))")
    assert out == "False False False 50000.0"


def test_broken_numba_install_falls_back_with_a_warning(tmp_path):
    (tmp_path / "numba").mkdir()
    (tmp_path / "numba" / "__init__.py").write_text("raise ImportError('built for another NumPy')")
    out = _run("import warnings, ember\n"
               "from ember._backend import fast\n"
               "with warnings.catch_warnings(record=True) as w:\n"
               "    warnings.simplefilter('always')\n"
               "    x = ember.linspace(-1, 1, 100000, requires_grad=True)\n"
               "    x.relu().sum().backward()\n"
               "    ember.randn(100000)\n"
               "print(fast.AVAILABLE, fast.ENABLED, float(x.grad.sum()), len(w), 'another NumPy' in "
               "str(w[0].message))", {"PYTHONPATH": str(tmp_path)})
    assert out == "True False 50000.0 1 True"


def test_ember_fast_0_turns_overrides_off():
    assert _run("import ember; from ember._backend import fast; print(fast.ENABLED)",
                {"EMBER_FAST": "0"}) == "False"


def test_import_shortens_blas_spin_only_before_numpy():
    code = "import os{}; import ember; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"
    assert _run(code.format("")) == "22"
    assert _run(code.format("; import numpy")) == "None"
    assert _run(code.format(""), {"OPENBLAS_THREAD_TIMEOUT": "25"}) == "25"


def _relu_case(n=300_000):
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    return x, torch.relu(torch.from_numpy(x)).numpy()


@needs_numba
def test_forked_child_runs_serial_build():
    x, want = _relu_case()
    with fast.forced(True):
        ember.relu(ember.from_numpy(x))  # the parent's OpenMP pool is running now
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            ok = np.array_equal(ember.relu(ember.from_numpy(x)).numpy(), want) and fast._IN_CHILD[0]
            os.write(w, b"1" if ok else b"0")
            os._exit(0)
        os.close(w)
        got = os.read(r, 1)
        os.waitpid(pid, 0)
    assert got == b"1"


@needs_numba
def test_parallel_kernels_from_two_threads():
    x, want = _relu_case()
    results = []

    def work():
        for _ in range(20):
            results.append(np.array_equal(ember.relu(ember.from_numpy(x)).numpy(), want))
    with fast.forced(True):
        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(results) == 60 and all(results)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_and_its_gradient_on_both_paths(dtype):
    x = np.random.default_rng(1).standard_normal((64, 32, 26, 26)).astype(dtype)
    x.flat[::97] = 0.0
    x.flat[5] = np.nan
    tx = torch.from_numpy(x).requires_grad_()
    tg = torch.from_numpy(np.cos(x))
    torch.relu(tx).backward(tg)
    for on in (False, True):
        with fast.forced(on):
            ex = ember.from_numpy(x.copy()).requires_grad_()
            y = ember.relu(ex)
            y.backward(ember.from_numpy(np.cos(x)))
        np.testing.assert_array_equal(y.detach().numpy(), torch.relu(tx).detach().numpy())
        np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())


@needs_numba
def test_set_num_threads_reaches_numba_pool():
    out = _run("import ember\n"
               "ember.set_num_threads(1)\n"
               "x = ember.randn(1 << 20)\n"
               "ember.relu(x)\n"
               "import numba\n"
               "print(numba.get_num_threads())")
    assert out == "1"


@needs_numba
def test_no_threading_layer_falls_back_to_serial():
    out = _run("import warnings, ember, numpy as np\n"
               "from ember._backend import fast\n"
               "x = ember.randn(1 << 20)\n"
               "with warnings.catch_warnings(record=True) as w:\n"
               "    warnings.simplefilter('always')\n"
               "    y = ember.relu(x)\n"
               "print(np.array_equal(y.numpy(), np.maximum(x.numpy(), 0)), fast._POOL[0], "
               "any('threading layer' in str(m.message) for m in w))",
               {"NUMBA_THREADING_LAYER": "tbb"})  # tbb is not installed
    assert out == "True False True"
