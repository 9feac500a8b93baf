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
from .findings import Fault, PatternResult, RepResult, graded, pattern_score, sparc
from .signals import nanmax, nanmedian, sample_rate, window_mask
from .kinematics import Kinematics
from .landmarks import LM
from .reps import segment_reps
from .spine import spinal_flexion, spine_shape

BOTTOM_SHARE = 0.9  # the bottom of a rep: frames within this share of its peak trunk inclination
#: the back outline stands for the spine only in a true side view: rendered side views read 0.1-0.2, the
#: deadlift clips 0.05-0.1; a 45-degree camera ~0.5 (the good mornings clip: 0.48, and spinal flexion read
#: 50-150 deg there, with the arms raised behind the head)
SPINE_MAX_SPREAD = 0.35
#: a standing hinge does not flex the spine further than this (full lumbar + thoracic flexion is ~60-80):
#: a larger estimate means the outline is not the back (arms, a bar, clothing), and it is not reported
SPINE_MAX_DEG = 60.0


def _onset(t: np.ndarray, x: np.ndarray, level: float) -> float:
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


def trunk_change(kin: Kinematics) -> np.ndarray:
    """Trunk inclination from standing; without a standing baseline, from its own lowest 5%."""
    trunk = kin.change("trunk_inclination_deg")
    if not np.isfinite(trunk).any() and np.isfinite(kin.values["trunk_inclination_deg"]).any():
        trunk = kin.values["trunk_inclination_deg"] - np.nanpercentile(kin.values["trunk_inclination_deg"], 5)
    return trunk


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
    spine, bend_base = spinal_flexion(shape, t, window, hip)
    if cs.view.spread_ratio > SPINE_MAX_SPREAD:
        spine[:] = np.nan
        notes.append(f"The back's outline is the spine's only in a true side view; this clip was filmed at an angle "
                     f"(shoulder spread ratio {cs.view.spread_ratio:.2f} > {SPINE_MAX_SPREAD}), so spinal flexion, "
                     "the hip-spine ratio and spine-first timing are not measured. Film exactly side-on for them.")
    in_window = window_mask(t, window)
    lower_base = nanmedian(shape.lower_back_deg[in_window]) if in_window.any() else 0.0
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
        tr_peak = nanmax(trunk[sl])
        bottom = np.zeros(len(t), bool)
        bottom[sl] = np.isfinite(trunk[sl]) & (trunk[sl] >= BOTTOM_SHARE * tr_peak)
        hip_peak = nanmax(hip[sl])
        knee_peak = nanmax(knee[sl])
        spinal = nanmedian(spine[bottom])
        spinal_read = spinal
        implausible = np.isfinite(spinal) and spinal > SPINE_MAX_DEG
        if implausible:
            spinal = np.nan
        hip_bottom, knee_bottom, trunk_bottom = nanmedian(hip[bottom]), nanmedian(knee[bottom]), nanmedian(trunk[bottom])
        s_pos = max(spinal, 0.0) if np.isfinite(spinal) else np.nan
        pelvis = trunk_bottom - s_pos / 2
        ratio = float(np.clip(pelvis / (pelvis + s_pos), 0, 1)) if np.isfinite(pelvis + s_pos) and pelvis + s_pos > 1 else np.nan
        f = h["spine_first"]["onset_fraction"]
        spine_lead = np.nan
        if np.isfinite(spinal) and spinal >= h["lumbar_flexion"]["minor"] / 2 and np.isfinite(hip_bottom) and hip_bottom > 5:
            # the chord (and the trunk-thigh angle) turn with the upper spine too, so the hips' onset is
            # read from the lower back line (the pelvis), the spine's from the spinal estimate
            pelvis_line = trunk[down] - (shape.lower_back_deg[down] - lower_base)
            bottom_pelvis = nanmedian(pelvis_line[bottom[down]]) if bottom[down].any() else np.nan
            # onset levels: 20% of the way from standing (0) to the bottom
            # (the spine's onset from the outline's bend itself: the calibrated estimate's offset for the
            # buttocks' rounding would delay it)
            bend = shape.back_bend_deg[down] - bend_base
            bottom_bend = nanmedian(bend[bottom[down]]) if bottom[down].any() else np.nan
            spine_lead = _onset(t[down], pelvis_line, f * bottom_pelvis) - _onset(t[down], bend, f * bottom_bend)
        knee_hip = knee_bottom / hip_bottom if np.isfinite(hip_bottom) and hip_bottom > 10 else np.nan
        head_change = float(np.nanmax(np.abs(head[sl]))) if np.isfinite(head[sl]).any() else np.nan
        speed = np.abs(np.gradient(trunk[sl], t[sl])) if rep.end_i - rep.start_i > 3 else np.array([])
        metrics = {
            "trunk_inclination_deg": tr_peak, "hip_flexion_deg": hip_peak, "knee_flexion_deg": knee_peak,
            "spinal_flexion_deg": spinal, "hip_spine_ratio": ratio, "spine_lead_s": spine_lead,
            "knee_hip_ratio": knee_hip, "hip_shift_leg_lengths": nanmax(shift[sl]),
            "ankle_rise_leg_lengths": nanmedian(np.abs(cs.xy[bottom, LM.LEFT_ANKLE, 1] - cs.xy[bottom, LM.RIGHT_ANKLE, 1])) / kin.segments.leg,
            "head_angle_change_deg": head_change, "descent_s": rep.bottom_s - rep.start_s,
            "ascent_s": rep.end_s - rep.bottom_s, "sparc": sparc(speed, fs) if len(speed) else np.nan,
        }
        rep_notes = []
        if rep.starts_at_bottom:
            rep_notes.append("The clip starts at the bottom of this rep (a lift from the floor): its descent is not seen.")
        cover = shape.coverage[bottom]
        if implausible:
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
            knee_hip = np.nan
        t_bottom = rep.bottom_s
        faults = [x for x in (
            graded("lumbar_flexion", spinal, h["lumbar_flexion"], "spinal_flexion_deg", t_bottom),
            graded("squatted_hinge", knee_hip, h["squatted_hinge"], "knee_hip_ratio", t_bottom),
            graded("short_hip_range", hip_peak, h["short_hip_range"], "hip_flexion_deg", t_bottom, above=False),
            graded("no_posterior_shift", metrics["hip_shift_leg_lengths"], h["no_posterior_shift"],
                   "hip_shift_leg_lengths", t_bottom, above=False),
            graded("head_out_of_line", head_change, h["head_out_of_line"], "head_angle_change_deg", t_bottom),
        ) if x is not None]
        if np.isfinite(spine_lead) and spine_lead >= h["spine_first"]["lead_s"]:
            faults.append(Fault("spine_first", "minor", float(spine_lead), float(h["spine_first"]["lead_s"]),
                                rep.start_s, "spine_lead_s", h["spine_first"].get("source", "")))
        if rep.ends_at_bottom:
            rep_notes.append("The person left the view (or the view changed) before this rep came back up: "
                             "its ascent is not seen.")
        reps.append(RepResult(rep.index, rep.start_s, rep.bottom_s, rep.end_s, None, metrics, faults, rep_notes))
    if not reps:
        notes.append("No hinge repetition was found (the trunk never leaned forward by "
                     f"{r['hinge_prominence_deg']:.0f} deg and back).")
    return PatternResult("hinge", True, reps, pattern_score(reps), notes, {"spinal_flexion_deg": spine})
