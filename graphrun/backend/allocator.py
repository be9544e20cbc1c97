"""Keep freed tensor memory inside the process (glibc), so the next large tensor reuses pages already faulted in.

glibc hands every allocation over 32 MB to its own mmap and unmaps it on free. A 512x512 VAE pass allocates
dozens of 64-512 MB activations, and each one's pages are faulted in anew: on this VM that was 3.5 M page faults
and ~6 s of kernel time per encode + decode. Raising the mmap threshold (and the heap trim threshold above it)
makes those tensors come from the heap and be reused: the same arithmetic on the same values, 9-10% less wall
time for VAE encode/decode at 512x512 (docs/benchmarks.md). The price is that freed memory stays with the
process until it exits, which suits one CLI run or a worker that keeps its models loaded.

Applied by the computing commands (run, sweep, test and their workers) at start; never on import. Other C
libraries (macOS, musl) are left alone. GRAPHRUN_MALLOC=default turns it off.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 30  # allocations above 1 GB still get their own mapping

_applied: bool | None = None


def keep_freed_memory() -> bool:
    """Set glibc's mmap/trim thresholds once per process; True when glibc accepted them."""
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if not sys.platform.startswith("linux") or os.environ.get("GRAPHRUN_MALLOC", "") == "default":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                    and mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD - 1) == 1)
    return _applied
