"""Run every workload in ember and in real PyTorch, interleaved, in one process.

    python -m benchmarks.run [names...] [--json out.json] [--iters N] [--separate]

Prints machine facts and a table: ember ms (median, p10–p90), torch ms, ratio ember/torch.

``--separate`` times each library in a process of its own instead (same data, same model code).
On this 2-core VM the interleaved run can slow a short torch step by the state ember's step
leaves behind (idle or spinning cores: infer_cnn_b1 took torch 0.43 ms alone and 0.6-3 ms
interleaved, depending on what ember ran before it); the separate run is the cleaner figure for
steps of a few milliseconds, the interleaved one is what the issue asks for.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time


def _machine() -> dict:
    import numpy as np
    import torch
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "?"
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]["name"]
    except Exception:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "numpy": np.__version__, "numpy_blas": blas, "torch": torch.__version__,
            "python": platform.python_version()}


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _stats(name, e_times, t_times) -> dict:
    def q(ts, p):
        ts = sorted(ts)
        return ts[min(len(ts) - 1, int(p * len(ts)))] * 1e3
    e_med, t_med = statistics.median(e_times) * 1e3, statistics.median(t_times) * 1e3
    return {"name": name, "n": len(e_times), "ember_ms": e_med, "ember_p10": q(e_times, 0.1),
            "ember_p90": q(e_times, 0.9), "torch_ms": t_med, "ratio": e_med / t_med}


def _alone(lib: str, name: str, iters: int, warmup: int = 3) -> list:
    """Step times of one library, in this process (``--only``)."""
    import importlib

    from benchmarks.workloads import WORKLOADS
    step = WORKLOADS[name](importlib.import_module(lib))
    for _ in range(warmup):
        step()
    times = []
    budget = time.perf_counter() + 15.0
    for i in range(iters):
        times.append(_time(step))
        if time.perf_counter() > budget and i >= 5:
            break
    return times


def bench_separate(name: str, iters: int) -> dict:
    import subprocess

    from benchmarks import ORIGINAL_ENV
    times = {}
    for lib in ("ember", "torch"):
        r = subprocess.run([sys.executable, "-m", "benchmarks.run", name, "--iters", str(iters),
                            "--only", lib], capture_output=True, text=True, env=ORIGINAL_ENV)
        if r.returncode:
            return {"name": name, "error": r.stderr.strip().splitlines()[-1]}
        times[lib] = json.loads(r.stdout)
    return _stats(name, times["ember"], times["torch"])


def bench(name: str, iters: int, warmup: int = 3) -> dict:
    import torch

    import ember
    from benchmarks.workloads import WORKLOADS

    make = WORKLOADS[name]
    try:
        e_step = make(ember)
        t_step = make(torch)
    except Exception as exc:  # a layer ember lacks: report, don't hide
        return {"name": name, "error": f"{type(exc).__name__}: {exc}"}
    for _ in range(warmup):
        e_step()
        t_step()
    e_times, t_times = [], []
    budget = time.perf_counter() + 30.0
    for i in range(iters):
        e_times.append(_time(e_step))
        t_times.append(_time(t_step))
        if time.perf_counter() > budget and i >= 5:
            break
    return _stats(name, e_times, t_times)


def main(argv=None) -> None:
    from benchmarks.workloads import WORKLOADS

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="*", help=f"workloads (default all): {', '.join(WORKLOADS)}")
    ap.add_argument("--json", help="also write results to this file")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--separate", action="store_true",
                    help="time each library in its own process")
    ap.add_argument("--only", choices=("ember", "torch"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    names = args.names or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workloads: {unknown}")
    if args.only:  # a child of --separate: one workload, one library, times as JSON
        print(json.dumps(_alone(args.only, names[0], args.iters)))
        return
    facts = _machine()
    print("  ".join(f"{k}={v}" for k, v in facts.items()),
          "(separate processes)" if args.separate else "(one process, interleaved)")
    print(f"{'workload':<18} {'ember ms':>10} {'(p10-p90)':>17} {'torch ms':>10} {'ratio':>7}")
    rows = []
    for name in names:
        r = bench_separate(name, args.iters) if args.separate else bench(name, args.iters)
        rows.append(r)
        if "error" in r:
            print(f"{name:<18} n/a: {r['error']}")
        else:
            print(f"{name:<18} {r['ember_ms']:>10.3f} {r['ember_p10']:>8.3f}-{r['ember_p90']:<8.3f}"
                  f" {r['torch_ms']:>10.3f} {r['ratio']:>7.2f}")
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": facts, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
