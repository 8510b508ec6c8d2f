"""Time 10M float32 normals: ember's CPURandomState vs torch.randn (median of several runs).

Run from the repository root: ``python benchmarks/random_normal.py [N] [REPEATS]``.
Also prints a few other samplers for context and checks the first draws are bit-identical.
"""
from __future__ import annotations

import importlib.util
import pathlib
import statistics
import sys
import time
import types

import numpy as np
import torch


def _load():
    root = pathlib.Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    try:
        from ember._backend import _cpu_random
        return _cpu_random
    except Exception:  # ember's package mid-edit: load the two standalone files
        d = root / "ember" / "_backend"
        pkg = types.ModuleType("_ember_rng_bench")
        pkg.__path__ = [str(d)]
        sys.modules[pkg.__name__] = pkg
        for name in ("_random_kernels", "_cpu_random"):
            spec = importlib.util.spec_from_file_location(f"{pkg.__name__}.{name}", d / f"{name}.py")
            mod = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = mod
            spec.loader.exec_module(mod)
        return sys.modules[f"{pkg.__name__}._cpu_random"]


def median_time(fn, repeats):
    """Median wall time and median CPU time (all threads of the process) of ``fn()``."""
    fn()  # warm-up (thread pool, workspaces)
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    R = _load()
    st = R.CPURandomState(0)
    torch.manual_seed(0)
    assert np.array_equal(st.normal(100_003), torch.randn(100_003).numpy()), "stream mismatch"
    rows = [
        ("randn float32", lambda: st.normal(n), lambda: torch.randn(n)),
        ("rand float32", lambda: st.uniform(n), lambda: torch.rand(n)),
        ("randint int64 [0,1000)", lambda: st.random_int(n, 0, 1000), lambda: torch.randint(0, 1000, (n,))),
        ("bernoulli_(0.5) float32", lambda: st.bernoulli_scalar(n, 0.5),
         lambda: torch.empty(n).bernoulli_(0.5)),
        ("randperm 1M", lambda: st.randperm(1_000_000), lambda: torch.randperm(1_000_000)),
    ]
    print(f"N = {n:,}, median of {repeats} runs, torch threads = {torch.get_num_threads()}")
    print("(cpu: process CPU time; on a loaded machine the wall ratio of the threaded randn suffers)")
    for name, ours, theirs in rows:
        (te, ce), (tt, ct) = median_time(ours, repeats), median_time(theirs, repeats)
        print(f"{name:26s} ember {te * 1e3:8.1f} ms   torch {tt * 1e3:8.1f} ms   ratio ember/torch "
              f"{te / tt:5.2f}   (cpu {ce * 1e3:6.1f} / {ct * 1e3:6.1f} ms = {ce / ct:5.2f})")


if __name__ == "__main__":
    main()
