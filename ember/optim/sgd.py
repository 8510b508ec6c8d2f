"""``SGD`` (``torch.optim.SGD``): stochastic gradient descent with momentum and Nesterov."""
from __future__ import annotations

from .._tensor import Tensor, _make
from .optimizer import Optimizer, _add_, _added, _bump, _use_grad, _value, xp

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
                nesterov=group["nesterov"], maximize=group["maximize"])
            if group["momentum"] != 0:
                for p, buf in zip(params, bufs):
                    self.state[p]["momentum_buffer"] = buf
        return loss


def sgd(params: list[Tensor], d_p_list: list[Tensor], momentum_buffer_list: list, *,
        weight_decay: float, momentum: float, lr: float, dampening: float, nesterov: bool,
        maximize: bool, **_ignored) -> None:
    """Functional SGD: updates ``params`` (and fills ``None`` momentum buffers) in place."""
    lr = _value(lr)
    weight_decay = _value(weight_decay)
    for i, param in enumerate(params):
        p = param._data
        g = d_p_list[i]._data
        if maximize:
            g = xp.negative(g)
        if weight_decay != 0:
            g = _added(g, p, weight_decay)
        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:
                buf = _make(xp.array(g, copy=True))
                momentum_buffer_list[i] = buf
            else:
                b = buf._data
                b *= momentum
                _add_(b, g, 1 - dampening)
            g = _added(g, buf._data, momentum) if nesterov else buf._data
        _add_(p, g, -lr)
        _bump(param)
