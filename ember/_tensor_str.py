"""Tensor printing that reproduces ``repr(torch.Tensor)`` character for character.

Only NumPy and the standard library are used; callers hand in the tensor's values as a
NumPy array plus torch's dtype name (``'float32'``, ``'int64'``, ``'bfloat16'``, ...).
The rules mirror ``torch/_tensor_str.py``: one formatter per tensor decides integer mode
(all finite values integral -> ``1.``), scientific mode and a common column width, big
tensors are summarised with ``...``, rows wrap at ``linewidth`` and the dtype / size /
caller suffixes are appended like torch does.
"""

import contextlib
import dataclasses
import math

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "format_tensor"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: "bool | None" = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set print options like ``torch.set_printoptions``.

    ``profile`` ('default', 'short', 'full') is applied first, explicit arguments override
    it. As in torch, ``sci_mode`` is always assigned (omitting it resets it to automatic).
    """
    if profile is not None and profile in _PROFILES:
        for key, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """Current options as a dict that can be passed back to ``set_printoptions``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that temporarily changes the print options."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


def _is_floating(dtype_name):
    return dtype_name.startswith("float") or dtype_name in ("bfloat16", "half", "double")


def _is_complex(dtype_name):
    return dtype_name.startswith("complex") or dtype_name in ("cfloat", "cdouble", "chalf")


class _Formatter:
    """Decides int/sci mode and column width for one (possibly summarised) array."""

    def __init__(self, arr, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = arr.reshape(-1)
        if not floating:
            if flat.size:
                # str() length of ints/bools is largest at the extremes
                self.max_width = max(len(str(flat.min().item())), len(str(flat.max().item())), 1)
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        absv = np.abs(vals).astype(np.float64)
        vmin, vmax = absv.min(), absv.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore"):
                self.sci_mode = bool(vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4)
        else:
            self.sci_mode = bool(PRINT_OPTS.sci_mode)
        # Formatted length is monotone in |x| for each sign (and, in sci mode, largest at the
        # extremes of |x|), so the extremes of each sign give the widest string.
        cands = []
        for part in (vals[vals > 0], vals[vals < 0]):
            if part.size:
                cands += [float(part.min()), float(part.max())]
        prec = PRINT_OPTS.precision
        if self.sci_mode:
            widths = [len(f"{v:.{prec}e}") for v in cands]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in cands]
        else:
            widths = [len(f"{v:.{prec}f}") for v in cands]
        self.max_width = max([self.max_width] + widths)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating:
            prec = PRINT_OPTS.precision
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{prec}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{prec}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


class _ValueFormatter:
    """Formats one element: real formatter, plus an imaginary one for complex tensors."""

    def __init__(self, fmt1, fmt2=None):
        self.fmt1, self.fmt2 = fmt1, fmt2
        self.element_length = fmt1.width() + 2
        if fmt2 is not None:
            self.element_length += fmt2.width() + 1

    def __call__(self, val):
        if self.fmt2 is None:
            return self.fmt1.format(val)
        real_str = self.fmt1.format(val.real)
        imag_str = (self.fmt2.format(val.imag) + "j").lstrip()
        if imag_str[0] in "+-":
            return real_str + imag_str
        return real_str + "+" + imag_str


def _vector_str(arr, indent, summarize, fmt):
    edge = PRINT_OPTS.edgeitems
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / fmt.element_length))
    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = ([fmt(v) for v in arr[:edge].tolist()] + [" ..."]
                + [fmt(v) for v in arr[-edge:].tolist()])
    else:
        data = [fmt(v) for v in arr.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_body(arr, indent, summarize, fmt):
    dim = arr.ndim
    if dim == 0:
        return fmt(arr.item())
    if dim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    edge = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        slices = ([_tensor_body(arr[i], indent + 1, summarize, fmt) for i in range(edge)]
                  + ["..."]
                  + [_tensor_body(arr[i], indent + 1, summarize, fmt) for i in range(n - edge, n)])
    else:
        slices = [_tensor_body(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_data(arr):
    """The values torch's formatter looks at when summarising (edge items of every dim)."""
    edge = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1 and not edge:
        return arr  # torch: cat(self[:0], self[-0:]) is the whole vector
    if not edge:
        return arr[(slice(0, 0),) * arr.ndim]
    index = []
    for size in arr.shape:
        if size > 2 * edge:
            index.append(np.r_[0:edge, size - edge:size])
        else:
            index.append(np.arange(size))
    return arr[np.ix_(*index)]


def _tensor_str(arr, indent, dtype_name):
    summarize = arr.size > PRINT_OPTS.threshold
    if _is_complex(dtype_name):
        arr = np.asarray(arr)
        part = _summarized_data(arr) if summarize else arr
        fmt = _ValueFormatter(_Formatter(np.ascontiguousarray(part.real), True),
                              _Formatter(np.ascontiguousarray(part.imag), True))
    else:
        floating = _is_floating(dtype_name)
        if floating and arr.dtype not in (np.float16, np.float32, np.float64):
            arr = arr.astype(np.float32)  # e.g. ml_dtypes bfloat16 / float8 arrays
        fmt = _ValueFormatter(_Formatter(_summarized_data(arr) if summarize else arr, floating))
    return _tensor_body(arr, indent, summarize, fmt)


def _add_suffixes(tensor_str, suffixes, indent):
    parts = [tensor_str]
    # torch's own arithmetic (counts 2 extra characters when there is no newline)
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(data, dtype_name, default_dtype_name="float32", *, suffixes=(),
                  prefix="tensor(", device=None):
    """Return ``repr`` of a strided tensor with values ``data`` exactly as torch prints it.

    ``dtype_name`` is torch's dtype name without ``torch.`` (bfloat16 values may be passed
    as a float32 array). ``default_dtype_name`` is the current default float dtype, which
    decides whether ``dtype=...`` is shown. ``device`` is printed as ``device='...'`` unless
    it is None or ``'cpu'``. ``suffixes`` (e.g. ``'requires_grad=True'``,
    ``'grad_fn=<MulBackward0>'``) follow the size/dtype suffixes in the order given.
    Text of ``prefix`` up to its last newline is emitted verbatim; the rest sets the indent.
    """
    data = np.asarray(data)
    head, sep, first = prefix.rpartition("\n")
    indent = len(first)
    sfx = []
    if device is not None and str(device) != "cpu":
        sfx.append(f"device='{device}'")
    default_complex = "complex128" if default_dtype_name == "float64" else "complex64"
    has_default_dtype = dtype_name in (default_dtype_name, default_complex, "int64", "bool")
    if data.size == 0:
        if data.ndim != 1:
            sfx.append("size=" + str(tuple(int(s) for s in data.shape)))
        if dtype_name != default_dtype_name:
            sfx.append("dtype=torch." + dtype_name)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            sfx.append("size=" + str(tuple(int(s) for s in data.shape)))
        if not has_default_dtype:
            sfx.append("dtype=torch." + dtype_name)
        body = _tensor_str(data, indent, dtype_name)
    sfx.extend(suffixes)
    return head + sep + _add_suffixes(first + body, sfx, indent)
