"""Lunge analysis: control per leg, from the side and from the front (../shared/spec/metrics.md, "Lunge").

clean series + kinematics -> reps (from the hips' drop) -> which leg leads each rep -> per-rep metrics
(what this view can show; the rest is null with a note) -> faults -> per-leg summaries and asymmetry
-> score. A side clip and a front clip of the same set are analysed one by one and merged
(:func:`merge_views`): each view gives what it shows.

Repetitions come from the drop of the mid-hip below its standing height, over leg length: it is the same
in every lunge (split squat, forward, reverse, walking, lateral, in-line) and in both views, where a
knee angle is not (the front view cannot show knee flexion).

Every per-rep measure is a row of the registry (:data:`screening.registry.METRICS`: its views, unit,
label, definition, source and uncertainty) and every fault a rule there (:data:`screening.registry.FAULT_RULES`);
thresholds come from screening/data/thresholds.toml.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .angles import angle_def, compute, left_direction, resolve_point
from .clean import CleanSeries
from .findings import Fault, PatternResult, RepResult, judge, pattern_score, rule_limits, sparc
from .kinematics import THIGH_SEEN_MIN as KIN_THIGH_SEEN_MIN
from .kinematics import Kinematics
from .landmarks import LEG_LANDMARKS, LM, of_leg
from .registry import metric, metrics_of, rules_of
from .reps import segment_reps
from .signals import frame_step, moving_nanmedian, nanmax, nanmedian, quiet, rounded, sample_rate, window_mask
from .values import Note, Pattern, Severity, Side

#: the bottom of a rep: frames where the hips are within this share of the rep's deepest drop
BOTTOM_SHARE = 0.9
#: the loaded part of a rep, where the front foot must stay put (a forward or walking lunge places it before)
LOADED_SHARE = 0.75
#: foot length over shank length (anthropometric tables: foot 0.152, shank 0.246 of stature; Winter 2009),
#: for the front view, where the foot points at the camera and its length cannot be seen
FOOT_PER_SHANK = 0.62
#: from the front, a lateral lunge puts the feet more than this many hip widths apart sideways at the bottom
#: (UI-PRMD through a virtual camera: side lunges 2.9-4.9, in-line lunges 0.6-2.7 with 5 reps to 3.5;
#: rendered split squats ~1)
LATERAL_FEET_HIP_WIDTHS = 2.8
#: ... and from the side keeps the ankles within this many shank lengths of each other along the floor
#: (UI-PRMD: side lunges 0.0-0.7 with 5% to 1.2, in-line lunges 0.9-2.0)
LATERAL_SIDE_SPLIT_SHANKS = 0.8

#: FPPA is read over the rep's frames where the front thigh is seen at this share of its standing length or
#: more (see fppa_frames; the frame's own FPPA is not measured below it, screening.kinematics) ...
THIGH_SEEN_MIN = KIN_THIGH_SEEN_MIN
#: ... as this percentile of them: where the valgus is largest, robust to one frame's jitter
FPPA_PERCENTILE = 90
#: and from at least this many frames
FPPA_MIN_FRAMES = 3
#: MediaPipe's hip landmark is not the hip joint's centre, and it moves with the thigh: from the front it sits
#: medial of the joint and, as the thigh turns toward the camera, higher (rendered front-view lunges on 36
#: bodies, bench/front_lunge.md: 0.016 leg lengths medial and 0.016 high standing, 0.03 and 0.05 where a
#: third of the thigh is seen). Its offset (landmark minus joint, leg lengths; x lateral of the leg, y down)
#: as a quadratic in the share of the thigh's standing length the picture misses, m = 1 - seen:
#: x = c0 + c1 m + c2 m^2 (row 0), y likewise (row 1); fitted by bench/front_lunge.py on every other frame of
#: every rep, both legs. The hip was the largest loss of a front knee's FPPA (4-5 deg read too small at every
#: depth; the knee 2, the ankle under 1, the smoothing none)
HIP_LANDMARK_OFFSET = ((-0.0167, 0.0077, -0.0379), (-0.0144, -0.0132, -0.0591))
#: ... with the hips corrected, the tracker still reads a large valgus small (its knee stays nearer the
#: hip-ankle line than the true one): the FPPA read is (slope, intercept) applied to the angle of the corrected
#: landmarks, fitted on the reps whose thigh is readable at the bottom. On bodies left out of both fits, where
#: the thigh is seen at half its length or more at the bottom: MAE ~3 deg, bias under 1 (bench/front_lunge.md)
FPPA_SCALE = (1.1300, 1.6759)
#: MediaPipe's hip landmarks sit on the tops of the thighs, so at the bottom of a split lunge their line tilts
#: with the thighs as well as the pelvis: toward the rear leg, more as the front thigh turns toward the camera.
#: That tilt (deg, rear side down positive) as a quadratic in the share of the front thigh's standing length
#: the picture misses, m = 1 - seen: c0 + c1 m + c2 m^2, subtracted frame by frame; fitted by
#: bench/front_lunge.py on every bottom frame of the population's 144 reps against the rendered drop. Held out
#: by body: MAE 2.1 deg, bias 0.0 (a fixed 4.4 deg before, the median of 8 corpus clips: 3.0, -2.2; the hips
#: moved to the joints' centres, :func:`hip_joints`: 2.8, -0.4, and they follow a drop less). A drop of
#: 9-13 deg still reads 3.7 small: the landmarks follow the pelvis only in part (bench/front_lunge.md)
THIGH_TILT_OF_HIP_LINE = (-1.4427, 8.0125, 1.9538)

#: legs whose landmarks jump this far (shank lengths) from their running median (over STEADY_WINDOW_S) are a
#: tracking glitch
GLITCH_SHANKS = 0.5
STEADY_WINDOW_S = 1.0

SIDE, FRONT, BOTH = ("side",), ("front",), ("side", "front")

#: every per-rep lunge measure (the registry's rows of the lunge, screening.registry.METRICS)
REP_METRICS = metrics_of("lunge")
METRIC_NAMES = tuple(m.name for m in REP_METRICS)
#: the lunge's fault rules (screening.registry.FAULT_RULES)
FAULT_RULES = rules_of("lunge")

#: per-leg measures compared between legs (metrics.md: depth, FPPA or trunk lean), each with the smallest
#: difference that counts: below it two legs differ by measurement noise, whatever the percentage
ASYMMETRY_METRICS = {
    "rear_knee_height_shanks": 0.10,
    "hip_drop_leg_lengths": 0.05,
    "knee_valgus_fppa_deg": 5.0,  # smallest detectable change of 2D FPPA: 4.7-9.7 deg (metrics.md)
    "lateral_trunk_lean_deg": 5.0,
    "trunk_pitch_change_deg": 5.0,
    "front_knee_flexion_deg": 10.0,
}


@dataclass
class LegSummary:
    leg: str
    reps: int
    means: dict[str, float]

    def as_dict(self) -> dict:
        return {"reps": self.reps, "means": {k: rounded(v) for k, v in self.means.items()}}

    @classmethod
    def from_dict(cls, leg: str, d: dict) -> "LegSummary":
        return cls(leg, int(d["reps"]), {k: (float("nan") if v is None else v) for k, v in d["means"].items()})


@dataclass
class LungeExtras:
    """What a lunge result holds beyond the per-rep list."""

    variant: str | None  # "split" (split squat, forward, reverse, walking, in-line) | "lateral"; None: not analysed
    legs: dict[str, LegSummary] = field(default_factory=dict)
    asymmetry_pct: dict[str, float] = field(default_factory=dict)
    set_faults: list[Fault] = field(default_factory=list)

    def to_json(self) -> dict:
        """result.json's "lunge" block."""
        return {"variant": self.variant, "legs": {leg: s.as_dict() for leg, s in self.legs.items()},
                "asymmetry_pct": {k: rounded(v, 1) for k, v in self.asymmetry_pct.items()},
                "faults": [f.as_dict() for f in self.set_faults]}

    @classmethod
    def from_json(cls, d: dict) -> "LungeExtras":
        return cls(d.get("variant"), {leg: LegSummary.from_dict(leg, s) for leg, s in (d.get("legs") or {}).items()},
                   {k: v for k, v in (d.get("asymmetry_pct") or {}).items() if v is not None},
                   [Fault.from_dict(f) for f in d.get("faults", [])])


# ---------------------------------------------------------------------------------------------- helpers
def _f(x) -> float:
    return float("nan") if x is None else float(x)


def _range(x: np.ndarray) -> float:
    with quiet():
        return float(np.nanmax(x) - np.nanmin(x)) if np.isfinite(x).sum() >= 2 else float("nan")


def _pt(cs: CleanSeries, name: str) -> np.ndarray:
    return resolve_point(cs.xy, name, None)


def running_median(t: np.ndarray, x: np.ndarray, window_s: float = STEADY_WINDOW_S) -> np.ndarray:
    """x (N, ...) with each sample replaced by the median of the ``window_s`` around it (NaN-aware)."""
    n = len(t)
    if n < 3:
        return x.copy()
    dt = frame_step(t)
    h = max(1, int(round(window_s / dt / 2)))
    return moving_nanmedian(x, h)


def steady_frames(cs: CleanSeries, smooth_xy: np.ndarray, shank: float) -> np.ndarray:
    """(N,) frames where no leg landmark is more than :data:`GLITCH_SHANKS` shank lengths from its running
    median (over :data:`STEADY_WINDOW_S`): when the legs cross in a side view, MediaPipe can swap or fold them for a
    few frames (the rendered shallow split squat: the front ankle jumped 170 px back for 0.3 s at one bottom)."""
    legs = LEG_LANDMARKS
    with quiet():
        d = np.nanmax(np.linalg.norm(cs.xy[:, legs] - smooth_xy[:, legs], axis=-1), axis=1)
    glitch = d > GLITCH_SHANKS * shank
    if glitch.any() and len(cs.time_s) > 1:  # the low-pass filter smears a glitch's edges: widen it by 0.1 s
        k = max(1, int(round(0.1 / frame_step(cs.time_s))))
        glitch = np.convolve(glitch.astype(float), np.ones(2 * k + 1), mode="same") > 0
    return ~glitch


def hip_drop(cs: CleanSeries, kin: Kinematics) -> np.ndarray:
    """(N,) the mid-hip's drop below its standing height, in leg lengths (positive = lower)."""
    y = _pt(cs, "mid_hip")[:, 1]
    w = kin.baseline_window_s
    if w is not None:
        base = nanmedian(y[window_mask(cs.time_s, w)])
    else:
        with quiet():
            base = float(np.nanpercentile(y, 5)) if np.isfinite(y).any() else float("nan")
    return (y - base) / kin.segments.leg


def _person_left(cs: CleanSeries) -> float:
    """+1 when the person's left is image-right, -1 when image-left (front views): the clip's majority of
    kinematics' per-frame reading from the hips."""
    return 1.0 if nanmedian(left_direction(cs.xy)) >= 0 else -1.0


# ---------------------------------------------------------------------------------------------- lead leg
#: From the side the person's legs overlap in the picture and the tracker's left/right labels are its guess:
#: it can swap them when the legs cross (the rendered shallow split squat: the labelled ankle ahead flipped
#: in 6 of the 11 frames round one bottom) or name them the wrong way for a whole clip. Which leg is in
#: front is seen (the foot ahead where the person faces); which of the person's legs that is, is told by
#: whether it is the leg nearer the camera (see :func:`side_lead`). Both feet are on the floor at a split
#: lunge's bottom, and a floor point nearer a camera above the floor shows lower in the picture: the front
#: foot's floor contact lower than the rear one's by this many shank lengths or more makes it the near foot,
#: higher by as much the far one. Measured: rendered side-view lunges, true joints 0.24-0.41, MediaPipe
#: 0.14-0.48 (front foot near and far, both facings); nowva_lunge 0.15-0.21 every rep; UI-PRMD in-line lunges
#: through the virtual side camera (feet on one line by design): no rep told wrong at 0.08 or more, 50 of 179
#: under 0.1 (left to the labels, next)
NEAR_FOOT_SHANKS = 0.1
#: where the feet are level in the picture (feet on one line, a camera at floor height), the tracker's labels
#: name the leg if they agree on the leg ahead in this share of the bottom frames; otherwise the leg is unknown
STEADY_LABEL_SHARE = 0.8


@dataclass(frozen=True)
class SideLead:
    """The leg in front at a side-view rep's bottom. ``landmarks``: the tracker's label of the landmarks
    ahead in the picture, which the rep's measures are read from whatever the label says of the person;
    ``leg``: the person's own leg in front, None where it cannot be told; ``how``: "feet" (which foot is
    nearer the camera), "labels" (the feet level in the picture: the tracker's steady labels) or "unknown"."""

    landmarks: str | None
    leg: str | None
    how: str


def side_lead(xy: np.ndarray, facing_sign: int, shank: float) -> SideLead:
    """The front leg of a side-view split lunge from its bottom frames ``xy`` (M, 33, 2), not from the
    tracker's left/right labels (see :data:`NEAR_FOOT_SHANKS` for why).

    The foot in front is the one further ahead where the person faces, whatever its label. It is the near
    foot when its floor contact (the lower of heel and toe) shows lower in the picture than the rear foot's,
    the far foot when it shows higher. The near side is the side a person facing image-right turns to the
    camera: their right (their left facing image-left), as in any unmirrored video (a mirrored one mirrors
    the tracker's labels too). Feet level in the picture: the tracker's labels, where they hold steady over
    the bottom; otherwise unknown (None), not a guess."""
    sign = facing_sign or 1
    with quiet():
        ahead_x = {leg: np.nanmean(xy[:, [of_leg(p, leg) for p in ("ankle", "heel", "toe")], 0], axis=1)
                   for leg in ("left", "right")}
        floor = {leg: np.nanmax(xy[:, [of_leg("heel", leg), of_leg("toe", leg)], 1], axis=1)
                 for leg in ("left", "right")}
    left_ahead = (ahead_x["left"] - ahead_x["right"]) * sign  # > 0: the landmarks labelled left are ahead
    seen = np.isfinite(left_ahead)
    if not seen.any():
        return SideLead(None, None, "unknown")
    share_left = float(np.mean(left_ahead[seen] > 0))
    landmarks = "left" if share_left > 0.5 else "right" if share_left < 0.5 else None
    # > 0: the front foot's floor contact lower in the picture (nearer the camera) than the rear foot's
    lower = np.where(left_ahead > 0, floor["left"] - floor["right"], floor["right"] - floor["left"])
    lower = nanmedian(lower[seen]) / shank if shank > 0 else float("nan")
    if facing_sign and np.isfinite(lower) and abs(lower) >= NEAR_FOOT_SHANKS:
        near, far = ("right", "left") if facing_sign > 0 else ("left", "right")
        return SideLead(landmarks, near if lower > 0 else far, "feet")
    if landmarks is not None and max(share_left, 1 - share_left) >= STEADY_LABEL_SHARE:
        return SideLead(landmarks, landmarks, "labels")
    return SideLead(landmarks, None, "unknown")


def lead_leg(cs: CleanSeries, kin: Kinematics, bottom: np.ndarray, lateral: bool,
             rep_window: np.ndarray, depth: float) -> tuple[str | None, str | None]:
    """The front leg of a rep (the bent, working leg of a lateral lunge), from its bottom frames, as
    (the tracker's label of the landmarks the rep is measured from, the person's leg): the two differ only
    where the tracker's labels were wrong.

    Side view: the foot ahead where the person faces, the person's leg told by which foot is nearer the
    camera (:func:`side_lead`); lateral lunge: the knee that bends more from standing. Front view: the knee
    higher in the picture (the rear knee goes down toward the floor and back, the front knee stays over the
    front foot); lateral lunge: the side the hips moved to. (UI-PRMD motion capture through virtual cameras:
    179/179, 179/179, 190/200 and 200/200 reps right.)"""
    leg = _lead_leg(cs, kin, bottom, lateral, rep_window, depth)
    return (leg.landmarks, leg.leg) if isinstance(leg, SideLead) else (leg, leg)


def _lead_leg(cs: CleanSeries, kin: Kinematics, bottom: np.ndarray, lateral: bool,
              rep_window: np.ndarray, depth: float) -> str | SideLead | None:
    xy = cs.xy
    if cs.view.kind == "side":
        if lateral:
            bend = nanmedian(kin.change("knee_flexion_left_deg")[bottom]) - nanmedian(
                kin.change("knee_flexion_right_deg")[bottom])
            return None if not np.isfinite(bend) else ("left" if bend > 0 else "right")
        return side_lead(xy[bottom], cs.view.facing_sign, kin.segments.shank)
    if cs.view.kind == "front" and lateral:
        hip_x = _pt(cs, "mid_hip")[:, 0] * _person_left(cs)
        start = nanmedian(hip_x[rep_window][:3])
        v = nanmedian(hip_x[bottom]) - start
        return None if not np.isfinite(v) else ("left" if v > 0 else "right")
    if cs.view.kind == "front" and not lateral:
        # Both feet stay on the floor, and a floor point nearer a camera above it is lower in the picture:
        # the lower foot is the front one when the person faces the camera, the back one when they face away.
        # A shallow split lunge is told by its feet whatever they show (its rear knee stays high and, further
        # from the camera, can show higher than the front one: rendered split squats to a 45-50-deg front
        # knee, the knee rule named the wrong leg in every rep); a deeper one where the feet are clearly
        # apart in the picture (rendered population, bench/front_lunge.md: with the rear knee 0.28-0.32 m off
        # the floor the knees showed level and the knee rule named the wrong leg in 5 of 144 reps, the feet
        # none)
        with quiet():
            feet = {leg: np.nanmax(xy[bottom][:, [of_leg("heel", leg), of_leg("toe", leg)], 1], axis=1)
                    for leg in ("left", "right")}
        v = nanmedian(feet["left"] - feet["right"]) * _person_left(cs)  # > 0: left foot lower, facing the camera
        if depth < SHALLOW_FRONT_DROP or abs(v) >= FRONT_FEET_APART_SHANKS * kin.segments.shank:
            return None if not np.isfinite(v) else ("left" if v > 0 else "right")
    if cs.view.kind in ("front", "oblique") and not lateral:
        # the front knee stays over the front foot, the rear one goes down toward the floor: the knee higher
        # in the picture leads, whatever the camera's angle round the person (at hip height)
        higher = xy[bottom, LM.RIGHT_KNEE, 1] - xy[bottom, LM.LEFT_KNEE, 1]  # > 0: the left knee is higher (smaller y)
        v = nanmedian(higher)
        if not np.isfinite(v):
            return None
        if cs.view.kind == "oblique" and lower_knee_height(cs, kin, bottom) > SPLIT_REAR_KNEE_SHANKS:
            # no knee near the floor: a lateral lunge (its bent knee is the lower one) or a shallow split
            # lunge cannot be told apart at an angle, and they lead with opposite knees
            return None
        return "left" if v > 0 else "right"
    return None


#: from the front, a split lunge whose hips drop less than this (leg lengths) is a shallow one, its rear
#: knee high: rendered front views drop 0.28-0.5 with the rear knee near the floor, 0.13 at a 45-50-deg
#: front knee (the knee in front is then told by the feet, see lead_leg)
SHALLOW_FRONT_DROP = 0.2
#: ... and a deeper one where the front foot shows lower than the rear one by this many shank lengths (a step
#: of 0.65-0.85 m, the camera 2.5-4 m away at 0.8-1.3 m: 0.2-0.6 rendered; the rear heel, raised, only adds)
FRONT_FEET_APART_SHANKS = 0.15
#: in a split lunge the rear knee goes down near the floor: within half a shank of it at the bottom (the
#: shallow fault's threshold, thresholds.toml; Kritz 2009)
SPLIT_REAR_KNEE_SHANKS = 0.5


def lower_knee_height(cs: CleanSeries, kin: Kinematics, bottom: np.ndarray) -> float:
    """The lower knee's height above the floor (the lowest heel or toe) at the bottom, over shank length."""
    with quiet():
        floor = np.nanmax(cs.xy[bottom][:, [LM.LEFT_HEEL, LM.RIGHT_HEEL, LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX], 1],
                          axis=1)
        knee = np.nanmax(cs.xy[bottom][:, [LM.LEFT_KNEE, LM.RIGHT_KNEE], 1], axis=1)
    return nanmedian((floor - knee) / kin.segments.shank)


def lunge_variant(cs: CleanSeries, kin: Kinematics, bottoms: list[np.ndarray]) -> str:
    """"lateral" when the feet are far apart sideways (front view) or level along the floor (side view) at
    the bottoms; otherwise "split" (split squat, forward, reverse, walking, in-line lunge)."""
    if not bottoms:
        return "split"
    votes = []
    for b in bottoms:
        if cs.view.kind == "front":
            feet = np.abs(cs.xy[b, LM.LEFT_ANKLE, 0] - cs.xy[b, LM.RIGHT_ANKLE, 0])
            votes.append(nanmedian(feet) / kin.segments.hip_width > LATERAL_FEET_HIP_WIDTHS)
        elif cs.view.kind == "side":
            split = np.abs(cs.xy[b, LM.LEFT_ANKLE, 0] - cs.xy[b, LM.RIGHT_ANKLE, 0]) / kin.segments.shank
            votes.append(nanmedian(split) < LATERAL_SIDE_SPLIT_SHANKS)
    return "lateral" if np.mean(votes) > 0.5 else "split"


# ---------------------------------------------------------------------------------------------- per rep
def _side_metrics(cs: CleanSeries, kin: Kinematics, lead: str, sl: slice, bottom: np.ndarray,
                  lateral: bool, steady: np.ndarray) -> dict[str, float]:
    xy = cs.xy
    rear = "right" if lead == "left" else "left"
    knee_f, knee_r = of_leg("knee", lead), of_leg("knee", rear)
    heel_f = of_leg("heel", lead)
    toe_f, toe_r = of_leg("toe", lead), of_leg("toe", rear)
    seg = kin.segments
    sign = cs.view.facing_sign or 1
    out = {"front_knee_flexion_deg": nanmedian(kin.values[f"knee_flexion_{lead}_deg"][bottom])}
    trunk = kin.change("trunk_inclination_deg")[sl]
    out["trunk_pitch_change_deg"] = nanmax(np.abs(trunk))
    if lateral:
        return out
    with quiet():
        floor = np.nanmax(xy[bottom][:, [heel_f, toe_f, toe_r], 1], axis=1)
    out["rear_knee_height_shanks"] = nanmedian((floor - xy[bottom, knee_r, 1]) / seg.shank)
    past = (xy[sl, knee_f, 0] - xy[sl, toe_f, 0]) * sign / seg.foot
    past[~steady[sl]] = np.nan
    out["knee_past_toe_foot_lengths"] = nanmax(past)
    out["step_length_tibias"] = nanmedian((xy[bottom, heel_f, 0] - xy[bottom, toe_r, 0]) * sign / seg.shank)
    return out


def thigh_seen(cs: CleanSeries, kin: Kinematics, leg: str) -> np.ndarray:
    """(N,) the thigh's length in the picture over its standing length: from the front, a thigh that bends
    toward the camera shortens (foreshortening)."""
    h, k = of_leg("hip", leg), of_leg("knee", leg)
    with np.errstate(invalid="ignore"):
        return np.hypot(*(cs.xy[:, k] - cs.xy[:, h]).T) / kin.segments.thigh


def thigh_miss_terms(cs: CleanSeries, kin: Kinematics, leg: str) -> np.ndarray:
    """(N, 3) the terms of the quadratic corrections for MediaPipe's hip landmarks (:data:`HIP_LANDMARK_OFFSET`,
    :data:`THIGH_TILT_OF_HIP_LINE`): 1, m and m^2, with m the share of ``leg``'s thigh the picture misses."""
    with np.errstate(invalid="ignore"):
        miss = 1.0 - np.clip(np.nan_to_num(thigh_seen(cs, kin, leg), nan=1.0), 0.0, 1.2)
    return np.stack([np.ones_like(miss), miss, miss ** 2], -1)


def hip_joints(cs: CleanSeries, kin: Kinematics) -> np.ndarray:
    """(N, 33, 2) the clean landmarks with each hip moved from MediaPipe's landmark to the hip joint's centre
    (:data:`HIP_LANDMARK_OFFSET`, by how much of that leg's thigh the picture shows, frame by frame); points
    that are joint centres already (motion capture, a render's truth) are left where they are."""
    xy = cs.xy.copy()
    if cs.joint_centres:
        return xy
    leg_px = kin.segments.thigh + kin.segments.shank
    person_left = _person_left(cs)
    c = np.asarray(HIP_LANDMARK_OFFSET, float)
    for leg in ("left", "right"):
        terms = thigh_miss_terms(cs, kin, leg)
        dx, dy = terms @ c[0], terms @ c[1]
        lateral = person_left * (1.0 if leg == "left" else -1.0)  # the leg's lateral side, in image x
        h = of_leg("hip", leg)
        xy[:, h, 0] -= dx * leg_px * lateral
        xy[:, h, 1] -= dy * leg_px
    return xy


@dataclass(frozen=True)
class FrontView:
    """What a front-view clip shows of the legs, from hips moved to the joints' centres
    (:func:`hip_joints`): per frame, each knee's FPPA (:data:`FPPA_SCALE` applied) and how much of each thigh
    the picture shows (of its standing length, from the landmarks)."""

    fppa: dict[str, np.ndarray]
    seen: dict[str, np.ndarray]


def front_view(cs: CleanSeries, kin: Kinematics) -> FrontView:
    xy = hip_joints(cs, kin)
    slope, intercept = (1.0, 0.0) if cs.joint_centres else FPPA_SCALE
    fppa = {leg: slope * compute(angle_def(f"knee_valgus_fppa_{leg}_deg"), xy) + intercept for leg in ("left", "right")}
    return FrontView(fppa, {leg: thigh_seen(cs, kin, leg) for leg in ("left", "right")})


def rep_fppa(fv: FrontView, leg: str, loaded: np.ndarray, bottom: np.ndarray,
             minor: float) -> tuple[float, np.ndarray, Note | None]:
    """A rep's knee valgus, the frames it was read from, and what to say of it: its largest
    (:func:`fppa_reading`) over the loaded part of the rep round the bottom (``loaded``: the hips within
    :data:`LOADED_SHARE` of the rep's depth), wherever the thigh is seen at :data:`THIGH_SEEN_MIN` of its
    length or more. Where the thigh points at the camera at the bottom (a deep lunge filmed from hip height)
    the angle cannot be read there (held-out error 5.6 deg at 40-50% of the thigh seen, 12.5 under): the
    frames where it can be read give a lower bound (valgus grows with depth), reported when it already passes
    ``minor``, the fault's threshold; otherwise the rep's valgus is unread, and said so, not read as none."""
    f, seen = fv.fppa[leg], np.nan_to_num(fv.seen[leg])
    at = fppa_frames(loaded, fv.seen[leg], f)
    v = fppa_reading(f, at)
    if (bottom & np.isfinite(f) & (seen >= THIGH_SEEN_MIN)).sum() >= FPPA_MIN_FRAMES:
        return v, at, None
    if np.isfinite(v) and v > minor:
        return v, at, Note.of("fppa_above_bottom")
    return float("nan"), np.zeros_like(at), Note.of("fppa_unread")


def fppa_frames(window: np.ndarray, seen: np.ndarray, fppa: np.ndarray) -> np.ndarray:
    """The frames a rep's FPPA is read from: every frame of the rep where the front thigh is seen at
    :data:`THIGH_SEEN_MIN` of its length or more, wherever that falls in the rep. Valgus that grows with
    depth is largest near the bottom, where a half-depth reading saw half of it; but at the bottom of a
    deep lunge filmed at hip height the thigh points at the camera, hip and knee nearly meet in the
    picture and the 2D angle loses its meaning. Rendered corpus, every front-view frame (bench/fppa_depth.md):
    MAE 7.7 deg where under half the thigh is seen, 4.8-5.4 at 50-70%, 2.1-3.1 above; the error under 50%
    is mostly a read too small, so the guard costs little valgus. The foreshortening guard is a condition on
    what the picture shows, not a fixed depth: a shallow rep is read to its bottom."""
    with np.errstate(invalid="ignore"):
        return window & np.isfinite(fppa) & (np.nan_to_num(seen) >= THIGH_SEEN_MIN)


def fppa_reading(fppa: np.ndarray, at: np.ndarray) -> float:
    """The rep's knee valgus: the :data:`FPPA_PERCENTILE` th percentile of FPPA over ``at`` (NaN from fewer
    than :data:`FPPA_MIN_FRAMES` frames)."""
    v = fppa[at]
    v = v[np.isfinite(v)]
    return float(np.percentile(v, FPPA_PERCENTILE)) if len(v) >= FPPA_MIN_FRAMES else float("nan")


def pelvic_drop(cs: CleanSeries, kin: Kinematics, lead: str, bottom: np.ndarray, lateral: bool) -> float:
    """How far the rear-leg side of the pelvis drops at the bottom from standing (deg, a drop positive): the
    line between the hips less the tilt the thighs give MediaPipe's landmarks (:data:`THIGH_TILT_OF_HIP_LINE`,
    by how much of the front thigh the picture shows, frame by frame), the median over the bottom. Joint
    centres (motion capture) need no such correction; a lateral lunge has no rear leg: the side away from the
    working leg, as tracked."""
    rear_down = -1.0 if lead == "right" else 1.0  # obliquity is positive when the left hip is higher
    change = rear_down * kin.change("pelvic_obliquity_deg")
    if not (lateral or cs.joint_centres):
        change = change - thigh_miss_terms(cs, kin, lead) @ np.asarray(THIGH_TILT_OF_HIP_LINE)
    return nanmedian(change[bottom])


def _front_metrics(cs: CleanSeries, kin: Kinematics, lead: str, bottom: np.ndarray, lateral: bool,
                   loaded: np.ndarray, fppa: float) -> dict[str, float]:
    obliquity = pelvic_drop(cs, kin, lead, bottom, lateral)
    toward_lead = 1.0 if lead == "left" else -1.0  # the lean is positive toward the person's left
    lean = nanmedian(kin.change("lateral_trunk_lean_deg")[bottom])
    out = {"knee_valgus_fppa_deg": fppa,
           "pelvic_obliquity_change_deg": obliquity,
           # a lateral lunge's lean is signed, toward the working leg positive, and only that side is a
           # fault: leaning over the loaded leg moves the weight over its hip and knee and unloads the hip
           # abductors, the compensation of weak hip control (Powers 2010, JOSPT 40:42; seen in the
           # single-leg squat in patellofemoral pain, Nakagawa 2012). A split lunge keeps FMS's rule,
           # "minimal torso movement", either side. UI-PRMD side lunges (bench/uiprmd.md): the incorrect
           # reps lean toward the working leg (motion capture: median +4 deg, correct -1); two of ten
           # people lean 10-12 deg away from it in their correct reps, which an either-side rule faulted
           "lateral_trunk_lean_deg": toward_lead * lean if lateral else abs(lean)}
    if not lateral:
        out["ml_sway_hip_widths"] = _range(kin.values["ml_sway_hip_widths"][loaded])
    return out


def thigh_angle(cs: CleanSeries, kin: Kinematics, lead: str, bottom: np.ndarray) -> float:
    """The front thigh's angle above horizontal at the bottom, from its vertical extent in the picture over
    its standing length: asin(dy / thigh). The vertical extent does not shrink when the thigh turns toward
    or away from the camera, so it reads the same from the side and the front."""
    h, k = of_leg("hip", lead), of_leg("knee", lead)
    rise = nanmedian((cs.xy[bottom, k, 1] - cs.xy[bottom, h, 1]) / kin.segments.thigh)
    return float(np.degrees(np.arcsin(np.clip(rise, -1, 1)))) if np.isfinite(rise) else float("nan")


def _foot_movement(cs: CleanSeries, kin: Kinematics, lead: str, bottom: np.ndarray, loaded: np.ndarray) -> float:
    ankle = cs.xy[:, of_leg("ankle", lead)]
    with quiet():
        at_bottom = np.nanmedian(ankle[bottom], axis=0) if bottom.any() else np.full(2, np.nan)
    if not np.isfinite(at_bottom).all():
        return float("nan")
    foot = kin.segments.foot if cs.view.kind == "side" else FOOT_PER_SHANK * kin.segments.shank
    d = np.linalg.norm(ankle[loaded] - at_bottom, axis=1)
    return nanmax(d) / foot


def steps(cs: CleanSeries, kin: Kinematics, lead: str, start_i: int, bottom: np.ndarray) -> tuple[float, float]:
    """(front foot forward, rear foot back) between the rep's start and its bottom, along the direction the
    person faces, in shank lengths (side view; from the front a step toward the camera barely moves the
    foot in the picture: the rendered reverse lunge read 0.0-0.1 there, 0.97 from the side)."""
    f, r = of_leg("ankle", lead), of_leg("ankle", "right" if lead == "left" else "left")
    with quiet():
        at_bottom = np.nanmedian(cs.xy[bottom], axis=0) if bottom.any() else np.full((33, 2), np.nan)
    start, sign = cs.xy[start_i], cs.view.facing_sign or 1
    fwd = (at_bottom[f, 0] - start[f, 0]) * sign
    back = -(at_bottom[r, 0] - start[r, 0]) * sign
    return float(fwd / kin.segments.shank), float(back / kin.segments.shank)


def analyze_lunge(cs: CleanSeries, kin: Kinematics, th: dict) -> PatternResult:
    """Reps, lead legs, per-rep metrics and faults, per-leg summaries and asymmetry, and the score."""
    notes: list[Note] = []
    if kin.view_kind not in ("side", "front", "oblique"):
        return PatternResult(Pattern.LUNGE, False, [], None, [Note.of("lunge_needs_side_or_front")])
    oblique = kin.view_kind == "oblique"
    t = kin.time_s
    drop = hip_drop(cs, kin)
    r = th["reps"]
    # no merging of neighbouring drops (that is for a deadlift's trunk angle, which dips as the bar passes
    # the knees): a split squat's reps go down from the split stance, above the standing level, and come
    # back to it, and merged they were one rep
    seg = segment_reps(t, drop, r["lunge_prominence_leg_lengths"], r["min_separation_s"], r["return_fraction"],
                       valley_fraction=1.0)
    notes += seg.notes()
    # the bottom and the loaded part of a rep leave out the frames where the legs glitched (steady_frames)
    steady = steady_frames(cs, running_median(t, cs.xy), kin.segments.shank)
    bottoms = []
    for rep in seg.reps:
        b = np.zeros(len(t), bool)
        sl = slice(rep.start_i, rep.end_i + 1)
        b[sl] = np.isfinite(drop[sl]) & (drop[sl] >= BOTTOM_SHARE * rep.depth)
        if (b & steady).sum() >= 2:
            b &= steady
        bottoms.append(b)
    variant = "split" if oblique else lunge_variant(cs, kin, bottoms)
    lateral = variant == "lateral"
    lu = th["lunge"]
    fs = sample_rate(t)
    reps: list[RepResult] = []
    fppa_used = np.zeros(len(t), bool)
    fv: FrontView | None = None  # the front view's legs, read once (front views only)
    for rep, bottom in zip(seg.reps, bottoms):
        sl = slice(rep.start_i, rep.end_i + 1)
        window = np.zeros(len(t), bool)
        window[sl] = True
        loaded = window & np.isfinite(drop) & (drop >= LOADED_SHARE * rep.depth) & steady
        # front: the tracker's label of the landmarks in front, which the rep is measured from; lead: the
        # person's leg in front, which the per-leg table and the asymmetry group the rep by (from the side
        # the two differ where the tracker's labels were wrong; lead is None where it could not be told)
        front, lead = lead_leg(cs, kin, bottom, lateral, window, rep.depth)
        metrics: dict[str, float | None] = {m: float("nan") for m in METRIC_NAMES}
        metrics["hip_drop_leg_lengths"] = rep.depth
        rep_notes: list[Note] = []
        if front is None:
            rep_notes.append(Note.of("lead_leg_unknown"))
        elif lead is None:
            rep_notes.append(Note.of("lead_leg_unknown_side"))
        elif lead != front:
            rep_notes.append(Note.of("lead_leg_relabelled", labelled=front, leg=lead))
        if front is None or oblique:
            pass  # at an angle: the reps, the leg in front, depth and tempo only
        elif cs.view.kind == "side":
            metrics.update(_side_metrics(cs, kin, front, sl, bottom, lateral, steady))
        else:
            if fv is None:
                fv = front_view(cs, kin)
            if lateral:
                # the working knee of a lateral lunge bends with its thigh out to the side: from the front its
                # flexion is the angle the picture shows (-60 to -75 deg on nowva_side_lunge), not valgus
                fppa, at, said = float("nan"), np.zeros(len(t), bool), None
            else:
                fppa, at, said = rep_fppa(fv, front, window & np.isfinite(drop) & (drop >= LOADED_SHARE * rep.depth),
                                          bottom, lu["knee_valgus"]["minor"])
            fppa_used |= at
            metrics.update(_front_metrics(cs, kin, front, bottom, lateral, loaded, fppa))
            if said is not None:
                rep_notes.append(said)
        if front is not None and not oblique:
            metrics["front_foot_movement_foot_lengths"] = _foot_movement(cs, kin, front, bottom, loaded)
            if not lateral and cs.view.kind == "side":
                metrics["step_forward_shanks"], metrics["step_back_shanks"] = steps(cs, kin, front, rep.start_i, bottom)
            if cs.view.kind == "side" or lateral:  # from the front a split lunge's thigh points at the camera
                metrics["front_thigh_angle_deg"] = thigh_angle(cs, kin, front, bottom)
        speed = np.abs(np.gradient(drop[sl], t[sl])) if rep.end_i - rep.start_i > 3 else np.array([])
        metrics.update(descent_s=rep.bottom_s - rep.start_s, ascent_s=rep.end_s - rep.bottom_s,
                       sparc=sparc(speed, fs) if len(speed) else np.nan)
        faults = rep_faults(metrics, lu, rep.bottom_s, variant)
        metrics["fault_severity"] = fault_severity(metrics, lu, variant)
        if rep.ends_at_bottom:
            faults.append(Fault("unfinished_rep", Severity.MAJOR, rep.depth, 0.0, rep.bottom_s, "hip_drop_leg_lengths",
                                "metrics.md Score: an unfinished rep scores 1"))
            rep_notes.append(Note.of("left_before_up"))
        if rep.starts_at_bottom:
            rep_notes.append(Note.of("starts_at_bottom"))
        reps.append(RepResult(rep.index, rep.start_s, rep.bottom_s, rep.end_s, Side(lead) if lead else None, metrics,
                              faults, rep_notes,
                              frames=(rep.start_i, rep.bottom_i, rep.end_i)))
    notes += oblique_notes() if oblique else view_notes(cs.view.kind, lateral)
    extras = summarise_legs(reps, lu)
    extras.variant = variant
    if not reps:
        notes.append(Note.of("no_lunge_reps", prominence_leg_lengths=r["lunge_prominence_leg_lengths"]))
    res = lunge_result(reps, notes, extras, {"hip_drop_leg_lengths": drop, "fppa_frames": fppa_used})
    if oblique:
        res.score = None  # nothing a fault is judged on can be read at an angle: no score, no verdict
    return res


def oblique_notes() -> list[Note]:
    """What a lunge filmed at an angle shows, and what it does not."""
    return [Note.of("lunge_oblique")]


def rep_faults(metrics: dict, lu: dict, time_s: float, variant: str = "split") -> list[Fault]:
    """The faults of the lunge's rules for this ``variant`` that a rep's metrics pass (one balance loss at
    most); ``lu`` is the [lunge] part of the thresholds."""
    return judge(metrics, {"lunge": lu}, "lunge", time_s, variant=variant)


def fault_severity(metrics: dict, lu: dict, variant: str = "split") -> float:
    """How far a rep went toward its faults, as one number: the sum, over the fault rules of this lunge
    variant that could be measured, of each measure over its (minor) threshold, 0 where it points the
    harmless way. 1 = one measure at its threshold; a rep at 0.8 of two thresholds scores 1.6. Continuous
    where the 3/2/1 score is coarse, for ranking reps (UI-PRMD's correct vs incorrect reps in the tests)."""
    total, n = 0.0, 0
    for rule in rules_of("lunge", variant):
        v = _f(metrics.get(rule.metric))
        if not np.isfinite(v):
            continue
        total += max(v, 0.0) / float(rule_limits(rule, {"lunge": lu})["minor"])
        n += 1
    return total if n else float("nan")


def view_notes(kind: str, lateral: bool) -> list[Note]:
    """What this view cannot show of a lunge (the measures are null in the result)."""
    shown = [m.name for m in REP_METRICS if kind in m.views and (m.lateral or not lateral)
             and not (m.name == "front_thigh_angle_deg" and kind == "front" and not lateral)]
    hidden = [m for m in REP_METRICS if m.name not in shown]
    notes = []
    if hidden:
        notes.append(Note.of("lunge_view_hidden_measures", measures=tuple(m.name for m in hidden), view=kind,
                             lateral=lateral))
    if lateral and kind == "front":
        notes.append(Note.of("lateral_lean_sign"))
    return notes


def summarise_legs(reps: list[RepResult], lu: dict) -> LungeExtras:
    """Per-leg means of every metric, and the asymmetry |L - R| / max(|L|, |R|) x 100 (Bishop 2018) of the
    depth, knee valgus and trunk lean measures, with a set-level fault where it passes the threshold and the
    legs differ by more than measurement noise (:data:`ASYMMETRY_METRICS`)."""
    legs: dict[str, LegSummary] = {}
    for leg in ("left", "right"):
        mine = [r for r in reps if r.lead_leg == leg]
        if not mine:
            continue
        means = {}
        for name in METRIC_NAMES:
            vals = np.array([r.metrics.get(name) for r in mine], float)
            means[name] = nanmedian(vals) if name == "sparc" else (
                float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan"))
        legs[leg] = LegSummary(leg, len(mine), means)
    asym: dict[str, float] = {}
    set_faults: list[Fault] = []
    if len(legs) == 2:
        rule = lu["asymmetry"]
        for name, noise in ASYMMETRY_METRICS.items():
            a, b = legs["left"].means[name], legs["right"].means[name]
            if not (np.isfinite(a) and np.isfinite(b)):
                continue
            big = max(abs(a), abs(b))
            pct = 100 * abs(a - b) / big if big > 0 else 0.0
            asym[name] = pct
            if pct > rule["minor"] and abs(a - b) > noise:
                # the worse leg: the shallower one for depth, the larger angle for valgus and lean (a lateral
                # lunge's lean is signed, toward the working leg positive: the larger is the worse there too)
                left_worse = {"rear_knee_height_shanks": a > b, "hip_drop_leg_lengths": a < b,
                              "front_knee_flexion_deg": a < b, "lateral_trunk_lean_deg": a > b}
                worse = "left" if left_worse.get(name, abs(a) > abs(b)) else "right"
                set_faults.append(Fault("asymmetry", Severity.MINOR, pct, float(rule["minor"]), 0.0, name,
                                        rule.get("source", ""), worse))
    return LungeExtras("split", legs, asym, set_faults)


def lunge_result(reps: list[RepResult], notes: list[Note], extras: LungeExtras,
                 series: dict[str, np.ndarray]) -> PatternResult:
    res = PatternResult(Pattern.LUNGE, True, reps, pattern_score(reps, extras.set_faults), notes, series)
    res.extras = extras
    return res


# ---------------------------------------------------------------------------------------------- two views
#: the notes of one clip that the other view answers (what this view cannot measure, and the advice to film the
#: other view too): left out of a merged result
ONE_VIEW_NOTES = frozenset({"side_measures_not_measurable", "front_measures_not_measurable", "hinge_needs_side",
                            "spine_not_side_on", "lunge_view_hidden_measures"})
def _pair_reps(a: list[RepResult], b: list[RepResult]) -> list[tuple[RepResult | None, RepResult | None]]:
    """Pair the reps of two clips of one set in order; where the counts differ, at the shift that makes
    the most lead legs agree (a clip started late, or ended early, misses reps at one end)."""
    best, best_shift = -1, 0
    for shift in range(-len(b) + 1, len(a)):
        agree = sum(1 for i, r in enumerate(a) if 0 <= i - shift < len(b) and r.lead_leg == b[i - shift].lead_leg)
        overlap = sum(1 for i in range(len(a)) if 0 <= i - shift < len(b))
        if (agree, overlap) > (best, 0) or (agree == best and abs(shift) < abs(best_shift)):
            best, best_shift = agree, shift
    pairs: list[tuple[RepResult | None, RepResult | None]] = []
    for i in range(min(0, best_shift), max(len(a), len(b) + best_shift)):
        j = i - best_shift
        pairs.append((a[i] if 0 <= i < len(a) else None, b[j] if 0 <= j < len(b) else None))
    return pairs


def merge_views(side: PatternResult, front: PatternResult, th: dict) -> PatternResult:
    """One result from a side clip and a front clip of the same set: each metric from the view that shows
    it (:data:`REP_METRICS`), the lead leg from the front view where it was read (the side view's far leg is
    the tracker's guess more often), times from the side clip; faults, per-leg summaries and the score
    recomputed from the merged reps."""
    lu = th["lunge"]
    notes = [Note.of("from_clip", clip=clip, note=n, capital=True)
             for clip, clip_notes in (("side", side.notes), ("front", front.notes))
             for n in clip_notes if n.code not in ONE_VIEW_NOTES]
    if len(side.reps) != len(front.reps):
        notes.append(Note.of("clip_rep_counts_differ", side=len(side.reps), front=len(front.reps)))
    variant = getattr(front.extras, "variant", None) or getattr(side.extras, "variant", None) or "split"
    reps: list[RepResult] = []
    for s, f in _pair_reps(side.reps, front.reps):
        base = s or f
        assert base is not None  # _pair_reps pairs a rep with at most one None
        metrics = {m.name: (s.metrics.get(m.name) if s is not None and "side" in m.views else None) for m in REP_METRICS}
        for m in REP_METRICS:
            if f is not None and m.views == FRONT:
                metrics[m.name] = f.metrics.get(m.name)
            elif f is not None and "front" in m.views and not np.isfinite(_f(metrics[m.name])):
                metrics[m.name] = f.metrics.get(m.name)
        rep_notes = [Note.of("from_view", clip=clip, note=n) for clip, r in (("side", s), ("front", f))
                     for n in (r.notes if r else [])]
        lead = f.lead_leg if f is not None and f.lead_leg else (s.lead_leg if s is not None else None)
        if s is not None and f is not None and s.lead_leg and f.lead_leg and s.lead_leg != f.lead_leg:
            rep_notes.append(Note.of("clips_lead_leg_differ", side=s.lead_leg, front=f.lead_leg))
        if s is None or f is None:
            rep_notes.append(Note.of("one_clip_only", clip="front" if s is None else "side"))
        metrics = {k: _f(v) for k, v in metrics.items()}
        faults = rep_faults(metrics, lu, base.bottom_s, variant)
        metrics["fault_severity"] = fault_severity(metrics, lu, variant)
        faults += [x for x in base.faults if x.code == "unfinished_rep"]
        reps.append(RepResult(len(reps), base.start_s, base.bottom_s, base.end_s, lead, metrics, faults, rep_notes))
    extras = summarise_legs(reps, lu)
    extras.variant = variant
    side_variant = getattr(side.extras, "variant", None)
    if side_variant and side_variant != extras.variant:
        notes.append(Note.of("clips_variant_differ", side=side_variant, front=extras.variant))
    series = {f"side_{k}": v for k, v in side.series.items()} | {f"front_{k}": v for k, v in front.series.items()}
    return lunge_result(reps, notes, extras, series)


def threshold_measures(reps: list[RepResult], lu: dict, variant: str) -> list[tuple[str, list[float]]]:
    """For :func:`screening.plots.threshold_plot`: each fault measure of this variant that some rep has,
    with every rep's value over its (minor) threshold."""
    out = []
    for rule in rules_of("lunge", variant):
        limit = float(rule_limits(rule, {"lunge": lu})["minor"])
        ratios = [_f(r.metrics.get(rule.metric)) / limit for r in reps]
        if any(np.isfinite(x) for x in ratios):
            out.append((metric(rule.metric, "lunge").label[:30], ratios))
    return out
