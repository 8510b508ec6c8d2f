"""ember.utils.data against torch.utils.data: datasets, samplers, collation, loader arguments and
the random streams (same seed -> same batches, splits and samples as torch)."""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as TD

import ember
import ember.random
import ember.utils.data as ED


def eseed(s):
    getattr(ember, "manual_seed", ember.random.manual_seed)(s)


def egen(s):
    return ember.random.Generator().manual_seed(s)


def tgen(s):
    return torch.Generator().manual_seed(s)


def same(e, t):
    """Recursive equality of an ember and a torch structure (types, dtypes, shapes, values)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), type(e)
        assert str(e.dtype) == str(t.dtype)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    elif isinstance(t, dict):
        assert type(e) is type(t) and list(e) == list(t)
        for k in t:
            same(e[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(e).__name__ == type(t).__name__ and len(e) == len(t)
        for a, b in zip(e, t):
            same(a, b)
    elif isinstance(t, np.ndarray):
        assert isinstance(e, np.ndarray) and e.dtype == t.dtype
        np.testing.assert_array_equal(e, t)
    else:
        assert e == t and type(e) is type(t)


# -- datasets -------------------------------------------------------------------------------------
def test_tensor_dataset():
    ds = ED.TensorDataset(ember.arange(6).view(3, 2), ember.tensor([0, 1, 0]))
    assert len(ds) == 3
    x, y = ds[1]
    assert x.tolist() == [2, 3] and y.item() == 1
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        ED.TensorDataset(ember.zeros(3), ember.zeros(4))
    with pytest.raises(AssertionError):
        TD.TensorDataset(torch.zeros(3), torch.zeros(4))


def test_concat_stack_subset_chain():
    a, b = list(range(3)), list(range(10, 15))
    c = ED.ConcatDataset([a, b])
    assert len(c) == 8 and c.cumulative_sizes == [3, 8]
    assert [c[i] for i in range(8)] == a + b and c[-1] == 14
    with pytest.raises(ValueError, match="absolute value of index"):
        c[-9]
    with pytest.raises(AssertionError, match="empty iterable"):
        ED.ConcatDataset([])

    class Range(ED.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ED.ConcatDataset([Range(2)])
    chain = Range(2) + Range(3)
    assert isinstance(chain, ED.ChainDataset) and list(chain) == [0, 1, 0, 1, 2]
    assert len(chain) == 5
    cat = ED.TensorDataset(ember.arange(2)) + ED.TensorDataset(ember.arange(3))
    assert isinstance(cat, ED.ConcatDataset) and len(cat) == 5

    s = ED.StackDataset(a, [x * 2 for x in a])
    assert s[2] == (2, 4) and s.__getitems__([0, 1]) == [(0, 0), (1, 2)]
    d = ED.StackDataset(x=a, y=a)
    assert d[1] == {"x": 1, "y": 1}
    for bad in (lambda: ED.StackDataset(), lambda: ED.StackDataset(a, b),
                lambda: ED.StackDataset(a, x=a)):
        with pytest.raises(ValueError):
            bad()

    sub = ED.Subset(b, [4, 0])
    assert len(sub) == 2 and sub[0] == 14 and sub.__getitems__([0, 1]) == [14, 10]
    with pytest.raises(TypeError):
        ED.IterableDataset()

    class BadSubset(ED.Subset):
        def __getitem__(self, i):
            return 0

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        BadSubset(a, [0])


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.33, 0.33, 0.34],
                                     [0.1, 0.1, 0.8]])
@pytest.mark.parametrize("n", [10, 11, 7])
def test_random_split_matches_torch(lengths, n):
    if isinstance(lengths[0], int) and sum(lengths) != n:
        with pytest.raises(ValueError, match="Sum of input lengths"):
            ED.random_split(range(n), lengths)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = ED.random_split(range(n), lengths, generator=egen(42))
        ts = TD.random_split(range(n), lengths, generator=tgen(42))
    assert [list(s.indices) for s in es] == [list(s.indices) for s in ts]
    # default generator
    eseed(5)
    torch.manual_seed(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ([s.indices for s in ED.random_split(range(n), lengths)]
                == [s.indices for s in TD.random_split(range(n), lengths)])


def test_random_split_errors():
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        ED.random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index . is 0"):
        ED.random_split(range(2), [0.9, 0.05, 0.05])


# -- samplers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 3, 2024])
def test_samplers_match_torch(seed):
    n = 37
    cases = [
        (lambda m, g: m.RandomSampler(range(n), generator=g)),
        (lambda m, g: m.RandomSampler(range(n), num_samples=80, generator=g)),
        (lambda m, g: m.RandomSampler(range(n), num_samples=20, generator=g)),
        (lambda m, g: m.RandomSampler(range(n), replacement=True, generator=g)),
        (lambda m, g: m.RandomSampler(range(n), replacement=True, num_samples=70, generator=g)),
        (lambda m, g: m.SubsetRandomSampler([5, 9, 11, 2, 40], generator=g)),
        (lambda m, g: m.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0], 30, generator=g)),
        (lambda m, g: m.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0], 4,
                                              replacement=False, generator=g)),
    ]
    for make in cases:
        es, ts = make(ED, egen(seed)), make(TD, tgen(seed))
        assert len(es) == len(ts)
        assert [list(es) for _ in range(2)] == [list(ts) for _ in range(2)]
    # generator=None draws from the default generator, exactly as torch
    eseed(seed)
    torch.manual_seed(seed)
    for make in (lambda m: m.RandomSampler(range(n)),
                 lambda m: m.SubsetRandomSampler(list(range(0, 20, 3))),
                 lambda m: m.WeightedRandomSampler([1.0, 2.0, 3.0], 10)):
        assert list(make(ED)) == list(make(TD))
        assert list(make(ED)) == list(make(TD))


def test_sampler_errors():
    for m in (ED, TD):
        with pytest.raises(TypeError, match="replacement should be a boolean"):
            m.RandomSampler(range(3), replacement=1)
        with pytest.raises(ValueError, match="num_samples should be a positive integer"):
            m.RandomSampler(range(3), num_samples=0)
        with pytest.raises(ValueError, match="num_samples should be a positive integer"):
            m.WeightedRandomSampler([1.0], True)
        with pytest.raises(ValueError, match="weights should be a 1d sequence"):
            m.WeightedRandomSampler([[1.0]], 2)
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            m.BatchSampler(range(3), 0, False)
        with pytest.raises(ValueError, match="drop_last should be a boolean"):
            m.BatchSampler(range(3), 2, 0)


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_and_sequential_sampler(drop_last):
    for bs in (1, 3, 5, 10):
        e = ED.BatchSampler(ED.SequentialSampler(range(10)), bs, drop_last)
        t = TD.BatchSampler(TD.SequentialSampler(range(10)), bs, drop_last)
        assert list(e) == list(t) and len(e) == len(t)


@pytest.mark.parametrize("n,replicas,shuffle,drop_last",
                         [(10, 3, True, False), (10, 3, True, True), (10, 3, False, False),
                          (11, 4, True, True), (2, 5, True, False), (12, 4, False, True)])
def test_distributed_sampler_matches_torch(n, replicas, shuffle, drop_last):
    for rank in range(replicas):
        e = ED.DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=7,
                                  drop_last=drop_last)
        t = TD.DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=7,
                                  drop_last=drop_last)
        assert len(e) == len(t) and e.total_size == t.total_size
        for epoch in (0, 3):
            e.set_epoch(epoch)
            t.set_epoch(epoch)
            assert list(e) == list(t)
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        ED.DistributedSampler(range(4), num_replicas=3, rank=3)


# -- collation ------------------------------------------------------------------------------------
Point = collections.namedtuple("Point", ["x", "y"])


def _collate_cases(m):
    T = m.tensor
    return [
        [T([1.0, 2.0]), T([3.0, 4.0])],
        [T(1), T(2)],
        [np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32)],
        [np.arange(3), np.arange(3)],
        [np.float32(1.5), np.float32(2.5)],
        [np.int32(1), np.int32(2)],
        [np.bool_(True), np.bool_(False)],
        [np.float64(1.0), np.float64(2.0)],
        [1.5, 2.5],
        [1, 2, 3],
        [True, False],
        ["a", "b"],
        [b"a", b"b"],
        [(1, "a", 2.0), (2, "b", 3.0)],
        [[T([1]), 2], [T([3]), 4]],
        [{"x": T([1.0]), "y": 1}, {"x": T([2.0]), "y": 2}],
        [Point(1, T(2.0)), Point(3, T(4.0))],
        [{"a": {"b": (1, [2.0])}}, {"a": {"b": (3, [4.0])}}],
    ]


def test_default_collate_matches_torch():
    for ecase, tcase in zip(_collate_cases(ember), _collate_cases(torch)):
        same(ED.default_collate(ecase), TD.default_collate(tcase))


def test_default_convert_matches_torch():
    cases = [np.arange(3), np.float32(2.0), np.int32(4), {"a": np.ones(2)}, (np.zeros(1), 1),
             Point(np.zeros(1), "s"), [np.ones(2), "x"], np.array(["a", "b"]), "str", 3]
    for c in cases:
        same(ED.default_convert(c), TD.default_convert(c))


def test_collate_errors_match_torch():
    for m, dc in ((ember, ED.default_collate), (torch, TD.default_collate)):
        with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, "
                                            "dicts or lists; found <class 'object'>"):
            dc([object(), object()])
        with pytest.raises(TypeError, match="found <U1"):
            dc([np.array(["a"]), np.array(["b"])])
        with pytest.raises(RuntimeError, match="each element in list of batch should be of "
                                               "equal size"):
            dc([[1, 2], [1]])
        with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
            dc([m.zeros(3), m.zeros(4)])


def test_collate_fn_map_extension():
    class Foo:
        pass

    def collate_foo(batch, *, collate_fn_map=None):
        return len(batch)

    from ember.utils.data._collate import collate, default_collate_fn_map
    cmap = {**default_collate_fn_map, Foo: collate_foo}
    out = collate([(Foo(), 1), (Foo(), 2)], collate_fn_map=cmap)
    assert out[0] == 2 and out[1].tolist() == [1, 2]


# -- DataLoader arguments -------------------------------------------------------------------------
class _It(TD.IterableDataset):
    def __iter__(self):
        return iter(range(5))


class _EIt(ED.IterableDataset):
    def __iter__(self):
        return iter(range(5))


def _bad_kwargs():
    return [
        dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
        dict(num_workers=1, prefetch_factor=-1), dict(persistent_workers=True),
        dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2),
        dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], sampler=[0]),
        dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
        dict(multiprocessing_context="fork"), dict(num_workers=1, multiprocessing_context="nope"),
        dict(num_workers=1, multiprocessing_context=3),
    ]


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


def test_dataloader_argument_errors_match_torch():
    for kw in _bad_kwargs():
        t = _error(lambda: TD.DataLoader(list(range(4)), **kw))
        e = _error(lambda: ED.DataLoader(list(range(4)), **kw))
        assert t is not None and e == t, (kw, e, t)
    for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        t = _error(lambda: TD.DataLoader(_It(), **kw))
        e = _error(lambda: ED.DataLoader(_EIt(), **kw))
        assert t is not None and e[0] is t[0] and e[1].split(",")[0] == t[1].split(",")[0], kw
    t = _error(lambda: iter(TD.DataLoader(list(range(4)), timeout=1)))
    e = _error(lambda: iter(ED.DataLoader(list(range(4)), timeout=1)))
    assert e == t
    dl = ED.DataLoader(list(range(4)))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        dl.batch_size = 3
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true"):
        assert len(list(ED.DataLoader(list(range(4)), pin_memory=True))) == 4


@pytest.mark.parametrize("bs,drop_last", [(1, False), (3, False), (3, True), (None, False)])
def test_dataloader_len_and_batches_sequential(bs, drop_last):
    ed = ED.DataLoader(ED.TensorDataset(ember.arange(10)), batch_size=bs, drop_last=drop_last)
    td = TD.DataLoader(TD.TensorDataset(torch.arange(10)), batch_size=bs, drop_last=drop_last)
    assert len(ed) == len(td)
    for a, b in zip(ed, td, strict=True):
        same(a, b)
    ed = ED.DataLoader(_EIt(), batch_size=bs, drop_last=drop_last)
    td = TD.DataLoader(_It(), batch_size=bs, drop_last=drop_last)
    for a, b in zip(ed, td, strict=True):
        same(a, b)


def test_dataloader_batch_sampler_and_collate_fn():
    ds = list(range(10))
    bs = [[0, 5], [1, 2, 3], [9]]
    assert [b.tolist() for b in ED.DataLoader(ds, batch_sampler=bs)] == bs
    assert list(ED.DataLoader(ds, batch_size=4, collate_fn=sum)) == [6, 22, 17]

    class Items(ED.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, idx):
            return [i * 10 for i in idx]

    assert [b.tolist() for b in ED.DataLoader(Items(), batch_size=4)] == [[0, 10, 20, 30],
                                                                          [40, 50]]


# -- random streams: shuffled loaders reproduce torch ----------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 1234])
@pytest.mark.parametrize("bs,drop_last", [(1, False), (4, False), (4, True), (7, True)])
def test_shuffled_loader_matches_torch(seed, bs, drop_last):
    n = 30
    eds, tds = ED.TensorDataset(ember.arange(n)), TD.TensorDataset(torch.arange(n))
    eseed(seed)
    torch.manual_seed(seed)
    edl = ED.DataLoader(eds, batch_size=bs, shuffle=True, drop_last=drop_last)
    tdl = TD.DataLoader(tds, batch_size=bs, shuffle=True, drop_last=drop_last)
    for _ in range(2):  # two epochs: the stream continues identically
        assert [b[0].tolist() for b in edl] == [b[0].tolist() for b in tdl]
    # the default generator is left in the same state
    from ember.utils.data import _utils
    assert _utils.random_int64() == torch.empty((), dtype=torch.int64).random_().item()
    # explicit generator
    edl = ED.DataLoader(eds, batch_size=bs, shuffle=True, generator=egen(seed))
    tdl = TD.DataLoader(tds, batch_size=bs, shuffle=True, generator=tgen(seed))
    assert [b[0].tolist() for b in edl] == [b[0].tolist() for b in tdl]
