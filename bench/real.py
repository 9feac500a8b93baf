"""The tool on every labelled real clip in ../shared/videos, against its source's labels.

    python bench/real.py            # the table, and bench/real.md
    python bench/real.py --json     # ... and, as the last line, the agreement as one JSON object

The labels are the clips' sources' own (../shared/videos/MANIFEST.md): one person's judgement, not
measurement. The deadlifts of BichraiX/AI-Deadlift-Analysis are labelled phase by phase; "rounded lower
back" in any phase is the label `lumbar_flexion` should agree with, and a clip called correct in every
phase should get no spine fault. A clip filmed from the front or at an angle should be reported as not
measurable for the spine, not guessed. Each row: the clip, its label, the view read, the reps, the spinal
flexion read per rep, the faults and the verdict; then the agreement.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))
VIDEOS = ROOT.parent / "shared" / "videos"

#: clip -> (the source's label in short, the spine's truth by that label: True rounded lower back, False
#: neutral, None no spine label). MANIFEST.md's words.
LABELS = {
    "bichraix_deadlift_bad005": ("rounded lower back (ascending, descending)", True),
    "bichraix_deadlift_bad011": ("rounded lower back (ascending)", True),
    "bichraix_deadlift_bad014": ("rounded lower back (ascending)", True),
    "bichraix_deadlift_bad010": ("hips too low (setup); no spine label", None),
    "bichraix_deadlift_good001": ("correct in every phase (filmed front-oblique)", False),
    "bichraix_deadlift_good004": ("correct (neutral)", False),
    "bichraix_deadlift_good006": ("correct: ascending, lockout, setup", False),
    "bichraix_deadlift_good008": ("good overall", False),
    "bichraix_deadlift_good009": ("good overall", False),
    "bichraix_deadlift_good014": ("correct: ascending, descending, lockout", False),
    "bichraix_deadlift_good016": ("correct in every phase", False),
    "bichraix_deadlift_good018": ("correct in every phase", False),
    "jeffchen_good": ("good (source's folder)", False),
    "jeffchen_bad": ("bad (source's folder), unexplained", None),
}


def analyse(name: str) -> dict:
    from screening import analyze

    screen = analyze(VIDEOS / f"{name}.mp4", pattern="hinge", keep_frames=False)
    spine = [r.metrics.get("spinal_flexion_deg") for r in screen.reps]
    faults = sorted({f.code for r in screen.reps for f in r.faults})
    certain = sorted({f.code for r in screen.reps for f in r.faults if not f.possible})
    spine_faults = [f for r in screen.reps for f in r.faults if f.code == "lumbar_flexion" and not f.possible]
    severity = "major" if any(f.severity == "major" for f in spine_faults) else ("minor" if spine_faults else None)
    return {"clip": name, "label": LABELS[name][0], "rounded": LABELS[name][1], "view": screen.view.kind,
            "spread": round(screen.view.shoulder_spread_ratio or 0, 2), "reps": len(screen.reps),
            "spinal_flexion_deg": [None if v is None or v != v else round(v, 1) for v in spine],
            "lumbar_flexion": "lumbar_flexion" in faults, "lumbar_flexion_certain": "lumbar_flexion" in certain,
            "spine_severity": severity,
            "faults": [c if c in certain else f"{c} (possible)" for c in faults], "verdict": screen.verdict,
            "measurable": bool(screen.reps) and screen.view.kind == "side"
                          and any(v is not None and v == v for v in spine)}


def agreement(rows: list[dict]) -> dict:
    """lumbar_flexion against "rounded lower back", over the side-view clips where the spine was measured."""
    scored = [r for r in rows if r["rounded"] is not None and r["measurable"]]
    pos = [r for r in scored if r["rounded"]]
    neg = [r for r in scored if not r["rounded"]]
    tp = sum(r["lumbar_flexion"] for r in pos)
    tn = sum(not r["lumbar_flexion"] for r in neg)
    tp_c = sum(r["lumbar_flexion_certain"] for r in pos)
    tn_c = sum(not r["lumbar_flexion_certain"] for r in neg)

    def peak(r):
        return max(v for v in r["spinal_flexion_deg"] if v is not None)

    # how well the reading alone orders the backs: the share of (rounded, neutral) pairs read in that order
    pairs = [(peak(a), peak(b)) for a in pos for b in neg]
    auc = round(sum((x > y) + 0.5 * (x == y) for x, y in pairs) / len(pairs), 3) if pairs else None
    return {"clips": len(rows), "scored": len(scored), "sensitivity": round(tp / len(pos), 3) if pos else None,
            "specificity": round(tn / len(neg), 3) if neg else None, "tp": tp, "fn": len(pos) - tp, "tn": tn,
            "sensitivity_certain": round(tp_c / len(pos), 3) if pos else None,
            "specificity_certain": round(tn_c / len(neg), 3) if neg else None, "ranking_auc": auc,
            "rounded_read": sorted(peak(r) for r in pos), "neutral_read": sorted(peak(r) for r in neg),
            "fp": len(neg) - tn, "good_with_spine_fault": sorted(r["clip"] for r in neg if r["lumbar_flexion"]),
            "not_measured": sorted(r["clip"] for r in rows if not r["measurable"]),
            "head_out_of_line": sum("head_out_of_line" in r["faults"] for r in rows),
            "progress": sorted(r["clip"] for r in rows if r["verdict"] == "progress")}


def markdown(rows: list[dict], agree: dict) -> str:
    lines = ["# The tool on labelled real clips", "",
             "Generated by `python bench/real.py`: every clip of ../shared/videos with a label from its source "
             "(MANIFEST.md), analysed as a hinge. Labels are one person's judgement, not measurement.", "",
             "| clip | source's label | view (spread) | reps | spinal flexion per rep (deg) | faults | verdict |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        spine = ", ".join("-" if v is None else f"{v:.0f}" for v in r["spinal_flexion_deg"]) or "-"
        lines.append(f"| {r['clip']} | {r['label']} | {r['view']} ({r['spread']}) | {r['reps']} | {spine} | "
                     f"{', '.join(r['faults']) or 'none'} | {r['verdict'] or 'none'} |")
    a = agree
    lines += ["", "## Agreement", "",
              f"`lumbar_flexion` against \"rounded lower back\", on the {a['scored']} side-view clips with a spine "
              f"label where the spine was measured: sensitivity {a['sensitivity']}, specificity {a['specificity']} "
              f"(tp {a['tp']}, fn {a['fn']}, tn {a['tn']}, fp {a['fp']}), counting a possible fault as a fault; "
              f"counting only the faults said without doubt: sensitivity {a['sensitivity_certain']}, specificity "
              f"{a['specificity_certain']}.", "",
              f"The reading alone, peak spinal flexion per clip: rounded backs read {a['rounded_read']} deg, "
              f"neutral ones {a['neutral_read']} deg; the share of (rounded, neutral) pairs read in that order "
              f"(AUC) is {a['ranking_auc']}.", "",
              f"- Clips the source calls good that get a spine fault: {', '.join(a['good_with_spine_fault']) or 'none'}.",
              f"- Spine not measured (not a side view, or no rep): {', '.join(a['not_measured']) or 'none'}.",
              f"- `head_out_of_line` fired on {a['head_out_of_line']} of {a['clips']} clips.",
              f"- Told to progress: {', '.join(a['progress']) or 'none'}.", ""]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true")
    p.add_argument("--md", default=str(ROOT / "bench" / "real.md"))
    args = p.parse_args()
    rows = [analyse(n) for n in LABELS if (VIDEOS / f"{n}.mp4").exists()]
    agree = agreement(rows)
    md = markdown(rows, agree)
    Path(args.md).write_text(md)
    print(md)
    if args.json:
        print(json.dumps(agree))


if __name__ == "__main__":
    main()
