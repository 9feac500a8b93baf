"""Accuracy of the measurements against the rendered corpus's exact truth (sample_videos/).

    python bench/accuracy.py            # the table, and bench/accuracy.md
    python bench/accuracy.py --json     # ... and, as the LAST line, one JSON object
    python bench/accuracy.py --only hinge_side_clean_a lunge_front_valgus15

Every clip in sample_videos/corpus.json runs through the real pipeline (MediaPipe, cleaning, kinematics;
no annotated video). Each measured frame is paired with the truth frame at the same time, and for each
metric and view the error (measured - true) is summarised as mean absolute error, 95th percentile of the
absolute error, and bias (mean error):

- ``NAME``: the measure as the tool computes it, against the truth's exact 3D angle (sagittal plane for
  side views, the body's frontal plane for front views); for FPPA also ``NAME@image``, against the
  FPPA of the true joint centres in the picture (perspective included: synthetic.md);
- ``NAME@change``: the change from the standing baseline, measured against the true change. This is what
  the tool reports to a clinician; constant offsets of MediaPipe's landmarks (its hip sits above and
  outside the hip joint) cancel here.

Errors are also split by range of motion (the truth's value: 0-30, 30-60, 60-90, 90+ degrees), because a
landmark offset that is harmless standing grows with flexion.

Faults: for every truth rep, was each fault the clip was rendered with (or without) reported in the
matching rep? Sensitivity and specificity per fault code; clips rendered within 2.5 deg of a threshold
(spinal flexion 10 deg against the 10 deg lumbar-flexion threshold) are too close to call and left out.

The last line with --json: {"metrics": {NAME: {"mae", "p95", "bias", "n"}}, "faults": {CODE:
{"sensitivity", "specificity", "n"}}}.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "sample_videos"
RANGES = [(0, 30), (30, 60), (60, 90), (90, 180)]

#: measured name -> (truth name, views it is scored in); "near" is the clip's near side
SCORED = {
    "trunk_inclination_deg": ("trunk_inclination_deg", ("side",)),
    "hip_flexion_deg": ("hip_flexion_{near}_deg", ("side",)),
    "knee_flexion_deg": ("knee_flexion_{near}_deg", ("side",)),
    "knee_valgus_fppa_left_deg": ("knee_valgus_fppa_left_deg", ("front",)),
    "knee_valgus_fppa_right_deg": ("knee_valgus_fppa_right_deg", ("front",)),
    "pelvic_obliquity_deg": ("pelvic_obliquity_deg", ("front",)),
    "lateral_trunk_lean_deg": ("lateral_trunk_lean_deg", ("front",)),
}
#: the two FPPA columns are pooled under one name in the report
POOLED = {"knee_valgus_fppa_left_deg": "knee_valgus_fppa_deg", "knee_valgus_fppa_right_deg": "knee_valgus_fppa_deg"}

#: issue 3's targets: (metric key, view) -> (max MAE, max p95 or None)
TARGETS = {
    ("trunk_inclination_deg", "side"): (3.0, 6.0),
    ("hip_flexion_deg", "side"): (3.0, 6.0),
    ("knee_flexion_deg", "side"): (3.0, 6.0),
    # the tool's FPPA is the angle in the picture, as in every published 2D FPPA (Herrington 2014): it is
    # held against the true joint centres' FPPA in the picture; the 3D frontal-plane FPPA differs from it by
    # perspective (the front knee is nearer the camera than hip and ankle), reported beside it
    ("knee_valgus_fppa_deg@image", "front"): (4.0, None),
}


@dataclass
class Pairs:
    """Measured and true values of one metric in one view, frame by frame, over several clips."""

    measured: list = field(default_factory=list)
    truth: list = field(default_factory=list)
    clips: set = field(default_factory=set)
    names: list = field(default_factory=list)  # the clip of each entry of measured / truth

    def add(self, clip: str, measured: np.ndarray, truth: np.ndarray) -> None:
        ok = np.isfinite(measured) & np.isfinite(truth)
        if ok.any():
            self.measured.append(measured[ok])
            self.truth.append(truth[ok])
            self.clips.add(clip)
            self.names.append(clip)

    def per_clip(self) -> dict[str, np.ndarray]:
        """Each clip's errors (measured - true)."""
        out: dict[str, list] = {}
        for name, m, t in zip(self.names, self.measured, self.truth):
            out.setdefault(name, []).append(m - t)
        return {k: np.concatenate(v) for k, v in out.items()}

    def summary(self, lo: float | None = None, hi: float | None = None) -> dict | None:
        if not self.measured:
            return None
        m, t = np.concatenate(self.measured), np.concatenate(self.truth)
        if lo is not None:
            sel = (np.abs(t) >= lo) & (np.abs(t) < hi)
            m, t = m[sel], t[sel]
        if len(m) == 0:
            return None
        err = m - t
        return {"mae": round(float(np.mean(np.abs(err))), 2), "p95": round(float(np.percentile(np.abs(err), 95)), 2),
                "bias": round(float(np.mean(err)), 2), "n": int(len(err)), "clips": len(self.clips)}


def load_truth(name: str) -> dict:
    return json.loads((CORPUS / f"{name}.truth.json").read_text())


def corpus_names() -> list[str]:
    listing = json.loads((CORPUS / "corpus.json").read_text())
    return [c if isinstance(c, str) else c["clip"] for c in (listing["clips"] if isinstance(listing, dict) else listing)]


def pair_frames(measured_t: np.ndarray, truth_t: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices (measured, truth) of frames at the same time (within half a frame)."""
    j = np.clip(np.searchsorted(truth_t, measured_t), 1, len(truth_t) - 1)
    j = np.where(np.abs(truth_t[j - 1] - measured_t) <= np.abs(truth_t[j] - measured_t), j - 1, j)
    ok = np.abs(truth_t[j] - measured_t) <= 0.5 / fps
    return np.flatnonzero(ok), j[ok]


def lead_leg_per_frame(truth: dict, tt: np.ndarray) -> np.ndarray:
    """The front leg at each truth frame: each rep's lead leg from its start to its end; the clip's first
    rep's lead leg before it and the last one's after it (standing, both legs alike)."""
    reps = [r for r in truth.get("reps", []) if r.get("lead_leg")]
    out = np.full(len(tt), None, dtype=object)
    if not reps:
        return out
    out[:] = reps[0]["lead_leg"]
    for r in reps:
        out[tt >= r["start_s"]] = r["lead_leg"]
    return out


def truth_baseline(truth: dict, t: np.ndarray, values: np.ndarray, window: tuple[float, float] | None) -> float:
    """The true value over the window the tool took as standing (the first 0.5 s when it found none)."""
    a, b = window if window else (t[0], t[0] + 0.5)
    sel = (t >= a - 1e-6) & (t <= b + 1e-6)
    return float(np.nanmedian(values[sel])) if sel.any() else np.nan


def score_clip(name: str, analysis, pairs: dict[tuple[str, str], Pairs]) -> dict:
    """Add one analysed clip's frame pairs to ``pairs``; return a short per-clip summary."""
    truth = load_truth(name)
    kin = analysis.kinematics
    tt = np.asarray(truth["frames"]["time_s"], float)
    mi, ti = pair_frames(kin.time_s, tt, truth["fps"])
    near = truth.get("near_side") or "left"
    view = truth["view"]
    info = {"clip": name, "view_true": view, "view_read": kin.view_kind,
            "facing_true": truth.get("facing"), "facing_read": analysis.clean.view.facing,
            "detected": round(float(analysis.series.detected.mean()), 3)}
    lead = lead_leg_per_frame(truth, tt)
    if view == "side" and truth["pattern"] == "hinge":
        # posterior hip shift, from the true joint centres in the picture (change from standing); a hinge
        # keeps the feet together, so the truth's mid-ankle and the tool's near ankle are the same place
        j = truth["frames"]["joints_2d"]
        hip = (np.asarray(j["left_hip"], float) + np.asarray(j["right_hip"], float)) / 2
        ankle = (np.asarray(j["left_ankle"], float) + np.asarray(j["right_ankle"], float)) / 2
        leg = float(np.median(np.linalg.norm((hip - ankle)[tt < 0.5], axis=1)))
        sign = 1.0 if truth.get("facing") == "right" else -1.0
        shift = -(hip[:, 0] - ankle[:, 0]) * sign / leg
        true_change = shift[ti] - truth_baseline(truth, tt, shift, kin.baseline_window_s)
        pairs.setdefault(("hip_shift_leg_lengths@change", view), Pairs()).add(
            name, kin.change("hip_shift_leg_lengths")[mi], true_change)
        # head alignment: the tool's own definition applied to the true ear, shoulder and hip (in the picture)
        from screening.angles import angle_def, compute

        head = compute(angle_def("head_angle_deg"), _truth_points(truth), int(sign), near, kin.segments)
        true_change = head[ti] - truth_baseline(truth, tt, head, kin.baseline_window_s)
        pairs.setdefault(("head_angle_deg@change", view), Pairs()).add(name, kin.change("head_angle_deg")[mi], true_change)
    for mname, (tname, views) in SCORED.items():
        if view not in views:
            continue
        tname = tname.format(near=near)
        true_all = np.asarray(truth["frames"]["angles"].get(tname, [np.nan] * len(tt)), float)
        key = POOLED.get(mname, mname)
        measured = kin.values[mname][mi].copy()
        if "fppa" in mname and truth["pattern"] == "lunge":
            # FPPA is the front leg's (metrics.md): the rear shank lies nearly level at the bottom, where
            # its FPPA swings through +-180 and means nothing
            side = "left" if "_left_" in mname else "right"
            measured[lead[ti] != side] = np.nan
        pairs.setdefault((key, view), Pairs()).add(name, measured, true_all[ti])
        change = kin.change(mname)[mi]
        change[~np.isfinite(measured)] = np.nan
        true_change = true_all[ti] - truth_baseline(truth, tt, true_all, kin.baseline_window_s)
        pairs.setdefault((f"{key}@change", view), Pairs()).add(name, change, true_change)
        img = truth["frames"].get("angles_image", {}).get(tname)
        if img is not None and "fppa" in mname:
            pairs.setdefault((f"{key}@image", view), Pairs()).add(name, measured, np.asarray(img, float)[ti])
    return info


_ANALYSES: dict[str, "ClipAnalysis"] = {}


class ClipAnalysis:
    """One corpus clip's Screen, with its result.json and what it was measured from at hand."""

    def __init__(self, screen):
        self.screen = screen
        self.result = screen.to_json()
        m = screen.measured
        self.series, self.clean, self.kinematics, self.movement = m.series, m.clean, m.kinematics, m.movement


def _analysed(name: str) -> ClipAnalysis:
    from screening import analyze

    return ClipAnalysis(analyze(CORPUS / f"{name}.mp4", keep_frames=False))


def in_processes(fn, items: list, workers: int | None = None) -> list:
    """``[fn(x) for x in items]``, ``workers`` at a time in fresh processes (default: one per core, at most 2).
    The corpus's and the spine set's clips last 3-7 s, mostly under the length that tracking splits over the
    cores, so one clip at a time kept a core idle. Spawned, not forked: a forked copy of a process that runs
    MediaPipe's threads can hang."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = workers or min(2, os.cpu_count() or 1)
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fn, items))


def analyse_clips(names: list[str]) -> None:
    """Analyse the clips of ``names`` not analysed yet, two at a time (:func:`in_processes`)."""
    todo = [n for n in dict.fromkeys(names) if n not in _ANALYSES]
    _ANALYSES.update(zip(todo, in_processes(_analysed, todo)))


def analyse_clip(name: str) -> ClipAnalysis:
    """One corpus clip analysed (pattern auto, nothing written), kept for the run."""
    if name not in _ANALYSES:
        _ANALYSES[name] = _analysed(name)
    return _ANALYSES[name]


#: fault code -> (pattern, views where it is measurable, the fault_params key and the threshold it is judged
#: against; a clip within BORDERLINE of the threshold is too close to call and is left out of the counts)
FAULTS = {
    "lumbar_flexion": ("hinge", ("side",), "spinal_flexion_deg", ("hinge", "lumbar_flexion", "minor")),
    "squatted_hinge": ("hinge", ("side",), None, None),
    "spine_first": ("hinge", ("side",), None, None),
    "short_hip_range": ("hinge", ("side",), None, None),
    "no_posterior_shift": ("hinge", ("side",), None, None),
}  # the lunge's faults are scored rep by rep in lunge_table
BORDERLINE = 2.5


@dataclass
class FaultCounts:
    tp: int = 0
    fn: int = 0
    tn: int = 0
    fp: int = 0
    borderline: int = 0
    possible_pos: int = 0  # of fn: the fault was said, as possible
    possible_neg: int = 0  # of tn: the fault was said, as possible

    def summary(self) -> dict:
        pos, neg = self.tp + self.fn, self.tn + self.fp
        return {"sensitivity": round(self.tp / pos, 3) if pos else None,
                "specificity": round(self.tn / neg, 3) if neg else None, "n": pos + neg,
                "tp": self.tp, "fn": self.fn, "tn": self.tn, "fp": self.fp, "borderline": self.borderline,
                "possible": self.possible_pos + self.possible_neg}


def score_faults(name: str, analysis, counts: dict[str, FaultCounts], thresholds: dict) -> None:
    """Per truth rep: was each fault the clip was rendered with (or without) reported in the matching rep
    (the tool's rep whose bottom is within 0.6 s)? A truth rep the tool missed counts as not reported. A
    fault said as *possible* (within its measure's error of the threshold: the tool says it cannot tell)
    counts as not reported, and is tallied apart."""
    truth = load_truth(name)
    reps = analysis.result["reps"]
    for code, (pattern, views, param, rule) in FAULTS.items():
        if truth["pattern"] != pattern or truth["view"] not in views:
            continue
        c = counts.setdefault(code, FaultCounts())
        positive = code in truth["faults"]
        if param and rule and param in truth.get("fault_params", {}):
            limit = thresholds[rule[0]][rule[1]][rule[2]]
            if abs(float(truth["fault_params"][param]) - limit) < BORDERLINE:
                c.borderline += len(truth["reps"])
                continue
        for tr in truth["reps"]:
            match = [r for r in reps if abs(r["bottom_s"] - tr["bottom_s"]) <= 0.6]
            said = [f for f in match[0]["faults"] if f["code"] == code] if match else []
            reported = any(not f.get("possible") for f in said)
            possible = bool(said) and not reported
            if positive:
                c.tp += reported
                c.fn += not reported
                c.possible_pos += possible
            else:
                c.tn += not reported
                c.fp += reported
                c.possible_neg += possible


#: MediaPipe's landmark indices (left, right) of the truth's joints
TRUTH_INDEX = {"ear": (7, 8), "shoulder": (11, 12), "hip": (23, 24), "knee": (25, 26), "ankle": (27, 28),
               "heel": (29, 30), "toe": (31, 32)}


def series_from_truth(t: dict):
    """A pose series whose landmarks are the truth's exact joint centres (near side more visible)."""
    from screening.pose import OUTLINE_STATIONS, PoseSeries, TrunkOutline

    fr = t["frames"]
    n = len(fr["time_s"])
    image = np.zeros((n, 33, 3))
    image[..., 2] = 0.95
    for j, (li, ri) in TRUTH_INDEX.items():
        image[:, li, :2] = np.asarray(fr["joints_2d"][f"left_{j}"], float)
        image[:, ri, :2] = np.asarray(fr["joints_2d"][f"right_{j}"], float)
    far = {"left": "right", "right": "left"}.get(t.get("near_side") or "")
    if far:
        for j in TRUTH_INDEX.values():
            image[:, j[0 if far == "left" else 1], 2] = 0.7
    for i in (0, 1, 2, 3, 4, 5, 6, 9, 10):  # face points at the ears' midpoint
        image[:, i, :2] = (image[:, 7, :2] + image[:, 8, :2]) / 2
    for i, s in ((13, 11), (14, 12), (15, 11), (16, 12), (17, 11), (18, 12), (19, 11), (20, 12), (21, 11), (22, 12)):
        image[:, i, :2] = image[:, s, :2] + [0, 40]
    return PoseSeries(np.asarray(fr["time_s"], float), image,
                      TrunkOutline(OUTLINE_STATIONS.copy(), np.full((n, len(OUTLINE_STATIONS), 2), np.nan)),
                      t["width"], t["height"], "truth")


# ---------------------------------------------------------------------------------------------- lunge reps
#: per-rep lunge metrics scored against the truth: metric -> views
LUNGE_SCORED = {
    "knee_valgus_fppa_deg": ("front",), "pelvic_obliquity_change_deg": ("front",),
    "lateral_trunk_lean_deg": ("front",), "hip_drop_leg_lengths": ("front", "side"),
    "front_knee_flexion_deg": ("side",), "rear_knee_height_shanks": ("side",),
    "trunk_pitch_change_deg": ("side",), "knee_past_toe_foot_lengths": ("side",),
    "step_length_tibias": ("side",), "front_thigh_angle_deg": ("side",),
}


def _truth_points(truth: dict) -> np.ndarray:
    """(N, 33, 2) the true joint centres in the picture, in MediaPipe's landmark layout (NaN elsewhere)."""
    j = truth["frames"]["joints_2d"]
    xy = np.full((len(truth["frames"]["time_s"]), 33, 2), np.nan)
    for part, (li, ri) in TRUTH_INDEX.items():
        xy[:, li] = np.asarray(j[f"left_{part}"], float)
        xy[:, ri] = np.asarray(j[f"right_{part}"], float)
    return xy


def lunge_rep_truth(truth: dict, rep: dict, used_t: np.ndarray) -> dict[str, float]:
    """The true per-rep lunge metrics of one truth rep, by the tool's own definitions applied to the true
    joint centres in the picture (the exact 3D angle where the truth has one: front knee flexion, trunk
    pitch). ``used_t``: the times the tool read this rep's FPPA at (the truth's FPPA is read there too)."""
    tt = np.asarray(truth["frames"]["time_s"], float)
    xy = _truth_points(truth)
    lead = rep["lead_leg"]
    L = lead == "left"
    stand = tt < 0.5
    bottom = np.abs(tt - rep["bottom_s"]) <= 0.1
    window = (tt >= rep["start_s"]) & (tt <= rep["end_s"])
    A = {k: np.asarray(v, float) for k, v in truth["frames"]["angles"].items()}
    AI = {k: np.asarray(v, float) for k, v in truth["frames"].get("angles_image", {}).items()}
    hip = (xy[:, 23] + xy[:, 24]) / 2
    def length(*pairs):  # both legs, as the tool's segments() takes them
        return float(np.median(np.concatenate([np.linalg.norm(xy[stand, a] - xy[stand, b], axis=1) for a, b in pairs])))

    leg, shank = length((23, 27), (24, 28)), length((25, 27), (26, 28))
    out = {"hip_drop_leg_lengths": float(np.max((hip[window, 1] - np.median(hip[stand, 1])) / leg))}
    h, k = (23, 25) if L else (24, 26)
    thigh = length((23, 25), (24, 26))
    out["front_thigh_angle_deg"] = float(np.degrees(np.arcsin(np.clip(
        np.median((xy[bottom, k, 1] - xy[bottom, h, 1]) / thigh), -1, 1))))
    if truth["view"] == "front":
        idx = [int(np.argmin(np.abs(tt - x))) for x in used_t]
        # the same statistic as the tool's reading (screening.lunge.rep_fppa), of the truth at those frames
        from screening.lunge import FPPA_PERCENTILE

        f = AI[f"knee_valgus_fppa_{lead}_deg"][idx]
        out["knee_valgus_fppa_deg"] = float(np.percentile(f, FPPA_PERCENTILE)) if idx else np.nan
        rear_down = -1.0 if lead == "right" else 1.0
        ob = AI["pelvic_obliquity_deg"]
        out["pelvic_obliquity_change_deg"] = rear_down * float(np.median(ob[bottom]) - np.median(ob[stand]))
        lean = AI["lateral_trunk_lean_deg"]  # mid-hip -> mid-shoulder from vertical (roll cancels in the change)
        out["lateral_trunk_lean_deg"] = abs(float(np.median(lean[bottom]) - np.median(lean[stand])))
    else:
        sign = 1.0 if truth.get("facing") == "right" else -1.0
        kf, kr = (25, 26) if L else (26, 25)
        hf, tf, tr = (29, 31, 32) if L else (30, 32, 31)
        foot = length((29, 31), (30, 32))
        out["front_knee_flexion_deg"] = float(np.median(A[f"knee_flexion_{lead}_deg"][bottom]))
        trunk = A["trunk_inclination_deg"]
        out["trunk_pitch_change_deg"] = float(np.max(np.abs(trunk[window] - np.median(trunk[stand]))))
        floor = np.max(xy[:, [hf, tf, tr], 1], axis=1)
        out["rear_knee_height_shanks"] = float(np.median((floor[bottom] - xy[bottom, kr, 1]) / shank))
        out["knee_past_toe_foot_lengths"] = float(np.max((xy[window, kf, 0] - xy[window, tf, 0]) * sign / foot))
        out["step_length_tibias"] = float(np.median((xy[bottom, hf, 0] - xy[bottom, tr, 0]) * sign / shank))
        # the physical depth the clip was rendered with, for reference: rear knee joint height / shank length
        out["rear_knee_height_m"] = float(truth["fault_params"].get("rear_knee_height_m", np.nan))
    return out


def score_lunge(name: str, analysis) -> dict:
    """One lunge clip, rep by rep: counts, lead legs, and (measured, true) pairs of every scored metric.
    Fault truth per rep: the clip's rendered faults, except knee_valgus (true FPPA where the tool read it,
    over the 10-deg threshold), pelvic_drop (the true drop at the bottom against the fault's threshold; within
    :data:`DROP_TOO_CLOSE_DEG` of it, not scored: the corpus's 9-deg drop was rendered for a 5-deg rule) and
    balance_loss (the renderer sways the second rep only)."""
    from screening.config import load_thresholds

    drop_minor = float(load_thresholds()["lunge"]["pelvic_drop"]["minor"])
    truth = load_truth(name)
    mv = analysis.movement
    reps = analysis.result["reps"]
    out = {"clip": name, "view": truth["view"], "reps_true": len(truth["reps"]), "reps_found": len(reps),
           "lead_right": 0, "lead_total": 0, "pairs": {}, "faults": []}
    t = analysis.kinematics.time_s
    used = mv.series.get("fppa_frames", np.zeros(len(t), bool)) if mv is not None else np.zeros(len(t), bool)
    for k, tr in enumerate(truth["reps"]):
        match = [r for r in reps if abs(r["bottom_s"] - tr["bottom_s"]) <= 0.6]
        out["lead_total"] += 1
        if not match:
            out["faults"].append((k, None, set(), set()))
            continue
        r = match[0]
        out["lead_right"] += r["lead_leg"] == tr["lead_leg"]
        used_t = t[used & (t >= r["start_s"]) & (t <= r["end_s"])]
        true = lunge_rep_truth(truth, tr, used_t)
        for mname, views in LUNGE_SCORED.items():
            if truth["view"] in views:
                out["pairs"].setdefault(mname, []).append((r["metrics"].get(mname), true.get(mname)))
        positive = set(truth["faults"]) - {"knee_valgus", "balance_loss", "pelvic_drop"}
        unscored = set()
        if truth["view"] == "front" and np.isfinite(true.get("knee_valgus_fppa_deg", np.nan)) \
                and true["knee_valgus_fppa_deg"] > 10.0:
            positive.add("knee_valgus")
        drop = true.get("pelvic_obliquity_change_deg", np.nan)
        if truth["view"] == "front" and np.isfinite(drop):
            if abs(drop - drop_minor) < DROP_TOO_CLOSE_DEG:
                unscored.add("pelvic_drop")
            elif drop > drop_minor:
                positive.add("pelvic_drop")
        if "balance_loss" in truth["faults"] and k == min(1, len(truth["reps"]) - 1):
            positive.add("balance_loss")
        out["faults"].append((k, {f["code"] for f in r["faults"]}, positive, unscored))
    return out


#: a rep whose true pelvic drop is this close to the fault's threshold (deg) is too close to call
DROP_TOO_CLOSE_DEG = 1.5


#: lunge fault codes and the views that can show them
LUNGE_FAULT_VIEWS = {"knee_valgus": "front", "pelvic_drop": "front", "lateral_trunk_lean": "front",
                     "balance_loss": "front", "shallow": "side", "trunk_pitch": "side"}


def lunge_table(names: list[str]) -> dict:
    """Rep counts, lead legs, per-rep metric errors and per-rep fault sensitivity/specificity over the
    lunge clips among ``names``."""
    names = [n for n in names if load_truth(n)["pattern"] == "lunge"]
    analyse_clips(names)
    scored = [score_lunge(n, analyse_clip(n)) for n in names]
    metrics: dict[str, dict] = {}
    for mname in LUNGE_SCORED:
        pairs = [(m, t) for s in scored for (m, t) in s["pairs"].get(mname, []) if m is not None and np.isfinite(t)]
        if not pairs:
            continue
        err = np.array([m - t for m, t in pairs])
        metrics[mname] = {"mae": round(float(np.mean(np.abs(err))), 3), "bias": round(float(np.mean(err)), 3),
                          "max": round(float(np.max(np.abs(err))), 3), "n": len(err)}
    faults: dict[str, FaultCounts] = {}
    for s in scored:
        for code, view in LUNGE_FAULT_VIEWS.items():
            if s["view"] != view:
                continue
            c = faults.setdefault(code, FaultCounts())
            for _, reported, positive, unscored in s["faults"]:
                if code in unscored:
                    continue
                hit = reported is not None and code in reported
                if code in positive:
                    c.tp += hit
                    c.fn += not hit
                else:
                    c.tn += not hit
                    c.fp += hit
    return {"clips": [{k: s[k] for k in ("clip", "view", "reps_true", "reps_found", "lead_right", "lead_total")}
                      for s in scored],
            "rep_counts_exact": sum(s["reps_true"] == s["reps_found"] for s in scored), "n_clips": len(scored),
            "lead_leg_accuracy": (sum(s["lead_right"] for s in scored) / max(1, sum(s["lead_total"] for s in scored))),
            "metrics": metrics, "faults": {k: c.summary() for k, c in sorted(faults.items())}}


def analyse(names: list[str], progress=print) -> tuple[dict, list[dict]]:
    pairs: dict[tuple[str, str], Pairs] = {}
    clips = []
    analyse_clips(names)
    for name in names:
        a = analyse_clip(name)
        clips.append(score_clip(name, a, pairs))
        if progress:
            progress(f"  {name}: view {clips[-1]['view_read']} (true {clips[-1]['view_true']}), "
                     f"person in {clips[-1]['detected']:.0%} of frames")
    return pairs, clips


def fault_table(names: list[str], thresholds: dict | None = None) -> dict[str, dict]:
    from screening.config import load_thresholds

    th = thresholds or load_thresholds()
    counts: dict[str, FaultCounts] = {}
    analyse_clips(names)
    for name in names:
        score_faults(name, analyse_clip(name), counts, th)
    return {code: c.summary() for code, c in sorted(counts.items())}


def report(pairs: dict[tuple[str, str], Pairs]) -> tuple[dict, str]:
    metrics: dict[str, dict] = {}
    lines = ["| metric | view | MAE | p95 | bias | frames | clips | MAE by range of motion (0-30 / 30-60 / 60-90 / 90+) |",
             "|---|---|---|---|---|---|---|---|"]
    for (key, view), p in sorted(pairs.items()):
        s = p.summary()
        if s is None:
            continue
        metrics[f"{key}:{view}"] = {k: s[k] for k in ("mae", "p95", "bias", "n")}
        by_range = []
        for lo, hi in RANGES if "_deg" in key else []:  # ranges of motion are in degrees
            r = p.summary(lo, hi)
            by_range.append(f"{r['mae']:.1f} ({r['n']})" if r else "-")
        lines.append(f"| {key} | {view} | {s['mae']:.2f} | {s['p95']:.2f} | {s['bias']:+.2f} | {s['n']} | "
                     f"{s['clips']} | {' / '.join(by_range) or '-'} |")
    return metrics, "\n".join(lines)


#: the side-view joint angles whose error is broken down clip by clip
CLIP_KEYS = (("hip_flexion_deg", "side"), ("knee_flexion_deg", "side"))


def clip_breakdown(pairs: dict[tuple[str, str], Pairs]) -> tuple[dict, list[str]]:
    """Where the side-view hip and knee error lies: each clip's MAE and bias (its mean error), and the MAE
    and p95 left when each clip's own bias is taken away, and the mean clip bias per sex of the rendered body
    (the biases' sign follows it: tools/render/check_leg_geometry.py shows the templates' leg bones sitting
    differently inside the surface). A constant or angle-dependent correction is one model for every clip,
    and does not reach what differs between clips."""
    per = {key: pairs[key].per_clip() for key in CLIP_KEYS if key in pairs}
    names = sorted({n for v in per.values() for n in v})
    head = "| clip | body | " + " | ".join(f"{k} MAE | {k} bias" for k, _ in per) + " |"
    lines = [head, "|---|---|" + "---|---|" * len(per)]
    body = {n: load_truth(n).get("body", {}) for n in names}
    for n in names:
        cells = [body[n].get("preset", "?")]
        for key in per:
            e = per[key].get(n)
            cells += [f"{np.mean(np.abs(e)):.1f}", f"{np.mean(e):+.1f}"] if e is not None else ["-", "-"]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    summary = {}
    sex = {n: "female" if body[n].get("gender", 0.5) > 0.5 else "male" for n in names}
    for (key, view), clips in per.items():
        biases = np.array([np.mean(e) for e in clips.values()])
        left = np.concatenate([e - np.mean(e) for e in clips.values()])
        by_sex = {s: round(float(np.mean([np.mean(e) for n, e in clips.items() if sex[n] == s])), 2)
                  for s in sorted(set(sex.values()))}
        summary[f"{key}:{view}"] = {"sd_of_clip_biases": round(float(np.std(biases)), 2),
                                    "mae_without_clip_bias": round(float(np.mean(np.abs(left))), 2),
                                    "p95_without_clip_bias": round(float(np.percentile(np.abs(left), 95)), 2),
                                    "mean_clip_bias_by_body_sex": by_sex}
    return summary, lines


def check_targets(metrics: dict) -> list[str]:
    """Issue 3's targets that the numbers miss (empty when all are met)."""
    missed = []
    for (key, view), (mae, p95) in TARGETS.items():
        m = metrics.get(f"{key}:{view}")
        if m is None:
            missed.append(f"{key} ({view}): no frames scored")
            continue
        if m["mae"] > mae:
            missed.append(f"{key} ({view}): MAE {m['mae']} > {mae}")
        if p95 is not None and m["p95"] > p95:
            missed.append(f"{key} ({view}): p95 {m['p95']} > {p95}")
    return missed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("--only", nargs="*", help="clip names (default: the whole corpus)")
    p.add_argument("--md", default=str(ROOT / "bench" / "accuracy.md"), help="where to write the markdown table")
    args = p.parse_args()
    names = args.only or corpus_names()
    print(f"{len(names)} clips from {CORPUS}", flush=True)
    pairs, clips = analyse(names, progress=lambda s: print(s, flush=True))
    metrics, table = report(pairs)
    faults = fault_table(names)
    fault_lines = ["| fault | sensitivity | specificity | reps with / without | borderline (left out) |",
                   "|---|---|---|---|---|"]
    for code, f in faults.items():
        fault_lines.append(f"| {code} | {f['sensitivity'] if f['sensitivity'] is not None else '-'} | "
                           f"{f['specificity'] if f['specificity'] is not None else '-'} | "
                           f"{f['tp'] + f['fn']} / {f['tn'] + f['fp']} | {f['borderline']} |")
    missed = check_targets(metrics)
    by_clip, clip_lines = clip_breakdown(pairs)
    clip_notes = [f"- {k}: the clips' biases spread with SD {v['sd_of_clip_biases']} deg; with each clip's own bias "
                  f"taken away, MAE {v['mae_without_clip_bias']}, p95 {v['p95_without_clip_bias']}; mean clip bias by "
                  "the rendered body's sex: " + ", ".join(f"{s} {b:+.1f}" for s, b in v["mean_clip_bias_by_body_sex"].items())
                  for k, v in by_clip.items()]
    lunge = lunge_table(names)
    lunge_lines = ["| measure | MAE | bias | worst | reps |", "|---|---|---|---|---|"]
    for k, v in lunge["metrics"].items():
        lunge_lines.append(f"| {k} | {v['mae']:.3f} | {v['bias']:+.3f} | {v['max']:.3f} | {v['n']} |")
    lunge_faults = ["| fault | sensitivity | specificity | reps with / without |", "|---|---|---|---|"]
    for code, f in lunge["faults"].items():
        lunge_faults.append(f"| {code} | {f['sensitivity'] if f['sensitivity'] is not None else '-'} | "
                            f"{f['specificity'] if f['specificity'] is not None else '-'} | {f['tp'] + f['fn']} / {f['tn'] + f['fp']} |")
    views = [f"| {c['clip']} | {c['view_true']} / {c['view_read']} | {c['facing_true']} / {c['facing_read']} | "
             f"{c['detected']:.0%} |" for c in clips]
    md = "\n".join([
        "# Accuracy against the rendered corpus", "",
        f"`python bench/accuracy.py` on {len(names)} clips of `sample_videos/` (exact truth beside each clip).",
        "Errors in degrees (measured - true). `@change`: change from the standing baseline, as reported to "
        "a clinician. `@image`: against the angle of the true joint centres in the picture.", "",
        table, "",
        "Faults per rep (a truth rep matched to the tool's rep whose bottom is within 0.6 s; clips rendered "
        f"within {BORDERLINE} deg of a threshold are too close to call and left out):", "",
        *fault_lines, "",
        "Targets (issue 3): side-view trunk inclination, hip and knee flexion MAE <= 3, p95 <= 6; "
        "front-view FPPA (in the picture, front leg) MAE <= 4. " + ("All met." if not missed else "Missed: " + "; ".join(missed) + "."), "",
        "## Where the side-view hip and knee error lies", "",
        "Clip by clip (degrees). Most of the error is a constant of each clip, and its sign follows the rendered "
        "body's sex: the female templates read more hip and knee flexion than their bones have, the male ones "
        "less. The anny templates place the leg bones differently inside the leg's surface: seen from the side "
        "in the rest pose, the surface's knee angle is 6-7 deg above the bones' in two female templates, 1 "
        "below in the third, and 5-11 deg below in the three male ones "
        "(`/work/render-venv/bin/python tools/render/check_leg_geometry.py`); MediaPipe sees the surface. "
        "The landmark offsets of screening.kinematics remove what all clips share; a correction by sex would "
        "fit the body model's templates, not people, and is not made.", "",
        *clip_lines, "", *clip_notes, "",
        "## Lunge reps", "",
        f"Rep counts exact on {lunge['rep_counts_exact']} of {lunge['n_clips']} lunge clips; lead leg right on "
        f"{lunge['lead_leg_accuracy']:.0%} of reps. Per rep, against the tool's own definitions applied to the true "
        "joint centres (the exact 3D angle for front knee flexion and trunk pitch; FPPA where the tool read it):", "",
        *lunge_lines, "",
        "Lunge faults per rep (knee_valgus judged by the true FPPA over 10 deg; balance_loss rendered in the "
        "wobble clip's second rep):", "", *lunge_faults, "",
        "| clip | view true / read | facing true / read | person found |", "|---|---|---|---|", *views, ""])
    Path(args.md).write_text(md)
    print(table)
    print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    print("\n".join(clip_notes))
    print(f"written: {args.md}")
    print("\n".join(fault_lines))
    print("\n".join(lunge_lines + [""] + lunge_faults))
    if args.json:
        print(json.dumps({"metrics": metrics, "by_clip": by_clip, "faults": {k: {m: v[m] for m in ("sensitivity", "specificity", "n")}
                                                          for k, v in faults.items()},
                          "lunge": {k: lunge[k] for k in ("rep_counts_exact", "n_clips", "lead_leg_accuracy",
                                                          "metrics", "faults")}}))


if __name__ == "__main__":
    sys.exit(main())
