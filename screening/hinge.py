"""Hinge analysis (side view): hip-spine dissociation per rep (../shared/spec/metrics.md, "Hinge").

kinematics + clean series -> reps (from trunk inclination) -> per-rep metrics -> faults -> score.

Per rep, with the standing baseline subtracted (the names of result-contract.md):

- ``trunk_inclination_deg``, ``hip_flexion_deg``, ``knee_flexion_deg``: peaks in the rep;
- ``spinal_flexion_deg``: the segmentation-mask estimate (:mod:`screening.spine`) over the bottom of the
  rep (the frames within 90% of the rep's peak trunk inclination);
- ``hip_spine_ratio``: the share of the upper trunk's forward lean made at the hip (0 all spine .. 1 all
  hip). The hip->shoulder chord turns by the pelvis's rotation P plus about half the spinal flexion S
  (a uniformly bent spine's chord bisects it), so P = T - S/2 from the chord's inclination T, and the
  thorax turns P + S: ratio = P / (P + S);
- ``spine_lead_s``: how much earlier spinal flexion starts than the pelvis turns in the descent (positive =
  spine first; onset = the first time a signal passes 20% of its value at the bottom; Laird 2019). The
  pelvis is the lower back line's inclination (the chord's minus the line's angle to it), since the
  chord and the trunk-thigh angle also turn when only the upper spine flexes;
- ``knee_hip_ratio``: knee over hip flexion at the bottom (squat > 0.5 > hinge; Stoop-Squat Index);
- ``hip_shift_leg_lengths``: the mid-hip's largest move behind the ankles, over leg length (SFMA);
- ``head_angle_change_deg``: the largest change of the head angle (dowel contact);
- ``ankle_rise_leg_lengths``: how far one ankle is above the other at the bottom, over leg length (a
  single-leg RDL lifts the free leg behind; both feet on the floor read ~0);
- ``descent_s``, ``ascent_s``, ``sparc`` (smoothness of the trunk's angular speed).
"""
from __future__ import annotations

import numpy as np

from .clean import CleanSeries
from .findings import PatternResult, RepResult, judge, pattern_score, sparc
from .signals import nanmax, nanmedian, sample_rate, window_mask
from .kinematics import Kinematics
from .landmarks import LM
from .registry import metric
from .reps import segment_reps
from .spine import spinal_flexion, spine_shape

BOTTOM_SHARE = 0.9  # the bottom of a rep: frames within this share of its peak trunk inclination
#: the back outline stands for the spine only in a true side view: rendered side views read 0.1-0.2, the
#: deadlift clips 0.05-0.1; a 45-degree camera ~0.5 (the good mornings clip: 0.48, and spinal flexion read
#: 50-150 deg there, with the arms raised behind the head)
SPINE_MAX_SPREAD = 0.35
#: a standing hinge does not flex the spine further than this (full lumbar + thoracic flexion is ~60-80,
#: and the estimate's error is added to it): a larger estimate means the outline is not the back
SPINE_MAX_DEG = 90.0
#: the estimate's self-check: at the person's own standing frames the spine is neutral, so the estimate
#: should read about 0 there. Past this many times the measure's uncertainty (screening.registry), it is
#: not calibrated for this person or clip (a body, clothing or a load unlike those it was fitted on; the
#: labelled real deadlifts read 8-51 deg standing, the rendered spine set -2 to 7 without a barbell), and
#: the spine fault is judged with that standing reading as the clip's own uncertainty
SPINE_STANDING_CHECK = 2.0
#: the estimate is fitted on frames leaning more than this past standing (bench/spine.py): a rep whose
#: bottom leans less is outside it, and its spinal flexion is not reported
SPINE_MIN_LEAN_DEG = 20.0


def trunk_change(kin: Kinematics) -> np.ndarray:
    """Trunk inclination from standing; without a standing baseline, from its own lowest 5%."""
    trunk = kin.change("trunk_inclination_deg")
    if not np.isfinite(trunk).any() and np.isfinite(kin.values["trunk_inclination_deg"]).any():
        trunk = kin.values["trunk_inclination_deg"] - np.nanpercentile(kin.values["trunk_inclination_deg"], 5)
    return trunk


# ---------------------------------------------------------------------------------------------- per rep
# One small function per metric (registry.METRICS, pattern "hinge"), each testable on a constructed series.
def bottom_frames(trunk: np.ndarray, sl: slice) -> np.ndarray:
    """(N,) the bottom of the rep in ``sl``: its frames within :data:`BOTTOM_SHARE` of the rep's peak trunk
    inclination."""
    bottom = np.zeros(len(trunk), bool)
    bottom[sl] = np.isfinite(trunk[sl]) & (trunk[sl] >= BOTTOM_SHARE * nanmax(trunk[sl]))
    return bottom


def spinal_flexion_at_bottom(spine: np.ndarray, bottom: np.ndarray) -> tuple[float, float]:
    """(spinal flexion reported, as read): the median of the estimate over the bottom, not reported (NaN)
    where it exceeds :data:`SPINE_MAX_DEG`, more than a spine bends in a hinge."""
    read = nanmedian(spine[bottom])
    return (float("nan") if np.isfinite(read) and read > SPINE_MAX_DEG else read), read


def hip_spine_ratio(trunk_bottom: float, spinal: float) -> float:
    """The share of the upper trunk's forward lean made at the hips (0 all spine .. 1 all hip).

    The hip-shoulder chord turns by the pelvis's rotation P plus about half the spinal flexion S (a
    uniformly bent spine's chord bisects it): P = T - S/2 from the chord's inclination T; the thorax
    turns P + S; the ratio is P / (P + S). NaN where the spine is unknown or the bend under 1 deg."""
    s_pos = max(spinal, 0.0) if np.isfinite(spinal) else np.nan
    pelvis = trunk_bottom - s_pos / 2
    if not np.isfinite(pelvis + s_pos) or pelvis + s_pos <= 1:
        return float("nan")
    return float(np.clip(pelvis / (pelvis + s_pos), 0, 1))


def onset(t: np.ndarray, x: np.ndarray, level: float) -> float:
    """When ``x`` last rose through ``level`` before the end of the window (the bottom): NaN if it never
    was below it in the window."""
    if not np.isfinite(level):
        return float("nan")
    below = np.flatnonzero(np.isfinite(x) & (x < level))
    if len(below) == 0 or below[-1] + 1 >= len(t):
        return float("nan")
    i = below[-1]  # interpolate between the last sample below and the next
    a, b = x[i], x[i + 1]
    frac = (level - a) / (b - a) if np.isfinite(b) and b != a else 0.0
    return float(t[i] + frac * (t[i + 1] - t[i]))


def spine_lead(t: np.ndarray, pelvis_line: np.ndarray, bend: np.ndarray, bottom: np.ndarray,
               fraction: float) -> float:
    """How much earlier the spine starts to flex than the pelvis turns, over the descent (the arrays are
    the descent's; ``bottom`` marks its bottom frames): positive = spine first (Laird 2019).

    Each onset is where its signal passes ``fraction`` of the way from standing (0) to its value at the
    bottom. The pelvis is the lower back line's inclination, since the chord and the trunk-thigh angle
    also turn when only the upper spine flexes; the spine's onset is read from the outline's bend itself
    (the calibrated estimate's offset for the buttocks' rounding would delay it)."""
    if not bottom.any():
        return float("nan")
    bottom_pelvis, bottom_bend = nanmedian(pelvis_line[bottom]), nanmedian(bend[bottom])
    return onset(t, pelvis_line, fraction * bottom_pelvis) - onset(t, bend, fraction * bottom_bend)


def knee_hip_ratio(knee_bottom: float, hip_bottom: float) -> float:
    """Knee over hip flexion at the bottom (squat > 0.5 > hinge; Stoop-Squat Index); NaN under 10 deg of hip."""
    return knee_bottom / hip_bottom if np.isfinite(hip_bottom) and hip_bottom > 10 else float("nan")


def ankle_rise(xy: np.ndarray, bottom: np.ndarray, leg_length: float) -> float:
    """How far one ankle is above the other at the bottom, over leg length (a single-leg RDL lifts one)."""
    return nanmedian(np.abs(xy[bottom, LM.LEFT_ANKLE, 1] - xy[bottom, LM.RIGHT_ANKLE, 1])) / leg_length


def head_angle_change(head: np.ndarray, sl: slice) -> float:
    """How far the head came forward of the trunk line in the rep, from standing: the largest signed change
    of the head angle (forward positive; negative when it only went back).

    One-sided, as the rule's source is: the dowel's three-point contact (head, thoracic spine, sacrum) is
    lost when the head comes forward off the line; a head tipped back presses into the dowel. On real
    clips the head read 20-75 deg *back* in nearly every hinge (deadlifts, good mornings, single-leg RDLs;
    bench/real.py), which points at the shoulder landmark dropping with the hanging arms more than at the
    neck, so a head going back is not judged until it can be told apart from that."""
    return float(np.nanmax(head[sl])) if np.isfinite(head[sl]).any() else float("nan")


def smoothness(trunk: np.ndarray, t: np.ndarray, sl: slice, fs: float) -> float:
    """SPARC of the trunk's angular speed over the rep (closer to 0 is smoother)."""
    if sl.stop - sl.start <= 4:
        return float("nan")
    return sparc(np.abs(np.gradient(trunk[sl], t[sl])), fs)


def analyze_hinge(cs: CleanSeries, kin: Kinematics, th: dict) -> PatternResult:
    notes: list[str] = []
    if kin.view_kind != "side":
        return PatternResult("hinge", False, [], None, [
            f"The hinge is measured from the side; this clip was filmed from the {kin.view_kind} "
            f"(shoulder spread ratio {cs.view.spread_ratio:.2f}), so trunk inclination, hip and spinal "
            "flexion are not measurable here. Film the person side-on, the camera at hip height."])
    t = kin.time_s
    trunk = trunk_change(kin)
    r = th["reps"]
    seg = segment_reps(t, trunk, r["hinge_prominence_deg"], r["min_separation_s"], r["return_fraction"])
    notes += seg.notes()
    hip = kin.change("hip_flexion_deg")
    knee = kin.change("knee_flexion_deg")
    shift = kin.change("hip_shift_leg_lengths")
    head = kin.change("head_angle_deg")
    shape = spine_shape(cs.outline, cs.view.facing_sign, t)
    window = kin.baseline_window_s
    if window is None:  # no standing phase: the most upright frames stand in
        up = np.isfinite(trunk) & (trunk <= np.nanpercentile(trunk, 10))
        window = (float(t[up][0]), float(t[up][-1])) if up.any() else None
    spine = spinal_flexion(shape, hip)
    in_window = window_mask(t, window)
    bend_base = nanmedian(shape.back_bend_deg[in_window]) if in_window.any() else np.nan
    standing_read = nanmedian(spine[in_window]) if in_window.any() else float("nan")
    u = metric("spinal_flexion_deg", "hinge").uncertainty
    uncalibrated = bool(np.isfinite(standing_read) and abs(standing_read) > SPINE_STANDING_CHECK * u)
    # the clip's own error, seen standing, in place of the corpus's
    own_error = {"spinal_flexion_deg": round(abs(standing_read), 1)} if uncalibrated else None
    if cs.view.spread_ratio <= SPINE_MAX_SPREAD and uncalibrated:
        notes.append(f"Standing, the back's outline already read {standing_read:.0f} deg of spinal flexion, where a "
                     "standing spine reads about 0: the estimate is not calibrated for this person or clip (a "
                     "barbell in front of the hips, clothing, or a build unlike the bodies it was fitted on). Spinal "
                     f"flexion is of low confidence here: a rounded back is said only past its threshold by more than "
                     f"those {abs(standing_read):.0f} deg, and as possible below that.")
    if cs.view.spread_ratio > SPINE_MAX_SPREAD:
        spine[:] = np.nan
        notes.append(f"The back's outline is the spine's only in a true side view; this clip was filmed at an angle "
                     f"(shoulder spread ratio {cs.view.spread_ratio:.2f} > {SPINE_MAX_SPREAD}), so spinal flexion, "
                     "the hip-spine ratio and spine-first timing are not measured. Film exactly side-on for them.")
    lower_base = nanmedian(shape.lower_back_deg[in_window]) if in_window.any() else 0.0
    # the pelvis: the chord's inclination less the lower back line's turn from standing
    pelvis_line = trunk - (shape.lower_back_deg - lower_base)
    bend = shape.back_bend_deg - bend_base
    h = th["hinge"]
    fs = sample_rate(t)
    reps: list[RepResult] = []
    prev_end = 0
    for rep in seg.reps:
        sl = slice(rep.start_i, rep.end_i + 1)
        # the descent, from standing (the previous rep's end) to the bottom: onsets happen before the
        # rep's start, which is where the trunk is already a quarter of the way down
        down = slice(prev_end, rep.bottom_i + 1)
        prev_end = rep.end_i
        bottom = bottom_frames(trunk, sl)
        spinal, spinal_read = spinal_flexion_at_bottom(spine, bottom)
        shallow_lean = nanmedian(trunk[bottom]) < SPINE_MIN_LEAN_DEG
        if shallow_lean:
            spinal = spinal_read = float("nan")
        hip_bottom, knee_bottom = nanmedian(hip[bottom]), nanmedian(knee[bottom])
        lead = float("nan")
        if np.isfinite(spinal) and spinal >= h["lumbar_flexion"]["minor"] / 2 and np.isfinite(hip_bottom) and hip_bottom > 5:
            lead = spine_lead(t[down], pelvis_line[down], bend[down], bottom[down], h["spine_first"]["onset_fraction"])
        metrics = {
            "trunk_inclination_deg": nanmax(trunk[sl]), "hip_flexion_deg": nanmax(hip[sl]),
            "knee_flexion_deg": nanmax(knee[sl]), "spinal_flexion_deg": spinal,
            "hip_spine_ratio": hip_spine_ratio(nanmedian(trunk[bottom]), spinal), "spine_lead_s": lead,
            "knee_hip_ratio": knee_hip_ratio(knee_bottom, hip_bottom), "hip_shift_leg_lengths": nanmax(shift[sl]),
            "ankle_rise_leg_lengths": ankle_rise(cs.xy, bottom, kin.segments.leg),
            "head_angle_change_deg": head_angle_change(head, sl), "descent_s": rep.bottom_s - rep.start_s,
            "ascent_s": rep.end_s - rep.bottom_s, "sparc": smoothness(trunk, t, sl, fs),
        }
        rep_notes = []
        if rep.starts_at_bottom:
            rep_notes.append("The clip starts at the bottom of this rep (a lift from the floor): its descent is not seen.")
        cover = shape.coverage[bottom]
        if shallow_lean:
            rep_notes.append(f"The trunk leaned less than {SPINE_MIN_LEAN_DEG:.0f} deg at the bottom of this rep: spinal "
                             "flexion is read from the back's outline only from there on (what it was fitted on), so "
                             "it is not reported for this rep.")
        elif np.isfinite(spinal_read) and not np.isfinite(spinal):
            rep_notes.append(f"Spinal flexion read {spinal_read:.0f} deg, more than a spine bends in a hinge: the "
                             "outline was not the back (arms, a bar, loose clothing), so it is not reported.")
        elif cs.view.spread_ratio > SPINE_MAX_SPREAD:
            pass  # said once for the clip
        elif not np.isfinite(spinal) or (len(cover) and np.nanmedian(cover) < 0.85):
            rep_notes.append("The back's outline was not clear at the bottom of this rep (arms, a bar, loose "
                             "clothing or hair over it): spinal flexion is of low confidence.")
        if np.isnan(knee[sl]).mean() > 0.5:
            rep_notes.append("The lower legs were hidden in most of this rep: knee flexion, the knee/hip ratio "
                             "and the hip shift are not measured.")
            for name in ("knee_flexion_deg", "knee_hip_ratio", "hip_shift_leg_lengths"):
                metrics[name] = np.nan
        faults = judge(metrics, th, "hinge", rep.bottom_s, rep.start_s, uncertainty=own_error)
        if rep.ends_at_bottom:
            rep_notes.append("The person left the view (or the view changed) before this rep came back up: "
                             "its ascent is not seen.")
        reps.append(RepResult(rep.index, rep.start_s, rep.bottom_s, rep.end_s, None, metrics, faults, rep_notes,
                              frames=(rep.start_i, rep.bottom_i, rep.end_i)))
    if not reps:
        notes.append("No hinge repetition was found (the trunk never leaned forward by "
                     f"{r['hinge_prominence_deg']:.0f} deg and back).")
    return PatternResult("hinge", True, reps, pattern_score(reps), notes, {"spinal_flexion_deg": spine})
