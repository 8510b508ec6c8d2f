"""Random sampling ops: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``,
``bernoulli``, ``multinomial`` and the in-place samplers (``uniform_``, ``normal_``, ...).

Every draw comes from an ``ember.Generator`` whose streams are torch's, in torch's order: a
tensor is filled in its (C-contiguous) element order, exactly as many raw numbers are consumed
as torch consumes, so ``manual_seed`` reproduces PyTorch's values.
"""
from __future__ import annotations

from .. import _dtype
from .._backend import CPU
from .._tensor import Tensor, _make
from ..random import resolve
from ._common import to_dtype_arg
from .creation import _check_device, _finish, _size_arg
from .registry import check_inplace_leaf, export, method

__all__ = ["rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "rand_like", "randn_like", "randint_like"]

xp = CPU.xp


def _float_dtype(dtype) -> _dtype.dtype:
    dt = to_dtype_arg(dtype) or _dtype.get_default_dtype()
    return dt


def _sized(name, draw):
    def factory(*size, generator=None, out=None, dtype=None, layout=None, device=None,
                requires_grad=False, pin_memory=False):
        _check_device(device)
        shape = _size_arg(size)
        dt = _float_dtype(dtype)
        if not dt.is_floating_point:
            raise RuntimeError(f'"{name}" not implemented for \'{_legacy(dt)}\'')
        n = _numel(shape)
        arr = draw(resolve(generator), n, dt).reshape(shape)
        return _finish(arr, requires_grad)
    factory.__name__ = name
    return factory


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _legacy(dt) -> str:
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte", "int16": "Short",
            "int8": "Char"}.get(dt.name, dt.name)


def _as(arr, dt):
    return arr if arr.dtype == dt.np else arr.astype(dt.np)


def _uniform(state, n, dt, low=0.0, high=1.0):
    return _as(state.uniform(n, low, high, dt.np), dt)


def _normal(state, n, dt, mean=0.0, std=1.0):
    return _as(state.normal(n, mean, std, dt.np), dt)


rand = export("rand", method=False)(_sized("rand", _uniform))
rand.__doc__ = """Uniform samples on ``[0, 1)`` — torch's stream for the same seed.

    Example::

        >>> _ = ember.manual_seed(0)
        >>> ember.rand(2)
        tensor([0.4963, 0.7682])
    """
randn = export("randn", method=False)(_sized("randn", _normal))
randn.__doc__ = "Standard normal samples — torch's stream (Box–Muller as torch's CPU kernel)."


@export("rand_like", method=False)
def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None) -> Tensor:
    """``rand`` with ``input``'s shape and dtype."""
    return rand(*input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                generator=generator)


@export("randn_like", method=False)
def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None) -> Tensor:
    """``randn`` with ``input``'s shape and dtype."""
    return randn(*input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                 generator=generator)


@export("randint", method=False)
def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False) -> Tensor:
    """Integers uniform on ``[low, high)``: ``randint(high, size)`` / ``randint(low, high, size)``."""
    _check_device(device)
    args = list(args)
    if size is None:
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() received an invalid combination of arguments")
    shape = _size_arg((size,))
    dt = to_dtype_arg(dtype) or _dtype.int64
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    arr = _as(resolve(generator).random_int(_numel(shape), low, high, dt.np), dt)
    return _finish(arr.reshape(shape), requires_grad)


@export("randint_like", method=False)
def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None) -> Tensor:
    """``randint`` with ``input``'s shape and dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype,
                   requires_grad=requires_grad, generator=generator)


@export("randperm", method=False)
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (torch's CPU algorithm and stream)."""
    _check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = to_dtype_arg(dtype) or _dtype.int64
    return _finish(_as(resolve(generator).randperm(int(n), dt.np), dt), requires_grad)


@export("normal", method=False)
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, requires_grad=False) -> Tensor:
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers (then ``size``)."""
    state = resolve(generator)
    m_t, s_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not m_t and not s_t:
        if size is None:
            raise TypeError("normal() missing required argument 'size'")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shape = _size_arg((size,))
        dt = _float_dtype(dtype)
        arr = _normal(state, _numel(shape), dt, float(mean), float(std)).reshape(shape)
        return _finish(arr, requires_grad)
    if s_t and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    ref = mean if m_t else std
    shape = xp.broadcast_shapes(mean._data.shape if m_t else (), std._data.shape if s_t else ())
    if m_t and s_t and mean._data.shape != std._data.shape and \
            mean._data.size == std._data.size:
        shape = mean._data.shape  # torch's legacy rule: same numel, mean's shape
    dt = ref.dtype
    # NOTE: torch draws standard normals into the output, then scales: out * std + mean
    z = _make(_normal(state, _numel(shape), dt).reshape(shape))
    return z * std + mean


@export("bernoulli")
def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples with probabilities ``input`` (or the scalar ``p``), in ``input``'s dtype."""
    state = resolve(generator)
    if p is None:
        probs = input._data
        if ((probs < 0) | (probs > 1)).any():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        arr = state.bernoulli_tensor(probs, input._data.dtype)
    else:
        arr = state.bernoulli_scalar(input._data.size, float(p), input._data.dtype)
    return _make(_as(arr, input.dtype).reshape(input._data.shape))


@export("multinomial")
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Indices sampled from the rows of ``input`` (non-negative weights)."""
    probs = input._data
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples")
    n_cat = probs.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if (probs < 0).any() or not xp.isfinite(probs).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (probs.reshape(-1, n_cat).sum(-1) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return _make(resolve(generator).multinomial(probs, int(num_samples), bool(replacement)))


# -- in-place samplers -----------------------------------------------------------------------
def _fill(self: Tensor, arr) -> Tensor:
    """Write samples in the tensor's memory order (torch fills non-contiguous views so)."""
    check_inplace_leaf(self)
    data = self._data
    if data.flags.c_contiguous:
        data[...] = arr.reshape(data.shape)
    else:
        axes = sorted(range(data.ndim), key=lambda i: -abs(data.strides[i]))
        view = data.transpose(axes)
        view[...] = arr.reshape(view.shape)
    self._version_box[0] += 1
    return self


def _float_only(self, name):
    if not self.dtype.is_floating_point:
        raise RuntimeError(f'"{name}" not implemented for \'{_legacy(self.dtype)}\'')


@method("uniform_")
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs) -> Tensor:
    """Fill with uniform samples on ``[from, to)``."""
    from_ = kwargs.pop("from", from_)
    _float_only(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from="
                           f"{from_} > to={to}")
    return _fill(self, _uniform(resolve(generator), self._data.size, self.dtype, from_, to))


@method("normal_")
def normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    """Fill with normal samples."""
    _float_only(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    arr = resolve(generator).normal(self._data.size, mean, std, self._data.dtype,
                                    contiguous=bool(self._data.flags.c_contiguous))
    return _fill(self, _as(arr, self.dtype))


@method("random_")
def random_(self, from_=None, to=None, *, generator=None, **kwargs) -> Tensor:
    """Fill with integers: ``[0, 2**mantissa]`` / ``[0, to)`` / ``[from, to)`` like torch."""
    from_ = kwargs.pop("from", from_)
    state = resolve(generator)
    n = self._data.size
    if from_ is None and to is None:
        arr = state.random_full(n, self._data.dtype)
    else:
        if to is None:
            from_, to = 0, from_
        arr = state.random_int(n, int(from_), int(to), self._data.dtype)
    return _fill(self, _as(arr, self.dtype))


def _sampler(name, draw_name, check=None):
    def sample_(self, *args, generator=None):
        _float_only(self, name)
        if check is not None:
            check(*args)
        draw = getattr(resolve(generator), draw_name)
        return _fill(self, _as(draw(self._data.size, *args, self._data.dtype), self.dtype))
    return sample_


def _defaults(fn, *defaults):
    def wrapped(self, *args, generator=None, **kwargs):
        vals = list(args) + [kwargs[k] for k in list(kwargs)]
        vals += list(defaults[len(vals):])
        return fn(self, *vals, generator=generator)
    return wrapped


def _check_positive(name):
    def check(v, *rest):
        if not v > 0:
            raise RuntimeError(f"{name} expects lambda > 0.0, but found lambda={v}")
    return check


def _check_geometric(p):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")


method("exponential_")(_defaults(_sampler("exponential_", "exponential",
                                          _check_positive("exponential_")), 1.0))
method("geometric_")(_defaults(_sampler("geometric_", "geometric", _check_geometric)))
method("cauchy_")(_defaults(_sampler("cauchy_", "cauchy"), 0.0, 1.0))
method("log_normal_")(_defaults(_sampler("log_normal_", "log_normal"), 1.0, 2.0))


@method("bernoulli_")
def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples of probability ``p`` (number or tensor)."""
    state = resolve(generator)
    if isinstance(p, Tensor):
        probs = xp.ascontiguousarray(xp.broadcast_to(p._data, self._data.shape))
        arr = state.bernoulli_tensor(probs, self._data.dtype)
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        arr = state.bernoulli_scalar(self._data.size, float(p), self._data.dtype)
    return _fill(self, _as(arr, self.dtype))


@export("poisson", method=False)
def poisson(input, generator=None) -> Tensor:
    """Poisson samples with rates ``input`` (NOTE: NumPy's sampler, not torch's stream)."""
    rng = xp.random.default_rng(int(resolve(generator).random_u64(1)[0]))
    return _make(rng.poisson(input._data).astype(input._data.dtype))
