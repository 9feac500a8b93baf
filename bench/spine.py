"""The spinal flexion estimate on bodies and bends it was not fitted on (the rendered spine set).

    python bench/spine.py            # fit on the fitting half, score the held-out half; bench/spine.md
    python bench/spine.py --json     # ... and, as the last line, the numbers as one JSON object

sample_videos/spine/ holds 40 side-view hinges (tools/render/make_corpus.py --set spine): 8 bodies drawn
at random, 5 flexion levels each (0-45 deg), the flexion shared by the spine's four bones evenly, low,
high or as in the main corpus, the hips flexed independently of it, and what changes the back's outline
without changing the spine: a barbell in the hands, shoulders rounded forward, a loose shirt, a lift from
the floor with no standing phase before it, a camera up to 15 deg off the side, a portrait phone.

The map from the back's outline to degrees (screening/spine.py) is fitted by least squares on every frame
with the trunk more than 20 deg past standing of the fitting half (bodies s0-s3, and the main corpus's
side-view hinges), and scored per rep, at the bottom, on the held-out half (bodies s4-s7): what a
clinician would read for a person the tool was not fitted on. The held-out RMSE is the measure's
uncertainty in screening/registry.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))
SET = ROOT / "sample_videos" / "spine"
MAIN = ROOT / "sample_videos"
LEVELS = (0, 10, 20, 30, 40)  # bias reported per level: truth within +-5 deg of each
_CACHE: dict[str, dict] = {}


def clips() -> list[dict]:
    """The spine set's clips, and the main corpus's side-view hinges (fitting half: bodies there are presets)."""
    rows = [dict(c, path=SET / f"{c['clip']}.mp4", truth=SET / f"{c['clip']}.truth.json")
            for c in json.loads((SET / "corpus.json").read_text())]
    for c in json.loads((MAIN / "corpus.json").read_text()):
        if c["pattern"] == "hinge" and c["view"] == "side":
            rows.append(dict(clip=c["clip"], body="preset", held_out=False, path=MAIN / f"{c['clip']}.mp4",
                             truth=MAIN / f"{c['clip']}.truth.json", spine_w=None, bar=False, protract=0.0,
                             loose=0.0, from_floor=False))
    return rows


def measure(clip: dict) -> dict:
    """The tool on one clip (hinge, nothing written): per frame, the back bend, the hip flexion change and
    the trunk's lean from standing, the truth paired to them, and the reps the tool found."""
    name = clip["clip"]
    if name in _CACHE:
        return _CACHE[name]
    from screening import analyze
    from screening.hinge import trunk_change
    from screening.spine import spine_shape

    from bench.accuracy import pair_frames

    screen = analyze(clip["path"], pattern="hinge", keep_frames=False)
    m = screen.measured
    kin = m.kinematics
    shape = spine_shape(m.clean.outline, m.clean.view.facing_sign, kin.time_s)
    truth = json.loads(Path(clip["truth"]).read_text())
    tt = np.asarray(truth["frames"]["time_s"])
    mi, ti = pair_frames(kin.time_s, tt, truth["fps"])
    y = np.full(len(kin.time_s), np.nan)
    y[mi] = np.asarray(truth["frames"]["angles"]["spinal_flexion_deg"], float)[ti]
    out = dict(clip=clip, t=kin.time_s, lumbar=shape.lumbar_bend_deg, thoracic=shape.thoracic_bend_deg,
               hip=kin.change("hip_flexion_deg"),
               trunk=trunk_change(kin), truth=y, reps=[], view=screen.view.kind)
    for rep_t in truth["reps"]:
        # the tool's rep whose bottom is nearest the truth's, within the truth rep (a lift from the floor
        # starts at its bottom: the truth's bottom is the middle of that still stretch)
        got = sorted([r for r in screen.reps if rep_t["start_s"] - 0.3 <= r.bottom_s <= rep_t["end_s"] + 0.3],
                     key=lambda r: abs(r.bottom_s - rep_t["bottom_s"]))
        j = int(np.argmin(np.abs(tt - rep_t["bottom_s"])))
        out["reps"].append(dict(truth=float(truth["frames"]["angles"]["spinal_flexion_deg"][j]),
                                frames=got[0].frames if got else None,
                                shipped=got[0].metrics.get("spinal_flexion_deg") if got else None))
    _CACHE[name] = out
    return out


def fit(measured: list[dict]) -> tuple[float, float, float, float]:
    """screening.spine.COEF by least squares on the frames leaning more than 20 deg past standing."""
    X, Y = [], []
    for m in measured:
        x = np.stack([m["lumbar"], m["thoracic"], np.maximum(m["hip"], 0), np.ones(len(m["t"]))], 1)
        sel = np.isfinite(x).all(1) & np.isfinite(m["truth"]) & (np.nan_to_num(m["trunk"]) > 20)
        X.append(x[sel])
        Y.append(m["truth"][sel])
    coef = np.linalg.lstsq(np.concatenate(X), np.concatenate(Y), rcond=None)[0]
    return tuple(round(float(c), 4) for c in coef)


def rep_estimates(m: dict, coef) -> list[tuple[float, float]]:
    """(estimate with ``coef``, truth) at each rep's bottom, as the tool reads a rep (screening.hinge)."""
    from screening.hinge import bottom_frames
    from screening.spine import SpineShape, spinal_flexion

    n = len(m["t"])
    shape = SpineShape(m["lumbar"], m["thoracic"], np.zeros(n), np.zeros(n), np.ones(n))
    est = spinal_flexion(shape, m["hip"], coef)
    out = []
    for r in m["reps"]:
        if r["frames"] is None:
            out.append((float("nan"), r["truth"]))
            continue
        a, _, b = r["frames"]
        bottom = bottom_frames(m["trunk"], slice(a, b + 1))
        with np.errstate(all="ignore"):
            v = np.nanmedian(est[bottom]) if np.isfinite(est[bottom]).any() else float("nan")
        out.append((float(v), r["truth"]))
    return out


def condition(c: dict) -> list[str]:
    tags = []
    if c.get("bar"):
        tags.append("barbell")
    if c.get("protract"):
        tags.append("shoulders rounded")
    if c.get("loose"):
        tags.append("loose shirt")
    if c.get("from_floor"):
        tags.append("from the floor")
    if c.get("azimuth_deg") is not None and abs(abs(c["azimuth_deg"]) - 90) > 7.5:
        tags.append("camera 7.5-15 deg off the side")
    w = c.get("spine_w")
    if w:
        tags.append({0.25: "bend spread evenly", 0.45: "bend low", 0.08: "bend high"}.get(w[0], "bend as main corpus"))
    return tags


def summarise(pairs: list[tuple[float, float, dict]]) -> dict:
    e = np.array([p - t for p, t, _ in pairs if np.isfinite(p)])
    out = {"reps": len(pairs), "read": int(len(e)), "mae": round(float(np.mean(np.abs(e))), 2) if len(e) else None,
           "rmse": round(float(np.sqrt(np.mean(e ** 2))), 2) if len(e) else None,
           "bias": round(float(np.mean(e)), 2) if len(e) else None, "levels": {}, "conditions": {}}
    for lv in LEVELS:
        el = [p - t for p, t, _ in pairs if np.isfinite(p) and abs(t - lv) <= 5]
        if el:
            out["levels"][lv] = {"n": len(el), "bias": round(float(np.mean(el)), 1),
                                 "mae": round(float(np.mean(np.abs(el))), 1)}
    tags = sorted({t for _, _, c in pairs for t in condition(c)})
    for tag in tags:
        el = [p - t for p, t, c in pairs if np.isfinite(p) and tag in condition(c)]
        if el:
            out["conditions"][tag] = {"n": len(el), "mae": round(float(np.mean(np.abs(el))), 1),
                                      "bias": round(float(np.mean(el)), 1)}
    return out


def measure_all(rows: list[dict]) -> list[dict]:
    """:func:`measure` on every clip, two at a time (``bench.accuracy.in_processes``): 130 s for the set one
    at a time, 80 s two at a time."""
    from bench.accuracy import in_processes

    todo = [c for c in rows if c["clip"] not in _CACHE]
    _CACHE.update((c["clip"], m) for c, m in zip(todo, in_processes(measure, todo)))
    return [measure(c) for c in rows]


def run() -> dict:
    rows = clips()
    measured = measure_all(rows)
    fitting = [m for m in measured if not m["clip"]["held_out"]]
    held = [m for m in measured if m["clip"]["held_out"]]
    coef = fit(fitting)

    def pairs(ms, shipped=False):
        out = []
        for m in ms:
            if shipped:
                out += [(float("nan") if r["shipped"] is None else float(r["shipped"]), r["truth"], m["clip"])
                        for r in m["reps"]]
            else:
                out += [(p, t, m["clip"]) for p, t in rep_estimates(m, coef)]
        return out

    return {"coef": list(coef),
            "fitting": summarise(pairs(fitting)), "held_out": summarise(pairs(held)),
            "held_out_shipped": summarise(pairs(held, shipped=True)),
            "per_rep": [{"clip": m["clip"]["clip"], "held_out": m["clip"]["held_out"], "truth": round(t, 1),
                         "estimate": None if not np.isfinite(p) else round(p, 1)}
                        for m in measured for p, t in rep_estimates(m, coef)],
            "per_rep_shipped": [{"clip": c["clip"], "held_out": c["held_out"], "truth": round(t, 1),
                                 "estimate": None if not np.isfinite(p) else round(p, 1)}
                                for p, t, c in pairs(measured, shipped=True)]}


def markdown(r: dict) -> str:
    c = r["coef"]
    h = r["held_out"]
    lines = ["# Spinal flexion on bodies and bends it was not fitted on", "",
             "Generated by `python bench/spine.py` (the rendered spine set, sample_videos/spine/; see the script's "
             "docstring). Fitted on bodies s0-s3 and the main corpus's side hinges; scored per rep at the bottom "
             "on bodies s4-s7.", "",
             f"Fit (screening.spine.COEF): spinal flexion = {c[0]} x lumbar bend + {c[1]} x thoracic bend + "
             f"{c[2]} x hip flexion change + {c[3]} deg.", "",
             "| half | reps | read | MAE (deg) | RMSE (deg) | bias (deg) |", "|---|---|---|---|---|---|"]
    for name, key in (("fitting", "fitting"), ("held out", "held_out"), ("held out, as the tool reports it", "held_out_shipped")):
        s = r[key]
        lines.append(f"| {name} | {s['reps']} | {s['read']} | {s['mae']} | {s['rmse']} | {s['bias']} |")
    lines += ["", "Held out, by flexion level (truth within 5 deg):", "", "| level (deg) | reps | bias (deg) | MAE (deg) |",
              "|---|---|---|---|"]
    for lv, s in h["levels"].items():
        lines.append(f"| {lv} | {s['n']} | {s['bias']} | {s['mae']} |")
    lines += ["", "Held out, by condition (a rep can carry several):", "", "| condition | reps | MAE (deg) | bias (deg) |",
              "|---|---|---|---|"]
    for tag, s in h["conditions"].items():
        lines.append(f"| {tag} | {s['n']} | {s['mae']} | {s['bias']} |")
    lines += ["", "Per rep (held out):", "", "| clip | truth (deg) | estimate (deg) |", "|---|---|---|"]
    for p in r["per_rep"]:
        if p["held_out"]:
            lines.append(f"| {p['clip']} | {p['truth']} | {p['estimate']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    r = run()
    md = markdown(r)
    (ROOT / "bench" / "spine.md").write_text(md)
    print(md)
    if a.json:
        print(json.dumps({k: v for k, v in r.items() if not k.startswith("per_rep")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
