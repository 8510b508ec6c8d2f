"""``Adam`` and ``AdamW`` (``torch.optim.Adam`` / ``AdamW``), with AMSGrad and decoupled decay."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (CHUNK, Optimizer, _bump, _check_betas_eps_wd, _check_lr, _flat, _flat_in,
                        _scalar_tensor, _use_fast, _use_grad, _value, _write_back, _zeros_like, xp)
from .optimizer import _scratch as _scratch_bufs

__all__ = ["Adam", "AdamW", "adam", "adamw"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), optionally AMSGrad or with decoupled (AdamW) weight decay.

    .. code-block:: text

        g = -grad if maximize else grad;  t += 1
        decoupled: p *= 1 - lr * wd   |   else: g += wd * p
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g^2
        vhat = max(vmax, v) if amsgrad else v
        p -= lr / (1 - beta1^t) * m / (sqrt(vhat) / sqrt(1 - beta2^t) + eps)

    ``foreach``, ``capturable``, ``differentiable`` and ``fused`` are accepted and change
    nothing (there is a single NumPy implementation); a tensor ``lr``/``betas`` is read as a
    Python float each step.

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.Adam([p], lr=0.1).step(); round(p.tolist()[0], 4)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and "
                                 "foreach=True")
        _check_lr(lr)
        _check_betas_eps_wd(betas, eps, weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     f"capturable=False and foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(b.reshape(()) if isinstance(b, Tensor) and b.dim() != 0 else b
                      for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)

    def _init_group(self, group):
        params = []
        for p in group["params"]:
            if p.grad is None:
                continue
            params.append(p)
            state = self.state[p]
            if len(state) == 0:
                # NOTE: torch keeps a float32 step for capturable/fused groups.
                fused_like = group["capturable"] or group["fused"]
                state["step"] = _make_f32_step() if fused_like else _scalar_tensor(0.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = _zeros_like(p)
        return params

    @_use_grad
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = self._init_group(group)
            st = [self.state[p] for p in params]
            beta1, beta2 = group["betas"]
            adam(params, [p.grad for p in params], [s["exp_avg"] for s in st],
                 [s["exp_avg_sq"] for s in st],
                 [s["max_exp_avg_sq"] for s in st] if group["amsgrad"] else [],
                 [s["step"] for s in st], amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2,
                 lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                 maximize=group["maximize"],
                 decoupled_weight_decay=group["decoupled_weight_decay"],
                 _scratch=self._scratch_pool())
        return loss


def _make_f32_step():
    from .._tensor import _make
    return _make(xp.zeros((), dtype=xp.float32))


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (``p *= 1 - lr * weight_decay``), default 1e-2.

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.AdamW([p], lr=0.1).step(); round(p.tolist()[0], 4)
        0.899
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


def adam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
         exp_avg_sqs: list[Tensor], max_exp_avg_sqs: list[Tensor], state_steps: list[Tensor],
         *, amsgrad: bool, beta1, beta2, lr, weight_decay: float, eps: float, maximize: bool,
         decoupled_weight_decay: bool = False, _scratch: dict | None = None, **_ignored) -> None:
    """Functional Adam over lists of tensors; every array is updated in place.

    torch's single-tensor arithmetic order (its CPU default), applied CHUNK elements at a time
    with three scratch buffers and no other temporaries.
    """
    lr, beta1, beta2 = _value(lr), _value(beta1), _value(beta2)
    w1 = 1 - beta1
    small_w1 = abs(w1) < 0.5
    c2 = 1 - beta2
    decay = 1 - lr * weight_decay if weight_decay != 0 and decoupled_weight_decay else None
    l2 = weight_decay != 0 and not decoupled_weight_decay
    wb: list = []
    dtype = None
    for i, param in enumerate(params):
        step_t = state_steps[i]._data
        step_t += 1
        step = float(step_t)
        neg_step_size = -(lr / (1 - beta1 ** step))
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        p = _flat(param._data, wb)
        g = _flat_in(grads[i]._data)
        m = _flat(exp_avgs[i]._data, wb)
        v = _flat(exp_avg_sqs[i]._data, wb)
        vmax = _flat(max_exp_avg_sqs[i]._data, wb) if amsgrad else None
        if _use_fast(p, g, m, v, *((vmax,) if amsgrad else ())):
            from . import _fast  # fused single pass (Numba), same arithmetic
            _fast.adam(p, g, m, v, vmax, maximize=maximize, decay=decay, l2=l2,
                       weight_decay=weight_decay, w1=w1, small_w1=small_w1, beta2=beta2, c2=c2,
                       bias_correction2_sqrt=bias_correction2_sqrt, eps=eps,
                       neg_step_size=neg_step_size)
            if wb:
                _write_back(wb)
            _bump(param)
            continue
        if p.dtype is not dtype:
            dtype = p.dtype
            T, D, G = _scratch_bufs(_scratch, dtype, 3)
        n = p.shape[0]
        for s in range(0, n, CHUNK):
            if n > CHUNK:
                e = s + CHUNK
                pc, gc, mc, vc = p[s:e], g[s:e], m[s:e], v[s:e]
                k = pc.shape[0]
            else:
                pc, gc, mc, vc, k, e = p, g, m, v, n, n
            t, d = T[:k], D[:k]
            if maximize:
                gc = xp.negative(gc, G[:k])
            if decay is not None:
                pc *= decay
            elif l2:  # grad.add(param, alpha=weight_decay)
                xp.multiply(pc, weight_decay, t)
                gc = xp.add(gc, t, G[:k])
            # exp_avg.lerp_(grad, 1 - beta1), torch's two-sided formula
            xp.subtract(gc, mc, t)
            if small_w1:
                t *= w1
                mc += t
            else:
                t *= 1 - w1
                xp.subtract(gc, t, mc)
            # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            vc *= beta2
            xp.multiply(gc, c2, t)
            t *= gc
            vc += t
            if amsgrad:
                xc = vmax[s:e]
                xp.maximum(xc, vc, out=xc)
                xp.sqrt(xc, d)
            else:
                xp.sqrt(vc, d)
            d /= bias_correction2_sqrt
            d += eps
            # param.addcdiv_(exp_avg, denom, value=-step_size)
            xp.multiply(mc, neg_step_size, t)
            t /= d
            pc += t
        if wb:
            _write_back(wb)
        _bump(param)


def adamw(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, **kwargs) -> None:
    """Functional AdamW (``adam`` with ``decoupled_weight_decay=True``)."""
    kwargs["decoupled_weight_decay"] = True
    adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, **kwargs)
