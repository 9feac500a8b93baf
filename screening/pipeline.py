"""video -> pose series -> clean series -> kinematics -> result.json, angles.csv, annotated.mp4."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import tempfile

from .annotate import BaseRecorder, write_annotated
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


def analyze_video(source: Source, out_dir: str | Path, pattern: str = "auto", progress: Progress | None = None,
                  model_file=None, annotated_video: bool = True, max_duration_s: float | None = None,
                  info: VideoInfo | None = None) -> Analysis:
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
        # the hinge and lunge analyses land in later issues: until then no reps and pattern "unknown"
        result = build_result(info, series, cs, kin, pattern="unknown" if pattern == "auto" else pattern)
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
