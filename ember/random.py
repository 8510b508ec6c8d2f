"""Random number generators (``torch.random`` / ``torch.Generator``) with torch's CPU streams.

The state is torch's MT19937 (``ember/_backend/_cpu_random.py`` draws it in bulk through
NumPy's bit generator), so ``manual_seed(s)`` followed by the same calls gives the same numbers
as PyTorch, and ``get_rng_state`` bytes move between the two frameworks.
"""
from __future__ import annotations

import contextlib

from ._backend import np
from ._backend._cpu_random import CPURandomState
from ._device import as_device
from ._tensor import Tensor, _make

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "fork_rng"]


class Generator:
    """A random-number generator (``torch.Generator``); only ``cpu`` exists today."""

    def __init__(self, device="cpu") -> None:
        self.device = as_device(device)
        if self.device.type != "cpu":
            from ._backend import get_backend
            get_backend(self.device.type)
        self._state = CPURandomState()

    def manual_seed(self, seed) -> "Generator":
        """Seed the generator (torch keeps the low 64 bits; MT19937 uses the low 32)."""
        seed = int(seed)
        self._state.manual_seed(seed)
        return self

    def seed(self) -> int:
        """Seed from a non-deterministic source and return that seed."""
        return self._state.seed()

    def initial_seed(self) -> int:
        return self._state.initial_seed()

    def get_state(self) -> Tensor:
        """The state as a uint8 tensor in torch's byte layout."""
        return _make(np.array(self._state.get_state(), dtype=np.uint8))

    def set_state(self, new_state: Tensor) -> "Generator":
        if not isinstance(new_state, Tensor) or new_state.dtype.name != "uint8":
            raise TypeError(f"expected a torch.ByteTensor, but got "
                            f"{type(new_state).__name__}")
        self._state.set_state(np.ascontiguousarray(new_state._data))
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the default CPU generator (``torch.manual_seed``); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (uint8 tensor, torch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda"):
    """Restore the CPU generator's state on exit (``torch.random.fork_rng``)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def resolve(generator: Generator | None) -> CPURandomState:
    """The backend state to draw from (``generator=None`` means the default generator)."""
    if generator is None:
        return default_generator._state
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, got {type(generator).__name__}")
    return generator._state
