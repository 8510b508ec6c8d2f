"""Multi-process DataLoader: real worker processes, seeding, sharding, error propagation,
dead-worker detection, timeouts, shutdown (no live child, no leaked shared-memory file) and
torch's batch order for shuffled loaders."""
import gc
import glob
import math
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch
import torch.utils.data as TD

import ember
import ember.random
import ember.utils.data as ED
from ember.utils.data import _shm

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process semantics")


@pytest.fixture(autouse=True)
def _alarm():
    """Fail instead of hanging forever."""
    def boom(*_):
        raise TimeoutError("test took too long (hang?)")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _no_children(deadline=5.0):
    gc.collect()
    end = time.monotonic() + deadline
    while multiprocessing.active_children() and time.monotonic() < end:
        time.sleep(0.05)
    return not multiprocessing.active_children()


def _leaked_files():
    return glob.glob(os.path.join(_shm.shm_dir(), f"ember_dl_{os.getpid()}_*"))


# -- datasets (module level so that spawned workers can unpickle them) ------------------------------
class Squares(ED.Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, i):
        return {"i": i, "sq": ember.tensor([i * i]), "name": f"s{i}"}


class Failing(ED.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"bad sample {i}")
        if i == 6:
            raise KeyError("missing")
        return i


class Sharded(ED.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = ED.get_worker_info()
        if info is None:
            return iter(range(self.n))
        per = int(math.ceil(self.n / info.num_workers))
        start = info.id * per
        return iter(range(start, min(start + per, self.n)))

    def __len__(self):
        return self.n


class Info(ED.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = ED.get_worker_info()
        return [info.id, info.num_workers, info.seed, os.getpid(), random.random(),
                float(np.random.rand()), type(info.dataset).__name__,
                ember.random.initial_seed()]


class Slow(ED.Dataset):
    def __len__(self):
        return 100

    def __getitem__(self, i):
        time.sleep(0.2 if i >= 2 else 0)
        return i


class Big(ED.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return ember.full((64, 64, 8), float(i)), np.full((100, 100), i, np.int32), i


def _init_fn(worker_id):
    ED.get_worker_info().dataset.tag = worker_id * 100


class Tagged(ED.Dataset):
    tag = -1

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return self.tag


# -- tests ----------------------------------------------------------------------------------------
def test_collation_in_workers_and_order():
    dl = ED.DataLoader(Squares(), batch_size=3, num_workers=2)
    batches = list(dl)
    assert len(batches) == 7
    flat = [v for b in batches for v in b["i"].tolist()]
    assert flat == list(range(20))
    b = batches[1]
    assert isinstance(b["sq"], ember.Tensor) and b["sq"].dtype == ember.int64
    assert b["sq"].tolist() == [[9], [16], [25]] and b["name"] == ["s3", "s4", "s5"]
    assert _no_children() and not _leaked_files()


def test_large_arrays_go_through_shared_memory():
    dl = ED.DataLoader(Big(), batch_size=3, num_workers=2)
    for k, (x, a, i) in enumerate(dl):
        assert isinstance(x, ember.Tensor) and x.shape == (3, 64, 64, 8)
        assert x.dtype == ember.float32 and isinstance(a, ember.Tensor) and a.dtype == ember.int32
        assert x[:, 0, 0, 0].tolist() == [3.0 * k, 3.0 * k + 1, 3.0 * k + 2]
        assert i.tolist() == [3 * k, 3 * k + 1, 3 * k + 2]
        # the tensor's memory is the (already unlinked) shared mapping, not a pickled copy
        assert x._data.base is not None and not x._data.flags.owndata
    assert _no_children() and not _leaked_files()
    packer = _shm.Packer(_shm.new_prefix(), 0)
    p = packer.pack([ember.zeros(100000), np.ones(3)])
    assert p.path is not None and os.path.exists(p.path)
    out = _shm.unpack(p)
    assert not os.path.exists(p.path) and out[0].shape == (100000,) and out[1].tolist() == [1] * 3


def test_in_order_false_yields_all():
    got = [b.item() for b in ED.DataLoader(list(range(12)), num_workers=2, in_order=False)]
    assert sorted(got) == list(range(12))


def test_worker_info_and_seeding():
    ember.random.manual_seed(11)
    rows = list(ED.DataLoader(Info(), batch_size=None, num_workers=2))
    assert ED.get_worker_info() is None
    ids = [r[0] for r in rows]
    assert ids == [0, 1, 0, 1] and all(r[1] == 2 for r in rows)
    seeds = {r[0]: r[2] for r in rows}
    assert seeds[1] == seeds[0] + 1
    # base seed = the loader's first int64 draw, as torch
    ember.random.manual_seed(11)
    from ember.utils.data import _utils
    assert seeds[0] == _utils.random_int64()
    assert len({r[3] for r in rows}) == 2 and os.getpid() not in {r[3] for r in rows}
    # Python's random is seeded base_seed + worker_id; NumPy with torch's _generate_state
    random.seed(seeds[0])
    assert rows[0][4] == random.random()
    from torch.utils.data._utils.worker import _generate_state as t_state
    from ember.utils.data._worker import _generate_state as e_state
    base = seeds[0]
    assert e_state(base, 1) == t_state(base, 1) and e_state(123, 0) == t_state(123, 0)
    np.random.seed(e_state(base, 1))
    assert rows[1][5] == float(np.random.rand())
    assert rows[0][6] == "Info"
    assert [r[7] for r in rows] == [r[2] for r in rows]  # ember's generator: base_seed + id


def test_iterable_sharding_and_len():
    dl = ED.DataLoader(Sharded(7), batch_size=2, num_workers=2)
    got = [b.tolist() for b in dl]
    assert sorted(v for b in got for v in b) == list(range(7))
    assert got[0] == [0, 1] and got[1] == [4, 5]
    assert len(dl) == 4
    # without sharding each worker yields the whole stream
    class_dup = list(ED.DataLoader(ED.ChainDataset([Sharded(3)]), num_workers=2))
    assert len(class_dup) == 3  # ChainDataset iterates Sharded, which shards itself
    assert _no_children()


def test_worker_init_fn_and_persistent_workers():
    dl = ED.DataLoader(Tagged(), batch_size=2, num_workers=2, worker_init_fn=_init_fn,
                       persistent_workers=True)
    first = [b.tolist() for b in dl]
    assert first == [[0, 0], [100, 100], [0, 0]]
    it = dl._iterator
    pids = {w.pid for w in it._workers}
    second = [b.tolist() for b in dl]
    assert second == first and dl._iterator is it
    assert {w.pid for w in it._workers} == pids and all(w.is_alive() for w in it._workers)
    # break mid-epoch, then a full epoch still gives everything
    for _ in dl:
        break
    assert [b.tolist() for b in dl] == first
    del dl, it
    assert _no_children() and not _leaked_files()


def test_worker_exception_reraised_with_traceback():
    dl = ED.DataLoader(Failing(), batch_size=None, num_workers=2)
    it = iter(dl)
    assert [next(it) for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError) as info:
        next(it)
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1.\n"
                          "Original Traceback (most recent call last):")
    assert "bad sample 5" in msg and "__getitem__" in msg
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        next(it)  # the loader goes on after an error, as torch's
    assert next(it) == 7
    del it, info
    assert _no_children()


def test_killed_worker_raises_instead_of_hanging():
    it = iter(ED.DataLoader(Slow(), batch_size=None, num_workers=2))
    assert next(it) == 0
    victim = it._workers[1].pid
    os.kill(victim, signal.SIGKILL)
    t = time.monotonic()
    with pytest.raises(RuntimeError, match=rf"DataLoader worker \(pid\(s\) {victim}\) exited "
                                           "unexpectedly"):
        for _ in range(10):
            next(it)
    assert time.monotonic() - t < 10
    del it
    assert _no_children() and not _leaked_files()


def test_timeout():
    it = iter(ED.DataLoader(Slow(), batch_size=None, num_workers=1, timeout=0.05,
                            prefetch_factor=1))
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.05 seconds"):
        for _ in range(5):
            next(it)
    del it
    assert _no_children()


def test_break_and_del_leave_no_children():
    dl = ED.DataLoader(Slow(), batch_size=2, num_workers=2)
    for _ in dl:
        break
    assert _no_children()
    it = iter(dl)
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    assert _no_children()
    try:
        for _ in ED.DataLoader(Failing(), batch_size=4, num_workers=2):
            pass
    except ValueError:
        pass
    assert _no_children() and not _leaked_files()


def test_spawn_context():
    # an ember-defined dataset: the spawned child need not import this (torch-importing) module
    ds = ED.TensorDataset(ember.arange(20))
    dl = ED.DataLoader(ds, batch_size=10, num_workers=2, multiprocessing_context="spawn")
    assert [b[0].tolist() for b in dl] == [list(range(10)), list(range(10, 20))]
    assert _no_children()


def test_interpreter_exit_shuts_down_workers(tmp_path):
    code = textwrap.dedent("""
        import os, sys
        sys.path.insert(0, %r)
        import ember.utils.data as ED
        class D(ED.Dataset):
            def __len__(self): return 10 ** 6
            def __getitem__(self, i): return i
        it = iter(ED.DataLoader(D(), batch_size=4, num_workers=2, persistent_workers=True))
        next(it)
        print(" ".join(str(w.pid) for w in it._workers), flush=True)
    """) % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    pids = [int(p) for p in out.stdout.split()]
    time.sleep(0.2)
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive = open(f"/proc/{pid}/stat").read().split()[2] != "Z" \
                if os.path.exists(f"/proc/{pid}/stat") else True
        except ProcessLookupError:
            alive = False
        assert not alive, pid


@pytest.mark.parametrize("seed,bs,drop_last", [(0, 4, False), (7, 3, True), (99, 1, False)])
def test_shuffled_multiworker_loader_matches_torch(seed, bs, drop_last):
    n = 25
    getattr(ember, "manual_seed", ember.random.manual_seed)(seed)
    torch.manual_seed(seed)
    edl = ED.DataLoader(ED.TensorDataset(ember.arange(n)), batch_size=bs, shuffle=True,
                        drop_last=drop_last, num_workers=2)
    tdl = TD.DataLoader(TD.TensorDataset(torch.arange(n)), batch_size=bs, shuffle=True,
                        drop_last=drop_last, num_workers=0)
    for _ in range(2):
        assert [b[0].tolist() for b in edl] == [b[0].tolist() for b in tdl]
