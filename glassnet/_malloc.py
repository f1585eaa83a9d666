"""Keep freed memory in the process instead of handing it back to the kernel at once.

With glibc's default settings every large temporary (>= 128 KiB at first) is a fresh mmap: the
kernel zero-fills each 4 KiB page on first touch and takes it back on free, so a training step
that makes a few hundred activation-sized arrays spends much of its time in page faults (about
3,100 a step on the cnn benchmark). Raising the mmap and trim thresholds lets malloc reuse the
freed blocks, which is what PyTorch's own CPU allocator gets by caching. This changes the
process's malloc settings; set GLASSNET_MALLOPT=0 before importing glassnet to leave them alone.
It does nothing where the C library is not glibc.
"""

import ctypes
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 1 << 30  # blocks below 1 GiB come from the heap and are reused
TRIM_THRESHOLD = 1 << 30  # give memory back only when over 1 GiB of the heap's top is free


def tune():
    """Raise the thresholds; returns True where it took effect."""
    if os.environ.get("GLASSNET_MALLOPT", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library already loaded into Python
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


TUNED = tune()
