"""Peak memory of one training step, ember vs PyTorch, each in its own process.

    python -m benchmarks.memory [workloads...]      (default: cnn gpt)

Each child builds the workload (model, data, optimizer), then resets the kernel's resident-set
high-water mark (``/proc/self/clear_refs``, Linux) and runs three steps. Reported per library:
the resident memory before the first step (the library itself, model and data), the peak during
the steps, and the difference — what training needs on top of the model (gradients, optimizer
state, activations, temporaries, and for torch its allocator's cached blocks). The difference is
the figure to compare; the libraries' own code differs in size.
"""
from __future__ import annotations

import gc
import importlib
import json
import subprocess
import sys


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _load_fast_kernels() -> None:
    """With ``ember[fast]``: load Numba/LLVM and the kernel modules before the baseline. They are
    the library's code (loaded lazily at the first big op, ~100 MB of RSS), not training memory."""
    from ember._backend import fast
    if fast.ENABLED:
        import pkgutil

        import ember._ops._fast as kernels
        for m in pkgutil.iter_modules(kernels.__path__):
            importlib.import_module(f"{kernels.__name__}.{m.name}")
        import ember.optim._fast  # noqa: F401


def child(lib_name: str, workload: str) -> dict:

    from benchmarks.workloads import WORKLOADS
    lib = importlib.import_module(lib_name)
    step = WORKLOADS[workload](lib)
    if lib_name == "ember":
        _load_fast_kernels()
    gc.collect()
    base = _status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    for _ in range(3):
        step()
    peak = _status_kb("VmHWM")
    return {"lib": lib_name, "workload": workload, "base_mb": base / 1024, "peak_mb": peak / 1024,
            "step_mb": (peak - base) / 1024}


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        print(json.dumps(child(args[1], args[2])))
        return
    names = args or ["cnn", "gpt"]
    print(f"{'workload':<10} {'lib':<6} {'before MB':>10} {'peak MB':>9} {'step MB':>9}")
    for name in names:
        step = {}
        for lib in ("ember", "torch"):
            out = subprocess.run([sys.executable, "-m", "benchmarks.memory", "--child", lib, name],
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            step[lib] = r["step_mb"]
            print(f"{name:<10} {lib:<6} {r['base_mb']:>10.1f} {r['peak_mb']:>9.1f} "
                  f"{r['step_mb']:>9.1f}")
        print(f"{name:<10} step ratio ember/torch: {step['ember'] / max(step['torch'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
