"""The lunge rules on real movement of known class: UI-PRMD motion capture (Vakanski et al. 2018, PDDL).

    python bench/uiprmd.py            # the table, and bench/uiprmd.md
    python bench/uiprmd.py --json     # ... and, as the LAST line, one JSON object

Every rep of ../shared/datasets/ui-prmd (in-line lunge 90 correct + 90 incorrect reps, 9 people; side
lunge 100 + 100, 10 people) is projected through a virtual side camera and a virtual front camera
(:mod:`bench.mocap`), and each projection runs the analysis from the pose-series stage on: cleaning,
kinematics, :func:`screening.lunge.analyze_lunge`; the two views are then merged
(:func:`screening.lunge.merge_views`), as when a clinician films one set twice. The cameras are virtual and
known, so where the cleaning stage reads another view (narrow shoulder markers read as oblique) the known
one is used, and counted.

Scored: the area under the ROC curve of each rep's ``fault_severity`` (each fault measure over its
threshold, summed) for incorrect vs correct reps, per movement (issue 5: >= 0.85); the same within each
person (each rep against the other class's reps of the same person); the lead (working) leg against
index.csv; the lateral trunk lean against the motion capture's own (:func:`lean_truth`); the faults found in
each class; and the AUC of each single metric.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: `python bench/uiprmd.py`
    sys.path.insert(0, str(ROOT))
MOVEMENTS = {"lunge_inline": "in-line lunge", "side_lunge": "side lunge"}


def analyse_rep(row: dict, t: np.ndarray, joints: dict, th: dict) -> dict:
    """One mocap rep through both virtual cameras and the analysis; the merged rep with the deepest drop."""
    from bench import mocap
    from screening.clean import View, clean
    from screening.kinematics import kinematics
    from screening.lunge import analyze_lunge, merge_views

    results, forced, series = {}, [], {}
    for view in ("side", "front"):
        series[view] = mocap.to_pose_series(t, joints, view, float(row["heading_deg"]))
        cs = clean(series[view])
        if cs.view.kind != view:
            forced.append(f"{view} read as {cs.view.kind}")
            known = View("side", "right", "right", cs.view.spread_ratio) if view == "side" else \
                View("front", "camera", None, cs.view.spread_ratio)
            cs = dataclasses.replace(cs, view=known)
        results[view] = analyze_lunge(cs, kinematics(cs), th)
    merged = merge_views(results["side"], results["front"], th)
    rep = max(merged.reps, key=lambda r: r.metrics["hip_drop_leg_lengths"], default=None)
    return {"movement": row["folder"], "label": row["label"], "subject": int(row["subject"]),
            "episode": int(row["episode"]), "lead_true": row["lead_or_working_leg"], "forced": forced,
            "reps_found": len(merged.reps), "variant": merged.extras.variant,
            "lead": rep.lead_leg if rep else None,
            "metrics": {k: float(v) for k, v in rep.metrics.items()} if rep else {},
            "faults": sorted({f.code for f in rep.faults}) if rep else [],
            "truth": {"lateral_trunk_lean_deg": lean_truth(series["front"].truth_3d, row)}}


def lean_truth(world: np.ndarray, row: dict) -> float:
    """The lateral trunk lean the analysis should read, from the motion capture itself: the mid-hip ->
    mid-shoulder line's angle from vertical in the frontal plane (what a front camera sees, without its
    perspective), its change from the standing hold to the bottom (the frames where the hips are within 90%
    of their deepest drop, as the analysis reads it). Side lunge: toward the working leg positive; in-line
    lunge: its size."""
    hip, sho = (world[:, 23] + world[:, 24]) / 2, (world[:, 11] + world[:, 12]) / 2
    v = sho - hip
    lean = np.degrees(np.arctan2(v[:, 1], v[:, 2]))  # toward the person's left (+y) positive
    drop = hip[0, 2] - hip[:, 2]
    with np.errstate(invalid="ignore"):
        bottom = drop >= 0.9 * np.nanmax(drop)
    change = float(np.nanmedian(lean[bottom]) - lean[0])
    if row["folder"] == "side_lunge":
        return change if row["lead_or_working_leg"] == "left" else -change
    return abs(change)


def analyse_all(root: Path | None = None) -> list[dict]:
    from bench import mocap
    from screening.config import load_thresholds

    th = load_thresholds()
    return [analyse_rep(row, t, joints, th) for row, t, joints in mocap.load_all(root or mocap.ROOT)]


def auc(positive, negative) -> float:
    """P(a random positive > a random negative), ties counted half; NaNs left out."""
    p, n = np.asarray(positive, float), np.asarray(negative, float)
    p, n = p[np.isfinite(p)], n[np.isfinite(n)]
    if not len(p) or not len(n):
        return float("nan")
    return float((p[:, None] > n[None]).mean() + 0.5 * (p[:, None] == n[None]).mean())


def within_person_auc(reps: list[dict], metric: str) -> float:
    """The AUC over pairs of one person's incorrect and correct reps only (differences between people
    left out)."""
    wins = pairs = 0.0
    for s in {r["subject"] for r in reps}:
        inc = np.array([r["metrics"].get(metric, np.nan) for r in reps if r["subject"] == s and r["label"] == "incorrect"])
        cor = np.array([r["metrics"].get(metric, np.nan) for r in reps if r["subject"] == s and r["label"] == "correct"])
        inc, cor = inc[np.isfinite(inc)], cor[np.isfinite(cor)]
        wins += (inc[:, None] > cor[None]).sum() + 0.5 * (inc[:, None] == cor[None]).sum()
        pairs += len(inc) * len(cor)
    return float(wins / pairs) if pairs else float("nan")


def lean_agreement(reps: list[dict], signed: bool) -> dict:
    """The analysis' lateral trunk lean against :func:`lean_truth`: mean absolute error (deg), and where the
    lean is ``signed`` (side lunges) the share of reps leaning more than 3 deg either way whose side it
    reads right."""
    a = np.array([r["metrics"].get("lateral_trunk_lean_deg", np.nan) for r in reps], float)
    b = np.array([r["truth"]["lateral_trunk_lean_deg"] for r in reps], float)
    ok = np.isfinite(a) & np.isfinite(b)
    clear = ok & (np.abs(b) > 3)
    return {"mae_deg": round(float(np.mean(np.abs(a - b)[ok])), 2), "reps": int(ok.sum()),
            "side_right": round(float(np.mean(np.sign(a[clear]) == np.sign(b[clear]))), 3)
            if signed and clear.any() else None}


def correct_pelvis(reps: list[dict], minor: float) -> dict:
    """How a correct split lunge's pelvis tilts at the bottom (``pelvic_obliquity_change_deg``: the motion
    capture's hip joint centres are the pelvis's, so this is the truth): the median over the correct reps, the
    same with each person held out of it (the normal tilt a new person would be judged against), each
    person's median, and the correct reps read as a drop 5 deg from level and at the fault's threshold."""
    cor = [r for r in reps if r["label"] == "correct"]
    v = np.array([r["metrics"].get("pelvic_obliquity_change_deg", np.nan) for r in cor], float)
    who = np.array([r["subject"] for r in cor])
    ok = np.isfinite(v)
    if not ok.any():
        return {}
    people = sorted(set(who[ok].tolist()))
    held_out = [float(np.median(v[ok & (who != s)])) for s in people]
    return {"median_deg": round(float(np.median(v[ok])), 2),
            "median_person_held_out_deg": [round(min(held_out), 2), round(max(held_out), 2)],
            "person_medians_deg": [round(float(np.median(v[ok & (who == s)])), 1) for s in people],
            "reps": int(ok.sum()), "over_5_deg": int((v[ok] > 5).sum()), "over_threshold": int((v[ok] > minor).sum()),
            "threshold_deg": minor}


def summarise(reps: list[dict]) -> dict:
    from screening.config import load_thresholds

    minor = float(load_thresholds()["lunge"]["pelvic_drop"]["minor"])
    out = {}
    for mv in MOVEMENTS:
        R = [r for r in reps if r["movement"] == mv]
        inc = [r for r in R if r["label"] == "incorrect"]
        cor = [r for r in R if r["label"] == "correct"]
        metric_names = sorted({k for r in R for k in r["metrics"]})
        single = {}
        for k in metric_names:
            a = auc([r["metrics"].get(k, np.nan) for r in inc], [r["metrics"].get(k, np.nan) for r in cor])
            if np.isfinite(a):
                single[k] = {"auc": round(a, 3),
                             "median_correct": round(float(np.nanmedian([r["metrics"].get(k, np.nan) for r in cor])), 3),
                             "median_incorrect": round(float(np.nanmedian([r["metrics"].get(k, np.nan) for r in inc])), 3)}
        found = [r for r in R if r["lead"] is not None]
        out[mv] = {
            "reps": len(R), "correct": len(cor), "incorrect": len(inc),
            "rep_found": round(sum(r["reps_found"] >= 1 for r in R) / len(R), 3),
            "lead_leg_agreement": round(sum(r["lead"] == r["lead_true"] for r in found) / max(1, len(found)), 3),
            "variant": dict(Counter(r["variant"] for r in R)),
            "views_forced": dict(Counter(f for r in R for f in r["forced"])),
            "severity_auc": round(auc([r["metrics"].get("fault_severity", np.nan) for r in inc],
                                      [r["metrics"].get("fault_severity", np.nan) for r in cor]), 3),
            "severity_auc_within_person": round(within_person_auc(R, "fault_severity"), 3),
            "lateral_trunk_lean_vs_truth": lean_agreement(R, signed=mv == "side_lunge"),
            "faults": {"correct": dict(Counter(f for r in cor for f in r["faults"])),
                       "incorrect": dict(Counter(f for r in inc for f in r["faults"]))},
            "metrics": single,
        }
        if mv == "lunge_inline":
            out[mv]["correct_pelvis"] = correct_pelvis(R, minor)
    return out


def markdown(s: dict) -> str:
    lines = ["# The lunge rules on UI-PRMD motion capture", "",
             "`python bench/uiprmd.py`: real correct and incorrect lunges (Vakanski et al. 2018, PDDL) through "
             "virtual side and front cameras, analysed by the tool from the pose-series stage on and the two views "
             "merged. AUC: the chance that an incorrect rep scores higher than a correct one.", ""]
    for mv, m in s.items():
        lines += [f"## {MOVEMENTS[mv]}: {m['correct']} correct, {m['incorrect']} incorrect reps", "",
                  f"- fault_severity AUC **{m['severity_auc']}** (within each person: {m['severity_auc_within_person']})",
                  f"- a rep found in {m['rep_found']:.0%} of the files; lead (working) leg as index.csv says: "
                  f"{m['lead_leg_agreement']:.0%}; variant read: {m['variant']}; views forced: {m['views_forced'] or 'none'}",
                  f"- faults in correct reps: {m['faults']['correct']}; in incorrect reps: {m['faults']['incorrect']}",
                  f"- lateral_trunk_lean_deg against the motion capture's own (frontal plane, mid-hip -> mid-shoulder): "
                  f"MAE {m['lateral_trunk_lean_vs_truth']['mae_deg']} deg over {m['lateral_trunk_lean_vs_truth']['reps']} reps"
                  + (f"; side read right in {m['lateral_trunk_lean_vs_truth']['side_right']:.0%} of the reps leaning > 3 deg"
                     if m['lateral_trunk_lean_vs_truth']['side_right'] is not None else "")]
        p = m.get("correct_pelvis")
        if p:
            lines += [f"- the pelvis of a correct lunge at the bottom (the hip joint centres' line, rear leg side down "
                      f"positive): median {p['median_deg']} deg over {p['reps']} reps ({p['median_person_held_out_deg'][0]}"
                      f"-{p['median_person_held_out_deg'][1]} with each person held out); people's own medians "
                      f"{p['person_medians_deg']}; correct reps over 5 deg: {p['over_5_deg']}, over the fault's "
                      f"{p['threshold_deg']:g}: {p['over_threshold']}"]
        lines += ["", "| metric | AUC (incorrect higher) | median correct | median incorrect |", "|---|---|---|---|"]
        for k, v in sorted(m["metrics"].items(), key=lambda kv: -abs(kv[1]["auc"] - 0.5)):
            lines.append(f"| {k} | {v['auc']:.2f} | {v['median_correct']:.2f} | {v['median_incorrect']:.2f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true")
    p.add_argument("--md", default=str(ROOT / "bench" / "uiprmd.md"))
    args = p.parse_args()
    s = summarise(analyse_all())
    md = markdown(s)
    Path(args.md).write_text(md)
    print(md)
    if args.json:
        print(json.dumps({mv: {k: v for k, v in m.items() if k != "metrics"} for mv, m in s.items()}))


if __name__ == "__main__":
    main()
