"""The silhouette's geometry, read from a frame's segmentation mask: the trunk's outline either side of the
hip-shoulder chord (:func:`trunk_outline`, at :data:`~screening.pose.series.OUTLINE_STATIONS`) and the width
across each shank (:func:`shank_width`), so that a long video never holds its masks in memory."""
from __future__ import annotations

import numpy as np

from ..landmarks import LM
from .series import OUTLINE_STATIONS

OUTLINE_REACH = 0.8  # how far (in chord lengths) rays look for the silhouette edge
#: samples along each ray; the edge is placed between the two samples where the mask's probability crosses 0.5
#: (linear interpolation of the soft mask: a sub-sample edge; the first cut of 64 samples without it
#: quantised the outline to 1/80 of the trunk, 2-3 px, as coarse as the bends it measures)
OUTLINE_SAMPLES = 96


def _inside_along(mask: np.ndarray, base: np.ndarray, n: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(K, 2, M) whether the silhouette covers the points ``d`` pixels from each of the K ``base`` points,
    along the unit normal ``n`` (side 0) and against it (side 1); off the picture is outside."""
    sides = np.stack([n, -n])  # (2, 2)
    pts = base[:, None, None, :] + sides[None, :, None, :] * d[None, None, :, None]  # (K, 2, M, 2)
    h, w = mask.shape[:2]
    xi = np.clip(np.rint(pts[..., 0]).astype(np.int64), 0, w - 1)
    yi = np.clip(np.rint(pts[..., 1]).astype(np.int64), 0, h - 1)
    inside = mask[yi, xi] > 0.5
    inside &= (pts[..., 0] >= 0) & (pts[..., 0] < w) & (pts[..., 1] >= 0) & (pts[..., 1] < h)
    return inside


def trunk_outline(mask: np.ndarray | None, image: np.ndarray) -> np.ndarray:
    """Silhouette extent either side of the hip->shoulder chord at :data:`OUTLINE_STATIONS`, (K, 2): where the
    person segmentation's probability first falls below 0.5 walking out from the chord along each side's
    normal, to a fraction of a sample (the soft mask read bilinearly, the crossing interpolated). NaN where
    the chord point is itself off the silhouette or the edge is beyond :data:`OUTLINE_REACH`."""
    import cv2

    k = len(OUTLINE_STATIONS)
    out = np.full((k, 2), np.nan)
    if mask is None:
        return out
    hip = (image[LM.LEFT_HIP, :2] + image[LM.RIGHT_HIP, :2]) / 2
    sh = (image[LM.LEFT_SHOULDER, :2] + image[LM.RIGHT_SHOULDER, :2]) / 2
    chord = sh - hip
    length = float(np.hypot(*chord))
    if not np.isfinite(length) or length < 5:
        return out
    u = chord / length
    n = np.array([u[1], -u[0]])  # chord rotated +90 deg on screen (y down): image-left of the chord
    d = np.linspace(0, OUTLINE_REACH, OUTLINE_SAMPLES)
    base = hip[None, :] + OUTLINE_STATIONS[:, None] * chord[None, :]  # (K, 2)
    sides = np.stack([n, -n])  # (2, 2)
    pts = base[:, None, None, :] + sides[None, :, None, :] * (d * length)[None, None, :, None]  # (K, 2, M, 2)
    prob = cv2.remap(np.ascontiguousarray(mask, dtype=np.float32), pts[..., 0].reshape(k * 2, -1).astype(np.float32),
                     pts[..., 1].reshape(k * 2, -1).astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0.0).reshape(k, 2, -1)
    inside = prob >= 0.5
    first_out = np.argmax(~inside, axis=2)  # (K, 2); 0 when the chord point is itself outside
    found = (~inside).any(axis=2) & (first_out > 0)
    j = np.clip(first_out, 1, OUTLINE_SAMPLES - 1)
    a = np.take_along_axis(prob, (j - 1)[..., None], axis=2)[..., 0].astype(np.float64)
    b = np.take_along_axis(prob, j[..., None], axis=2)[..., 0].astype(np.float64)
    with np.errstate(all="ignore"):
        frac = np.where(a - b > 1e-6, (a - 0.5) / (a - b), 0.0)
    edge = d[j - 1] + np.clip(frac, 0, 1) * (d[j] - d[j - 1])
    out[found] = edge[found]
    return out


def shank_width(mask: np.ndarray | None, image: np.ndarray, reach: float = 1.2, samples: int = 48) -> np.ndarray:
    """(2,) silhouette width across the middle of the left and right shank, in shank lengths.

    A bare or trousered shank is ~0.3 wide; where something the segmentation counts as the person stands in
    front of the legs (a barbell plate held at the shins, a bench) the silhouette there is ~1 wide, and the
    knee and ankle landmarks behind it are MediaPipe's guesses (it still gives them visibility ~0.9). 0 when
    the middle of the shank is not on the silhouette at all. NaN without a mask or a shank."""
    out = np.full(2, np.nan)
    if mask is None:
        return out
    s = np.linspace(0, reach, samples)
    for j, (k, a) in enumerate(((LM.LEFT_KNEE, LM.LEFT_ANKLE), (LM.RIGHT_KNEE, LM.RIGHT_ANKLE))):
        d = image[a, :2] - image[k, :2]
        length = float(np.hypot(*d))
        if not np.isfinite(length) or length < 5:
            continue
        u = d / length
        inside = _inside_along(mask, (image[k, :2] + d / 2)[None, :], np.array([u[1], -u[0]]), s * length)[0]
        if not inside[:, 0].all():
            out[j] = 0.0
            continue
        first_out = np.where((~inside).any(axis=1), np.argmax(~inside, axis=1), samples - 1)
        out[j] = float(s[first_out].sum())
    return out
