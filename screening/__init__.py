"""Movement screening from video.

The pipeline, one typed stage at a time::

    info   = video.probe(path)                 # VideoInfo
    series = pose.track(path, info)            # PoseSeries   (MediaPipe, 33 landmarks + trunk outline)
    clean_ = clean.clean(series)               # CleanSeries  (gated, filtered, levelled, view known)
    kin    = kinematics.kinematics(clean_)     # Kinematics   (every angle of the table, with baseline)

:func:`screening.pipeline.analyze_video` runs them all and writes result.json, angles.csv and the
annotated MP4.
"""
__version__ = "0.1.0"

from .errors import ModelError, NoPersonError, ScreeningError, VideoError  # noqa: E402

__all__ = ["ScreeningError", "VideoError", "NoPersonError", "ModelError", "__version__"]
