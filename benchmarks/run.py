"""Run every workload in ember and in real PyTorch, interleaved, in one process.

    python -m benchmarks.run [names...] [--json out.json] [--iters N]

Prints machine facts and a table: ember ms (median, p10–p90), torch ms, ratio ember/torch.
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

    def q(ts, p):
        ts = sorted(ts)
        return ts[min(len(ts) - 1, int(p * len(ts)))] * 1e3
    e_med, t_med = statistics.median(e_times) * 1e3, statistics.median(t_times) * 1e3
    return {"name": name, "n": len(e_times), "ember_ms": e_med, "ember_p10": q(e_times, 0.1),
            "ember_p90": q(e_times, 0.9), "torch_ms": t_med, "ratio": e_med / t_med}


def main(argv=None) -> None:
    from benchmarks.workloads import WORKLOADS

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="*", help=f"workloads (default all): {', '.join(WORKLOADS)}")
    ap.add_argument("--json", help="also write results to this file")
    ap.add_argument("--iters", type=int, default=50)
    args = ap.parse_args(argv)
    names = args.names or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workloads: {unknown}")
    facts = _machine()
    print("  ".join(f"{k}={v}" for k, v in facts.items()))
    print(f"{'workload':<18} {'ember ms':>10} {'(p10-p90)':>17} {'torch ms':>10} {'ratio':>7}")
    rows = []
    for name in names:
        r = bench(name, args.iters)
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
