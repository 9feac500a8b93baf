"""The hinge faults coaches name that the landmarks alone missed, on rendered lifts with exact truth (issue 24).

    python bench/faults.py           # the table, and bench/faults.md
    python bench/faults.py --json    # ... and, as the last line, the numbers as one JSON object

sample_videos/faults/ (tools/render/make_corpus.py --set faults): on 8 bodies drawn at random,

- hips rising first: barbell deadlifts from the floor whose hips hold their bend for 0, 0.15, 0.3 or 0.45 s of
  the way up while the knees straighten (the back angle goes more horizontal);
- a squatted hinge with the shins hidden: barbell hinges from standing whose plates hide the shins at the
  bottom, knees from a soft 10 deg to a squat's 75 deg against hips at 60-90 deg.

Each truth rep carries ``hips_rise_deg`` and ``knee_hip_ratio`` as the tool defines them (screening.hinge), from
the true joints. Per rep: the tool's reading against that truth (its mean absolute error is the measure's
uncertainty in screening/registry.py and screening/hinge.py), and whether the fault was said where the truth
passes the threshold (sensitivity) and not said where it does not (specificity); reps within the measure's
error of the threshold are too close to call and left out of those two.
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
from bench import publish  # noqa: E402
SET = ROOT / "sample_videos" / "faults"
#: fault code -> the measure it reads and the truth key of a rep
MEASURES = {"hips_rise_first": "hips_rise_deg", "squatted_hinge": "knee_hip_ratio"}


def measure(clip: str) -> list[dict]:
    """The tool on one rendered clip: each truth rep paired with the tool's rep whose bottom is nearest."""
    from screening import analyze
    from screening.errors import ScreeningError

    try:
        screen = analyze(SET / f"{clip}.mp4", pattern="hinge", keep_frames=False)
    except ScreeningError as exc:
        print(f"{clip}: {exc.message}", file=sys.stderr)
        return []
    truth = json.loads((SET / f"{clip}.truth.json").read_text())
    out = []
    for rt in truth["reps"]:
        got = sorted([r for r in screen.reps if rt["start_s"] - 0.3 <= r.bottom_s <= rt["end_s"] + 0.3],
                     key=lambda r: abs(r.bottom_s - rt["bottom_s"]))
        row = {"clip": clip, "found": bool(got)}
        for code, name in MEASURES.items():
            row[name] = rt.get(name)
            v = got[0].metrics.get(name) if got else None
            row[name + "_read"] = None if v is None or not math.isfinite(v) else round(float(v), 3)
            row[code + "_said"] = bool(got) and any(f.code == code and not f.possible for f in got[0].faults)
        row["hidden"] = bool(got) and any(n.code in ("shins_hidden", "shins_hidden_estimated") for n in got[0].notes)
        row["from_floor"] = bool(truth["fault_params"].get("from_floor"))
        out.append(row)
    return out


def run() -> dict:
    from bench.accuracy import in_processes
    from screening.config import load_thresholds
    from screening.hinge import KNEE_HIP_HIDDEN_UNCERTAINTY
    from screening.registry import metric

    clips = [c["clip"] for c in json.loads((SET / "corpus.json").read_text())]
    rows = [r for reps in in_processes(measure, clips) for r in reps]
    th = load_thresholds()["hinge"]
    out = {"reps": len(rows), "found": sum(r["found"] for r in rows), "measures": {}, "rows": rows}
    for code, name in MEASURES.items():
        pairs = [(r[name + "_read"], r[name]) for r in rows if r[name] is not None and r[name + "_read"] is not None]
        e = np.array([a - b for a, b in pairs])
        u = KNEE_HIP_HIDDEN_UNCERTAINTY if code == "squatted_hinge" else metric(name, "hinge").uncertainty
        # a rep whose truth has no value for the measure (the hips barely lowered: no lift off the floor) has no
        # such fault: it counts among those under the threshold
        scored = [dict(r, **{name: r[name] if r[name] is not None else 0.0}) for r in rows]
        res = {"n": len(pairs), "of": len(scored), "mae": round(float(np.abs(e).mean()), 3) if len(e) else None,
               "bias": round(float(e.mean()), 3) if len(e) else None, "uncertainty": u}
        hidden = [abs(r[name + "_read"] - r[name]) for r in rows
                  if r["hidden"] and r[name] is not None and r[name + "_read"] is not None]
        res["mae_shins_hidden"] = round(float(np.mean(hidden)), 3) if hidden else None
        res["n_shins_hidden"] = len(hidden)
        for kind in ("from the floor", "from standing"):
            sub = [r for r in scored if r["from_floor"] == (kind == "from the floor")]
            if not sub:
                continue
            key = "from_floor_minor" if kind == "from the floor" and code == "squatted_hinge" else "minor"
            limit = th[code][key]
            clear = [r for r in sub if abs(r[name] - limit) > (u or 0)]
            pos = [r for r in clear if r[name] > limit]
            neg = [r for r in clear if r[name] <= limit]
            res[kind] = {"threshold": limit, "positives": len(pos), "negatives": len(neg),
                         "sensitivity": round(sum(r[code + "_said"] for r in pos) / len(pos), 3) if pos else None,
                         "specificity": round(sum(not r[code + "_said"] for r in neg) / len(neg), 3) if neg else None}
        out["measures"][code] = res
    return out


def markdown(r: dict) -> str:
    lines = ["# Hips rising first and a squatted hinge with the shins hidden, on rendered lifts", "",
             "Generated by `python bench/faults.py` (see its docstring): "
             f"{r['reps']} rendered reps, {r['found']} found by the tool.", "",
             "| fault | measure | reps read | MAE | bias | uncertainty used | lifts | threshold | sensitivity | specificity |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for code, m in r["measures"].items():
        for kind in ("from the floor", "from standing"):
            k = m.get(kind)
            if k is None:
                continue
            lines.append(f"| {code} | {MEASURES[code]} | {m['n']} of {m['of']} | {m['mae']} | {m['bias']} | "
                         f"{m['uncertainty']} | {kind} ({k['positives']} past, {k['negatives']} under) | {k['threshold']} | "
                         f"{k['sensitivity']} | {k['specificity']} |")
    sq = r["measures"]["squatted_hinge"]
    lines += ["", f"The knee/hip ratio where the plates hid the shins ({sq['n_shins_hidden']} reps: knee flexion from the "
              f"hips' place over the planted ankle): mean absolute error {sq['mae_shins_hidden']}, the uncertainty it "
              "is judged with (screening.hinge.KNEE_HIP_HIDDEN_UNCERTAINTY); where the shins were seen, each rep's "
              "uncertainty is its knee's and hip's measured errors carried through the ratio."]
    lines += ["", "Per rep:", "", "| clip | hips rise (true / read, deg) | said | knee/hip (true / read) | said | shins hidden |",
              "|---|---|---|---|---|---|"]
    for row in r["rows"]:
        def f(v, d=1):
            return "-" if v is None else f"{v:.{d}f}"
        lines.append(f"| {row['clip']} | {f(row['hips_rise_deg'])} / {f(row['hips_rise_deg_read'])} | "
                     f"{'yes' if row['hips_rise_first_said'] else 'no'} | {f(row['knee_hip_ratio'], 2)} / "
                     f"{f(row['knee_hip_ratio_read'], 2)} | {'yes' if row['squatted_hinge_said'] else 'no'} | "
                     f"{'yes' if row['hidden'] else 'no'} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    r = run()
    return publish("faults", markdown(r), r, a.json, "rows")


if __name__ == "__main__":
    sys.exit(main())
