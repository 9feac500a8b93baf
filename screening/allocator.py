"""The C allocator's settings for a process that tracks video (glibc on Linux; elsewhere these do nothing).

Parallel tracking decodes a 2.7-MB frame (1280x720 RGB) ~60 times a second on threads that come and go with
the stretches of the video, and frees each a few frames later on another thread. glibc's allocator keeps
such freed buffers in per-thread arenas, between small buffers that live on (the landmarks), and hands little
back to the system: memory then grows with the clip (issue 18; bench/memory.md).
"""
from __future__ import annotations

import functools
import sys

__all__ = ["limit_arenas", "release_free_memory"]

M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)


@functools.lru_cache(maxsize=1)
def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    # musl and other C libraries have no malloc_trim: leave them be
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def limit_arenas(arenas: int = 2) -> None:
    """Cap the per-thread malloc arenas for this process (the command's or the app's own process, never a
    library's business): with an arena per decoding thread, the peak memory of one 24-s clip varied from
    1.0 to 1.7 GB between runs; with two, about 0.9 GB."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


def release_free_memory() -> None:
    """Give the pages the allocator holds free back to the system (``malloc_trim``; about 2 microseconds).

    Called by tracking every :data:`screening.pose.TRIM_EVERY_FRAMES` frames and after each stretch: a 10-min
    clip's peak went from 1.09 GB to 988 MB with it, at no cost in time (``python bench/memory.py``)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
