"""Signal helpers every stage uses: one copy each (runs of frames, the frame step, NaN-aware medians and
maxima, a time window as a mask, numbers rounded for JSON).

Missing landmarks are NaN throughout the pipeline, so these helpers take NaN as "not measured", never as
an error, and say nothing about all-NaN slices.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["quiet", "runs", "frame_step", "sample_rate", "nanmedian", "nanmax", "window_mask", "finite_or_zero",
           "rounded"]


class quiet:
    """Silence numpy's RuntimeWarnings (all-NaN slices are expected: missing landmarks are NaN)."""

    def __enter__(self):
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *a):
        self._w.__exit__(*a)


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
