"""``nn.utils.rnn`` (``torch.nn.utils.rnn``): packed sequences and padding helpers.

A ``PackedSequence`` holds the rows of a batch of variable-length sequences time step by time
step: ``data`` is ``(sum(lengths), *)``, ``batch_sizes[t]`` the number of sequences still running
at step ``t`` (sequences sorted by decreasing length; ``sorted_indices`` / ``unsorted_indices``
record the permutation when the input was not sorted). Packing and padding are one
``index_select`` each (padding selects from the data with one extra padding row appended), so
gradients flow through both.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from ..._backend import CPU
from ..._ops.creation import arange, empty_like, full
from ..._ops.join import cat
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]

xp = CPU.xp


def _ember():
    import ember
    return ember


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """A packed batch of variable-length sequences (torch's namedtuple subclass; build it with
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand).

    Example::

        >>> p = pack_sequence([ember.ones(3, 2), ember.ones(1, 2)])
        >>> p.batch_sizes
        tensor([2, 1, 1])
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, *_packed_sequence_init_args(
            data, batch_sizes, sorted_indices, unsorted_indices))

    def pin_memory(self):
        return self

    def to(self, *args, **kwargs):
        """``data.to(...)``; the index tensors follow ``data``'s device, ``batch_sizes`` stays."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def call_to(t):
            return t.to(data.device)
        return type(self)(data, self.batch_sizes, bind(self.sorted_indices, call_to),
                          bind(self.unsorted_indices, call_to))

    def cuda(self, *args, **kwargs):
        kwargs.setdefault("device", "cuda")
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        kwargs["device"] = "cpu"
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=_ember().double)

    def float(self):
        return self.to(dtype=_ember().float)

    def half(self):
        return self.to(dtype=_ember().half)

    def long(self):
        return self.to(dtype=_ember().long)

    def int(self):
        return self.to(dtype=_ember().int)

    def short(self):
        return self.to(dtype=_ember().short)

    def char(self):
        return self.to(dtype=_ember().int8)

    def byte(self):
        return self.to(dtype=_ember().uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None,
                               unsorted_indices=None):
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError("Expected data to be a list or tuple of length 2")
    return data[0], data[1], sorted_indices, unsorted_indices


def invert_permutation(permutation):
    """The inverse of a permutation tensor (``None`` stays ``None``)."""
    if permutation is None:
        return None
    output = empty_like(permutation)
    output.scatter_(0, permutation, arange(0, permutation.numel(), device=permutation.device))
    return output


def _check_lengths(lengths, batch_size):
    """torch's ``_pack_padded_sequence`` checks, in torch's order."""
    if lengths.dim() != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{lengths.dim()}D cpu Long tensor")
    if lengths.shape[0] != batch_size:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={batch_size})")
    ls = lengths._data
    if batch_size and ls[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if batch_size > 1 and bool((ls[1:] > ls[:-1]).any()):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
            "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
            "to sidestep this requirement if you do not need ONNX exportability.")
    return ls


def _index(ix):
    return _ember().from_numpy(xp.ascontiguousarray(ix, dtype=xp.int64))


def pack_padded_sequence(input, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded ``(T, B, *)`` (or ``(B, T, *)``) batch given each sequence's length.

    Unlike torch, a length longer than the padded time dim raises instead of reading past it.

    Example::

        >>> pack_padded_sequence(ember.ones(3, 2, 1), [3, 1]).batch_sizes
        tensor([2, 1, 1])
    """
    em = _ember()
    if not isinstance(lengths, Tensor):
        lengths = em.as_tensor(lengths, dtype=em.int64)
    else:
        lengths = lengths.to(dtype=em.int64)
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = em.sort(lengths, descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    x = input.transpose(0, 1) if batch_first else input
    if x.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    steps, batch = x.shape[0], x.shape[1]
    ls = _check_lengths(lengths, batch)
    if int(ls[0]) > steps:
        raise RuntimeError(f"Expected the longest length ({int(ls[0])}) to be at most the "
                           f"padded sequence length ({steps})")
    t = xp.arange(int(ls[0]))
    sizes = (ls[None, :] > t[:, None]).sum(1)
    cols = xp.arange(batch)[None, :]
    rows = (t[:, None] * batch + cols)[cols < sizes[:, None]]
    data = x.reshape((steps * batch,) + tuple(x.shape[2:])).index_select(0, _index(rows))
    batch_sizes = _index(sizes)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None):
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)``, padding with ``padding_value``.

    Example::

        >>> p = pack_sequence([ember.ones(2), ember.ones(1)])
        >>> pad_packed_sequence(p)[1]
        tensor([2, 1])
    """
    bs = sequence.batch_sizes._data.astype(xp.int64)
    max_len = bs.shape[0]
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        max_len = total_length
    data = sequence.data
    batch = int(bs[0]) if bs.shape[0] else 0
    n = data.shape[0]
    starts = xp.concatenate([xp.zeros(1, xp.int64), xp.cumsum(bs)[:-1]])
    cols = xp.arange(batch)[None, :]
    idx = xp.full((max_len, batch), n, xp.int64)
    live = cols < bs[:, None]
    idx[:bs.shape[0]][live] = (starts[:, None] + cols)[live]
    pad = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = cat([data, pad]).index_select(0, _index(idx.reshape(-1)))
    padded = padded.reshape((max_len, batch) + tuple(data.shape[1:]))
    lengths = _index(live.sum(0) if bs.shape[0] else xp.zeros(batch, xp.int64))
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        un = sequence.unsorted_indices
        return padded.index_select(0 if batch_first else 1, un), lengths[un]
    return padded, lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right"):
    """Stack variable-length ``(L_i, *)`` tensors into ``(T, B, *)`` (or ``(B, T, *)``).

    Example::

        >>> pad_sequence([ember.ones(2), ember.ones(1)], batch_first=True)
        tensor([[1., 1.],
                [1., 0.]])
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    trail = tuple(seqs[0].shape[1:])
    dt = seqs[0].dtype
    parts = [_fit(s, trail, dt) for s in seqs]
    lens = xp.array([p.shape[0] for p in parts], xp.int64)
    batch, max_len = len(parts), int(lens.max())
    total = int(lens.sum())
    starts = xp.concatenate([xp.zeros(1, xp.int64), xp.cumsum(lens)[:-1]])
    t = xp.arange(max_len)[None, :]
    shift = (max_len - lens)[:, None] if padding_side == "left" else 0
    src = t - shift
    idx = xp.where((src >= 0) & (src < lens[:, None]), starts[:, None] + src, total)
    if not batch_first:
        idx = idx.T
    pad = full((1,) + trail, padding_value, dtype=dt)
    out = cat(parts + [pad]).index_select(0, _index(idx.reshape(-1)))
    shape = (batch, max_len) if batch_first else (max_len, batch)
    return out.reshape(shape + trail)


def _fit(s, trail, dt):
    """``s`` with trailing dims ``trail`` (torch copies with broadcasting) and dtype ``dt``."""
    st = tuple(s.shape[1:])
    if st != trail:
        a, b = list(trail), list(st)
        if len(b) > len(a):
            raise RuntimeError(f"expand(torch.FloatTensor{{{list(s.shape)}}}, size="
                               f"{[s.shape[0]] + a}): the number of sizes provided "
                               f"({len(a) + 1}) must be greater or equal to the number of "
                               f"dimensions in the tensor ({len(b) + 1})")
        for k in range(1, len(b) + 1):
            if b[-k] != a[-k] and b[-k] != 1:
                raise RuntimeError(f"The size of tensor a ({a[-k]}) must match the size of "
                                   f"tensor b ({b[-k]}) at non-singleton dimension "
                                   f"{len(a) + 1 - k}")
        s = s.expand((s.shape[0],) + trail)
    return s if s.dtype == dt else s.to(dt)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences (torch transposes its input in place when
    ``batch_first=False``; ember leaves the caller's tensor untouched).

    Example::

        >>> [s.shape[0] for s in unpad_sequence(ember.ones(3, 2), ember.tensor([3, 1]))]
        [3, 1]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    max_length = padded_sequences.shape[1]
    idx = arange(max_length, device=lengths.device)
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` tensors (sorted by decreasing length unless
    ``enforce_sorted=False``).

    Example::

        >>> pack_sequence([ember.ones(2, 3), ember.ones(1, 3)]).data.shape
        torch.Size([3, 3])
    """
    lengths = _ember().as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences) -> list:
    """The list of sequences in a ``PackedSequence`` (in their original order).

    Example::

        >>> [s.shape[0] for s in unpack_sequence(pack_sequence([ember.ones(2), ember.ones(1)]))]
        [2, 1]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
