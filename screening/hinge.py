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

from .angles import resolve_point
from .clean import CleanSeries
from .findings import PatternResult, RepResult, judge, pattern_score, sparc
from .kinematics import Kinematics, legs_hidden
from .landmarks import LM
from .registry import metric
from .reps import segment_reps
from .signals import nanmax, nanmedian, quiet, sample_rate
from .spine import (
    UNCERTAINTY_AVERAGE_BACK,
    UNCERTAINTY_OWN_BACK,
    person_reference,
    reference_window,
    spinal_flexion,
    spine_shape,
)
from .values import Note, Pattern

BOTTOM_SHARE = 0.9  # the bottom of a rep: frames within this share of its peak trunk inclination
#: the back outline stands for the spine only in a true side view: rendered side views read 0.1-0.2, the
#: deadlift clips 0.05-0.1; a 45-degree camera ~0.5 (the good mornings clip: 0.48, and spinal flexion read
#: 50-150 deg there, with the arms raised behind the head)
SPINE_MAX_SPREAD = 0.35
#: a standing hinge does not flex the spine further than this (full lumbar + thoracic flexion is ~60-80; read
#: against an average back a real person's build adds ~20-30 and the error ±12): a larger estimate means the
#: outline is not the back. Rounded real deadlifts read 50-114 against the average back (bench/real.md)
SPINE_MAX_DEG = 130.0
#: the estimate is fitted on frames leaning more than this past standing (bench/spine.py): a rep whose
#: bottom leans less is outside it, and its spinal flexion is not reported
SPINE_MIN_LEAN_DEG = 20.0
#: the hips' x-spread over the trunk's length above which the back's outline is not the spine's (the hips are
#: ~0.6 trunk lengths apart: ~0.35 at 35 deg off the side); side-on real deadlifts read 0.03-0.24 (close
#: wide-angle phone shots the most), the front-oblique ones 0.36-0.52 (bichraix good001, kovi, good006)
SPINE_MAX_HIP_SPREAD = 0.3
#: the knee/hip ratio's uncertainty where knee flexion is estimated from the hips' place (the shins hidden):
#: measured on rendered barbell hinges (bench/faults.py, bench/faults.md)
KNEE_HIP_HIDDEN_UNCERTAINTY = 0.16
#: hips-rise-first is read off the bottom only: where the hips were lowest the trunk leans this share of its peak
BOTTOM_LEAN_SHARE = 0.5
#: frames this close to the clip's ends are not used for it (the low-pass filter's edges, the tracker's start)
EDGE_S = 0.15
#: the hips must rise at least this much (leg lengths) from their lowest point in a rep for the hips-rise-first
#: measure, a fault of the pull off the floor (Rippetoe 2011): a deadlift lowers them 0.25-0.5 (the labelled
#: real ones, bench/real.md), a good morning or an RDL ~0.1-0.2, where the landmark hip's drift behind a
#: barbell's plates read 10-20 deg of "hips first" on rendered RDLs at 0.1
MIN_HIP_RISE = 0.2


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


def knee_hip_ratio_error(knee_bottom: float, hip_bottom: float) -> float:
    """The knee/hip ratio's uncertainty at these values, from its parts' measured errors (the knee's and the
    hip's change from standing, screening.registry): the ratio's error grows as the hip bend it divides by
    shrinks. NaN where the ratio is."""
    uk, uh = metric("knee_flexion_deg", "hinge").uncertainty, metric("hip_flexion_deg", "hinge").uncertainty
    assert uk is not None and uh is not None  # both measured (screening.registry): the ratio's error is built on them
    if not (np.isfinite(knee_bottom) and np.isfinite(hip_bottom)) or hip_bottom <= 10:
        return float("nan")
    return float(np.hypot(uk / hip_bottom, knee_bottom * uh / hip_bottom ** 2))


def knee_hip_ratio(knee_bottom: float, hip_bottom: float) -> float:
    """Knee over hip flexion at the bottom (squat > 0.5 > hinge; Stoop-Squat Index); NaN under 10 deg of hip."""
    return knee_bottom / hip_bottom if np.isfinite(hip_bottom) and hip_bottom > 10 else float("nan")


def hips_rise(trunk: np.ndarray, hip_height: np.ndarray, sl: slice, usable: np.ndarray | None = None) -> float:
    """How much further the trunk leaned forward in the first half of the way up, from its lean where the hips
    were lowest (deg; 0 when the back angle held or rose): the hips rising before the shoulders.

    The fault as coaches describe it: the knee angle opens first, the hips rise while the shoulders stay, and
    the back angle goes more horizontal before it comes up (Rippetoe, Starting Strength, 3rd ed. 2011, ch. 4,
    figs. 4-34/4-35; the NSCA's deadlift technique keeps the torso-to-floor angle constant off the floor).
    ``hip_height``: the mid-hip's height (up positive, leg lengths); ``usable``: frames away from the clip's
    ends (the filter's and the tracker's edges). The first half of the way up ends where the hips have risen
    half of their rise from their lowest point. NaN where the hips rise less than :data:`MIN_HIP_RISE` (a good
    morning or an RDL barely lowers them: nothing to judge), or where they were lowest with the trunk under
    :data:`BOTTOM_LEAN_SHARE` of its peak lean (near standing: the landmark hip can ride up as the trunk folds
    on the way down of an RDL)."""
    h, tr = hip_height[sl], trunk[sl]
    ok = np.isfinite(h) & np.isfinite(tr)
    if usable is not None:
        ok &= usable[sl]
    if ok.sum() < 3:
        return float("nan")
    low = int(np.argmin(np.where(ok, h, np.inf)))
    after = np.where(ok, h, np.nan)[low:]
    rise = nanmax(after) - h[low]
    if not np.isfinite(rise) or rise < MIN_HIP_RISE:
        return float("nan")
    half = low + int(np.argmax(np.nan_to_num(after, nan=-np.inf) >= h[low] + rise / 2))
    if tr[low] < BOTTOM_LEAN_SHARE * nanmax(np.where(ok, tr, np.nan)):
        return float("nan")  # the hips were lowest near standing: no lift off the floor to judge
    return max(0.0, nanmax(np.where(ok, tr, np.nan)[low:half + 1]) - float(tr[low]))


def knee_flexion_from_hips(hip: np.ndarray, ankle: np.ndarray, thigh: float, shank: float) -> np.ndarray:
    """(N,) knee flexion (deg) from where the hips are, for frames whose lower legs are hidden (a barbell's
    plates in front of the shins): the ankle stays where it was seen (the feet do not move in a two-footed
    hinge), so the hip-ankle distance and the person's own thigh and shank lengths fix the knee's angle
    (the law of cosines; 0 with the leg straight). NaN where the distance cannot be reached."""
    d = np.hypot(*(hip - ankle[None, :]).T)
    with np.errstate(invalid="ignore"):
        cos = (thigh ** 2 + shank ** 2 - d ** 2) / (2 * thigh * shank)
        out = 180.0 - np.degrees(np.arccos(np.clip(cos, -1, 1)))
    out[~np.isfinite(cos) | (cos > 1.05) | (cos < -1.05)] = np.nan
    return out


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


def from_the_floor(metrics: dict, sq: dict, dead_stop: bool) -> bool:
    """Whether a rep reads as a lift from the floor (a deadlift) when the exercise was not named: it starts from
    a dead stop at its bottom (the clip opens there: the load rested on the floor) with the knees bent past
    ``sq["from_floor_knee_deg"]`` (a hinge from standing keeps them soft: a good morning ~5 deg, an RDL 15-35;
    a deadlift ~60-110, Schellenberg 2013; where the knees were not read, the dead stop alone). The knee angle
    alone cannot tell a deadlift from a squatted RDL: they share it."""
    if not dead_stop:
        return False
    knee = metrics.get("knee_flexion_deg")
    return knee is None or not np.isfinite(knee) or knee > sq["from_floor_knee_deg"]


def _with(th: dict, name: str, prefix: str) -> dict:
    rule = th["hinge"][name]
    changed = dict(rule, minor=rule[f"{prefix}_minor"], major=rule[f"{prefix}_major"], source=rule[f"{prefix}_source"])
    return {**th, "hinge": {**th["hinge"], name: changed}}


def thresholds_for(th: dict, average_back: bool, from_floor: bool) -> dict:
    """The thresholds a rep is judged by. Spinal flexion read against the person's own upright back is in
    degrees checked on rendered bodies, held to the waiter's bow's thresholds (Luomajoki 2007: hips 50-70 deg
    without lumbar flexion); read against an average back (``average_back``: the person's was hidden), to the
    thresholds set on labelled real deadlifts read the same way. A lift from the floor (``from_floor``: the
    exercise named is a deadlift from the floor, or :func:`from_the_floor`) bends the knees by design: its
    squatted hinge is the knees bending as much as the hips (``from_floor_*``)."""
    if average_back:
        th = _with(th, "lumbar_flexion", "average_back")
    if from_floor:
        th = _with(th, "squatted_hinge", "from_floor")
    return th


def spine_view_problem(view) -> Note | None:
    """Why the back's outline is not the spine's in this view (None: a true side view): the camera too far off
    the side by the shoulders' or the hips' spread (:data:`SPINE_MAX_SPREAD`, :data:`SPINE_MAX_HIP_SPREAD`)."""
    hips = view.hip_spread_ratio
    if view.spread_ratio > SPINE_MAX_SPREAD or (np.isfinite(hips) and hips > SPINE_MAX_HIP_SPREAD):
        return Note.of("spine_not_side_on")
    return None


def planted_leg(cs: CleanSeries, kin: Kinematics) -> tuple[np.ndarray, float, float] | None:
    """Where the near ankle stood and the near thigh's and shank's lengths (pixels), from the frames where the
    lower legs were in view: what :func:`knee_flexion_from_hips` needs when a plate hides them later. None
    when the legs were never seen clearly."""
    near = cs.view.near_side
    if near is None:
        return None
    seen = ~legs_hidden(cs)
    hip, knee, ankle = (resolve_point(cs.xy, f"near_{p}", near) for p in ("hip", "knee", "ankle"))
    ok = seen & np.isfinite(ankle).all(axis=1) & np.isfinite(knee).all(axis=1) & np.isfinite(hip).all(axis=1)
    if ok.sum() < 5:
        return None
    with quiet():
        return (np.nanmedian(ankle[ok], axis=0), float(np.nanmedian(np.hypot(*(knee[ok] - hip[ok]).T))),
                float(np.nanmedian(np.hypot(*(ankle[ok] - knee[ok]).T))))


def analyze_hinge(cs: CleanSeries, kin: Kinematics, th: dict, lift_from_floor: bool | None = None) -> PatternResult:
    """The hinge's reps, measures and faults. ``lift_from_floor``: whether the exercise filmed is a lift from the
    floor (True: a deadlift was named; False: another level was; None: read rep by rep, :func:`from_the_floor`)."""
    notes: list[Note] = []
    if kin.view_kind != "side":
        return PatternResult(Pattern.HINGE, False, [], None, [Note.of("hinge_needs_side", view=kin.view_kind)])
    t = kin.time_s
    trunk = trunk_change(kin)
    r = th["reps"]
    seg = segment_reps(t, trunk, r["hinge_prominence_deg"], r["min_separation_s"], r["return_fraction"])
    notes += seg.notes()
    hip = kin.change("hip_flexion_deg")
    knee = kin.change("knee_flexion_deg")
    shift = kin.change("hip_shift_leg_lengths")
    head = kin.change("head_angle_deg")
    usable = (t >= t[0] + EDGE_S) & (t <= t[-1] - EDGE_S) if len(t) else np.zeros(0, bool)
    mid_hip = resolve_point(cs.xy, "mid_hip", None)
    hip_height = -mid_hip[:, 1] / kin.segments.leg
    planted = planted_leg(cs, kin)
    knee_est = None
    if planted is not None:  # where the shins are hidden: the knee from the hips' place over the planted ankle
        ankle_at, thigh_len, shank_len = planted
        near_hip = resolve_point(cs.xy, "near_hip", cs.view.near_side)
        knee_est = knee_flexion_from_hips(near_hip, ankle_at, thigh_len, shank_len)
        upright = reference_window(t, trunk, kin.baseline_window_s)
        if np.isfinite(knee_est[upright]).any():  # from the person's own standing, as every change is
            knee_est = knee_est - nanmedian(knee_est[upright])
    shape = spine_shape(cs.outline, cs.view.facing_sign, t)
    in_window = reference_window(t, trunk, kin.baseline_window_s)  # the person's own upright back
    reference, no_reference = person_reference(cs.outline, cs.view.facing_sign, shape, in_window)
    spine = spinal_flexion(shape, hip, reference)
    bend_base = nanmedian(shape.back_bend_deg[in_window]) if in_window.any() else np.nan
    spine_error = {"spinal_flexion_deg": UNCERTAINTY_AVERAGE_BACK} if reference is None else {}
    spine_view = spine_view_problem(cs.view)
    if spine_view:
        spine[:] = np.nan
        notes.append(spine_view)
    elif no_reference:
        notes.append(Note.of("spine_average_back", cause=no_reference, average=UNCERTAINTY_AVERAGE_BACK,
                             own=UNCERTAINTY_OWN_BACK))
    lower_base = nanmedian(shape.lower_back_deg[in_window]) if in_window.any() else 0.0
    # the pelvis: the chord's inclination less the lower back line's turn from standing
    pelvis_line = trunk - (shape.lower_back_deg - lower_base)
    bend = shape.back_bend_deg - bend_base
    h = th["hinge"]
    fs = sample_rate(t)
    reps: list[RepResult] = []
    pending: list[tuple] = []  # (segmented rep, metrics, their errors, notes) until the set's exercise is read
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
            "head_angle_change_deg": head_angle_change(head, sl), "hips_rise_deg": hips_rise(trunk, hip_height, sl, usable),
            "descent_s": rep.bottom_s - rep.start_s,
            "ascent_s": rep.end_s - rep.bottom_s, "sparc": smoothness(trunk, t, sl, fs),
        }
        rep_notes = []
        if rep.starts_at_bottom:
            rep_notes.append(Note.of("starts_at_bottom_floor"))
        cover = shape.coverage[bottom]
        if shallow_lean:
            rep_notes.append(Note.of("shallow_lean", min_lean_deg=SPINE_MIN_LEAN_DEG))
        elif np.isfinite(spinal_read) and not np.isfinite(spinal):
            rep_notes.append(Note.of("spine_implausible", read_deg=float(spinal_read)))
        elif spine_view:
            pass  # said once for the clip
        elif not np.isfinite(spinal) or (len(cover) and np.nanmedian(cover) < 0.85):
            rep_notes.append(Note.of("back_outline_unclear"))
        rep_error: dict[str, float] = dict(spine_error)
        ratio_error = knee_hip_ratio_error(knee_bottom, hip_bottom)
        if np.isfinite(ratio_error):
            rep_error["knee_hip_ratio"] = round(ratio_error, 3)
        if np.isnan(knee[sl]).mean() > 0.5:
            estimated = knee_est is not None and np.isfinite(knee_est[bottom]).any()
            if estimated:
                assert knee_est is not None  # estimated says so
                knee_bottom = nanmedian(knee_est[bottom])
                metrics["knee_flexion_deg"] = nanmax(knee_est[sl])
                metrics["knee_hip_ratio"] = knee_hip_ratio(knee_bottom, hip_bottom)
                rep_error["knee_hip_ratio"] = KNEE_HIP_HIDDEN_UNCERTAINTY
                rep_notes.append(Note.of("shins_hidden_estimated"))
                metrics["hip_shift_leg_lengths"] = np.nan
            else:
                rep_notes.append(Note.of("shins_hidden"))
                for name in ("knee_flexion_deg", "knee_hip_ratio", "hip_shift_leg_lengths"):
                    metrics[name] = np.nan
        pending.append((rep, metrics, rep_error, rep_notes))
    # one exercise per set: a set lifts from the floor when named so, or when a rep of it starts from a dead stop
    # at its bottom (a deadlift's later reps start from lockout, yet are the same lift)
    floor = lift_from_floor if lift_from_floor is not None else any(
        from_the_floor(metrics, th["hinge"]["squatted_hinge"], rep.starts_at_bottom) for rep, metrics, _, _ in pending)
    for rep, metrics, rep_error, rep_notes in pending:
        faults = judge(metrics, thresholds_for(th, average_back=reference is None, from_floor=floor), "hinge",
                       rep.bottom_s, rep.start_s, uncertainty=rep_error or None)
        if rep.ends_at_bottom:
            rep_notes.append(Note.of("left_before_ascent"))
        reps.append(RepResult(rep.index, rep.start_s, rep.bottom_s, rep.end_s, None, metrics, faults, rep_notes,
                              frames=(rep.start_i, rep.bottom_i, rep.end_i)))
    if not reps:
        notes.append(Note.of("no_hinge_reps", prominence_deg=r["hinge_prominence_deg"]))
    judged = thresholds_for(th, average_back=reference is None, from_floor=floor)["hinge"]["lumbar_flexion"]
    return PatternResult(Pattern.HINGE, True, reps, pattern_score(reps), notes, {"spinal_flexion_deg": spine},
                         extras={"lumbar_flexion": (judged["minor"], judged["major"])})
