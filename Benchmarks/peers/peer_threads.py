"""Thread limits for the peers, applied before numpy/torch/jax load.

BLAS and OpenMP read their thread counts when their libraries load, so
each peer calls `apply_from_argv()` before importing anything numeric.
XLA (JAX) ignores these variables: the CPU affinity mask is what bounds its
thread pools, so that is restricted too (the first N cores).
"""
import os
import sys


def apply_from_argv(argv=None):
    argv = sys.argv if argv is None else argv
    n = 1
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            n = int(argv[i + 1])
        elif a.startswith("--threads="):
            n = int(a.split("=", 1)[1])
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(n)
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, cpus[:n])
    return n
