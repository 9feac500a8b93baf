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
from .pose import TrunkOutline
from .signals import frame_step, quiet

#: stations (hip 0 .. shoulder 1) of the lower and upper halves of the back contour (spine-first timing)
LOWER = (0.05, 0.45)
UPPER = (0.55, 0.90)
#: the parts whose bends estimate spinal flexion: low (lumbar) and high (thoracic)
LUMBAR = ((0.0, 0.3), (0.35, 0.65))
THORACIC = ((0.35, 0.65), (0.7, 1.0))
#: the contour between these stations
SPAN = (0.0, 1.0)
#: spinal flexion (deg) = a * lumbar bend + b * thoracic bend (at the frame) + c * lumbar bend + d * thoracic
#: bend (the person's own upright back: :func:`reference_bends`) + e * hip flexion change + f: least squares at
#: the reps' bottoms of the rendered population without a barbell, calibrated to read the same at every level
#: of flexion (bench/spine.py, which prints the fit and its error on bodies held out; tests/test_spine_set.py
#: re-fits it from bench/data/spine_reps.json)
COEF = (1.3648, 1.7053, -0.5379, -1.3509, -0.2596, 34.6939)
#: the upright back of the rendered population, on average (lumbar, thoracic bend): the reference where a clip
#: has no upright frame with a readable outline
REFERENCE_DEFAULT = (-26.59, 1.9)
#: a load in front of the hips while standing (chord lengths; :func:`load_over_hips`)
HIP_LOAD_EXTENT = 0.36
HIP_LOAD_EXTENT_BACK = 0.41
#: the measured error (mean absolute, deg, rendered bodies held out: bench/spine.py) of spinal flexion read
#: against the person's own upright back, and against the average back where the person's was hidden or unseen
UNCERTAINTY_OWN_BACK = 6.1
UNCERTAINTY_AVERAGE_BACK = 11.8
#: the most upright share of the frames that stands in for a standing phase (a lift from the floor has none
#: before it: its lockouts do)
UPRIGHT_SHARE = 10
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

    out = (bend(*LUMBAR), bend(*THORACIC), bend(LOWER, UPPER), angle[LOWER].copy())
    for x in out:
        x[coverage < MIN_STATIONS] = np.nan
    return SpineShape(*out, coverage)


def reference_window(time_s: np.ndarray, trunk_change: np.ndarray, window: tuple[float, float] | None) -> np.ndarray:
    """(N,) the frames of the person's own upright back: the standing window, or without one the most upright
    :data:`UPRIGHT_SHARE` % of the frames (a lift from the floor is upright at its lockouts)."""
    if window is not None:
        return (time_s >= window[0]) & (time_s <= window[1])
    ok = np.isfinite(trunk_change)
    if not ok.any():
        return np.zeros(len(time_s), bool)
    return ok & (trunk_change <= np.nanpercentile(trunk_change, UPRIGHT_SHARE))


def reference_bends(shape: SpineShape, upright: np.ndarray) -> tuple[float, float] | None:
    """(lumbar, thoracic) bend of the person's own upright back: the medians over ``upright`` frames; None
    when no upright frame has a readable outline."""
    lum, tho = shape.lumbar_bend_deg[upright], shape.thoracic_bend_deg[upright]
    ok = np.isfinite(lum) & np.isfinite(tho)
    if not ok.any():
        return None
    return float(np.median(lum[ok])), float(np.median(tho[ok]))


def load_over_hips(outline: TrunkOutline, facing_sign: int, upright: np.ndarray) -> bool:
    """Whether something held in front of the hips widened the upright silhouette there (a barbell's plates at
    lockout): the silhouette reaching further than :data:`HIP_LOAD_EXTENT` chord lengths in front of, or
    :data:`HIP_LOAD_EXTENT_BACK` behind, the lower half of the chord. Then the upright outline of the lower
    back is the plate's edge, not the person's back. Rendered standing bodies read 0.23-0.33 in front and
    0.25-0.36 behind without a load (5th-95th percentile, 84 clips), 0.38-0.79 and up to 0.79 with a barbell."""
    if not upright.any():
        return False
    front = outline.extent[upright][:, :, 1 if facing_sign >= 0 else 0]
    back = back_contour(outline, facing_sign)[upright]
    low = (outline.stations >= 0.0) & (outline.stations <= 0.5)
    with quiet():
        f, b = np.nanmedian(front[:, low], axis=0), np.nanmedian(back[:, low], axis=0)
    return bool(np.nanmax(np.r_[f, -np.inf]) > HIP_LOAD_EXTENT or np.nanmax(np.r_[b, -np.inf]) > HIP_LOAD_EXTENT_BACK)


def person_reference(outline: TrunkOutline, facing_sign: int, shape: SpineShape,
                     upright: np.ndarray) -> tuple[tuple[float, float] | None, str | None]:
    """The person's own upright back for :func:`spinal_flexion`, or None and why not: "unseen" (no upright
    frame with a readable outline) or "load" (:func:`load_over_hips`)."""
    if load_over_hips(outline, facing_sign, upright):
        return None, "load"
    ref = reference_bends(shape, upright)
    return (ref, None) if ref is not None else (None, "unseen")


def spinal_flexion(shape: SpineShape, hip_flexion_change: np.ndarray | None = None,
                   reference: tuple[float, float] | None = None, coef=None) -> np.ndarray:
    """Estimated spinal flexion from a neutral spine (deg, per frame), from the back's two bends as they are,
    the same two bends of the person's own upright back (``reference``, :func:`reference_bends`; without one
    the rendered population's average, :data:`REFERENCE_DEFAULT`), and the trunk-thigh angle's change from
    standing (deg; the buttocks round out as the hips flex). ``coef``: :data:`COEF` unless given.

    Why the person's own back: across 64 rendered bodies the bends at the bottom tracked a body's own spinal
    flexion closely (within a body: r 0.95, 2.9 deg) while bodies differed by their build (glutes, back
    muscles, clothing): the upright back carries that build (bench/spine.md)."""
    a, b, c, d, e, f = coef if coef is not None else COEF
    lum_ref, tho_ref = reference if reference is not None else REFERENCE_DEFAULT
    n = len(shape.lumbar_bend_deg)
    hip = np.zeros(n) if hip_flexion_change is None else np.nan_to_num(np.maximum(hip_flexion_change, 0))
    return a * shape.lumbar_bend_deg + b * shape.thoracic_bend_deg + c * lum_ref + d * tho_ref + e * hip + f
