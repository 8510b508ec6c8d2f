"""``ember.utils`` (``torch.utils``): hooks, data, tensorboard, ... Submodules load lazily."""
