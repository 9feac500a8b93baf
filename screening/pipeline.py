"""video -> pose series -> clean series -> kinematics -> result.json, angles.csv, annotated.mp4."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

import tempfile

from .annotate import BaseRecorder, key_frame, key_frame_index, worst_rep, write_annotated
from .config import load_thresholds
from .continuum import placement_for
from .findings import PatternResult
from .hinge import analyze_hinge, trunk_change
from .lunge import analyze_lunge, merge_views, threshold_measures
from .plots import rhythm_plot, threshold_plot
from .clean import CleanSeries, clean
from .errors import NoPersonError, ScreeningError
from .kinematics import Kinematics, kinematics, resolve_point
from .pose import PoseSeries, track
from .result import atomic_path, build_result, lunge_summary, write_csv, write_json, write_reps_csv
from .video import ReadReport, Source, VideoInfo, probe

#: fewer frames with a person than this and there is nothing to measure
MIN_PERSON_FRAMES = 10
PATTERNS = ("auto", "hinge", "lunge")

Progress = Callable[[float, str], None]


@dataclass
class Analysis:
    info: VideoInfo
    series: PoseSeries
    clean: CleanSeries
    kinematics: Kinematics
    result: dict
    result_path: Path
    csv_path: Path
    video_path: Path | None
    movement: PatternResult | None = None

    @property
    def angles(self) -> dict[str, np.ndarray]:
        return {"time_s": self.kinematics.time_s, **self.kinematics.values}


def measure(source: Source, info: VideoInfo, model_file=None, progress: Progress | None = None,
            frame_sink=None):
    """The measuring stages, no files written: (pose series, clean series, kinematics)."""
    series = track(source, info, progress=(lambda f: progress(f, "tracking pose")) if progress else None,
                   report=ReadReport(), frame_sink=frame_sink, model_file=model_file)
    n_person = int(series.detected.sum())
    if n_person < MIN_PERSON_FRAMES:
        raise NoPersonError(
            f"No person was found in the video ({n_person} of {len(series)} frames had one).",
            "Film the whole body, head to feet, in good light, with the camera 2-4 m away; then try again.",
        )
    cs = clean(series)
    return series, cs, kinematics(cs)


def detect_pattern(cs: CleanSeries, kin: Kinematics) -> str:
    """Hinge or lunge, from the movement itself (``--pattern auto``).

    Side view: a hinge leans the trunk (its 95th percentile more than 25 deg past standing); a lunge keeps
    it up while the hips drop (more than 0.15 leg lengths); a short hinge leans 10-25 deg with the hips
    staying up. Front view: the hips drop by more than 0.2 leg lengths
    in a lunge (split or lateral), much less in a hinge. Oblique views: "unknown"."""
    leg = kin.segments.leg
    hip_y = resolve_point(cs.xy, "mid_hip", None)[:, 1]
    ok = np.isfinite(hip_y)
    if ok.sum() < 10:
        return "unknown"
    drop = (np.nanpercentile(hip_y[ok], 95) - np.nanpercentile(hip_y[ok], 5)) / leg if np.isfinite(leg) else np.nan
    if kin.view_kind == "side":
        trunk = trunk_change(kin)
        lean = float(np.nanpercentile(trunk, 95)) if np.isfinite(trunk).any() else np.nan
        if np.isfinite(lean) and lean > 25:
            return "hinge"
        if np.isfinite(drop) and drop > 0.15:
            return "lunge"
        return "hinge" if np.isfinite(lean) and lean > 10 else "unknown"
    if kin.view_kind == "front":
        return "lunge" if np.isfinite(drop) and drop > 0.2 else "hinge"
    return "unknown"


#: what the result says when no movement analysis ran
UNANALYSED = {
    "unknown": "The movement was not recognised as a hinge or a lunge (an oblique camera, or too little "
               "movement): give it with --pattern hinge or --pattern lunge.",
}


def analyze_pattern(pattern: str, cs: CleanSeries, kin: Kinematics, th: dict) -> PatternResult | None:
    if pattern == "hinge":
        return analyze_hinge(cs, kin, th)
    if pattern == "lunge":
        return analyze_lunge(cs, kin, th)
    return None


@dataclass(frozen=True)
class Filmed:
    """What the clinician says about the clip: the ladder level and load position filmed, and pain."""

    exercise: str | None = None  # a level of the pattern's ladder (key, number or name); None: inferred
    load: str | None = None  # a load position; None: unloaded
    pain: bool = False


def add_placement(result: dict, filmed: Filmed) -> dict:
    """The continuum placement (screening.continuum) written into result.json, with what was assumed."""
    placement, notes = placement_for(result, filmed.exercise, filmed.load, filmed.pain)
    if filmed.pain:
        result["score"] = 0  # metrics.md: 0 = pain reported
    result["placement"] = placement.as_dict() if placement else None
    result["placement_notes"] = notes  # replaced, not appended: a result can be placed again
    return result


def analyze_video(source: Source, out_dir: str | Path, pattern: str = "auto", progress: Progress | None = None,
                  model_file=None, annotated_video: bool = True, max_duration_s: float | None = None,
                  info: VideoInfo | None = None, thresholds=None, filmed: Filmed | None = None) -> Analysis:
    """Analyse one video and write result.json, angles.csv and annotated.mp4 into ``out_dir``.

    ``info`` is the video's :func:`probe` result when the caller already has it; ``filmed`` what the
    clinician says about the clip (exercise, load position, pain), for the continuum placement."""
    if pattern not in PATTERNS:
        raise ScreeningError(f"Unknown pattern '{pattern}'.", f"Use one of: {', '.join(PATTERNS)}.")
    out = Path(out_dir)
    if info is None:
        info = probe(source) if max_duration_s is None else probe(source, max_duration_s=max_duration_s)
    with tempfile.TemporaryDirectory(prefix="screening-") as tmpdir:
        recorder = BaseRecorder(Path(tmpdir), info.fps) if annotated_video else None
        try:
            series, cs, kin = measure(source, info, model_file, progress, frame_sink=recorder)
        finally:
            if recorder is not None:
                recorder.close()
        found, pattern_source = (detect_pattern(cs, kin), "inferred") if pattern == "auto" else (pattern, "given")
        th = load_thresholds(thresholds)
        movement = analyze_pattern(found, cs, kin, th)
        result = build_result(info, series, cs, kin, pattern=found, analysis=movement, pattern_source=pattern_source)
        if movement is None:
            result["analysis_notes"] = [UNANALYSED.get(found, UNANALYSED["unknown"])]
        add_placement(result, filmed or Filmed())
        out.mkdir(parents=True, exist_ok=True)
        video_path = None
        worst = worst_rep(result["reps"])
        grab = {"index": key_frame_index(cs, worst)} if worst is not None else None
        if recorder is not None:
            video_path = out / "annotated.mp4"
            with atomic_path(video_path) as tmp:
                write_annotated(tmp, recorder.paths, info, cs, kin, grab=grab,
                                progress=(lambda f: progress(f, "drawing the annotated video")) if progress else None)
    write_csv(kin, out / "angles.csv")
    files = {}
    img = key_frame(source, info, cs, worst, found, (grab or {}).get("rgb")) if worst is not None else None
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88]) \
        if img is not None else (False, None)
    if ok:
        with atomic_path(out / "key_frame.jpg") as tmp:
            tmp.write_bytes(jpeg.tobytes())
        files.update(key_frame="key_frame.jpg", key_frame_rep=worst["index"])
    if result["reps"]:
        write_reps_csv([result], out / "reps.csv")
        files["reps_csv"] = "reps.csv"
    if (movement is not None and movement.pattern == "hinge" and movement.reps
            and np.isfinite(movement.series["spinal_flexion_deg"]).any()):  # no spine measured: nothing to plot
        plot_path = out / "rhythm.png"
        with atomic_path(plot_path) as tmp:
            rhythm_plot(tmp, kin.change("hip_flexion_deg"), movement.series["spinal_flexion_deg"],
                        movement.reps, kin.time_s, th["hinge"]["lumbar_flexion"]["minor"],
                        th["hinge"]["lumbar_flexion"]["major"])
        files["rhythm_plot"] = plot_path.name
    if movement is not None and movement.pattern == "lunge" and movement.reps:
        write_threshold_plot(out, movement, th, files)
    if files:
        result["files"] = files
    write_json(result, out / "result.json")
    if progress:
        progress(1.0, "done")
    return Analysis(info, series, cs, kin, result, out / "result.json", out / "angles.csv", video_path, movement)


def write_threshold_plot(out: Path, movement: PatternResult, th: dict, files: dict) -> None:
    """thresholds.png: every lunge rep's fault measures over their thresholds."""
    measures = threshold_measures(movement.reps, th["lunge"], getattr(movement.extras, "variant", "split"))
    if measures:
        with atomic_path(out / "thresholds.png") as tmp:
            threshold_plot(tmp, measures)
        files["threshold_plot"] = "thresholds.png"


@dataclass
class TwoViewAnalysis:
    """A side clip and a front clip of one set, each analysed in its own folder, and the merged result."""

    side: Analysis
    front: Analysis
    result: dict
    result_path: Path


def analyze_two_views(side: Source, front: Source, out_dir: str | Path, pattern: str = "lunge",
                      progress: Progress | None = None, model_file=None, annotated_video: bool = True,
                      max_duration_s: float | None = None, thresholds=None,
                      filmed: Filmed | None = None) -> TwoViewAnalysis:
    """Analyse a side clip and a front clip of the same set (``screening analyze --side A --front B``):
    each into its own folder (``out/side``, ``out/front``: complete single-view results), then one merged
    ``out/result.json`` where each measure comes from the view that shows it (:func:`screening.lunge.merge_views`)."""
    if pattern not in ("auto", "lunge"):
        raise ScreeningError(f"Two views of one set are merged for the lunge; '{pattern}' was asked.",
                             "The hinge is measured from the side only: analyse the side clip alone.")
    out = Path(out_dir)
    th = load_thresholds(thresholds)
    done = []
    for role, src in (("side", side), ("front", front)):
        step = (lambda f, stage, r=role: progress(f, f"{r} clip: {stage}")) if progress else None
        a = analyze_video(src, out / role, pattern="lunge", progress=step, model_file=model_file,
                          annotated_video=annotated_video, max_duration_s=max_duration_s, thresholds=thresholds,
                          filmed=filmed)
        kind = a.result["view"]["kind"]
        if kind != role:
            raise ScreeningError(
                f"The clip given as the {role} view ({a.info.path}) looks filmed from the {kind} "
                f"(shoulder spread ratio {a.clean.view.spread_ratio:.2f}).",
                "Check which clip is which: --side takes the clip filmed side-on, --front the one filmed face-on.")
        done.append(a)
    s, f = done
    merged = merge_views(s.movement, f.movement, th)
    result = build_two_view_result(s.result, f.result, merged)
    add_placement(result, filmed or Filmed())
    files = {f"key_frame_{role}" if role == "front" else "key_frame": f"{role}/{a.result['files']['key_frame']}"
             for role, a in (("side", s), ("front", f)) if a.result.get("files", {}).get("key_frame")}
    if result["reps"]:
        write_reps_csv([result], out / "reps.csv")
        files["reps_csv"] = "reps.csv"
        write_threshold_plot(out, merged, th, files)
    result["files"] = files
    write_json(result, out / "result.json")
    return TwoViewAnalysis(s, f, result, out / "result.json")


def build_two_view_result(side: dict, front: dict, merged: PatternResult) -> dict:
    """result.json of a merged set: the contract's fields from the side clip (its video, view and time
    axis), the reps, score and lunge summary from the merge, and both clips under ``views``."""
    result = dict(side)
    result.update({
        "pattern": "lunge",
        "pattern_source": "given",
        "measurable": merged.measurable,
        "analysis_notes": list(merged.notes),
        "reps": [r.as_dict() for r in merged.reps],
        "score": merged.score,
        "lunge": lunge_summary(merged),
        "views": {role: {"result": f"{role}/result.json", "video": r["video"], "view": r["view"],
                         "person": r["person"], "reps": len(r["reps"])} for role, r in (("side", side), ("front", front))},
        "files": {},
    })
    result["person"] = {"detected_fraction": min(side["person"]["detected_fraction"] or 0, front["person"]["detected_fraction"] or 0),
                        "notes": [f"side clip: {n}" for n in side["person"]["notes"]]
                        + [f"front clip: {n}" for n in front["person"]["notes"]],
                        "people_in_view": max(side["person"].get("people_in_view", 1), front["person"].get("people_in_view", 1))}
    return result
