"""ember-vs-PyTorch benchmarks (not tests). See the README's Benchmarks section.

Both libraries run in one process, so their thread pools share the machine. Left at their
defaults, each pool keeps spinning on the cores after its library's call returns — OpenBLAS
(NumPy's BLAS) for up to 2**28 cycles, torch's libgomp for 300,000 spins — and steals them from
the other library's next call: on 2 cores that slowed torch's mlp step 9x and ember's 2x. Before
either library loads, the spin is shortened to about what one library needs between its own
calls; measured standalone times (one library per process) match the interleaved ones then.
An explicit setting in the environment wins.
"""
import os

# --separate runs each library in a child process with the environment it was given, so each
# runs with its own defaults (ember sets its spin limits itself on import; torch keeps libgomp's).
ORIGINAL_ENV = dict(os.environ, BENCHMARKS_SEPARATE_CHILD="1")
if "BENCHMARKS_SEPARATE_CHILD" not in os.environ:
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")  # 2**22 cycles, about 1 ms
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")
