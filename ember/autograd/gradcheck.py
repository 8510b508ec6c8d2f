"""``gradcheck`` / ``gradgradcheck``: analytical gradients against central finite differences.

Mirrors ``torch.autograd.gradcheck``: inputs that require grad should be float64; the check
passes when ``|analytical - numerical| <= atol + rtol * |numerical|`` everywhere. ``fast_mode``
compares one random projection ``v^T J u`` instead of the whole Jacobian. On failure the error
names the output, the input, the largest mismatch and its position.
"""
from __future__ import annotations

from .._backend import np
from .._tensor import Tensor, _make
from . import grad as _grad
from .grad_mode import enable_grad, no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when a gradient is wrong."""


def _as_tuple(x):
    return x if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    outs = _as_tuple(func(*inputs))
    return [o for o in outs if isinstance(o, Tensor) and o._data.dtype.kind in "fc"]


def _numerical_jacobian(func, inputs, diff_idx, eps):
    """{(out_i, in_j): J of shape (out.numel, in.numel)} by central differences."""
    with no_grad():
        base = [o._data.copy() for o in _outputs(func, inputs)]
        jac = {}
        for j in diff_idx:
            x = inputs[j]._data
            flat = x.reshape(-1)  # a view: x is contiguous in gradcheck
            cols = [np.zeros((b.size, x.size), dtype=np.float64) for b in base]
            for k in range(x.size):
                orig = flat[k].item()
                flat[k] = orig + eps
                plus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
                flat[k] = orig - eps
                minus = [o._data.astype(np.float64).reshape(-1)
                         for o in _outputs(func, inputs)]
                flat[k] = orig
                for i in range(len(base)):
                    cols[i][:, k] = (plus[i] - minus[i]) / (2 * eps)
            for i in range(len(base)):
                jac[(i, j)] = cols[i]
    return jac


def _analytical_jacobian(func, inputs, diff_idx):
    outs = _outputs(func, inputs)
    jac = {}
    for i, o in enumerate(outs):
        rows = {j: np.zeros((o._data.size, inputs[j]._data.size)) for j in diff_idx}
        if not o._requires_grad:
            for j in diff_idx:
                jac[(i, j)] = rows[j]
            continue
        for r in range(o._data.size):
            v = np.zeros(o._data.size, dtype=o._data.dtype)
            v[r] = 1
            grads = _grad([o], [inputs[j] for j in diff_idx],
                          grad_outputs=[_make(v.reshape(o._data.shape))],
                          retain_graph=True, allow_unused=True)
            for j, g in zip(diff_idx, grads):
                if g is not None:
                    rows[j][r] = g._data.astype(np.float64).reshape(-1)
        for j in diff_idx:
            jac[(i, j)] = rows[j]
    return jac


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _compare(a, n, atol, rtol, i, j, raise_exception, what="Jacobian"):
    bad = np.abs(a - n) > atol + rtol * np.abs(n)
    if bad.any() or np.isnan(a).any() != np.isnan(n).any():
        err = np.abs(a - n)
        k = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
        return _fail(f"{what} mismatch for output {i} with respect to input {j},\n"
                     f"largest mismatch {err[k]:.6g} at position {tuple(int(x) for x in k)}: "
                     f"numerical {n[k]:.6g}, analytical {a[k]:.6g}\n"
                     f"numerical:{n}\nanalytical:{a}\n", raise_exception)
    return True


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked=None) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against finite differences.

    Example::

        >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
        >>> ember.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    inputs = tuple(_as_tuple(inputs))
    diff_idx = [k for k, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for k in diff_idx:
        t = inputs[k]
        if t._data.dtype != np.float64:
            import warnings
            warnings.warn(f"Input #{k} requires gradient and is not a double precision floating "
                          f"point. This check will likely fail if all the inputs are not of "
                          f"double precision floating point. ")
        if not t._data.flags.c_contiguous or not t._data.flags.writeable:
            t._data = np.ascontiguousarray(t._data).copy()
    if fast_mode:
        return _fast_check(func, inputs, diff_idx, eps, atol, rtol, raise_exception)
    num = _numerical_jacobian(func, inputs, diff_idx, eps)
    ana = _analytical_jacobian(func, inputs, diff_idx)
    for (i, j), n in num.items():
        if not _compare(ana[(i, j)], n, atol, rtol, i, j, raise_exception):
            return False
    return True


def _fast_check(func, inputs, diff_idx, eps, atol, rtol, raise_exception):
    rng = np.random.default_rng(0)
    outs = _outputs(func, inputs)
    us = {j: rng.standard_normal(inputs[j]._data.shape) for j in diff_idx}
    vs = [rng.standard_normal(o._data.shape) for o in outs]
    # numerical: v . (f(x + eps u) - f(x - eps u)) / 2 eps, one input at a time
    with no_grad():
        for j in diff_idx:
            x = inputs[j]._data
            orig = x.copy()
            x += eps * us[j]
            plus = [o._data.astype(np.float64) for o in _outputs(func, inputs)]
            x[...] = orig - eps * us[j]
            minus = [o._data.astype(np.float64) for o in _outputs(func, inputs)]
            x[...] = orig
            for i, (p, m) in enumerate(zip(plus, minus)):
                n = float(np.sum(vs[i] * (p - m) / (2 * eps)))
                if not outs[i]._requires_grad:
                    a = 0.0
                else:
                    (g,) = _grad([outs[i]], [inputs[j]],
                                 grad_outputs=[_make(vs[i].astype(outs[i]._data.dtype))],
                                 retain_graph=True, allow_unused=True)
                    a = 0.0 if g is None else float(np.sum(g._data * us[j]))
                if not _compare(np.array([a]), np.array([n]), atol, rtol, i, j, raise_exception,
                                what="Jacobian (fast mode projection)"):
                    return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked=False) -> bool:
    """Check second derivatives: gradcheck of the (create_graph) vjp of ``func``."""
    inputs = tuple(_as_tuple(inputs))
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        grad_outputs = tuple(_make(rng.standard_normal(o._data.shape).astype(o._data.dtype),
                                   True) for o in outs)
    grad_outputs = tuple(_as_tuple(grad_outputs))
    n_in = len(inputs)
    diff_idx = [k for k, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        with enable_grad():  # also when the numerical pass evaluates this under no_grad
            o = _outputs(func, ins)
            grads = _grad(o, [ins[k] for k in diff_idx], grad_outputs=list(gos),
                          create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode)
