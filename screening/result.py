"""The Screen of an analysed clip, and the files it is written as: result.json
(../shared/spec/result-contract.md, schema_version 1), the per-frame and per-rep CSVs.

Files are written to a temporary name beside the target and renamed into place, so a crash never leaves
a half-written result where a reader would take it for a whole one.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .angles import ANGLES
from .clean import CleanSeries
from .kinematics import Kinematics
from .pose import PoseSeries
from .screen import Baseline, PersonMeta, Screen, VideoMeta, ViewMeta
from .values import Note, Pattern, Source
from .video import VideoInfo
from .words import notes_text

SCHEMA_PATH = Path(__file__).with_name("data") / "result.schema.json"


def build_screen(info: VideoInfo, series: PoseSeries, cs: CleanSeries, kin: Kinematics, pattern: str = "unknown",
                 analysis=None, pattern_source: str = "given") -> Screen:
    """The Screen of one analysed clip (not yet placed); ``analysis`` is the movement analysis
    (:class:`screening.findings.PatternResult`), None where none ran."""
    detected = float(series.detected.mean()) if len(series) else 0.0
    notes = list(dict.fromkeys(cs.notes + kin.notes))
    hidden = {k: v for k, v in cs.longest_gap_s.items() if v > 1.0}
    for part, secs in hidden.items():
        notes.append(Note.of("part_hidden", part=part, secs=secs))
    if detected < 0.9:
        notes.append(Note.of("tracked_share", share=detected))
    lunge = None
    if analysis is not None and analysis.pattern == "lunge":
        from .lunge import LungeExtras

        lunge = analysis.extras if analysis.extras is not None else LungeExtras(None)
    return Screen(
        video=VideoMeta(Path(str(info.path)).name if not info.is_webcam else str(info.path), info.fps,
                        int(len(series) or info.frame_count),
                        float(series.time_s[-1]) if len(series) else info.duration_s,
                        info.width, info.height, info.rotation_deg),
        person=PersonMeta(detected, tuple(notes_text(notes)), series.people_in_view),
        view=ViewMeta(cs.view.kind, cs.view.facing, cs.view.near_side, cs.view.spread_ratio, cs.roll_deg,
                      cs.view.hip_spread_ratio),
        pattern=Pattern(pattern), pattern_source=Source(pattern_source),
        measurable=analysis.measurable if analysis is not None else None,
        analysis_notes=notes_text(analysis.notes) if analysis is not None else [],
        reps=list(analysis.reps) if analysis is not None else [],
        score=analysis.score if analysis is not None else None, lunge=lunge,
        baseline=Baseline(kin.baseline_source, kin.baseline_window_s if kin.baseline_window_s else None,
                          dict(kin.baseline)),
        pose_backend=series.backend)


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


#: what a results folder of this tool holds (a folder holding anything else is not replaced)
RESULT_NAMES = frozenset({"result.json", "angles.csv", "annotated.mp4", "key_frame.jpg", "reps.csv", "rhythm.png",
                          "thresholds.png", "side", "front"})
NAME_MAX_BYTES = 255


def check_out_dir(out: str | os.PathLike) -> Path:
    """Refuse, before any tracking, a results folder that cannot be used: an existing file, a name too long,
    a folder holding files other than an earlier result's (they would be replaced with it), or a place
    this user cannot write. Removes the staging folders a crashed earlier run left beside it."""
    from .errors import ScreeningError

    out = Path(out)
    fix = "Give --out a new folder, or the folder of an earlier result of this tool."
    too_long = [part for part in out.parts if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX_BYTES]
    if too_long:
        raise ScreeningError(f"The results folder's name is too long ({len(too_long[0])} characters; at most "
                             f"{NAME_MAX_BYTES} bytes per name).", "Give --out a shorter folder name.")
    if out.exists() and not out.is_dir():
        raise ScreeningError(f"'{out}' is a file, not a folder: the results cannot be written there.", fix)
    if out.is_dir():
        other = sorted(p.name for p in out.iterdir() if p.name not in RESULT_NAMES)
        if other:
            raise ScreeningError(f"'{out}' holds other files ({', '.join(other[:3])}{', …' if len(other) > 3 else ''}): "
                                 "a new result replaces the whole folder.", fix)
    parent = out.absolute().parent
    existing = parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ScreeningError(f"The results cannot be written in '{existing}' (no permission to write there).", fix)
    sweep_staging(parent, out.name)
    return out


def sweep_staging(parent: Path, name: str) -> None:
    """Remove ``.NAME.new-PID-*`` and ``.NAME.old-PID-*`` folders of runs that are no longer running (a run
    killed while writing): the previous complete result, if any, is still in NAME."""
    import shutil

    from .tempfiles import process_alive

    if not parent.is_dir():
        return
    for p in [*parent.glob(f".{name}.new-*"), *parent.glob(f".{name}.old-*")]:
        try:
            pid = int(p.name.rsplit("-", 2)[-2])
        except (ValueError, IndexError):
            continue
        if not process_alive(pid):
            shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE); False where that is not available."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


@contextmanager
def staged_folder(out: str | os.PathLike):
    """Yield a fresh folder beside ``out`` to write a whole result into; when the block ends without an
    error, it takes ``out``'s place in one step (the earlier result is removed after), so ``out`` always holds
    one complete result, the old or the new, never a mix and never a stale file of another clip. On an
    error, or a kill, the fresh folder goes (a kill's is swept by the next run's :func:`check_out_dir`)."""
    import shutil

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-{os.getpid()}-", dir=out.parent))
    try:
        yield new
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    if not out.exists():
        os.rename(new, out)
    elif _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # now the earlier result
    else:
        old = out.with_name(f".{out.name}.old-{os.getpid()}-x")
        os.rename(out, old)
        os.rename(new, out)
        shutil.rmtree(old, ignore_errors=True)


def write_json(screen: Screen, path: Path) -> None:
    """result.json of ``screen``, written whole or not at all."""
    with atomic_path(path) as tmp:
        tmp.write_text(screen.to_json_text())


def write_csv(kin: Kinematics, path: Path) -> None:
    """One row per frame: time, then every measure of the angle table (empty = not measured)."""
    names = [a.name for a in ANGLES]
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["frame", "time_s", *names])
        cols = np.stack([kin.values[n] for n in names], axis=1) if names else np.zeros((len(kin.time_s), 0))
        for i, (t, row) in enumerate(zip(kin.time_s, cols)):
            w.writerow([i, f"{t:.4f}", *("" if not np.isfinite(v) else f"{v:.2f}" for v in row)])


def write_reps_csv(screens: list[Screen], path: Path) -> None:
    """Per-rep metrics of one or more screens (:func:`reps_csv_text`) written to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(reps_csv_text(screens), newline="")


def reps_csv_text(screens: list[Screen]) -> str:
    """Per-rep metrics of one or more screens, one row per rep, for spreadsheets: the clip, pattern, rep,
    front leg and times, every metric (empty = not measured), the faults, the score and the placement, as
    result.json has them."""
    results = [s.to_json() for s in screens]
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
