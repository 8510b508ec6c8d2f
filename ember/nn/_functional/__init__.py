"""Private pieces of ``nn.functional``, one file per family."""
