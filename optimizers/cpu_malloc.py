"""Keep freed memory in the process while training on CPU, instead of handing it back to the kernel.

glibc serves large allocations (above a threshold that grows up to 32 MB) with their own `mmap` and gives them
back with `munmap` when freed, and trims the heap's top once more than 128 KB of it is free. A CPU training step
allocates and frees the same activation and gradient buffers every step, so the kernel maps, zeroes and unmaps
them again each time: system time, ~10% of a tiny-model SFT step on 2 cores (docs/TRAINING_ON_CPU.md).
Raising the thresholds with `mallopt` makes those buffers reused from the heap. GPU memory is unaffected.

    from optimizers.cpu_malloc import keep_freed_memory
    keep_freed_memory()   # before training on CPU (sft_train.load_model_and_tokenizer does); a no-op off glibc
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# mallopt parameter numbers (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's maximum on 64-bit: larger buffers still get their own mapping
TRIM_THRESHOLD = 1024 * 1024 * 1024  # keep up to 1 GB of freed heap before trimming
TOP_PAD = 256 * 1024 * 1024  # grow the heap in 256 MB steps rather than per allocation

_applied: bool | None = None


def keep_freed_memory() -> bool:
    """Set glibc's malloc to reuse freed buffers (see module doc); True if applied. Idempotent; a no-op (False)
    where the C library is not glibc."""
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        log.debug("No glibc mallopt here; the allocator keeps its defaults.")
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = all(mallopt(param, value) == 1 for param, value in (
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD)))
    if not ok:
        log.debug("mallopt refused a setting; the allocator keeps (some of) its defaults.")
    _applied = ok
    return ok
