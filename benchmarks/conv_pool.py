"""Conv / pooling speed: ember vs torch in the same process (medians, ratio ember/torch).

Run: ``.venv/bin/python benchmarks/conv_pool.py [--repeat N]``. Both frameworks use the same
inputs and weights; each case times forward (+ backward where marked) interleaving the two.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ember  # noqa: E402


def _time(fn, repeat):
    fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def _conv_case(n, cin, h, cout, k, padding, backward):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, cin, h, h)).astype(np.float32)
    tm = torch.nn.Conv2d(cin, cout, k, padding=padding)
    em = ember.nn.Conv2d(cin, cout, k, padding=padding)
    em.load_state_dict({k_: ember.tensor(v.detach().numpy()) for k_, v in
                        tm.state_dict().items()})
    tx = torch.from_numpy(x).requires_grad_(backward)
    ex = ember.from_numpy(x.copy()).requires_grad_(backward)

    def run_t():
        y = tm(tx)
        if backward:
            y.sum().backward()

    def run_e():
        y = em(ex)
        if backward:
            y.sum().backward()
    return run_t, run_e


def _pool_case(fn_name, n, c, h, backward, **kw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, h)).astype(np.float32)
    tx = torch.from_numpy(x).requires_grad_(backward)
    ex = ember.from_numpy(x.copy()).requires_grad_(backward)
    tf, ef = getattr(torch.nn.functional, fn_name), getattr(ember.nn.functional, fn_name)

    def run_t():
        y = tf(tx, **kw)
        if backward:
            y.sum().backward()

    def run_e():
        y = ef(ex, **kw)
        if backward:
            y.sum().backward()
    return run_t, run_e


CASES = [
    ("Conv2d(64->64,3x3,p1) fwd+bwd (32,64,32,32)", lambda: _conv_case(32, 64, 32, 64, 3, 1, True)),
    ("Conv2d(64->64,3x3,p1) fwd      (32,64,32,32)", lambda: _conv_case(32, 64, 32, 64, 3, 1, False)),
    ("Conv2d(1->32,3x3) fwd+bwd      (64,1,28,28)", lambda: _conv_case(64, 1, 28, 32, 3, 0, True)),
    ("Conv2d(32->64,3x3) fwd+bwd     (64,32,26,26)", lambda: _conv_case(64, 32, 26, 64, 3, 0, True)),
    ("Conv2d(256->256,3x3,p1) fwd+bwd (32,256,8,8)",
     lambda: _conv_case(32, 256, 8, 256, 3, 1, True)),
    ("Conv2d(512->512,3x3,p1) fwd+bwd (32,512,4,4)",
     lambda: _conv_case(32, 512, 4, 512, 3, 1, True)),
    ("MaxPool2d(2) fwd+bwd           (32,64,32,32)",
     lambda: _pool_case("max_pool2d", 32, 64, 32, True, kernel_size=2)),
    ("MaxPool2d(2) fwd               (32,64,32,32)",
     lambda: _pool_case("max_pool2d", 32, 64, 32, False, kernel_size=2)),
    ("AvgPool2d(2) fwd+bwd           (32,64,32,32)",
     lambda: _pool_case("avg_pool2d", 32, 64, 32, True, kernel_size=2)),
    ("AvgPool2d(3,s1,p1) fwd+bwd     (32,64,32,32)",
     lambda: _pool_case("avg_pool2d", 32, 64, 32, True, kernel_size=3, stride=1, padding=1)),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{'case':48s} {'torch ms':>9s} {'ember ms':>9s} {'ratio':>6s}")
    for name, make in CASES:
        run_t, run_e = make()
        tt = _time(run_t, args.repeat)
        te = _time(run_e, args.repeat)
        print(f"{name:48s} {tt * 1e3:9.2f} {te * 1e3:9.2f} {te / tt:6.2f}")


if __name__ == "__main__":
    main()
