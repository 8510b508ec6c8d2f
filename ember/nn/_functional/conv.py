"""nn.functional: conv1d/2d/3d and conv_transpose1d/2d/3d (torch's argument checks and errors).

The math is in ``ember/_ops/conv.py`` (im2col + one GEMM per group). Also published as
``ember.conv2d`` etc., like torch.
"""
from __future__ import annotations

from ..._ops.conv import conv_transpose as _conv_transpose_p
from ..._ops.conv import convolution as _convolution
from ..._ops.conv import out_size, publish

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

_TNAME = {"float32": "float", "float64": "double", "float16": "Half", "bfloat16": "BFloat16",
          "int64": "long", "int32": "int"}
_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
           "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
           "bool": "Bool"}


def ntuple(v, n, name="value"):
    """torch's ``_ntuple``: an int repeated ``n`` times, or a sequence of length ``n``."""
    if isinstance(v, (list, tuple)):
        if len(v) == 1 and n > 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                               f"values to match the convolution dimensions, but got "
                               f"{name}={list(v)}")
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _unbatched(input, nd, name):
    if input.dim() == nd + 1:
        return True
    if input.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    return False


def _check_dtypes(input, weight, bias):
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR.get(input.dtype.name)} but found "
                           f"{_SCALAR.get(weight.dtype.name)}")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({_TNAME.get(input.dtype.name)}) and bias type "
                           f"({_TNAME.get(bias.dtype.name)}) should be the same")


def _same_padding(input, weight, nd, stride, dilation):
    """torch's 'same': symmetric ``total // 2`` plus an extra zero on the right when odd."""
    from .vision import pad
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pads, extra, need_extra = [], [], False
    for d, k in zip(dilation, weight.shape[2:]):
        total = d * (k - 1)
        pads.append(total // 2)
        extra.append(total - 2 * (total // 2))
        need_extra |= bool(extra[-1])
    if need_extra:
        flat = []
        for e in reversed(extra):
            flat += [0, e]
        input = pad(input, flat)
    return input, tuple(pads)


def _convnd(nd, name, input, weight, bias, stride, padding, dilation, groups):
    unb = _unbatched(input, nd, name)
    if unb:
        input = input.unsqueeze(0)
    if weight.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional "
                           f"input {list(input.shape)}, but got {weight.dim()}-dimensional "
                           f"weight of size {list(weight.shape)} instead")
    _check_dtypes(input, weight, bias)
    stride = ntuple(stride, nd, "stride")
    dilation = ntuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if padding == "same" and any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    cin = weight.shape[1] * groups
    if input.shape[1] != cin or weight.shape[0] % groups:
        if weight.shape[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                               f"{groups} at dimension 0, but got weight of size "
                               f"{list(weight.shape)} instead")
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(input.shape)} to have {cin} channels, but got "
                           f"{input.shape[1]} channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[0]} elements, but got bias of "
                           f"size {list(bias.shape)} instead")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            input, padding = _same_padding(input, weight, nd, stride, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = ntuple(padding, nd, "padding")
        if any(p < 0 for p in padding):
            raise RuntimeError("negative padding is not supported")
    k = tuple(weight.shape[2:])
    padded = [s + 2 * p for s, p in zip(input.shape[2:], padding)]
    eff = [d * (kk - 1) + 1 for d, kk in zip(dilation, k)]
    if any(ps < e for ps, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           f"actual input size")
    out = _convolution(input, weight, bias, stride, padding, dilation, groups)
    return out.squeeze(0) if unb else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over ``(N, C, L)`` (``torch.nn.functional.conv1d``).

    Example::

        >>> F.conv1d(ember.ones(1, 2, 5), ember.ones(3, 2, 3)).shape
        torch.Size([1, 3, 3])
    """
    return _convnd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over ``(N, C, H, W)`` (``torch.nn.functional.conv2d``); padding may be
    an int, a tuple, ``'valid'`` or ``'same'``.

    Example::

        >>> F.conv2d(ember.ones(1, 1, 5, 5), ember.ones(2, 1, 3, 3), padding=1).shape
        torch.Size([1, 2, 5, 5])
    """
    return _convnd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over ``(N, C, D, H, W)`` (``torch.nn.functional.conv3d``)."""
    return _convnd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def _conv_tnd(nd, name, input, weight, bias, stride, padding, output_padding, groups, dilation):
    unb = _unbatched(input, nd, name)
    if unb:
        input = input.unsqueeze(0)
    _check_dtypes(input, weight, bias)
    stride = ntuple(stride, nd, "stride")
    padding = ntuple(padding, nd, "padding")
    dilation = ntuple(dilation, nd, "dilation")
    output_padding = ntuple(output_padding, nd, "output_padding")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        dims = ["height", "width"] if nd == 2 else (["depth", "height", "width"] if nd == 3
                                                    else ["width"])
        msg = " ".join(f"output_padding_{n}: {v}" for n, v in zip(dims, output_padding))
        msg += " " + " ".join(f"stride_{n}: {v}" for n, v in zip(dims, stride))
        msg += " " + " ".join(f"dilation_{n}: {v}" for n, v in zip(dims, dilation))
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                           f"but got {msg}")
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {weight.shape[0]} channels, but "
                           f"got {input.shape[1]} channels instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(weight.shape)} instead")
    k = weight.shape[2:]
    out = tuple((i - 1) * s - 2 * p + d * (kk - 1) + op + 1 for i, s, p, d, kk, op in
                zip(input.shape[2:], stride, padding, dilation, k, output_padding))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, input.shape[2:]))}"
                           f"). Calculated output size per channel: "
                           f"({' x '.join(map(str, out))}). Output size is too small")
    res = _conv_transpose_p(input, weight, bias, stride, padding, dilation, groups, out)
    return res.squeeze(0) if unb else res


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (``torch.nn.functional.conv_transpose1d``)."""
    return _conv_tnd(1, "conv_transpose1d", input, weight, bias, stride, padding,
                     output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution, the gradient of conv2d wrt its input
    (``torch.nn.functional.conv_transpose2d``).

    Example::

        >>> F.conv_transpose2d(ember.ones(1, 2, 3, 3), ember.ones(2, 4, 3, 3), stride=2).shape
        torch.Size([1, 4, 7, 7])
    """
    return _conv_tnd(2, "conv_transpose2d", input, weight, bias, stride, padding,
                     output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution (``torch.nn.functional.conv_transpose3d``)."""
    return _conv_tnd(3, "conv_transpose3d", input, weight, bias, stride, padding,
                     output_padding, groups, dilation)


for _f in (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d):
    publish(_f, _f.__name__)
del _f
_ = out_size
