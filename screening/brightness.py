"""A frame's brightness: the mean of the picture itself, black bars left out. Measured on every frame by
tracking (:mod:`screening.pose`) and by the live camera check, and judged by the quality gates
(:mod:`screening.quality`). No project imports, so that those three can all use it without importing each other."""
from __future__ import annotations

import numpy as np

__all__ = ["picture_brightness", "BAR_BELOW"]

#: a row or column of the picture whose brightest sampled pixel is below this is a black bar (letterbox or
#: pillarbox: a portrait phone clip put in a 16:9 frame), not part of the scene
BAR_BELOW = 16


def picture_brightness(rgb: np.ndarray, step: int = 8) -> float:
    """The mean brightness (0-255) of the picture itself, on a sparse grid of pixels: the black bars a
    letterboxed or pillarboxed clip carries at its edges are left out (whole rows or columns at the edges
    with no pixel brighter than :data:`BAR_BELOW`). Averaged with the bars, a well-lit portrait clip in a
    16:9 frame read 19.7 where its picture was 62.2 (bichraix_deadlift_bad005): too dark, wrongly."""
    g = rgb[::step, ::step]
    peak = g.max(axis=2) if g.ndim == 3 else g
    rows = np.flatnonzero(peak.max(axis=1) >= BAR_BELOW)
    cols = np.flatnonzero(peak.max(axis=0) >= BAR_BELOW)
    if len(rows) == 0 or len(cols) == 0:
        return float(g.mean())  # a black picture: nothing but the bars' darkness to report
    return float(g[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].mean())
