"""Every angle the tool reads from the landmarks, defined once, as data: the table :data:`ANGLE_TABLE`.

Each row names an angle a physiotherapist recognises, the landmarks it uses, how it is computed, the views it
is valid in and its source in ../shared/spec/metrics.md. Two kinds of rows:

- the per-frame measures (:data:`ANGLES`: rows with views): what :func:`screening.kinematics.kinematics`
  computes in the views they are valid in, with the person's standing baseline, and every surface shows;
- the picture checks (:data:`PICTURE_ANGLES`: rows with no view): angles of the body in the picture, in any
  view, that the stages use to judge the clip rather than the movement (is the person upright, lying across
  the picture, leaning in the camera's view); :func:`picture_angle` computes them.

Side-view angles are computed in a body frame whose x axis points where the person faces, so a person
facing left and a person facing right give the same numbers (angle flips with facing direction are the
top complaint users raise against Sports2D: issues #30, #31, #35, #39). Front-view angles use the
person's own left and right, so facing the camera or facing away gives the same numbers too.

A point is ``near_``, ``left_``, ``right_`` or ``mid_`` a landmark pair (``mid_``: their average, missing where
either is), or ``mean_`` it (their average where both are seen, the one seen where only one is).

This module imports only :mod:`screening.landmarks` and :mod:`screening.signals`: every stage may read the table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .landmarks import LM, pair
from .signals import quiet

__all__ = ["AngleDef", "ANGLE_TABLE", "ANGLES", "PICTURE_ANGLES", "Segments", "angle_def", "compute", "picture_angle",
           "resolve_point", "left_direction", "POINTS", "SIDE", "FRONT", "TRUNK_OFFSET_DEG", "HIP_OFFSET_DEG",
           "KNEE_OFFSET_DEG", "FPPA_OFFSET_DEG"]

SIDE = ("side",)
FRONT = ("front",)

# landmark indices (left, right); "mid_*" are averages of the pair
POINTS = {part: pair(part) for part in ("ear", "shoulder", "hip", "knee", "ankle", "heel", "toe")}


@dataclass(frozen=True)
class AngleDef:
    name: str
    kind: str  # how it is computed: see _COMPUTE
    points: tuple[str, ...]  # symbolic points; "near_", "left_", "right_", "mid_" prefixes
    views: tuple[str, ...]
    definition: str
    source: str
    #: added to the landmark angle: MediaPipe's landmarks are not the joint centres (its hip sits above and
    #: outside the hip joint, its shoulder off the glenohumeral joint), a systematic offset measured on the
    #: rendered corpus against the true joint centres (bench/accuracy.py; left-one-clip-out in
    #: tests/test_accuracy.py). Changes from standing are unaffected.
    offset_deg: float = 0.0


#: landmark -> joint-centre offsets (deg), the median of (true - measured) over every frame of the rendered
#: side-view clips (14 clips, 10 bodies, cameras at 2.5-4 m, roll +-4 deg). Left-one-clip-out the offset
#: took trunk inclination from 6.7 to 2.3 deg MAE, hip flexion 6.6 -> 3.5, knee flexion 4.0 -> 3.4
TRUNK_OFFSET_DEG = 7.2
HIP_OFFSET_DEG = 6.1
KNEE_OFFSET_DEG = 2.7
#: the same for the front leg's FPPA in the picture (10 front-view lunge clips): 3.7 -> 3.0 deg MAE
FPPA_OFFSET_DEG = 2.5


#: The one table of angles. Units: degrees unless the name ends otherwise.
ANGLE_TABLE: tuple[AngleDef, ...] = (
    AngleDef("trunk_inclination_deg", "segment_from_vertical_forward", ("mid_hip", "mid_shoulder"), SIDE,
             "mid-hip -> mid-shoulder from vertical, forward positive",
             "metrics.md Hinge; 2D vs 3D bias ~1.7 deg (Schurr 2017, IJSPT)", TRUNK_OFFSET_DEG),
    AngleDef("hip_flexion_deg", "joint_flexion", ("near_shoulder", "near_hip", "near_knee"), SIDE,
             "180 - angle(shoulder, hip, knee), near side; thigh forward of the trunk line positive",
             "metrics.md Hinge (mixes hip, pelvis and spine flexion)", HIP_OFFSET_DEG),
    AngleDef("knee_flexion_deg", "joint_flexion_back", ("near_hip", "near_knee", "near_ankle"), SIDE,
             "180 - angle(hip, knee, ankle), near side; shank behind the thigh line positive",
             "metrics.md Hinge; good morning ~5 deg, deadlift ~104-108 deg (Schellenberg 2013)", KNEE_OFFSET_DEG),
    AngleDef("hip_flexion_left_deg", "joint_flexion", ("left_shoulder", "left_hip", "left_knee"), SIDE,
             "hip flexion of the left leg", "metrics.md Lunge (front/rear leg)", HIP_OFFSET_DEG),
    AngleDef("hip_flexion_right_deg", "joint_flexion", ("right_shoulder", "right_hip", "right_knee"), SIDE,
             "hip flexion of the right leg", "metrics.md Lunge (front/rear leg)", HIP_OFFSET_DEG),
    AngleDef("knee_flexion_left_deg", "joint_flexion_back", ("left_hip", "left_knee", "left_ankle"), SIDE,
             "knee flexion of the left leg", "metrics.md Lunge: front knee flexion", KNEE_OFFSET_DEG),
    AngleDef("knee_flexion_right_deg", "joint_flexion_back", ("right_hip", "right_knee", "right_ankle"), SIDE,
             "knee flexion of the right leg", "metrics.md Lunge: front knee flexion", KNEE_OFFSET_DEG),
    AngleDef("head_angle_deg", "head_flexion", ("near_ear", "near_shoulder", "near_hip"), SIDE,
             "angle between ear -> shoulder and shoulder -> hip; head forward of the trunk line positive",
             "metrics.md Hinge: the dowel's head contact"),
    AngleDef("hip_shift_leg_lengths", "posterior_offset", ("mid_hip", "near_ankle"), SIDE,
             "horizontal mid-hip position behind the near ankle, over leg length (hip-ankle)",
             "metrics.md Hinge: SFMA posterior weight shift"),
    AngleDef("knee_valgus_fppa_left_deg", "fppa", ("left_hip", "left_knee", "left_ankle", "right_hip"), FRONT,
             "frontal plane projection angle, 180 - angle(hip, knee, ankle), knee medial positive",
             "metrics.md Lunge; controls 8.4 +- 5.1, PFP 16.8 +- 5.4 deg (Herrington 2014)", FPPA_OFFSET_DEG),
    AngleDef("knee_valgus_fppa_right_deg", "fppa", ("right_hip", "right_knee", "right_ankle", "left_hip"), FRONT,
             "frontal plane projection angle of the right leg, knee medial positive",
             "metrics.md Lunge (Herrington 2014)", FPPA_OFFSET_DEG),
    AngleDef("pelvic_obliquity_deg", "line_from_horizontal", ("right_hip", "left_hip"), FRONT,
             "right hip -> left hip from horizontal, left hip higher positive", "metrics.md Lunge"),
    AngleDef("lateral_trunk_lean_deg", "segment_from_vertical_left", ("mid_hip", "mid_shoulder"), FRONT,
             "mid-hip -> mid-shoulder from vertical, toward the person's left positive", "metrics.md Lunge"),
    AngleDef("ml_sway_hip_widths", "lateral_offset", ("mid_hip",), FRONT,
             "mid-hip position toward the person's left, over hip width (relative to baseline)",
             "metrics.md Lunge: medio-lateral sway"),
    # the picture checks: angles of the body in the picture, any view (views=())
    AngleDef("trunk_from_vertical_deg", "segment_from_vertical", ("mean_hip", "mean_shoulder"), (),
             "mid-hip -> mid-shoulder from the picture's vertical, either way: 0 upright, 90 horizontal",
             "the upright frames (screening.clean.upright_frames: the standing baseline's and the view's), "
             "and a trunk lean kept in an oblique view (screening.pipeline.detect_pattern)"),
    AngleDef("body_tilt_deg", "segment_from_vertical_right", ("mean_ankle", "mean_shoulder"), (),
             "mid-ankle -> mid-shoulder from the picture's vertical, the shoulders to the right positive",
             "the live camera check: a camera on its side or a person leaning (screening.live.body_tilt)"),
    AngleDef("legs_from_down_deg", "segment_from_down", ("mean_hip", "mean_ankle"), (),
             "mid-hip -> mid-ankle from the picture's straight down, to the right positive: 0 standing, "
             "+-90 lying across the picture, 180 upside down",
             "the refusal of a video turned the wrong way (screening.quality.refusal)"),
)

#: the per-frame measures: the rows computed in their views (kinematics), with a standing baseline
ANGLES: tuple[AngleDef, ...] = tuple(a for a in ANGLE_TABLE if a.views)
#: the picture checks: the rows of no view, computed by :func:`picture_angle`
PICTURE_ANGLES: tuple[AngleDef, ...] = tuple(a for a in ANGLE_TABLE if not a.views)


@dataclass
class Segments:
    """The person's own segment lengths (pixels, medians over the baseline frames)."""

    leg: float
    shank: float
    thigh: float
    trunk: float
    hip_width: float
    foot: float


# ---------------------------------------------------------------------------------------------- geometry
def resolve_point(xy: np.ndarray, name: str, near: str | None) -> np.ndarray:
    """(N, 2) positions of a symbolic point such as "near_knee", "left_hip" or "mid_shoulder"."""
    prefix, part = name.split("_", 1)
    left, right = POINTS[part]
    if prefix == "mid":
        return (xy[:, left] + xy[:, right]) / 2
    if prefix == "mean":
        with np.errstate(all="ignore"), quiet():  # a frame with neither: NaN
            return np.nanmean(xy[:, [left, right]], axis=1)
    side = near if prefix == "near" else prefix
    return xy[:, left if side == "left" else right]


def _body(v: np.ndarray, facing_sign: int) -> np.ndarray:
    """Screen vector -> body sagittal frame: x where the person faces, y up."""
    return np.stack([v[:, 0] * facing_sign, -v[:, 1]], axis=1)


def _signed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signed angle from a to b (degrees, counter-clockwise positive in a y-up frame)."""
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    dot = (a * b).sum(axis=1)
    return np.degrees(np.arctan2(cross, dot))


def left_direction(xy: np.ndarray) -> np.ndarray:
    """+1 where the person's left is image-right, -1 where it is image-left (per frame, from the hips)."""
    return np.sign(xy[:, LM.LEFT_HIP, 0] - xy[:, LM.RIGHT_HIP, 0])


def compute(d: AngleDef, xy: np.ndarray, facing_sign: int = 1, near: str | None = None,
            seg: Segments | None = None) -> np.ndarray:
    """(N,) the angle ``d`` over frames ``xy`` (N, 33, 2): ``facing_sign`` (+1 facing image-right) and the ``near``
    side for side-view rows, the person's ``seg``ment lengths for rows in leg or hip lengths."""
    p = [resolve_point(xy, n, near) for n in d.points]
    k = d.kind
    with np.errstate(all="ignore"):
        if k == "segment_from_vertical_forward":
            v = _body(p[1] - p[0], facing_sign)
            return np.degrees(np.arctan2(v[:, 0], v[:, 1]))
        if k in ("joint_flexion", "joint_flexion_back"):
            prox = _body(p[1] - p[0], facing_sign)  # proximal segment, continued through the joint
            dist = _body(p[2] - p[1], facing_sign)
            ang = _signed(prox, dist)
            return ang if k == "joint_flexion" else -ang
        if k == "head_flexion":
            head = _body(p[0] - p[1], facing_sign)  # shoulder -> ear
            trunk_up = _body(p[1] - p[2], facing_sign)  # hip -> shoulder
            return -_signed(trunk_up, head)
        if k == "segment_from_vertical":
            v = p[1] - p[0]
            return np.degrees(np.arctan2(np.abs(v[:, 0]), -v[:, 1]))
        if k == "segment_from_vertical_right":
            v = p[1] - p[0]
            return np.degrees(np.arctan2(v[:, 0], -v[:, 1]))
        if k == "segment_from_down":
            v = p[1] - p[0]
            return np.degrees(np.arctan2(v[:, 0], v[:, 1]))
        if k == "posterior_offset":
            assert seg is not None, d.name
            return -(p[0][:, 0] - p[1][:, 0]) * facing_sign / seg.leg
        if k == "fppa":
            hip, knee, ankle, other_hip = p
            thigh, shank = knee - hip, ankle - knee
            cos = (thigh * shank).sum(1) / (np.linalg.norm(thigh, axis=1) * np.linalg.norm(shank, axis=1))
            mag = np.degrees(np.arccos(np.clip(cos, -1, 1)))
            # where is the knee relative to the hip-ankle line, horizontally, at the knee's height?
            f = (knee[:, 1] - hip[:, 1]) / (ankle[:, 1] - hip[:, 1])
            line_x = hip[:, 0] + f * (ankle[:, 0] - hip[:, 0])
            medial = np.sign(other_hip[:, 0] - hip[:, 0])
            return mag * np.where((knee[:, 0] - line_x) * medial >= 0, 1.0, -1.0)
        if k == "line_from_horizontal":
            d_ = p[1] - p[0]
            return np.degrees(np.arctan2(-d_[:, 1], np.abs(d_[:, 0])))
        if k == "segment_from_vertical_left":
            v = p[1] - p[0]
            return np.degrees(np.arctan2(v[:, 0] * left_direction(xy), -v[:, 1]))
        if k == "lateral_offset":
            assert seg is not None, d.name
            return p[0][:, 0] * left_direction(xy) / seg.hip_width
    raise ValueError(f"unknown angle kind {k!r}")


def angle_def(name: str) -> AngleDef:
    """The table's row called ``name``."""
    return next(a for a in ANGLE_TABLE if a.name == name)


def picture_angle(name: str, xy: np.ndarray) -> np.ndarray:
    """(N,) a picture check of the table (:data:`PICTURE_ANGLES`) over frames ``xy`` (N, 33, 2); NaN where its
    landmarks are missing."""
    d = angle_def(name)
    if d.views:
        raise ValueError(f"{name} is a per-frame measure of a view: screening.kinematics computes it")
    return compute(d, xy)
