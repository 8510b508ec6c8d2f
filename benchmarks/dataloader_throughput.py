"""DataLoader throughput: ember vs torch, ``num_workers`` 0 and 2, in the same process.

The dataset's ``__getitem__`` burns about 2 ms of CPU in NumPy (no sleeping), so worker
processes can only help by computing in parallel. Each configuration iterates a full epoch
several times; medians are compared. Run from the repository root:

    python benchmarks/dataloader_throughput.py [N_ITEMS] [REPEATS] [BATCH_SIZE]
"""
from __future__ import annotations

import os
import pathlib
import statistics
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import ember  # noqa: E402

_WORK = 4096


def burn(index: int, rounds: int) -> np.ndarray:
    """Deterministic CPU work: ``rounds`` passes of vectorised trig over a 4096-vector."""
    x = np.linspace(0.0, 1.0, _WORK, dtype=np.float64) + index
    acc = np.zeros(_WORK)
    for _ in range(rounds):
        acc += np.sin(x) * np.cos(acc)
    return acc[:64].astype(np.float32)


def calibrate(target_s: float = 0.002) -> int:
    """Rounds of ``burn`` that take about ``target_s`` seconds on this machine."""
    rounds = 8
    while True:
        t0 = time.perf_counter()
        for i in range(5):
            burn(i, rounds)
        per = (time.perf_counter() - t0) / 5
        if per > target_s / 4 or rounds > 1 << 16:
            return max(1, int(round(rounds * target_s / per)))
        rounds *= 2


class BusyDataset:
    """A map-style dataset whose items cost ~2 ms of CPU each (works with either framework)."""

    def __init__(self, n: int, rounds: int) -> None:
        self.n = n
        self.rounds = rounds

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        return burn(index, self.rounds), index % 10


def epoch_time(loader_cls, dataset, batch_size: int, workers: int) -> float:
    loader = loader_cls(dataset, batch_size=batch_size, shuffle=True, num_workers=workers)
    t0 = time.perf_counter()
    n = 0
    for x, y in loader:
        n += len(y)
    assert n == len(dataset)
    return time.perf_counter() - t0


def main() -> None:
    n_items = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    batch_size = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    rounds = calibrate()
    t0 = time.perf_counter()
    for i in range(20):
        burn(i, rounds)
    per_item_ms = (time.perf_counter() - t0) / 20 * 1e3
    dataset = BusyDataset(n_items, rounds)
    print(f"{n_items} items x {per_item_ms:.2f} ms of CPU each, batch_size={batch_size}, "
          f"{repeats} epochs per configuration (median), {os.cpu_count()} CPUs")
    frameworks = {"ember": (ember, ember.utils.data.DataLoader),
                  "torch": (torch, torch.utils.data.DataLoader)}
    medians = {}
    for workers in (0, 2):
        for name, (mod, loader_cls) in frameworks.items():
            mod.manual_seed(0)
            epoch_time(loader_cls, dataset, batch_size, workers)  # warm-up
            times = [epoch_time(loader_cls, dataset, batch_size, workers) for _ in range(repeats)]
            medians[name, workers] = statistics.median(times)
            print(f"  {name:5s} num_workers={workers}: {medians[name, workers] * 1e3:8.1f} ms/epoch "
                  f"({n_items / medians[name, workers]:7.0f} items/s)")
    print("ratios (time, lower is better for ember):")
    for workers in (0, 2):
        print(f"  ember / torch, num_workers={workers}: "
              f"{medians['ember', workers] / medians['torch', workers]:.2f}")
    for name in frameworks:
        print(f"  {name} speed-up from 2 workers: {medians[name, 0] / medians[name, 2]:.2f}x")


if __name__ == "__main__":
    main()
