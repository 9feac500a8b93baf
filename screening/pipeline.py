"""video -> pose series -> clean series -> kinematics -> result.json, angles.csv, annotated.mp4."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import tempfile

from .annotate import BaseRecorder, write_annotated
from .config import load_thresholds
from .findings import PatternResult
from .hinge import analyze_hinge, trunk_change
from .plots import rhythm_plot
from .clean import CleanSeries, clean
from .errors import NoPersonError, ScreeningError
from .kinematics import Kinematics, kinematics, resolve_point
from .pose import PoseSeries, track
from .result import atomic_path, build_result, write_csv, write_json
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
    "lunge": "Lunge repetitions, faults and the score are not analysed yet (the next release); the angles of "
             "every frame are in angles.csv.",
    "unknown": "The movement was not recognised as a hinge or a lunge (an oblique camera, or too little "
               "movement): give it with --pattern hinge or --pattern lunge.",
}


def analyze_pattern(pattern: str, cs: CleanSeries, kin: Kinematics, th: dict) -> PatternResult | None:
    if pattern == "hinge":
        return analyze_hinge(cs, kin, th)
    return None  # the lunge analysis lands with issue 5


def analyze_video(source: Source, out_dir: str | Path, pattern: str = "auto", progress: Progress | None = None,
                  model_file=None, annotated_video: bool = True, max_duration_s: float | None = None,
                  info: VideoInfo | None = None, thresholds=None) -> Analysis:
    """Analyse one video and write result.json, angles.csv and annotated.mp4 into ``out_dir``.

    ``info`` is the video's :func:`probe` result when the caller already has it."""
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
        found, source = (detect_pattern(cs, kin), "inferred") if pattern == "auto" else (pattern, "given")
        th = load_thresholds(thresholds)
        movement = analyze_pattern(found, cs, kin, th)
        result = build_result(info, series, cs, kin, pattern=found, analysis=movement, pattern_source=source)
        if movement is None:
            result["analysis_notes"] = [UNANALYSED.get(found, UNANALYSED["unknown"])]
        out.mkdir(parents=True, exist_ok=True)
        video_path = None
        if recorder is not None:
            video_path = out / "annotated.mp4"
            with atomic_path(video_path) as tmp:
                write_annotated(tmp, recorder.paths, info, cs, kin,
                                progress=(lambda f: progress(f, "drawing the annotated video")) if progress else None)
    write_csv(kin, out / "angles.csv")
    if (movement is not None and movement.pattern == "hinge" and movement.reps
            and np.isfinite(movement.series["spinal_flexion_deg"]).any()):  # no spine measured: nothing to plot
        plot_path = out / "rhythm.png"
        with atomic_path(plot_path) as tmp:
            rhythm_plot(tmp, kin.change("hip_flexion_deg"), movement.series["spinal_flexion_deg"],
                        movement.reps, kin.time_s, th["hinge"]["lumbar_flexion"]["minor"],
                        th["hinge"]["lumbar_flexion"]["major"])
        result["files"] = {"rhythm_plot": plot_path.name}
    write_json(result, out / "result.json")
    if progress:
        progress(1.0, "done")
    return Analysis(info, series, cs, kin, result, out / "result.json", out / "angles.csv", video_path)
