"""``ember.nn.functional`` (``torch.nn.functional``): every module's math, by family.

Each family lives in ``ember/nn/_functional/<family>.py``; this module re-exports them all.
"""
from ._functional.activation import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.embedding import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.misc import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.rnn import *  # noqa: F401,F403
from ._functional.vision import *  # noqa: F401,F403
