import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


def to_torch(a):
    return torch.from_numpy(np.array(a)) if isinstance(a, np.ndarray) else a


@pytest.fixture(autouse=True)
def _reset_defaults():
    import ember
    yield
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)
