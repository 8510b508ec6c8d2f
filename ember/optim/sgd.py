"""``SGD`` (``torch.optim.SGD``): stochastic gradient descent with momentum and Nesterov."""
from __future__ import annotations

from .._tensor import Tensor, _make
from .optimizer import (CHUNK, Optimizer, _bump, _flat, _flat_in, _use_fast, _use_grad, _value,
                        _write_back, xp)
from .optimizer import _scratch as _scratch_bufs

__all__ = ["SGD", "sgd"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (torch's formulation).

    .. code-block:: text

        g = -grad if maximize else grad;  g += weight_decay * p
        b = g (first step) | momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b
        p -= lr * g

    ``foreach``/``fused`` are accepted and ignored (one NumPy implementation).

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.SGD([p], lr=0.5).step(); p.tolist()
        [0.5, 0.5]
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float | Tensor = 0, nesterov: bool = False,
                 *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if _value(lr) < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if _value(weight_decay) < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    @_use_grad
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            bufs = [self.state[p].get("momentum_buffer") for p in params] \
                if group["momentum"] != 0 else []
            sgd(params, [p.grad for p in params], bufs, weight_decay=group["weight_decay"],
                momentum=group["momentum"], lr=group["lr"], dampening=group["dampening"],
                nesterov=group["nesterov"], maximize=group["maximize"],
                _scratch=self._scratch_pool())
            if group["momentum"] != 0:
                for p, buf in zip(params, bufs):
                    self.state[p]["momentum_buffer"] = buf
        return loss


def sgd(params: list[Tensor], d_p_list: list[Tensor], momentum_buffer_list: list, *,
        weight_decay: float, momentum: float, lr: float, dampening: float, nesterov: bool,
        maximize: bool, _scratch: dict | None = None, **_ignored) -> None:
    """Functional SGD: updates ``params`` (and fills ``None`` momentum buffers) in place.

    torch's single-tensor arithmetic order, applied CHUNK elements at a time with two scratch
    buffers and no other temporaries.
    """
    lr = _value(lr)
    weight_decay = _value(weight_decay)
    alpha = 1 - dampening
    wb: list = []
    for i, param in enumerate(params):
        p = _flat(param._data, wb)
        grad = d_p_list[i]._data
        g = _flat_in(grad)
        T, G = _scratch_bufs(_scratch, p.dtype, 2)
        first = False
        b = None
        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:  # torch.clone(grad).detach()
                buf = _make(xp.empty_like(grad))
                momentum_buffer_list[i] = buf
                first = True
            b = _flat(buf._data, wb)
        if _use_fast(p, g, *((b,) if b is not None else ())):
            from . import _fast  # fused single pass (Numba), same arithmetic
            _fast.sgd(p, g, b, first=first, maximize=maximize, weight_decay=weight_decay,
                      momentum=momentum, alpha=alpha, nesterov=nesterov, lr=lr)
            if wb:
                _write_back(wb)
            _bump(param)
            continue
        for s in range(0, p.shape[0], CHUNK):
            e = s + CHUNK
            pc, gc = p[s:e], g[s:e]
            k = pc.shape[0]
            t = T[:k]
            if maximize:
                gc = xp.negative(gc, G[:k])
            if weight_decay != 0:  # grad.add(param, alpha=weight_decay)
                xp.multiply(pc, weight_decay, t)
                gc = xp.add(gc, t, G[:k])
            if b is not None:
                bc = b[s:e]
                if first:
                    bc[...] = gc
                else:  # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                    bc *= momentum
                    if alpha == 1:
                        bc += gc
                    else:
                        xp.multiply(gc, alpha, t)
                        bc += t
                if nesterov:  # grad.add(buf, alpha=momentum)
                    xp.multiply(bc, momentum, t)
                    t += gc
                    gc = t
                else:
                    gc = bc
            # param.add_(grad, alpha=-lr)
            if lr == -1:
                pc += gc
            else:
                xp.multiply(gc, -lr, t)
                pc += t
        if wb:
            _write_back(wb)
        _bump(param)
