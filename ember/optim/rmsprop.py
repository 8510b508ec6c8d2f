"""``RMSprop`` (``torch.optim.RMSprop``), optionally centered and with momentum."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (CHUNK, Optimizer, _bump, _check_lr, _flat, _flat_in, _grad_chunk,
                        _lerp_chunk, _scalar_tensor, _use_grad, _value, _write_back, _zeros_like,
                        xp)
from .optimizer import _scratch as _scratch_bufs

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), torch's variant (eps added outside the square root).

    .. code-block:: text

        g = -grad if maximize else grad;  g += wd * p
        v = alpha * v + (1 - alpha) * g^2
        centered: ga = lerp(ga, g, 1 - alpha);  avg = sqrt(v - ga^2) + eps   else sqrt(v) + eps
        momentum > 0: b = momentum * b + g / avg;  p -= lr * b   else p -= lr * g / avg

    Example:
        >>> p = ember.nn.Parameter(ember.ones(2)); p.grad = ember.ones(2)
        >>> ember.optim.RMSprop([p], lr=0.01).step(); round(p.tolist()[0], 3)
        0.9
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["square_avg"] = _zeros_like(p)
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = _zeros_like(p)
            st = [self.state[p] for p in params]
            rmsprop(params, [p.grad for p in params], [s["square_avg"] for s in st],
                    [s["grad_avg"] for s in st] if group["centered"] else [],
                    [s["momentum_buffer"] for s in st] if group["momentum"] > 0 else [],
                    [s["step"] for s in st], lr=group["lr"], alpha=group["alpha"],
                    eps=group["eps"], weight_decay=group["weight_decay"],
                    momentum=group["momentum"], centered=group["centered"],
                    maximize=group["maximize"], _scratch=self._scratch_pool())
        return loss


def rmsprop(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
            grad_avgs: list[Tensor], momentum_buffer_list: list[Tensor],
            state_steps: list[Tensor], *, lr, alpha: float, eps: float, weight_decay: float,
            momentum: float, centered: bool, maximize: bool = False,
            _scratch: dict | None = None, **_ignored) -> None:
    """Functional RMSprop; every array is updated in place, CHUNK elements at a time."""
    lr = _value(lr)
    c = 1 - alpha
    wb: list = []
    for i, param in enumerate(params):
        state_steps[i]._data += 1
        p = _flat(param._data, wb)
        g = _flat_in(grads[i]._data)
        sq = _flat(square_avgs[i]._data, wb)
        ga = _flat(grad_avgs[i]._data, wb) if centered else None
        buf = _flat(momentum_buffer_list[i]._data, wb) if momentum > 0 else None
        T, D, G = _scratch_bufs(_scratch, p.dtype, 3)
        for s in range(0, p.shape[0], CHUNK):
            e = s + CHUNK
            pc, sqc = p[s:e], sq[s:e]
            k = pc.shape[0]
            t, d = T[:k], D[:k]
            gc = _grad_chunk(g[s:e], pc, maximize, weight_decay, t, G[:k])
            sqc *= alpha  # square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            xp.multiply(gc, c, t)
            t *= gc
            sqc += t
            if centered:  # square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                gac = ga[s:e]
                _lerp_chunk(gac, gc, c, t)
                xp.multiply(gac, -1, d)
                d *= gac
                d += sqc
                xp.sqrt(d, d)
            else:
                xp.sqrt(sqc, d)
            d += eps
            if buf is not None:  # buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, -lr)
                bc = buf[s:e]
                bc *= momentum
                xp.divide(gc, d, t)
                bc += t
                gc = bc
            else:  # param.addcdiv_(grad, avg, value=-lr)
                xp.multiply(gc, -lr, t)
                t /= d
                pc += t
                continue
            if lr == -1:
                pc += gc
            else:
                xp.multiply(gc, -lr, t)
                pc += t
        if wb:
            _write_back(wb)
        _bump(param)
