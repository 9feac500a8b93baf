"""Signal helpers every stage uses: one copy each (runs of frames, the frame step, NaN-aware medians and
maxima, a time window as a mask, numbers rounded for JSON).

Missing landmarks are NaN throughout the pipeline, so these helpers take NaN as "not measured", never as
an error, and say nothing about all-NaN slices.
"""
from __future__ import annotations

import math
import threading
import warnings

import numpy as np

__all__ = ["quiet", "runs", "frame_step", "sample_rate", "nanmedian", "nanmax", "moving_nanmedian", "window_mask",
           "finite_or_zero", "rounded"]

#: frames per block of :func:`moving_nanmedian`: its windows are copied block by block, so its memory stays
#: the same whatever the clip's length (the whole (N, ..., window) copy, with the deviations, took 1.3 GB for a 10-min clip)
MOVING_BLOCK_ROWS = 256


_QUIET = ("ignore", None, RuntimeWarning, None, 0)  # the entry warnings.filterwarnings makes for it
_quiet_lock = threading.Lock()
_quiet_depth = 0


class quiet:
    """Silence numpy's RuntimeWarnings (all-NaN slices are expected: missing landmarks are NaN).

    Safe across threads: one filter stays in place while any thread is inside. (``warnings.catch_warnings``
    is not: in the page's server, where the live camera's thread and the page's script run the pipeline side
    by side, one thread's exit put back the filters under the other, and "All-NaN slice encountered" reached
    the server's terminal.)"""

    def __enter__(self):
        global _quiet_depth
        with _quiet_lock:
            if _quiet_depth == 0:
                warnings.filterwarnings("ignore", category=RuntimeWarning)
            _quiet_depth += 1

    def __exit__(self, *a):
        global _quiet_depth
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                if _QUIET in warnings.filters:
                    warnings.filters.remove(_QUIET)
                mutated = getattr(warnings, "_filters_mutated", None)
                if mutated is not None:  # the per-module caches of "already ignored" are dropped
                    mutated()


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index ranges of the consecutive True values of ``mask``."""
    edges = np.diff(np.concatenate([[0], np.asarray(mask, bool).astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def frame_step(time_s: np.ndarray, default: float = 1 / 30) -> float:
    """The median time between frames (s): phones record a variable frame rate, so never 1 / fps."""
    return float(np.median(np.diff(time_s))) if len(time_s) > 1 else default


def sample_rate(time_s: np.ndarray, default: float = 30.0) -> float:
    """Frames per second from the timestamps (:func:`frame_step`)."""
    return 1.0 / frame_step(time_s, 1.0 / default)


def nanmedian(x) -> float:
    """The median of the finite values; NaN (without a warning) when there are none."""
    x = np.asarray(x, float)
    ok = np.isfinite(x)
    return float(np.median(x[ok])) if ok.any() else float("nan")


def nanmax(x) -> float:
    """The largest finite value; NaN (without a warning) when there are none."""
    x = np.asarray(x, float)
    ok = np.isfinite(x)
    return float(np.max(x[ok])) if ok.any() else float("nan")


def moving_nanmedian(x: np.ndarray, half_window: int, mad: bool = False):
    """Along axis 0, the NaN-aware median of the ``2 * half_window + 1`` samples around each one (the ends
    padded with the first and last sample); with ``mad``, also the median absolute deviation from it.
    Computed in blocks of :data:`MOVING_BLOCK_ROWS` frames, so memory does not grow with the clip."""
    x = np.asarray(x, float)
    n, w = len(x), 2 * half_window + 1
    pad = np.pad(x, [(half_window, half_window)] + [(0, 0)] * (x.ndim - 1), mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(pad, w, axis=0)  # a view: nothing copied yet
    med = np.empty_like(x)
    dev = np.empty_like(x) if mad else None
    with np.errstate(all="ignore"), quiet():
        for a in range(0, n, MOVING_BLOCK_ROWS):
            block = win[a:a + MOVING_BLOCK_ROWS]
            med[a:a + MOVING_BLOCK_ROWS] = m = np.nanmedian(block, axis=-1)
            if dev is not None:
                dev[a:a + MOVING_BLOCK_ROWS] = np.nanmedian(np.abs(block - m[..., None]), axis=-1)
    return (med, dev) if mad else med


def window_mask(time_s: np.ndarray, window: tuple[float, float] | None) -> np.ndarray:
    """(N,) the frames inside ``window`` (seconds, both ends included); none when there is no window."""
    if window is None:
        return np.zeros(len(time_s), bool)
    return (time_s >= window[0] - 1e-9) & (time_s <= window[1] + 1e-9)


def finite_or_zero(x) -> float:
    """A value for comparing or ranking: a missing (None) or non-finite one counts as 0."""
    return float(x) if x is not None and math.isfinite(float(x)) else 0.0


def rounded(x, digits: int = 3) -> float | None:
    """A number for JSON: rounded, and None for a missing or non-finite one."""
    if x is None:
        return None
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None
