"""Spinal flexion from the person segmentation mask: the shape of the back outline (side view).

The landmarks cannot see the spine: with the shoulder-hip line held, 0-50 deg of spinal flexion left the
landmark hip angle unchanged (../shared/spec/synthetic.md). The back's outline can: as the thoracic and
lumbar spine flex, the dorsal contour between the hip and the shoulder bows outward (Wenghofer 2024;
Clin Biomech 2023;111:106146; a flexicurve on the skin is within ~6 deg of radiographs, Tillotson &
Burton 1991).

Per frame, the tracking stage kept the silhouette's extent on both sides of the hip->shoulder chord at
25 stations (:class:`screening.pose.TrunkOutline`, in chord lengths). Here the dorsal side is chosen
from the facing, and its shape is reduced to features:

- ``back_bend_deg``: the angle between straight lines fitted to the lower and the upper part of the
  dorsal contour (positive = bowed outward, a flexed back);
- ``lower_back_deg``: the lower back line's angle to the chord; the chord's inclination minus it is the
  lower back's (the pelvis's) own inclination, which starts to move only when the hips do (spine-first
  timing compares the two onsets);

each minus its median over the standing baseline window. The estimate of spinal flexion in degrees is a
linear map of one feature, fitted on the rendered corpus (bodies and cameras) and tested on clips it was
not fitted on (tests/test_spine.py; the numbers are in bench/accuracy.md).

Limits (reported as low confidence where they apply): loose clothing and long hair change the contour,
not the spine; arms, a bar or a kettlebell held against the back side; a person filmed obliquely (the
contour is then not the midline); and the neck is never measured (contour-neck correlation r < 0.15,
metrics.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clean import hampel, lowpass
from .signals import frame_step, quiet
from .pose import TrunkOutline

#: stations (hip 0 .. shoulder 1) of the lower and upper parts of the back contour
LOWER = (0.05, 0.45)
UPPER = (0.55, 0.90)
#: the contour between these stations (the neck and the buttocks excluded)
SPAN = (0.05, 0.90)
#: spinal flexion (deg) = DEG_PER_BEND * (back bend from standing - BEND_PER_HIP_DEG * hip flexion from
#: standing), least squares through the origin on the rendered side-view hinges (frames with the trunk
#: > 20 deg past standing). Left-one-clip-out (each clip another body and camera): MAE 4.1 deg, r 0.92
#: (tests/test_spine.py re-fits it that way). The hip term: a neutral spine's outline still bends about
#: 0.05 deg per degree of hip flexion, as the buttocks round out (the squatted hinge read 10 deg without it).
DEG_PER_BEND = 1.612
BEND_PER_HIP_DEG = 0.0493
#: at least this share of the stations in the span must have an edge for a frame to count
MIN_STATIONS = 0.7


@dataclass(frozen=True)
class SpineShape:
    back_bend_deg: np.ndarray  # (N,) absolute, per frame
    lower_back_deg: np.ndarray  # (N,) the lower back line's angle from the hip->shoulder chord (outward +)
    coverage: np.ndarray  # (N,) share of stations in SPAN with an edge


def back_contour(outline: TrunkOutline, facing_sign: int) -> np.ndarray:
    """(N, K) dorsal extent (chord lengths) per station: side 0 (image-left of the hip->shoulder chord)
    is behind a person facing image-right."""
    side = 0 if facing_sign >= 0 else 1
    return outline.extent[:, :, side]


def _line_fit(s: np.ndarray, e: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Slope of a least-squares line through (s, e) for stations in [lo, hi], per frame (NaN-aware)."""
    sel = (s >= lo) & (s <= hi)
    x = s[sel][None, :]
    y = e[:, sel]
    ok = np.isfinite(y)
    n = ok.sum(axis=1)
    with np.errstate(all="ignore"), quiet():
        xm = np.where(ok, x, np.nan)
        mx = np.nanmean(xm, axis=1, keepdims=True)
        my = np.nanmean(y, axis=1, keepdims=True)
        slope = np.nansum((xm - mx) * (y - my), axis=1) / np.nansum((xm - mx) ** 2, axis=1)
    slope[n < 3] = np.nan
    return slope


def spine_shape(outline: TrunkOutline, facing_sign: int, time_s: np.ndarray | None = None) -> SpineShape:
    """The back's shape per frame; with ``time_s``, each feature is cleaned like the landmarks are
    (Hampel outliers, then the zero-phase low-pass): the mask's edge jitters by a pixel or two a frame."""
    raw = _spine_shape(outline, facing_sign)
    if time_s is None or len(time_s) < 8:
        return raw
    half = max(1, int(round(0.1 / frame_step(time_s))))

    def smooth(x: np.ndarray) -> np.ndarray:
        return lowpass(time_s, hampel(x, half))

    return SpineShape(smooth(raw.back_bend_deg), smooth(raw.lower_back_deg), raw.coverage)


def _spine_shape(outline: TrunkOutline, facing_sign: int) -> SpineShape:
    s = outline.stations
    e = back_contour(outline, facing_sign)
    span = (s >= SPAN[0]) & (s <= SPAN[1])
    coverage = np.isfinite(e[:, span]).mean(axis=1)
    lower = _line_fit(s, e, *LOWER)
    upper = _line_fit(s, e, *UPPER)
    # outward is +extent; the lower part rising outward and the upper part coming back in = a bow
    bend = np.degrees(np.arctan(lower) - np.arctan(upper))
    bad = coverage < MIN_STATIONS
    bend[bad] = np.nan
    lower_deg = np.degrees(np.arctan(lower))
    lower_deg[bad] = np.nan
    return SpineShape(bend, lower_deg, coverage)


def spinal_flexion(shape: SpineShape, time_s: np.ndarray, baseline_window_s: tuple[float, float] | None,
                   hip_flexion_change: np.ndarray | None = None, deg_per_bend: float = DEG_PER_BEND,
                   bend_per_hip: float = BEND_PER_HIP_DEG) -> tuple[np.ndarray, float]:
    """Estimated spinal flexion from standing (deg, per frame) and the standing bend it is relative to.

    ``hip_flexion_change``: the trunk-thigh angle from standing (deg), for the buttocks' share of the bend."""
    if baseline_window_s is not None:
        a, b = baseline_window_s
        sel = (time_s >= a - 1e-9) & (time_s <= b + 1e-9)
    else:
        sel = np.zeros(len(time_s), bool)
    with quiet():
        base = float(np.nanmedian(shape.back_bend_deg[sel])) if sel.any() else np.nan
    hip = np.zeros(len(time_s)) if hip_flexion_change is None else np.nan_to_num(np.maximum(hip_flexion_change, 0))
    return deg_per_bend * (shape.back_bend_deg - base - bend_per_hip * hip), base
