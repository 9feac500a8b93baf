"""result.json (../shared/spec/result-contract.md, schema_version 1) and the per-frame CSV.

Files are written to a temporary name beside the target and renamed into place, so a crash never leaves
a half-written result where a reader would take it for a whole one.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .signals import rounded

from . import __version__
from .clean import CleanSeries
from .kinematics import ANGLES, Kinematics
from .pose import PoseSeries
from .video import VideoInfo

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("result.schema.json")


def build_result(info: VideoInfo, series: PoseSeries, cs: CleanSeries, kin: Kinematics,
                 pattern: str = "unknown", analysis=None, pattern_source: str = "given") -> dict:
    """The result.json dict; ``analysis`` is the movement analysis (:class:`screening.findings.PatternResult`)."""
    detected = float(series.detected.mean()) if len(series) else 0.0
    notes = list(dict.fromkeys(cs.notes + kin.notes))
    hidden = {k: v for k, v in cs.longest_gap_s.items() if v > 1.0}
    for part, secs in hidden.items():
        notes.append(f"The {part} were hidden for up to {secs:.1f} s at a time: values there are missing, "
                     "not guessed.")
    if detected < 0.9:
        notes.append(f"A person was tracked in {detected:.0%} of the frames.")
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "analysed_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "video": {"path": info.path, "fps": rounded(info.fps), "frame_count": int(len(series) or info.frame_count),
                  "duration_s": rounded(series.time_s[-1] if len(series) else info.duration_s),
                  "width": info.width, "height": info.height, "rotation_deg": info.rotation_deg},
        "person": {"detected_fraction": rounded(detected), "notes": notes,
                   "people_in_view": series.people_in_view},
        "view": {"kind": cs.view.kind, "facing": cs.view.facing, "near_side": cs.view.near_side,
                 "shoulder_spread_ratio": rounded(cs.view.spread_ratio), "camera_roll_deg": rounded(cs.roll_deg, 2)},
        "pattern": pattern,
        "pattern_source": pattern_source,
        "measurable": analysis.measurable if analysis is not None else None,
        "analysis_notes": list(analysis.notes) if analysis is not None else [],
        "reps": [r.as_dict() for r in analysis.reps] if analysis is not None else [],
        "score": analysis.score if analysis is not None else None,
        "placement": None,
        "baseline": {"source": kin.baseline_source,
                     "window_s": [rounded(x) for x in kin.baseline_window_s] if kin.baseline_window_s else None,
                     "values": {k: rounded(v, 2) for k, v in kin.baseline.items()}},
        "pose_backend": series.backend,
        **({"lunge": lunge_summary(analysis)} if analysis is not None and analysis.pattern == "lunge" else {}),
    }


def lunge_summary(analysis) -> dict:
    """The lunge's set-level results: which lunge, per-leg means, asymmetry between legs and its faults."""
    ex = analysis.extras
    if ex is None:
        return {"variant": None, "legs": {}, "asymmetry_pct": {}, "faults": []}
    return {"variant": ex.variant, "legs": {leg: s.as_dict() for leg, s in ex.legs.items()},
            "asymmetry_pct": {k: rounded(v, 1) for k, v in ex.asymmetry_pct.items()},
            "faults": [f.as_dict() for f in ex.set_faults]}


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path in the target's folder; move it over the target only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(result: dict, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(result, indent=2, allow_nan=False) + "\n")


def write_csv(kin: Kinematics, path: Path) -> None:
    """One row per frame: time, then every measure of the angle table (empty = not measured)."""
    names = [a.name for a in ANGLES]
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["frame", "time_s", *names])
        cols = np.stack([kin.values[n] for n in names], axis=1) if names else np.zeros((len(kin.time_s), 0))
        for i, (t, row) in enumerate(zip(kin.time_s, cols)):
            w.writerow([i, f"{t:.4f}", *("" if not np.isfinite(v) else f"{v:.2f}" for v in row)])


def write_reps_csv(results: list[dict], path: Path) -> None:
    """Per-rep metrics of one or more results (:func:`reps_csv_text`) written to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(reps_csv_text(results), newline="")


def reps_csv_text(results: list[dict]) -> str:
    """Per-rep metrics of one or more results, one row per rep, for spreadsheets: the clip, pattern, rep,
    front leg and times, every metric (empty = not measured), the faults in words, and the placement."""
    names: list[str] = []
    for r in results:
        for rep in r.get("reps", []):
            names += [k for k in rep["metrics"] if k not in names]
    head = ["video", "pattern", "rep", "lead_leg", "start_s", "bottom_s", "end_s", *names, "faults", "score",
            "placement"]
    out = io.StringIO(newline="")
    w = csv.writer(out)
    w.writerow(head)
    for r in results:
        p = r.get("placement") or {}
        where = f"{p['pattern']} level {p['level']}, {p['load_position']}: {p['verdict']}" if p else ""
        for rep in r.get("reps", []):
            m = rep["metrics"]
            faults = "; ".join(f"{x['code']} {x['severity']} {x['value']:.2f} vs {x['threshold']:.2f}"
                               for x in rep["faults"])
            w.writerow([r["video"]["path"], r["pattern"], rep["index"] + 1, rep.get("lead_leg") or "",
                        rep["start_s"], rep["bottom_s"], rep["end_s"],
                        *("" if m.get(k) is None else m[k] for k in names), faults, r.get("score"), where])
    return out.getvalue()
