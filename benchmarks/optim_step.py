"""Optimizer step speed: ember vs torch in the same process (medians, ratio ember/torch).

Run: ``.venv/bin/python benchmarks/optim_step.py [case ...] [--iters N] [--threads T]``. Each
case builds the parameter shapes of one workload (or one big parameter) with fixed gradients in
both frameworks and times ``opt.step()`` alone, interleaving the two. On a loaded 2-core machine
``--threads 1`` gives much steadier torch times.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MLP = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]
CNN = [(32, 1, 3, 3), (32,), (64, 32, 3, 3), (64,), (128, 9216), (128,), (10, 128), (10,)]
LSTM = [(100, 64), (1024, 64), (1024, 256), (1024,), (1024,), (1024, 256), (1024, 256),
        (1024,), (1024,), (10, 256), (10,)]


def _model_shapes(build):
    import ember
    return [tuple(p.shape) for p in build(ember).parameters()]


def _gpt_shapes():
    from benchmarks.workloads import _gpt
    return _model_shapes(_gpt)


def _resnet_shapes():
    from benchmarks.workloads import _resnet18
    return _model_shapes(_resnet18)


# name -> (optimizer, kwargs, shapes or a function returning them)
CASES = {
    "sgd_mlp": ("SGD", dict(lr=0.01, momentum=0.9), MLP),
    "sgd_resnet": ("SGD", dict(lr=0.05, momentum=0.9), _resnet_shapes),
    "adam_cnn": ("Adam", dict(lr=1e-3), CNN),
    "adam_9216x128": ("Adam", dict(lr=1e-3), [(128, 9216)]),
    "adamw_gpt": ("AdamW", dict(lr=3e-4), _gpt_shapes),
    "adam_lstm": ("Adam", dict(lr=1e-3), LSTM),
    "sgd_9216x128": ("SGD", dict(lr=0.01, momentum=0.9), [(128, 9216)]),
    "rmsprop_9216x128": ("RMSprop", dict(lr=1e-3, momentum=0.9, centered=True), [(128, 9216)]),
    "adagrad_9216x128": ("Adagrad", dict(lr=1e-2), [(128, 9216)]),
}


def _build(lib, name, kwargs, shapes):
    rng = np.random.default_rng(0)
    params = []
    for s in shapes:
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(s).astype(np.float32)))
        p.grad = lib.tensor(rng.standard_normal(s).astype(np.float32) * 1e-2)
        params.append(p)
    opt = getattr(lib.optim, name)(params, **kwargs)
    return opt.step


def bench(case: str, iters: int) -> tuple[float, float]:
    import torch

    import ember
    name, kwargs, shapes = CASES[case]
    if callable(shapes):
        shapes = shapes()
    e_step, t_step = _build(ember, name, kwargs, shapes), _build(torch, name, kwargs, shapes)
    for _ in range(3):
        e_step()
        t_step()
    et, tt = [], []
    for _ in range(iters):
        t0 = time.perf_counter()
        e_step()
        t1 = time.perf_counter()
        t_step()
        t2 = time.perf_counter()
        et.append(t1 - t0)
        tt.append(t2 - t1)
    return statistics.median(et) * 1e3, statistics.median(tt) * 1e3


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("cases", nargs="*", help=f"default all: {', '.join(CASES)}")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    args = ap.parse_args(argv)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    print(f"{'case':<16} {'ember ms':>10} {'torch ms':>10} {'ratio':>7}")
    for case in args.cases or list(CASES):
        e, t = bench(case, args.iters)
        print(f"{case:<16} {e:>10.3f} {t:>10.3f} {e / t:>7.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
