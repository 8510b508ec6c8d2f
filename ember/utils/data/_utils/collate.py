"""``torch.utils.data._utils.collate`` path (the code lives in ``ember.utils.data._collate``)."""
from .._collate import *  # noqa: F401,F403
from .._collate import __all__, default_collate_err_msg_format, np_str_obj_array_pattern  # noqa: F401
