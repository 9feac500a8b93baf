"""The spinal flexion estimate on rendered bodies it was not fitted on (issue 24: a population, whole bodies held
out), and the choice between reading the back as it is and reading it against the person's own upright back.

    python bench/spine.py            # measure every rendered hinge, fit, cross-validate; bench/spine.md
    python bench/spine.py --json     # ... and, as the last line, the numbers as one JSON object
    python bench/spine.py --table    # ... and rewrite bench/data/spine_reps.json (the per-rep features)

The clips: sample_videos/population/ (192 side-view hinges on 64 bodies drawn with a wide spread of sex, age,
muscle, weight, height and proportions; spinal flexion 0-45 deg shared over the spine's bones evenly, low, high
or over all five from spine05; cameras 2.5-4 m away at 0.8-1.3 m, up to 15 deg off the side, portrait and
landscape; arms hanging, a barbell or a kettlebell in front; shoulders rounded, a loose shirt), the spine set
(sample_videos/spine/, 8 more bodies) and the main corpus's side-view hinges.

Each clip goes through the tool (MediaPipe, cleaning, kinematics, the hinge's reps); at each rep's bottom (the
frames within 90% of its peak lean, as screening.hinge reads it) the back's lumbar and thoracic bends
(screening.spine), the same two bends of the person's own upright back (the set's standing frames, or its most
upright ones), the hip flexion change, and the truth. Three estimates are compared, each a least-squares map to
degrees, scored by 8-fold cross-validation over whole bodies (a body's clips are never in its own fit):

- **as it is**: the bottom's bends alone (what the tool shipped before issue 24);
- **change from upright**: the bottom's bends minus the upright back's;
- **against the person's own back** (shipped): both, each with its own weight: the upright back says how this
  person's outline reads when the spine is neutral (glutes, back muscles, clothing), which the bends at the
  bottom alone cannot tell from a bend.

Clips with a barbell are scored, not fitted: its plates cover the lower back at the bottom of a shallow hinge
and at the lockout of every lift (bench/spine.md shows how those read). The held-out error of the shipped
estimate is the measure's uncertainty in screening/registry.py; which estimate carries the verdict on real
people is decided on the labelled real clips as well (bench/real.py).
"""
from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))
from bench import publish  # noqa: E402
SETS = (ROOT / "sample_videos" / "population", ROOT / "sample_videos" / "spine")
MAIN = ROOT / "sample_videos"
TABLE = ROOT / "bench" / "data" / "spine_reps.json"
LEVELS = (0, 10, 20, 30, 40)  # bias reported per level: truth within +-5 deg of each
FOLDS = 8
#: the estimates compared: name -> the columns of a rep's features they read
ESTIMATES = {
    "as it is": ("lumbar", "thoracic", "hip", "one"),
    "change from upright": ("d_lumbar", "d_thoracic", "hip", "one"),
    "against the person's own back": ("lumbar", "thoracic", "lumbar_ref", "thoracic_ref", "hip", "one"),
}
SHIPPED = "against the person's own back"


def clips() -> list[dict]:
    """Every rendered side-view hinge with its truth: the population, the spine set, the main corpus's."""
    rows = []
    for d in SETS:
        for c in json.loads((d / "corpus.json").read_text()):
            rows.append(dict(clip=c["clip"], body=c["body"], path=d / f"{c['clip']}.mp4",
                             truth=d / f"{c['clip']}.truth.json", bar=bool(c.get("bar") or c.get("load") == "bar"),
                             loose=bool(c.get("loose")), protract=bool(c.get("protract"))))
    for c in json.loads((MAIN / "corpus.json").read_text()):
        if c["pattern"] == "hinge" and c["view"] == "side":
            rows.append(dict(clip=c["clip"], body="preset", path=MAIN / f"{c['clip']}.mp4",
                             truth=MAIN / f"{c['clip']}.truth.json", bar=False, loose=False, protract=False))
    return rows


def fold_of(body: str) -> int:
    """A body's cross-validation fold (stable: a hash of its name)."""
    return zlib.crc32(body.encode()) % FOLDS


def measure(clip: dict) -> list[dict]:
    """The tool on one clip (hinge, nothing written): each truth rep paired with the tool's rep whose bottom is
    nearest, and that rep's features at its bottom (see the module's docstring)."""
    from screening import analyze
    from screening.hinge import bottom_frames, trunk_change
    from screening.signals import nanmedian
    from screening.spine import load_over_hips, reference_window, spine_shape

    from bench.accuracy import pair_frames

    screen = analyze(clip["path"], pattern="hinge", keep_frames=False)
    m = screen.measured
    kin, cs = m.kinematics, m.clean
    t = kin.time_s
    shape = spine_shape(cs.outline, cs.view.facing_sign, t)
    trunk = trunk_change(kin)
    hip = kin.change("hip_flexion_deg")
    ref = reference_window(t, trunk, kin.baseline_window_s)
    load = load_over_hips(cs.outline, cs.view.facing_sign, ref)
    truth = json.loads(Path(clip["truth"]).read_text())
    tt = np.asarray(truth["frames"]["time_s"])
    mi, ti = pair_frames(t, tt, truth["fps"])
    y = np.full(len(t), np.nan)
    y[mi] = np.asarray(truth["frames"]["angles"]["spinal_flexion_deg"], float)[ti]
    fp = truth["fault_params"]
    out = []
    for rep_t in truth["reps"]:
        got = sorted([r for r in screen.reps if rep_t["start_s"] - 0.3 <= r.bottom_s <= rep_t["end_s"] + 0.3],
                     key=lambda r: abs(r.bottom_s - rep_t["bottom_s"]))
        row = dict(clip=clip["clip"], body=clip["body"], bar=clip["bar"], load_over_hips=load,
                   kettlebell=bool(fp.get("kettlebell")), from_floor=bool(fp.get("from_floor")),
                   loose=clip["loose"], protract=clip["protract"], spine_w=fp.get("spine_w"),
                   off_side=round(abs(abs(truth["camera"]["azimuth_deg"]) - 90), 1), portrait=bool(truth["portrait"]),
                   truth=None, read=False)
        j = int(np.argmin(np.abs(tt - rep_t["bottom_s"])))
        row["truth"] = round(float(truth["frames"]["angles"]["spinal_flexion_deg"][j]), 2)
        if got:
            a, _, b = got[0].frames
            bottom = bottom_frames(trunk, slice(a, b + 1))
            vals = dict(lumbar=nanmedian(shape.lumbar_bend_deg[bottom]), thoracic=nanmedian(shape.thoracic_bend_deg[bottom]),
                        lumbar_ref=nanmedian(shape.lumbar_bend_deg[ref]), thoracic_ref=nanmedian(shape.thoracic_bend_deg[ref]),
                        hip=nanmedian(hip[bottom]), trunk=nanmedian(trunk[bottom]),
                        truth_bottom=nanmedian(y[bottom]))
            row.update({k: (None if not np.isfinite(v) else round(float(v), 3)) for k, v in vals.items()})
            row["shipped"] = got[0].metrics.get("spinal_flexion_deg")
            lead = got[0].metrics.get("spine_lead_s")
            row["spine_lead_s"] = None if lead is None or not np.isfinite(lead) else round(float(lead), 3)
            row["spine_lead_truth_s"] = float(fp.get("spine_lead_s", 0.0))
            row["read"] = all(row[k] is not None for k in ("lumbar", "thoracic", "lumbar_ref", "thoracic_ref", "hip"))
        out.append(row)
    return out


def measure_all(rows: list[dict]) -> list[dict]:
    """:func:`measure` on every clip, two at a time in spawned processes."""
    from bench.accuracy import in_processes

    return [r for reps in in_processes(measure, rows) for r in reps]


def design(reps: list[dict], columns: tuple[str, ...]) -> np.ndarray:
    """The rows' features as a matrix (hip flexion change floored at 0; ``one`` the intercept; ``d_*`` the
    bottom's bend minus the upright back's)."""
    def col(r, c):
        if c == "one":
            return 1.0
        if c == "hip":
            return max(r["hip"], 0.0) if r.get("hip") is not None else np.nan
        if c.startswith("d_"):
            a, b = r.get(c[2:]), r.get(c[2:] + "_ref")
            return np.nan if a is None or b is None else a - b
        v = r.get(c)
        return np.nan if v is None else float(v)

    return np.array([[col(r, c) for c in columns] for r in reps], float)


def truth_of(reps: list[dict]) -> np.ndarray:
    return np.array([r["truth_bottom"] if r.get("truth_bottom") is not None else np.nan for r in reps], float)


def fit(reps: list[dict], columns: tuple[str, ...]) -> np.ndarray:
    """Least squares of the truth at the bottom on ``columns``, over the reps read without a barbell, then
    calibrated so that the reading means the same at every level of flexion: least squares alone pulls every
    reading toward the average (held out it read 0 deg as +4.4 and 30 as -4.0), which would put a 30-deg back
    under a 20-deg threshold's doubt; the reading ``p`` is mapped to (p - a) / b where p = a + b x truth on the
    fitting reps (a rescaling of the same weights)."""
    X, y = design(reps, columns), truth_of(reps)
    ok = np.isfinite(X).all(1) & np.isfinite(y) & ~np.array([r["bar"] for r in reps])
    w = np.linalg.lstsq(X[ok], y[ok], rcond=None)[0]
    b, a = np.polyfit(y[ok], X[ok] @ w, 1)
    w = w / b
    w[list(columns).index("one")] -= a / b
    return w


def reference_default(reps: list[dict]) -> tuple[float, float]:
    """The average upright back (lumbar, thoracic bend) of the reps without a barbell: what stands in where a
    clip's own is hidden (screening.spine.REFERENCE_DEFAULT)."""
    clean = [r for r in reps if r["read"] and not r["bar"]]
    return (float(np.mean([r["lumbar_ref"] for r in clean])), float(np.mean([r["thoracic_ref"] for r in clean])))


def as_shipped(reps: list[dict]) -> list[dict]:
    """The reps as the tool reads them: where a load covered the hips while standing (or no upright outline
    was read), the average back in place of the person's (screening.spine.person_reference)."""
    lum, tho = reference_default(reps)
    return [dict(r, lumbar_ref=lum, thoracic_ref=tho) if r.get("load_over_hips") or r.get("lumbar_ref") is None else r
            for r in reps]


def cross_validated(reps: list[dict], columns: tuple[str, ...], shipped: bool = False) -> np.ndarray:
    """Each rep's estimate from a fit that left its body's whole fold out (:func:`fold_of`); ``shipped``: read
    as the tool reads it (:func:`as_shipped`, the average back from the fitting folds)."""
    folds = np.array([fold_of(r["body"]) for r in reps])
    pred = np.full(len(reps), np.nan)
    for k in range(FOLDS):
        held = folds == k
        train = [r for r, h in zip(reps, held) if not h]
        w = fit(train, columns)
        test = [r for r, h in zip(reps, held) if h]
        if shipped:
            lum, tho = reference_default(train)
            test = [dict(r, lumbar_ref=lum, thoracic_ref=tho) if r.get("load_over_hips") or r.get("lumbar_ref") is None
                    else r for r in test]
        pred[held] = design(test, columns) @ w
    return pred


def condition(r: dict) -> list[str]:
    tags = ["barbell" if r["bar"] else "kettlebell" if r["kettlebell"] else "arms hanging"]
    if r["protract"]:
        tags.append("shoulders rounded")
    if r["loose"]:
        tags.append("loose shirt")
    if r["from_floor"]:
        tags.append("from the floor")
    if r["off_side"] > 7.5:
        tags.append("camera 7.5-15 deg off the side")
    tags.append("portrait" if r["portrait"] else "landscape")
    w = r.get("spine_w")
    if w:
        tags.append("bend over all five bones" if len(w) == 5 else
                    {0.25: "bend spread evenly", 0.45: "bend low", 0.08: "bend high"}.get(w[0], "bend as main corpus"))
    return tags


def summarise(pred: np.ndarray, reps: list[dict], sel: np.ndarray | None = None) -> dict:
    y = truth_of(reps)
    sel = np.ones(len(reps), bool) if sel is None else sel
    ok = sel & np.isfinite(pred) & np.isfinite(y)
    e = pred[ok] - y[ok]
    out = {"reps": int(sel.sum()), "read": int(ok.sum()),
           "mae": round(float(np.mean(np.abs(e))), 2) if len(e) else None,
           "rmse": round(float(np.sqrt(np.mean(e ** 2))), 2) if len(e) else None,
           "bias": round(float(np.mean(e)), 2) if len(e) else None, "levels": {}, "conditions": {}}
    for lv in LEVELS:
        m = ok & (np.abs(y - lv) <= 5)
        if m.any():
            el = pred[m] - y[m]
            out["levels"][lv] = {"n": int(m.sum()), "bias": round(float(el.mean()), 1), "mae": round(float(np.abs(el).mean()), 1)}
    for tag in sorted({t for r in reps for t in condition(r)}):
        m = ok & np.array([tag in condition(r) for r in reps])
        if m.any():
            el = pred[m] - y[m]
            out["conditions"][tag] = {"n": int(m.sum()), "mae": round(float(np.abs(el).mean()), 1),
                                      "bias": round(float(el.mean()), 1)}
    return out


def evaluate(reps: list[dict]) -> dict:
    """Every estimate cross-validated over bodies, without and with a barbell; the shipped one's fit on all."""
    bar = np.array([r["bar"] for r in reps])
    out = {"estimates": {}}
    load = np.array([bool(r.get("load_over_hips")) for r in reps])
    for name, cols in ESTIMATES.items():
        pred = cross_validated(reps, cols)
        out["estimates"][name] = {"columns": list(cols), "without_bar": summarise(pred, reps, ~bar),
                                  "with_bar": summarise(pred, reps, bar)}
    pred = cross_validated(reps, ESTIMATES[SHIPPED], shipped=True)
    out["shipped"] = {"own_back": summarise(pred, reps, ~load), "average_back": summarise(pred, reps, load),
                      "without_bar": summarise(pred, reps, ~bar), "with_bar": summarise(pred, reps, bar),
                      "load_flagged": {"with_bar": round(float(load[bar].mean()), 3) if bar.any() else None,
                                       "without_bar": round(float(load[~bar].mean()), 3)}}
    out["per_rep"] = [{"clip": r["clip"], "truth": r.get("truth_bottom"),
                       "estimate": None if not np.isfinite(p) else round(float(p), 1)} for r, p in zip(reps, pred)]
    out["coef"] = [round(float(c), 4) for c in fit(reps, ESTIMATES[SHIPPED])]
    lead = [abs(r["spine_lead_s"] - r["spine_lead_truth_s"]) for r in reps if r.get("spine_lead_s") is not None]
    out["spine_lead"] = {"n": len(lead), "mae_s": round(float(np.mean(lead)), 3) if lead else None,
                         "p90_s": round(float(np.percentile(lead, 90)), 3) if lead else None}
    out["reference_default"] = [round(x, 2) for x in reference_default(reps)]
    out["bodies"] = len({r["body"] for r in reps})
    out["reps"] = len(reps)
    return out


def run(table: bool = False) -> dict:
    reps = measure_all(clips())
    if table:
        TABLE.parent.mkdir(exist_ok=True)
        TABLE.write_text(json.dumps(reps, indent=0) + "\n")
    return evaluate(reps)


def markdown(r: dict) -> str:
    c = r["coef"]
    names = ESTIMATES[SHIPPED]
    terms = " + ".join(f"{w} x {n.replace('_ref', ' (upright)').replace('_', ' ')}" for w, n in zip(c, names) if n != "one")
    lines = ["# Spinal flexion on rendered bodies the estimate was not fitted on", "",
             "Generated by `python bench/spine.py` (see its docstring): "
             f"{r['reps']} rendered reps of {r['bodies']} bodies, scored by {FOLDS}-fold cross-validation over whole "
             "bodies (a body's reps are never in its own fit). Degrees of spinal flexion at the rep's bottom.", "",
             f"Shipped (screening.spine.COEF, fitted on every rep without a barbell): spinal flexion = {terms} + {c[-1]} deg.",
             "", "## Three ways to read the back", "",
             "| estimate | reps read | MAE (deg) | RMSE (deg) | bias (deg) | bias at 0 / 10 / 20 / 30 / 40 deg | with a barbell: MAE |",
             "|---|---|---|---|---|---|---|"]
    for name, e in r["estimates"].items():
        w, b = e["without_bar"], e["with_bar"]
        lv = " / ".join(f"{e['without_bar']['levels'].get(l, {}).get('bias', '-')}" for l in LEVELS)
        lines.append(f"| {name}{' (shipped)' if name == SHIPPED else ''} | {w['read']} | {w['mae']} | {w['rmse']} | "
                     f"{w['bias']} | {lv} | {b['mae']} ({b['read']} reps) |")
    sh = r["shipped"]
    lines += ["", "## As the tool reads it", "",
              "Where a load in front of the hips widened the standing silhouette (a barbell's plates: flagged in "
              f"{sh['load_flagged']['with_bar']:.0%} of the barbell clips, {sh['load_flagged']['without_bar']:.0%} of the "
              "others), the person's own upright back is not seen and the average back stands in "
              f"(screening.spine.REFERENCE_DEFAULT = {r['reference_default']}); the measure's uncertainty is then "
              "the second row's error.", "",
              "| read against | reps read | MAE (deg) | RMSE (deg) | bias (deg) | bias at 0 / 10 / 20 / 30 / 40 deg |",
              "|---|---|---|---|---|---|"]
    for name, key in (("the person's own back", "own_back"), ("the average back (a load over the hips)", "average_back")):
        v = sh[key]
        lv = " / ".join(f"{v['levels'].get(l, {}).get('bias', '-')}" for l in LEVELS)
        lines.append(f"| {name} | {v['read']} | {v['mae']} | {v['rmse']} | {v['bias']} | {lv} |")
    lines += ["", "### By condition, read against the person's own back (a rep can carry several)", "",
              "| condition | reps | MAE (deg) | bias (deg) |", "|---|---|---|---|"]
    for tag, v in sh["own_back"]["conditions"].items():
        lines.append(f"| {tag} | {v['n']} | {v['mae']} | {v['bias']} |")
    lines += ["", "### With a barbell (scored, not fitted)", "", "| condition | reps | MAE (deg) | bias (deg) |",
              "|---|---|---|---|"]
    for tag, v in sh["with_bar"]["conditions"].items():
        lines.append(f"| {tag} | {v['n']} | {v['mae']} | {v['bias']} |")
    sl = r["spine_lead"]
    lines += ["", f"Spine-first timing (spine_lead_s) on the same reps, where the tool reads it ({sl['n']} reps; the "
              f"rendered spine and hips start together, save one clip rendered spine-first by 0.45 s): mean absolute "
              f"error {sl['mae_s']} s, 90th percentile {sl['p90_s']} s: the timing's uncertainty in screening/registry.py."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--table", action="store_true", help="rewrite bench/data/spine_reps.json")
    a = ap.parse_args(argv)
    r = run(table=a.table)
    return publish("spine", markdown(r), r, a.json, "per_rep")


if __name__ == "__main__":
    sys.exit(main())
