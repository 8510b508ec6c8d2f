"""NumPy kernels behind the conv primitives: im2col / col2im and a per-thread workspace.

Speed notes (DESIGN §5, measured on the 2-core benchmark machine):

* Column buffers are large (9x the input for a 3x3 kernel, 75 MB for a 64-channel 32x32 batch
  of 32). Arrays above glibc's mmap threshold (32 MB) come fresh from the kernel on every
  allocation, and first-touch page faults then cost as much as the copy itself. Transient
  buffers that never leave a kernel therefore live in a per-thread ``workspace`` reused across
  calls (one buffer per slot, grown to the largest request).
* im2col is one ``copyto`` from a strided window view of the padded input (faster than a
  loop of per-offset slice copies); col2im adds one strided slice per kernel offset (never
  ``add.at``).
* With Numba (``ember[fast]``), the 2-D data-movement kernels (im2col / col2im in both
  layouts, the flat-shift columns, the layout transposes, bias adds) run as one fused parallel
  pass each (``_fast.conv``, via ``fast_kernels``); the GEMMs stay in NumPy / OpenBLAS.
"""
from __future__ import annotations

import itertools
import threading

import numpy as np

from .._backend import fast

_LOCAL = threading.local()


def fast_kernels(*arrays):
    """The Numba kernels (``_fast.conv``) when they apply: ``fast.use`` and C-contiguous arrays
    (callers check for 2-D convs), else None."""
    if fast.ENABLED and fast.use(np, *arrays) and all(a.flags.c_contiguous for a in arrays):
        from ._fast import conv
        return conv
    return None


def prod(t):
    n = 1
    for v in t:
        n *= v
    return n


_BIG = 32 << 20   # glibc's largest dynamic mmap threshold: smaller blocks recycle cheaply


def workspace(slot, shape, dtype):
    """A scratch array of ``shape`` for transient use inside one kernel (contents undefined).

    Arrays of at least ``_BIG`` bytes are reused per thread and ``slot`` (smaller ones are plain
    allocations, so that no more memory than needed stays held); callers must never return
    it or a view of it."""
    n = prod(shape)
    dtype = np.dtype(dtype)
    if n * dtype.itemsize < _BIG:
        return np.empty(shape, dtype)
    bufs = getattr(_LOCAL, "bufs", None)
    if bufs is None:
        bufs = _LOCAL.bufs = {}
    key = (slot, dtype.str)
    buf = bufs.get(key)
    if buf is None or buf.size < n:
        bufs[key] = buf = np.empty(max(n, 1), dtype)
    return buf[:n].reshape(shape)


def pad_zero(x, pads):
    """Zero-pad the trailing spatial dims of ``x`` (N, C, *sp) symmetrically by ``pads``."""
    if not any(pads):
        return x
    sp = x.shape[2:]
    out = np.zeros(x.shape[:2] + tuple(s + 2 * p for s, p in zip(sp, pads)), x.dtype)
    out[(Ellipsis,) + tuple(slice(p, p + s) for s, p in zip(sp, pads))] = x
    return out


def windows(x, k, stride, padding, dilation, out):
    """Strided view (N, C, *out, *k) of the (padded) input's conv windows."""
    xpad = pad_zero(x, padding)
    if not xpad.flags.c_contiguous:
        xpad = np.ascontiguousarray(xpad)
    st = xpad.strides
    sp_st = st[2:]
    strides = st[:2] + tuple(a * s for a, s in zip(sp_st, stride)) + \
        tuple(a * d for a, d in zip(sp_st, dilation))
    shape = xpad.shape[:2] + tuple(out) + tuple(k)
    try:
        return np.ndarray(shape, xpad.dtype, xpad, 0, strides)
    except (TypeError, ValueError, BufferError):   # dtypes without a buffer format
        return np.lib.stride_tricks.as_strided(xpad, shape, strides, writeable=False)


def im2col(x, k, stride, padding, dilation, out, slot=None):
    """Columns of ``x`` (N, C, *sp) laid out ``(C, *k, N, *out)``; in the workspace ``slot``
    when given, else a fresh array."""
    nd = len(k)
    N, C = x.shape[:2]
    shape = (C,) + tuple(k) + (N,) + tuple(out)
    cols = np.empty(shape, x.dtype) if slot is None else workspace(slot, shape, x.dtype)
    fk = fast_kernels(x) if nd == 2 else None
    if fk is not None:
        return fk.im2col(x, cols, stride, padding, dilation)
    v = windows(x, k, stride, padding, dilation, out)
    perm = (1,) + tuple(range(2 + nd, 2 + 2 * nd)) + (0,) + tuple(range(2, 2 + nd))
    np.copyto(cols, v.transpose(perm))
    return cols


def _win(o, d, s, n):
    start = o * d
    return slice(start, start + s * (n - 1) + 1, s)


def col2im(cols, shape, k, stride, padding, dilation, out):
    """Adjoint of ``im2col``: sum columns ``(C, *k, N, *out)`` back into a fresh contiguous
    array of ``shape`` (N, C, *sp)."""
    N, C = shape[:2]
    sp = shape[2:]
    fk = fast_kernels(cols) if len(k) == 2 else None
    if fk is not None:
        return fk.col2im(cols, shape, stride, padding, dilation)
    acc = workspace("col2im", (C, N) + tuple(s + 2 * p for s, p in zip(sp, padding)),
                    cols.dtype)
    head = (slice(None), slice(None))
    first = True
    for offs in itertools.product(*[range(kk) for kk in k]):
        dst = acc[head + tuple(_win(o, d, s, n) for o, d, s, n in zip(offs, dilation, stride, out))]
        if first and all(s == 1 for s in stride):
            # the first window is the leading out-block: assign it, zero the strips past it
            for dim, n in enumerate(out):
                acc[head + (slice(None),) * dim + (slice(n, None),)] = 0
            np.copyto(dst, cols[(slice(None),) + offs])
        else:
            if first:
                acc.fill(0)
            dst += cols[(slice(None),) + offs]
        first = False
    if any(padding):
        acc = acc[head + tuple(slice(p, p + s) for s, p in zip(sp, padding))]
    res = np.empty(tuple(shape), cols.dtype)
    np.copyto(res, acc.swapaxes(0, 1))
    return res


# OpenBLAS runs a GEMM single-threaded when M*N*K <= 65536 * 4 (its SMP threshold)
_ONE_THREAD = 65536 * 4


def gemm_long(a, b):
    """(G, M, K) @ (G, K, N) for a long reduction K: a tiny output (M*N <= 4096, e.g. the
    weight gradient of a 1-channel conv) is summed over K-chunks small enough to run
    single-threaded, since OpenBLAS's threaded kernel on such shapes can stall for ~1 s when
    the 2 cores are busy (measured: 0.4 ms chunked vs 0.6 ms..1.1 s in one call)."""
    G, M, K = a.shape
    N = b.shape[2]
    if M * N > 4096 or K <= 4096:
        return gemm(a, b)
    acc = None
    step = max(256, _ONE_THREAD // (M * N or 1))
    for s in range(0, K, step):
        r = np.matmul(a[:, :, s:s + step], b[:, s:s + step])
        if acc is None:
            acc = r
        else:
            acc += r
    return acc


def gemm(a, b, slot=None):
    """Batched-over-groups matmul (G, M, K) @ (G, K, L); a plain 2-D BLAS call for one group;
    the result in the workspace ``slot`` when given."""
    G, M = a.shape[:2]
    L = b.shape[2]
    small = M * a.shape[2] <= 4096 and L > 8192     # tiny weight, long rows: see gemm_long
    if slot is None and not small:
        if G == 1:
            return np.matmul(a[0], b[0])[None]
        return np.matmul(a, b)
    shape, dt = (G, M, L), np.result_type(a.dtype, b.dtype)
    res = np.empty(shape, dt) if slot is None else workspace(slot, shape, dt)
    if small:
        step = max(256, _ONE_THREAD // (M * a.shape[2] or 1))
        for s in range(0, L, step):
            np.matmul(a, b[:, :, s:s + step], out=res[:, :, s:s + step])
    elif G == 1:
        np.matmul(a[0], b[0], out=res[0])
    else:
        np.matmul(a, b, out=res)
    return res


# -- channels-last variants: inner runs of C contiguous values instead of a short spatial row; --
# -- faster for small spatial sizes (ResNet's 8x8 and 4x4 stages), one group only -------------
def use_last(groups, out):
    """Whether the channels-last kernels are the faster choice for this conv."""
    return groups == 1 and prod(out) <= 64


def im2col_last(x, k, stride, padding, dilation, out, slot=None):
    """Columns of ``x`` (N, C, *sp) laid out ``(N, *out, *k, C)``."""
    nd = len(k)
    N, C = x.shape[:2]
    sp = x.shape[2:]
    shape = (N,) + tuple(out) + tuple(k) + (C,)
    fk = fast_kernels(x) if nd == 2 else None
    if fk is not None:
        cols = np.empty(shape, x.dtype) if slot is None else workspace(slot, shape, x.dtype)
        return fk.im2col_last(x, cols, stride, padding, dilation)
    xl = np.zeros((N,) + tuple(s + 2 * p for s, p in zip(sp, padding)) + (C,), x.dtype)
    xl[(slice(None),) + tuple(slice(p, p + s) for s, p in zip(sp, padding))] = \
        x.transpose((0,) + tuple(range(2, 2 + nd)) + (1,))
    st = xl.strides
    strides = (st[0],) + tuple(a * s for a, s in zip(st[1:-1], stride)) + \
        tuple(a * d for a, d in zip(st[1:-1], dilation)) + (st[-1],)
    v = np.lib.stride_tricks.as_strided(xl, shape, strides, writeable=False)
    cols = np.empty(shape, x.dtype) if slot is None else workspace(slot, shape, x.dtype)
    np.copyto(cols, v)
    return cols


def col2im_last(dcols, shape, k, stride, padding, dilation, out):
    """Adjoint of ``im2col_last``: ``(N, *out, *k, C)`` summed into a fresh (N, C, *sp)."""
    nd = len(k)
    N, C = shape[:2]
    sp = shape[2:]
    fk = fast_kernels(dcols) if nd == 2 else None
    if fk is not None:
        return fk.col2im_last(dcols, shape, stride, padding, dilation)
    acc = np.zeros((N,) + tuple(s + 2 * p for s, p in zip(sp, padding)) + (C,), dcols.dtype)
    for offs in itertools.product(*[range(kk) for kk in k]):
        dst = acc[(slice(None),) + tuple(_win(o, d, s, n) for o, d, s, n in
                                         zip(offs, dilation, stride, out))]
        dst += dcols[(Ellipsis,) + offs + (slice(None),)]
    acc = acc[(slice(None),) + tuple(slice(p, p + s) for s, p in zip(sp, padding))]
    res = np.empty(tuple(shape), dcols.dtype)
    np.copyto(res, acc.transpose((0, nd + 1) + tuple(range(1, nd + 1))))
    return res


def weight_last(w):
    """(O, C, *k) -> (O, K) with K ordered (*k, C), matching ``im2col_last``."""
    nd = w.ndim - 2
    fk = fast_kernels(w)
    if fk is not None:
        O, C = w.shape[:2]
        K = prod(w.shape[2:])
        return fk.t12(w.reshape(O, C, K), np.empty((O, K, C), w.dtype)).reshape(O, K * C)
    return np.ascontiguousarray(w.transpose((0,) + tuple(range(2, 2 + nd)) + (1,))).reshape(
        w.shape[0], prod(w.shape[1:]))


def g_last(g):
    """(N, O, *out) -> contiguous (N*L, O)."""
    N, O = g.shape[:2]
    L = prod(g.shape[2:])
    fk = fast_kernels(g)
    if fk is not None:
        return fk.t12(g.reshape(N, O, L), np.empty((N, L, O), g.dtype)).reshape(N * L, O)
    return np.ascontiguousarray(g.reshape(N, O, L).transpose(0, 2, 1)).reshape(N * L, O)


def conv_last(x, w, b, stride, padding, dilation, out):
    N = x.shape[0]
    O, k = w.shape[0], w.shape[2:]
    cols = im2col_last(x, k, stride, padding, dilation, out, slot="cols")
    y = np.matmul(cols.reshape(N * prod(out), prod(w.shape[1:])), weight_last(w).T)  # (NL, O)
    fk = fast_kernels(*((y,) if b is None else (y, b)))
    if fk is not None:
        res = np.empty((N, O) + tuple(out), y.dtype)
        fk.t12(y.reshape(N, prod(out), O), res.reshape(N, O, prod(out)), b)
        return res
    src = y.reshape(N, prod(out), O).transpose(0, 2, 1).reshape((N, O) + tuple(out))
    res = np.empty((N, O) + tuple(out), y.dtype)
    if b is None:
        np.copyto(res, src)
    else:
        np.add(src, b.reshape((1, -1) + (1,) * len(out)), out=res)
    return res


def conv_backward_last(x, w, g, stride, padding, dilation):
    """(grad input, grad weight) of a one-group conv from channels-last columns."""
    k = w.shape[2:]
    out = g.shape[2:]
    gl = g_last(g)                                                      # (N*L, O)
    wl = weight_last(w)                                                 # (O, K)
    dcols = np.matmul(gl, wl).reshape((x.shape[0],) + tuple(out) + tuple(k) + (x.shape[1],))
    gx = col2im_last(dcols, x.shape, k, stride, padding, dilation, out)
    del dcols
    cols = im2col_last(x, k, stride, padding, dilation, out, slot="cols")
    gwo = np.matmul(gl.T, cols.reshape(gl.shape[0], prod(w.shape[1:])))  # (O, K)
    nd = len(k)
    fk = fast_kernels(gwo)
    if fk is not None:
        O, K, C = w.shape[0], prod(k), x.shape[1]
        return gx, fk.t12(gwo.reshape(O, K, C), np.empty((O, C, K), gwo.dtype)).reshape(w.shape)
    gw = gwo.reshape((w.shape[0],) + tuple(k) + (x.shape[1],))
    gw = np.ascontiguousarray(gw.transpose((0, nd + 1) + tuple(range(1, nd + 1))))
    return gx, gw



# -- flat-shift kernels (stride 1, one group): columns over the padded row pitch -------------
# Output positions are indexed over the flattened padded input with its full row pitch (a few
# garbage columns per row, cropped away), so every kernel offset is ONE contiguous shift of the
# flattened padded image and im2col is one copy with long inner runs (the (C, *k, N, *out)
# layout copies runs of one output row only). The batch is processed in chunks of about
# ``_CHUNK`` bytes of columns: one 2-D GEMM per chunk, buffers reused across chunks.
_CHUNK = 16 << 20


class Flat:
    """Geometry of a stride-1 conv of an input (N, C, *sp) in the flat-shift layout."""

    def __init__(self, sp, k, padding, dilation):
        self.psp = psp = tuple(s + 2 * p for s, p in zip(sp, padding))
        self.out = out = tuple(s - d * (kk - 1) for s, kk, d in zip(psp, k, dilation))
        pitch = [prod(psp[i + 1:]) for i in range(len(psp))]
        self.P = prod(psp)
        self.Lp = out[0] * pitch[0]
        self.steps = tuple(d * p for d, p in zip(dilation, pitch))
        self.width = max(sum((kk - 1) * s for kk, s in zip(k, self.steps)) + self.Lp, self.P)
        self.inner = (slice(None), slice(None)) + tuple(
            slice(p, p + s) for s, p in zip(sp, padding))
        self.crop = (Ellipsis,) + tuple(slice(0, o) for o in out[1:])
        self.k = tuple(k)
        self.pad, self.dil = tuple(padding), tuple(dilation)
        self.ok = min(out) > 0 and self.Lp <= 1.3 * prod(out)

    def chunk(self, N, K, itemsize):
        """Samples per chunk (chunks as even as possible)."""
        n = max(1, _CHUNK // max(1, K * self.Lp * itemsize))
        parts = max(1, -(-N // n))
        return max(1, -(-N // parts))

    def fast(self, x, *more):
        """The Numba kernels for chunks of ``x`` (2-D convs only), else None."""
        return fast_kernels(x, *more) if len(self.k) == 2 else None

    def scratch(self, fk, n, C, dtype):
        """The zero-bordered padding scratch of ``cols`` (unused by the Numba kernel)."""
        return None if fk is not None else np.zeros((n, C, self.width), dtype)

    def put(self, fk, r, dst, b=None):
        """``dst`` (m, c, *out) = ``r`` (c, m, Lp) cropped and transposed (+ bias ``b``)."""
        if fk is not None:
            c, m = r.shape[:2]
            fk.swap(r.reshape(c, m, self.out[0], self.psp[1]), dst, self.out[1], b)
        elif b is None:
            np.copyto(dst, self.grid(r))
        else:
            np.add(self.grid(r), b.reshape((1, -1) + (1,) * len(self.out)), out=dst)

    def take(self, fk, src, t):
        """``t`` (c, m, Lp) grid cells = ``src`` (m, c, *out) (garbage columns untouched)."""
        if fk is not None:
            m, c = src.shape[:2]
            fk.swap(src, t.reshape(c, m, self.out[0], self.psp[1]), self.out[1])
        else:
            np.copyto(self.grid(t), src)

    def grid(self, a):
        """``a`` (c, m, Lp) viewed as (m, c, *out) (garbage columns cropped)."""
        v = a.reshape(a.shape[:2] + (self.out[0],) + self.psp[1:])[self.crop]
        return v.swapaxes(0, 1)

    def cols(self, xs, x, buf, fk=None):
        """im2col of the chunk ``x`` (m, C, *sp), padded via the zero-bordered scratch ``xs``
        (n >= m, C, width), as a (C * prod(k), m * Lp) view of the flat ``buf``."""
        m, C = x.shape[:2]
        if fk is not None:
            out = buf[:C * prod(self.k) * m * self.Lp].reshape((C,) + self.k + (m, self.Lp))
            fk.flat_cols(x, out, self.psp[1], self.pad, self.dil)
            return out.reshape(C * prod(self.k), m * self.Lp)
        xs = xs[:m]
        xs[:, :, :self.P].reshape((m, C) + self.psp)[self.inner] = x
        st = xs.strides
        v = np.lib.stride_tricks.as_strided(
            xs, (C,) + self.k + (m, self.Lp),
            (st[1],) + tuple(s * st[2] for s in self.steps) + (st[0], st[2]), writeable=False)
        out = buf[:v.size].reshape(v.shape)
        np.copyto(out, v)
        return out.reshape(C * prod(self.k), m * self.Lp)


def use_flat(groups, stride, x_sp, k, padding, dilation, oc):
    """The flat-shift geometry when it applies to a conv of weight shape ``oc`` (O, C, ...),
    else None. Only when C >= O: there the input gradient as a conv of the output gradient
    (``input_grad_flat``) beats GEMM + col2im (ResNet 64ch 32x32: 35 vs 43 ms fwd+bwd); with
    fewer input channels (the cnn workload) the (C, *k, N, *out) kernels are as fast or faster."""
    if groups != 1 or any(s != 1 for s in stride) or oc[1] < oc[0]:
        return None
    f = Flat(x_sp, k, padding, dilation)
    return f if f.ok else None


def conv_flat(f, x, w, b):
    """Forward conv (N, C, *sp) -> (N, O, *out) (+ bias ``b``) in the flat-shift layout."""
    N, C = x.shape[:2]
    O, K = w.shape[0], prod(w.shape[1:])
    y = np.empty((N, O) + f.out, np.result_type(x.dtype, w.dtype))
    w2 = w.reshape(1, O, K)
    n = f.chunk(N, K, x.itemsize)
    fk = f.fast(*((x, w) if b is None else (x, w, b)))
    xs = f.scratch(fk, n, C, x.dtype)
    buf = np.empty(K * n * f.Lp, x.dtype)
    for n0 in range(0, N, n):
        xc = x[n0:n0 + n]
        m = xc.shape[0]
        r = gemm(w2, f.cols(xs, xc, buf, fk)[None])[0].reshape(O, m, f.Lp)
        f.put(fk, r, y[n0:n0 + m], b)
    return y


def input_grad_flat(x_sp, w, g, padding, dilation):
    """Input gradient of a stride-1 one-group conv as a forward conv of the output gradient
    ``g`` with the flipped, transposed weight (no col2im); None if it does not apply."""
    f = _grad_geometry(x_sp, w, g.shape[2:], padding, dilation)
    if f is None:
        return None
    return conv_flat(f, g, _flipped(w), None)


def _flipped(w):
    """(O, C, *k) -> (C, O, *k) with the kernel reversed: the weight of the adjoint conv."""
    flip = (slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)
    return np.ascontiguousarray(w[flip].swapaxes(0, 1))


def weight_grad_flat(f, x, g, w_shape):
    """Weight gradient (O, C, *k) of a stride-1 one-group conv, summed over chunks."""
    N = x.shape[0]
    O, K = w_shape[0], prod(w_shape[1:])
    n = f.chunk(N, K, x.itemsize)
    fk = f.fast(x, g)
    xs = f.scratch(fk, n, x.shape[1], x.dtype)
    buf = np.empty(K * n * f.Lp, x.dtype)
    gbuf = np.zeros(O * n * f.Lp, g.dtype)    # garbage columns stay zero for every chunk size
    gwt = np.zeros((K, O), np.result_type(x.dtype, g.dtype))
    for n0 in range(0, N, n):
        xc = x[n0:n0 + n]
        m = xc.shape[0]
        gt = gbuf[:O * m * f.Lp].reshape(O, m, f.Lp)
        f.take(fk, g[n0:n0 + m], gt)
        # (K, mL) @ (mL, O): the fast layout for OpenBLAS (see conv._weight_grad)
        cols = f.cols(xs, xc, buf, fk)[None]
        gwt += gemm_long(cols, gt.reshape(1, O, m * f.Lp).swapaxes(1, 2))[0]
    return np.ascontiguousarray(gwt.T).reshape(w_shape)


def _grad_geometry(x_sp, w, g_sp, padding, dilation):
    """Flat geometry of the input gradient as a conv of the output gradient, or None."""
    k = w.shape[2:]
    pads = tuple(d * (kk - 1) - p for kk, p, d in zip(k, padding, dilation))
    if min(pads) < 0:
        return None
    f = Flat(g_sp, k, pads, dilation)
    return f if f.ok and f.out == tuple(x_sp) else None


def backward_flat(x, w, g, padding, dilation):
    """(grad input, grad weight) of a stride-1 one-group conv from ONE im2col of the output
    gradient per chunk: grad input = flipped weight @ cols(g); grad weight = cols(g) @ x^T
    (x in the same flat layout, zero garbage columns). None when it does not apply."""
    f = _grad_geometry(x.shape[2:], w, g.shape[2:], padding, dilation)
    if f is None:
        return None
    N, C = x.shape[:2]
    O, k = w.shape[0], w.shape[2:]
    nd = len(k)
    K = O * prod(k)
    wf = _flipped(w).reshape(1, C, K)
    gx = np.empty(x.shape, np.result_type(g.dtype, w.dtype))
    n = f.chunk(N, K, g.itemsize)
    fk = f.fast(g, x, w)
    gs = f.scratch(fk, n, O, g.dtype)
    buf = np.empty(K * n * f.Lp, g.dtype)
    xbuf = np.zeros(C * n * f.Lp, x.dtype)    # garbage columns stay zero for every chunk size
    gwf = np.zeros((K, C), np.result_type(x.dtype, g.dtype))
    for n0 in range(0, N, n):
        gc = g[n0:n0 + n]
        m = gc.shape[0]
        cg = f.cols(gs, gc, buf, fk)[None]                               # (1, K, m*Lp)
        r = gemm(wf, cg)[0].reshape(C, m, f.Lp)
        f.put(fk, r, gx[n0:n0 + m])
        xt = xbuf[:C * m * f.Lp].reshape(C, m, f.Lp)
        f.take(fk, x[n0:n0 + m], xt)
        gwf += gemm_long(cg, xt.reshape(1, C, m * f.Lp).swapaxes(1, 2))[0]  # (K, C)
    gw = gwf.reshape((O,) + tuple(k) + (C,))[(slice(None),) + (slice(None, None, -1),) * nd]
    return gx, np.ascontiguousarray(gw.transpose((0, nd + 1) + tuple(range(1, nd + 1))))


# -- 1x1 kernels (ResNet's shortcut convs): subsample, then one GEMM; no im2col / col2im -------
def use_1x1(groups, k, padding):
    """Whether a conv is a pointwise one-group conv (any stride; dilation is irrelevant)."""
    return groups == 1 and all(kk == 1 for kk in k) and not any(padding)


def _sub(nd, stride, out):
    """Index of the sampled input positions (N, C, *sp) of a 1x1 conv with output ``out``."""
    return (slice(None), slice(None)) + tuple(
        slice(0, (o - 1) * s + 1, s) for s, o in zip(stride, out))


def _cn(a, idx, slot, stride=None):
    """``a[idx]`` (N, C, *sp) copied to a contiguous (C, N * L) (in workspace ``slot``);
    ``stride``: the sampling stride of ``idx`` (None: ``idx`` takes all of ``a``)."""
    v = a[idx]
    fk = fast_kernels(a) if a.ndim == 4 else None
    if fk is not None:
        res = workspace(slot, (v.shape[1], v.shape[0]) + v.shape[2:], a.dtype)
        fk.sub_cn(a, res, stride or (1, 1))
        return res.reshape(v.shape[1], -1)
    res = workspace(slot, (v.shape[1], v.shape[0]) + v.shape[2:], a.dtype)
    np.copyto(res, v.swapaxes(0, 1))
    return res.reshape(v.shape[1], -1)


def conv_1x1(x, w, b, stride, out):
    """Pointwise conv: (O, C) @ x sampled at ``stride`` as (C, N*L), back to (N, O, *out)."""
    N = x.shape[0]
    O = w.shape[0]
    xs = _cn(x, _sub(len(out), stride, out), "cols", stride)
    r = gemm(w.reshape(1, O, -1), xs[None], slot="gemm")[0]
    return from_cn(r, N, out, b)


def from_cn(r, N, sp, b=None):
    """(O, N*L) channel-major GEMM result (or (G, O/G, N*L)) -> a fresh contiguous (N, O, *sp),
    plus the bias ``b`` if given."""
    O = prod(r.shape[:-1])
    y = np.empty((N, O) + tuple(sp), r.dtype)
    fk = fast_kernels(*((r,) if b is None else (r, b)))
    if fk is not None:
        L = prod(sp)
        fk.swap(r.reshape(O, N, 1, L), y.reshape(N, O, 1, L), L, b)
        return y
    src = r.reshape((O, N) + tuple(sp)).swapaxes(0, 1)
    if b is None:
        np.copyto(y, src)
    else:
        np.add(src, b.reshape((1, -1) + (1,) * len(sp)), out=y)
    return y


def _scatter(r, x_shape, stride, out):
    """(C, N*L) input-gradient samples placed into a fresh zero (N, C, *sp) at ``stride``."""
    C, N = x_shape[1], x_shape[0]
    fk = fast_kernels(r) if len(out) == 2 else None
    if fk is not None:
        return fk.scatter_sub(r.reshape((C, N) + tuple(out)), np.empty(tuple(x_shape), r.dtype),
                              stride)
    src = r.reshape((C, N) + tuple(out)).swapaxes(0, 1)
    idx = _sub(len(out), stride, out)
    if all(s == 1 for s in stride) and tuple(out) == tuple(x_shape[2:]):
        gx = np.empty(tuple(x_shape), r.dtype)
        np.copyto(gx, src)
        return gx
    gx = np.zeros(tuple(x_shape), r.dtype)
    gx[idx] = src
    return gx


def input_grad_1x1(g, w, x_shape, stride):
    """Input gradient (transposed pointwise conv) of ``g`` (N, O, *out) into ``x_shape``."""
    out = g.shape[2:]
    gt = _cn(g, (Ellipsis,), "gt")
    r = gemm(w.reshape(1, w.shape[0], -1).swapaxes(1, 2), gt[None], slot="cols")[0]
    return _scatter(r, x_shape, stride, out)


def weight_grad_1x1(x, g, stride, w_shape):
    """Weight gradient (O, C, 1...) of a pointwise conv."""
    out = g.shape[2:]
    xs = _cn(x, _sub(len(out), stride, out), "cols", stride)
    gt = _cn(g, (Ellipsis,), "gt")
    # (C, NL) @ (NL, O): the fast OpenBLAS layout (see conv._weight_grad)
    gw = gemm_long(xs[None], gt.T[None])[0]
    return np.ascontiguousarray(gw.T).reshape(w_shape)


def backward_1x1(x, w, g, stride):
    """(grad input, grad weight) of a pointwise conv from one transposed copy of ``g``."""
    out = g.shape[2:]
    O = w.shape[0]
    gt = _cn(g, (Ellipsis,), "gt")                                          # (O, NL)
    xs = _cn(x, _sub(len(out), stride, out), "cols", stride)                # (C, NL)
    gw = gemm_long(xs[None], gt.T[None])[0]                                 # (C, O)
    r = gemm(w.reshape(1, O, -1).swapaxes(1, 2), gt[None])[0]              # (C, NL)
    return _scatter(r, x.shape, stride, out), np.ascontiguousarray(gw.T).reshape(w.shape)
