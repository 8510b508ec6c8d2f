"""``ember.nn.utils`` (``torch.nn.utils``): gradient clipping, parameter/vector conversion,
parametrizations, weight/spectral norm, pruning, conv/linear-bn fusion, ``rnn`` packing and
``stateless.functional_call``."""
from __future__ import annotations

import importlib.util as _ilu

from . import parametrizations, parametrize, prune, stateless  # noqa: F401
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,  # noqa: F401
                        clip_grads_with_norm_, get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,  # noqa: F401
                     fuse_linear_bn_weights)
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grads_with_norm_", "clip_grad_value_",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "get_total_norm", "parameters_to_vector", "parametrizations",
           "parametrize", "remove_spectral_norm", "remove_weight_norm", "rnn", "spectral_norm",
           "stateless", "vector_to_parameters", "weight_norm"]

# ``rnn`` (pack_padded_sequence & co.) is written separately; import it once it exists.
if _ilu.find_spec(f"{__name__}.rnn") is not None:
    try:
        from . import rnn  # noqa: F401
    except Exception as _err:  # being written: keep the rest of nn.utils importable
        _rnn_error = _err

        def __getattr__(name):
            if name == "rnn":
                raise ImportError(f"ember.nn.utils.rnn failed to import: {_rnn_error!r}")
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
