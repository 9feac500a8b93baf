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
from .hinge import analyze_hinge
from .clean import CleanSeries, clean
from .errors import NoPersonError, ScreeningError
from .kinematics import Kinematics, kinematics
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

    A lunge splits the feet (front-to-back in a side view, or a wide lateral step in a front view) and
    bends the knees; a hinge keeps the feet together under the hips and leans the trunk. The test is the
    ankles' horizontal distance over leg length at the frames where the mid-hip is lowest."""
    xy = cs.xy
    leg = kin.segments.leg if np.isfinite(kin.segments.leg) else np.nan
    hip_y = (xy[:, 23, 1] + xy[:, 24, 1]) / 2
    spread = np.abs(xy[:, 27, 0] - xy[:, 28, 0]) / leg
    ok = np.isfinite(hip_y) & np.isfinite(spread)
    if ok.sum() < 10 or not np.isfinite(leg):
        return "unknown"
    low = ok & (hip_y >= np.nanpercentile(hip_y[ok], 85))  # image y grows downward: the lowest hips
    split = float(np.nanmedian(spread[low]))
    drop = (np.nanpercentile(hip_y[ok], 95) - np.nanpercentile(hip_y[ok], 5)) / leg
    trunk = kin.change("trunk_inclination_deg")
    lean = float(np.nanpercentile(trunk, 95)) if np.isfinite(trunk).any() else np.nan
    if split > (0.6 if kin.view_kind == "side" else 0.9) and drop > 0.12:
        return "lunge"
    if kin.view_kind == "side" and np.isfinite(lean) and lean > 25:
        return "hinge"
    return "lunge" if drop > 0.2 else "hinge" if kin.view_kind != "side" else "unknown"


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
        movement = analyze_pattern(found, cs, kin, load_thresholds(thresholds))
        result = build_result(info, series, cs, kin, pattern=found, analysis=movement, pattern_source=source)
        out.mkdir(parents=True, exist_ok=True)
        video_path = None
        if recorder is not None:
            video_path = out / "annotated.mp4"
            with atomic_path(video_path) as tmp:
                write_annotated(tmp, recorder.paths, info, cs, kin,
                                progress=(lambda f: progress(f, "drawing the annotated video")) if progress else None)
    write_csv(kin, out / "angles.csv")
    write_json(result, out / "result.json")
    if progress:
        progress(1.0, "done")
    return Analysis(info, series, cs, kin, result, out / "result.json", out / "angles.csv", video_path)
