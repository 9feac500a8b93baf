"""Spinal flexion from the person segmentation mask: the shape of the back outline (side view).

The landmarks cannot see the spine: with the shoulder-hip line held, 0-50 deg of spinal flexion left the
landmark hip angle unchanged (../shared/spec/synthetic.md). The back's outline can: as the thoracic and
lumbar spine flex, the dorsal contour between the hip and the shoulder bows outward (Wenghofer 2024;
Clin Biomech 2023;111:106146; a flexicurve on the skin is within ~6 deg of radiographs, Tillotson &
Burton 1991).

Per frame, the tracking stage kept the silhouette's extent on both sides of the hip->shoulder chord at
25 stations (:class:`screening.pose.TrunkOutline`, in chord lengths). Here the dorsal side is chosen
from the facing, and its shape is reduced to features:

- ``lumbar_bend_deg`` and ``thoracic_bend_deg``: the angle between straight lines fitted to neighbouring
  parts of the dorsal contour, low (stations 0-0.3 against 0.35-0.65) and high (0.35-0.65 against
  0.7-1.0); positive = bowed outward. Two, not one: a bend concentrated low or high shows in its own
  part of the contour, where one line per half straddled it;
- ``back_bend_deg`` (the lower half's line against the upper half's) and ``lower_back_deg`` (the lower
  back line's angle to the chord): their change from standing is what spine-first timing compares (the
  chord's inclination minus the lower back's turn is the pelvis's own inclination, which starts to move
  only when the hips do).

The estimate of spinal flexion in degrees is a linear map of the two bends as they are at that frame (not
relative to standing) and of the hip flexion change, fitted on the rendered spine set's fitting half
(sample_videos/spine/, bodies s0-s3, and the side-view hinges of sample_videos/) and scored on the bodies
held out (s4-s7): ``python bench/spine.py`` (bench/spine.md). Why not relative to standing: a barbell's
plates stand in front of the hips when standing, and the segmentation mask takes them in, so the
standing outline near the hips is the plate's edge (rendered: a neutral spine read 34 deg that way); and
a lift from the floor has no standing phase before it. The person's own shape is then a source of error
(bodies differ), and it is part of the measured uncertainty (``spinal_flexion_deg`` in
:mod:`screening.registry`).

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

#: stations (hip 0 .. shoulder 1) of the lower and upper halves of the back contour (spine-first timing)
LOWER = (0.05, 0.45)
UPPER = (0.55, 0.90)
#: the parts whose bends estimate spinal flexion: low (lumbar) and high (thoracic)
LUMBAR = ((0.0, 0.3), (0.35, 0.65))
THORACIC = ((0.35, 0.65), (0.7, 1.0))
#: the contour between these stations
SPAN = (0.0, 1.0)
#: spinal flexion (deg) = a * lumbar bend + b * thoracic bend + c * hip flexion change + d: least squares on
#: the frames with the trunk > 20 deg past standing of the spine set's fitting half. bench/spine.py prints
#: the fit and its error on the held-out bodies; tests/test_spine_set.py re-fits it and checks both.
COEF = (0.9088, 1.0177, -0.0325, 28.0809)
#: at least this share of the stations in the span must have an edge for a frame to count
MIN_STATIONS = 0.7


@dataclass(frozen=True)
class SpineShape:
    lumbar_bend_deg: np.ndarray  # (N,) per frame, as it is
    thoracic_bend_deg: np.ndarray  # (N,)
    back_bend_deg: np.ndarray  # (N,) the lower half's line against the upper half's
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

    return SpineShape(smooth(raw.lumbar_bend_deg), smooth(raw.thoracic_bend_deg), smooth(raw.back_bend_deg),
                      smooth(raw.lower_back_deg), raw.coverage)


def _spine_shape(outline: TrunkOutline, facing_sign: int) -> SpineShape:
    s = outline.stations
    e = back_contour(outline, facing_sign)
    span = (s >= SPAN[0]) & (s <= SPAN[1])
    coverage = np.isfinite(e[:, span]).mean(axis=1)
    # each part's line once (LUMBAR and THORACIC share their middle part), as its angle to the chord
    angle = {part: np.degrees(np.arctan(_line_fit(s, e, *part))) for part in {*LUMBAR, *THORACIC, LOWER, UPPER}}

    def bend(low: tuple[float, float], high: tuple[float, float]) -> np.ndarray:
        # outward is +extent: the lower part rising outward and the upper part coming back in (a bow) is +
        return angle[low] - angle[high]

    out = [bend(*LUMBAR), bend(*THORACIC), bend(LOWER, UPPER), angle[LOWER].copy()]
    for x in out:
        x[coverage < MIN_STATIONS] = np.nan
    return SpineShape(*out, coverage)


def spinal_flexion(shape: SpineShape, hip_flexion_change: np.ndarray | None = None,
                   coef: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Estimated spinal flexion from a neutral standing spine (deg, per frame), from the back's two bends as
    they are and the trunk-thigh angle's change from standing (deg; the buttocks round out as the hips
    flex). ``coef``: (a, b, c, d) of :data:`COEF`, the shipped fit unless given."""
    a, b, c, d = coef if coef is not None else COEF
    n = len(shape.lumbar_bend_deg)
    hip = np.zeros(n) if hip_flexion_change is None else np.nan_to_num(np.maximum(hip_flexion_change, 0))
    return a * shape.lumbar_bend_deg + b * shape.thoracic_bend_deg + c * hip + d
