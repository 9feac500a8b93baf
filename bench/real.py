"""The tool on every labelled real deadlift in ../shared/videos, against its source's labels (issue 24).

    python bench/real.py            # the table, and bench/real.md
    python bench/real.py --json     # ... and, as the last line, the agreement as one JSON object

The labels are the sources' own (../shared/videos/MANIFEST.md): one person's judgement, not measurement.
BichraiX/AI-Deadlift-Analysis labels each phase ("rounded lower back" is what ``lumbar_flexion`` should agree
with; a clip called correct in every phase should get no spine fault); mattiolato98/deadlift-visual-analyzer
labels whole lifts good or bad (its bad ones are visibly rounded backs, filmed in a gym; its good ones outdoors:
the label is confounded with the setting, so nothing here learns the setting, only the back). A clip filmed
from the front or at an angle should be reported as not measurable for the spine, never guessed.

For each clip: the view, the reps, the spinal flexion read per rep, the faults (counted toward the verdict or
not), the verdict and the level placed. Then the agreement:

- ``lumbar_flexion`` as the tool counts it against "rounded back", on the side-view clips where the spine was
  read: the confusion table, sensitivity, specificity;
- how well the reading alone orders the backs (AUC of the peak reading per clip);
- leave-one-clip-out: the cut between neutral and rounded chosen on every other clip (the midpoint that best
  separates them, balanced accuracy), then applied to the clip left out; for each of the three ways of reading
  the back (bench/spine.py), which is how the shipped one was chosen;
- the verdict against the label: a correct lift should be told progress, a rounded one regress;
- the other faults the sources name: hips too low (a squatted lift), hips rising first.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))
VIDEOS = ROOT.parent / "shared" / "videos"

#: clip -> (the source's label in short, rounded back: True / False / None for no spine label, other faults the
#: source names among this tool's codes). MANIFEST.md's words.
LABELS = {
    "bichraix_deadlift_bad005": ("rounded lower back (ascending, descending)", True, ()),
    "bichraix_deadlift_bad011": ("rounded lower back (ascending); hips too low (setup)", True, ("squatted_hinge",)),
    "bichraix_deadlift_bad014": ("rounded lower back (ascending)", True, ()),
    "bichraix_deadlift_bad010": ("hips too low, like a squat (setup); no spine label", None, ("squatted_hinge",)),
    "bichraix_deadlift_good001": ("correct in every phase (filmed front-oblique)", False, ()),
    "bichraix_deadlift_good004": ("correct (neutral)", False, ()),
    "bichraix_deadlift_good006": ("correct: ascending, lockout, setup", False, ()),
    "bichraix_deadlift_good008": ("good overall", False, ()),
    "bichraix_deadlift_good009": ("good overall", False, ()),
    "bichraix_deadlift_good014": ("correct: ascending, descending, lockout", False, ()),
    "bichraix_deadlift_good016": ("correct in every phase", False, ()),
    "bichraix_deadlift_good018": ("correct in every phase", False, ()),
    **{f"mattioli_deadlift_Bad_{n}": ("bad form (rounded back)", True, ()) for n in ("01", "03", "04", "05", "06", "07", "09", "10")},
    **{f"mattioli_deadlift_Good_{n}": ("good form", False, ()) for n in ("02", "03", "04", "05", "07", "08", "09", "10")},
    "jeffchen_good": ("good (source's folder)", False, ()),
    "jeffchen_bad": ("bad (source's folder), unexplained", None, ()),
}
VERDICTS = ("progress", "hold", "regress", "refer", None)


def analyse(name: str) -> dict:
    """The tool on one clip, as a hinge (nothing written), and what the agreement needs of it."""
    from screening import analyze
    from screening.hinge import bottom_frames, trunk_change
    from screening.signals import nanmedian
    from screening.spine import reference_bends, reference_window, spine_shape

    screen = analyze(VIDEOS / f"{name}.mp4", pattern="hinge", keep_frames=False)
    m = screen.measured
    kin, cs = m.kinematics, m.clean
    t = kin.time_s
    trunk = trunk_change(kin)
    shape = spine_shape(cs.outline, cs.view.facing_sign, t)
    ref = reference_bends(shape, reference_window(t, trunk, kin.baseline_window_s))
    hip = kin.change("hip_flexion_deg")
    spine = [r.metrics.get("spinal_flexion_deg") for r in screen.reps]
    features = []  # per rep read: the bends at the bottom and the upright back's (bench/spine.py's columns)
    for r, v in zip(screen.reps, spine):
        if v is None or not math.isfinite(v) or r.frames is None:
            continue
        a, _, b = r.frames
        bottom = bottom_frames(trunk, slice(a, b + 1))
        features.append({"lumbar": nanmedian(shape.lumbar_bend_deg[bottom]),
                         "thoracic": nanmedian(shape.thoracic_bend_deg[bottom]),
                         "lumbar_ref": ref[0] if ref else None, "thoracic_ref": ref[1] if ref else None,
                         "hip": nanmedian(hip[bottom])})
    findings = {sf.code: sf for sf in screen.set_findings()}
    label, rounded, named = LABELS[name]
    return {"clip": name, "label": label, "rounded": rounded, "named": list(named), "view": screen.view.kind,
            "spread": round(screen.view.shoulder_spread_ratio or 0, 2),
            "hip_spread": None if screen.view.hip_spread_ratio is None else round(screen.view.hip_spread_ratio, 2),
            "reps": len(screen.reps),
            "spinal_flexion_deg": [None if v is None or not math.isfinite(v) else round(v, 1) for v in spine],
            "features": features,
            "measured": any(v is not None and math.isfinite(v) for v in spine),
            "faults": {code: {"counted": sf.counted, "why": sf.why, "severity": sf.severity,
                              "reps": [i + 1 for i in sf.seen]} for code, sf in findings.items()},
            "lumbar_flexion": bool(findings.get("lumbar_flexion") and findings["lumbar_flexion"].counted),
            "verdict": screen.verdict,
            "level": screen.placement.level if screen.placement else None,
            "notes": [n for n in screen.analysis_notes + screen.placement_notes if "No continuum" in n or "not measurable" in n
                      or "too dark" in n or "out of the picture" in n],
            "words": said(screen)}


def said(screen) -> list[str]:
    """Every sentence the result says to a person: the notes, the placement's reasons, the reps' notes and
    faults (what tests read for engineer's words)."""
    from screening.present import fault_text
    from screening.words import note_text

    reasons = list(screen.placement.reasons) if screen.placement else []
    return [*screen.person.notes, *screen.analysis_notes, *screen.placement_notes, *reasons,
            *(note_text(n) for r in screen.reps for n in r.notes),
            *(fault_text(f, screen.pattern) for r in screen.reps for f in r.faults)]


def peak(r: dict) -> float:
    vals = [v for v in r["spinal_flexion_deg"] if v is not None]
    return max(vals) if vals else float("nan")


def auc(pos: list[float], neg: list[float]) -> float | None:
    """The share of (rounded, neutral) pairs read in that order."""
    if not pos or not neg:
        return None
    return round(float(np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg])), 3)


def best_cut(values: np.ndarray, labels: np.ndarray) -> float:
    """The cut between neutral (False) and rounded (True) readings with the best balanced accuracy: the midpoint
    between two neighbouring readings (the middle of the best such gap when several tie)."""
    v = np.sort(np.unique(values))
    cuts = np.concatenate([[v[0] - 1], (v[:-1] + v[1:]) / 2, [v[-1] + 1]])

    def balanced(c):
        pos, neg = labels, ~labels
        return 0.5 * ((values[pos] > c).mean() + (values[neg] <= c).mean())

    scores = np.array([balanced(c) for c in cuts])
    best = np.flatnonzero(scores == scores.max())
    return float(np.median(cuts[best]))


def leave_one_out(values: list[float], labels: list[bool]) -> dict:
    """Each clip classified by the cut chosen on all the others (:func:`best_cut`)."""
    v, lab = np.asarray(values, float), np.asarray(labels, bool)
    pred = np.array([v[i] > best_cut(np.delete(v, i), np.delete(lab, i)) for i in range(len(v))])
    tp, fn = int((pred & lab).sum()), int((~pred & lab).sum())
    tn, fp = int((~pred & ~lab).sum()), int((pred & ~lab).sum())
    return {"tp": tp, "fn": fn, "tn": tn, "fp": fp, "sensitivity": round(tp / max(tp + fn, 1), 3),
            "specificity": round(tn / max(tn + fp, 1), 3), "cut_all": round(best_cut(v, lab), 1)}


def estimates_compared(rows: list[dict]) -> dict:
    """The three ways of reading the back (bench/spine.py), each fitted on the rendered reps without a barbell
    (bench/data/spine_reps.json), on the labelled clips: AUC and leave-one-clip-out agreement."""
    from bench import spine as bench_spine
    from screening.signals import quiet

    reps = json.loads(bench_spine.TABLE.read_text())
    out = {}
    scored = [r for r in rows if r["rounded"] is not None and r["features"]]
    for name, cols in bench_spine.ESTIMATES.items():
        w = bench_spine.fit(reps, cols)
        with quiet():  # a clip whose reps lack a column reads NaN, left out below
            vals = [float(np.nanmax(bench_spine.design([dict(f, bar=False) for f in r["features"]], cols) @ w))
                    for r in scored]
        ok = [i for i, x in enumerate(vals) if np.isfinite(x)]
        pos = [vals[i] for i in ok if scored[i]["rounded"]]
        neg = [vals[i] for i in ok if not scored[i]["rounded"]]
        out[name] = {"auc": auc(pos, neg), "clips": len(ok),
                     "loo": leave_one_out([vals[i] for i in ok], [scored[i]["rounded"] for i in ok]),
                     "neutral": [round(x, 1) for x in sorted(neg)], "rounded": [round(x, 1) for x in sorted(pos)]}
    return out


def agreement(rows: list[dict]) -> dict:
    """lumbar_flexion against "rounded back", over the side-view clips where the spine was read."""
    scored = [r for r in rows if r["rounded"] is not None and r["measured"]]
    pos = [r for r in scored if r["rounded"]]
    neg = [r for r in scored if not r["rounded"]]
    tp = sum(r["lumbar_flexion"] for r in pos)
    tn = sum(not r["lumbar_flexion"] for r in neg)
    verdicts = {lab: {str(v): sum(1 for r in rows if r["rounded"] is lab and r["verdict"] == v) for v in VERDICTS}
                for lab in (True, False, None)}
    named = [r for r in rows if r["named"]]
    return {"clips": len(rows), "scored": len(scored), "tp": tp, "fn": len(pos) - tp, "tn": tn, "fp": len(neg) - tn,
            "sensitivity": round(tp / len(pos), 3) if pos else None,
            "specificity": round(tn / len(neg), 3) if neg else None,
            "ranking_auc": auc([peak(r) for r in pos], [peak(r) for r in neg]),
            "loo": leave_one_out([peak(r) for r in scored], [r["rounded"] for r in scored]) if scored else None,
            "rounded_read": sorted(peak(r) for r in pos), "neutral_read": sorted(peak(r) for r in neg),
            "not_measured": sorted(r["clip"] for r in rows if not r["measured"]),
            "front_or_oblique_not_measured": sorted(r["clip"] for r in rows if not r["measured"] and r["view"] != "side"),
            "verdicts": verdicts,
            "named_faults": {r["clip"]: {c: (c in r["faults"] and r["faults"][c]["counted"]) for c in r["named"]}
                             for r in named}}


def markdown(rows: list[dict], agree: dict, compared: dict) -> str:
    def faults(r):
        out = []
        for code, f in r["faults"].items():
            out.append(code if f["counted"] else f"{code} ({f['why']}, not counted)")
        return ", ".join(out) or "none"

    a = agree
    lines = ["# The tool on labelled real deadlifts", "",
             "Generated by `python bench/real.py`: every clip of ../shared/videos with a label from its source "
             "(MANIFEST.md), analysed as a hinge. Labels are one person's judgement, not measurement.", "",
             "| clip | source's label | view (shoulders, hips) | reps | spinal flexion per rep (deg) | faults | verdict |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        spine = ", ".join("-" if v is None else f"{v:.0f}" for v in r["spinal_flexion_deg"]) or "-"
        lines.append(f"| {r['clip']} | {r['label']} | {r['view']} ({r['spread']}, {r['hip_spread']}) | {r['reps']} | "
                     f"{spine} | {faults(r)} | {r['verdict'] or 'none'} |")
    lines += ["", "## Rounded back (lumbar_flexion, as the tool counts it toward the verdict)", "",
              f"On the {a['scored']} side-view clips with a spine label where the spine was read:", "",
              "| | told rounded | not told rounded |", "|---|---|---|",
              f"| rounded (source) | {a['tp']} | {a['fn']} |", f"| neutral (source) | {a['fp']} | {a['tn']} |", "",
              f"Sensitivity {a['sensitivity']}, specificity {a['specificity']}. The reading alone orders the backs "
              f"with AUC {a['ranking_auc']}: rounded backs read {[round(x) for x in a['rounded_read']]} deg, neutral "
              f"ones {[round(x) for x in a['neutral_read']]} deg.", ""]
    if a["loo"]:
        from screening.spine import UNCERTAINTY_AVERAGE_BACK

        lines += [f"Leave-one-clip-out (the cut chosen on the other clips, then applied to the one left out): "
                  f"sensitivity {a['loo']['sensitivity']}, specificity {a['loo']['specificity']} (the cut on all "
                  f"clips: {a['loo']['cut_all']} deg).", "",
                  "Every one of these lifters held a barbell, whose plates hid their own upright lower back: their "
                  "backs are read against the average back (±"
                  f"{UNCERTAINTY_AVERAGE_BACK:g} deg), and the threshold for such a reading in thresholds.toml "
                  "(lumbar_flexion average_back_minor and _major) is the cut less that uncertainty, "
                  f"{a['loo']['cut_all'] - UNCERTAINTY_AVERAGE_BACK:.1f} deg: a reading past the cut is a rounded back "
                  "beyond doubt; one within the uncertainty under it is said as possible, not counted.", ""]
    lines += ["## Three ways of reading the back, on these clips", "",
              "Each fitted on the rendered population without a barbell (bench/spine.py); the peak reading per clip.", "",
              "| estimate | clips | AUC | leave-one-clip-out sensitivity | specificity | neutral read | rounded read |",
              "|---|---|---|---|---|---|---|"]
    for name, c in compared.items():
        lines.append(f"| {name} | {c['clips']} | {c['auc']} | {c['loo']['sensitivity']} | {c['loo']['specificity']} | "
                     f"{c['neutral']} | {c['rounded']} |")
    v = a["verdicts"]
    lines += ["", "## The verdict against the label", "",
              "| source's label | " + " | ".join(str(x or "no verdict") for x in VERDICTS) + " |",
              "|---|" + "---|" * len(VERDICTS)]
    for lab, words in ((False, "correct"), (True, "rounded back"), (None, "no spine label")):
        lines.append(f"| {words} | " + " | ".join(str(v[lab][str(x)]) for x in VERDICTS) + " |")
    lines += ["", "## Other faults the sources name", ""]
    for clip, named in a["named_faults"].items():
        lines.append(f"- {clip}: " + ", ".join(f"{c} {'found' if ok else 'not found'}" for c, ok in named.items()))
    lines += ["", f"- Spine not measured: {', '.join(a['not_measured']) or 'none'} (of which filmed from the front or "
              f"at an angle: {', '.join(a['front_or_oblique_not_measured']) or 'none'})."]
    return "\n".join(lines) + "\n"


def run(names: list[str] | None = None) -> tuple[list[dict], dict, dict]:
    from bench.accuracy import in_processes

    names = [n for n in (names or LABELS) if (VIDEOS / f"{n}.mp4").exists()]
    rows = in_processes(analyse, names)
    return rows, agreement(rows), estimates_compared(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true")
    p.add_argument("--md", default=str(ROOT / "bench" / "real.md"))
    args = p.parse_args()
    rows, agree, compared = run()
    md = markdown(rows, agree, compared)
    Path(args.md).write_text(md)
    print(md)
    if args.json:
        print(json.dumps({"agreement": agree, "estimates": compared}))


if __name__ == "__main__":
    main()
