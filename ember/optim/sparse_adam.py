"""``SparseAdam`` (``torch.optim.SparseAdam``) on dense gradients.

ember has no sparse tensors. torch's SparseAdam updates the moments and the parameter only at
the entries present in the sparse gradient; for an ``nn.Embedding(sparse=True)`` those are the
rows that were looked up. The dense equivalent used here: the "present" entries are the slices
along dim 0 (rows) whose gradient has any nonzero value (elements for a 1-D parameter), which is
what torch computes for ``grad.to_sparse(sparse_dim=1)``. Untouched rows keep their moments.
"""
from __future__ import annotations

import math

from .._tensor import Tensor
from .optimizer import Optimizer, _bump, _value, _zeros_like, xp

__all__ = ["SparseAdam", "sparse_adam"]


class SparseAdam(Optimizer):
    r"""Lazy Adam: moments and parameters change only at rows with a nonzero gradient.

    .. code-block:: text

        rows = {i : grad[i] != 0};  on rows only:
        m += (g - m)(1 - beta1);  v += (g^2 - v)(1 - beta2)
        p -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)

    ``state['step']`` is a Python int, as in torch.

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2, 2)); p.grad = ember.tensor([[1., 1.], [0., 0.]])
        >>> ember.optim.SparseAdam([p], lr=0.1).step(); p.tolist()[1]
        [1.0, 1.0]
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < _value(lr):
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        defaults = dict(lr=lr, betas=betas, eps=eps, maximize=maximize)
        super().__init__(params, defaults)
        complex_params = [[i, j] for i, g in enumerate(self.param_groups)
                          for j, p in enumerate(g["params"]) if p.is_complex()]
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not "
                             f"support complex parameters")

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params, steps = [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                params.append(p)
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                state["step"] += 1
                steps.append(state["step"])
            beta1, beta2 = group["betas"]
            sparse_adam(params, [p.grad for p in params],
                        [self.state[p]["exp_avg"] for p in params],
                        [self.state[p]["exp_avg_sq"] for p in params], steps, eps=group["eps"],
                        beta1=beta1, beta2=beta2, lr=_value(group["lr"]),
                        maximize=group.get("maximize", False))
        return loss


def _touched_rows(g):
    if g.ndim <= 1:
        return g != 0
    return xp.any(g.reshape(g.shape[0], -1) != 0, axis=1)


def sparse_adam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
                exp_avg_sqs: list[Tensor], state_steps: list[int], *, eps: float, beta1: float,
                beta2: float, lr: float, maximize: bool) -> None:
    """Functional SparseAdam on dense gradients (see the module docstring)."""
    for i, param in enumerate(params):
        g_full = grads[i]._data
        if maximize:
            g_full = xp.negative(g_full)
        rows = _touched_rows(g_full)
        if not rows.any():
            continue
        g = g_full[rows]
        m, v, p = exp_avgs[i]._data, exp_avg_sqs[i]._data, param._data
        old_m = m[rows]
        upd_m = xp.subtract(g, old_m)
        upd_m *= 1 - beta1
        m[rows] = old_m + upd_m
        old_v = v[rows]
        upd_v = xp.square(g)
        upd_v -= old_v
        upd_v *= 1 - beta2
        v[rows] = old_v + upd_v
        upd_m += old_m
        upd_v += old_v
        xp.sqrt(upd_v, out=upd_v)
        upd_v += eps
        step = state_steps[i]
        step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
        upd_m /= upd_v
        upd_m *= -step_size
        p[rows] = p[rows] + upd_m
        _bump(param)
