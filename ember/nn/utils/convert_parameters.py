"""``parameters_to_vector`` / ``vector_to_parameters`` (``torch.nn.utils.convert_parameters``)."""
from __future__ import annotations

from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """Concatenate the flattened ``parameters`` into one vector (differentiable, like torch).

    Example::

        >>> ember.nn.utils.parameters_to_vector(ember.nn.Linear(2, 3).parameters()).shape
        torch.Size([9])
    """
    import ember
    device = None
    vec = []
    for param in parameters:
        device = _check_param_device(param, device)
        vec.append(param.view(-1))
    return ember.cat(vec)


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of ``vec`` into ``parameters`` (by replacing ``.data``).

    Example::

        >>> lin = ember.nn.Linear(2, 1)
        >>> ember.nn.utils.vector_to_parameters(ember.zeros(3), lin.parameters())
        >>> lin.bias
        Parameter containing:
        tensor([0.], requires_grad=True)
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n


def _typename(obj) -> str:
    t = type(obj)
    mod = t.__module__
    return t.__qualname__ if mod in ("builtins", None) else f"{mod}.{t.__qualname__}"


def _check_param_device(param, old):
    cur = param.get_device() if param.device.type == "cuda" else -1
    if old is None:
        return cur
    if cur != old:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return old
