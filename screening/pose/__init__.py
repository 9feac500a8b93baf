"""Pose tracking: video frames -> a typed pose series (MediaPipe Pose, 33 landmarks).

The backend (:class:`RoiPose`, behind the :class:`PoseBackend` interface): MediaPipe's Tasks API
``PoseLandmarker`` with the full BlazePose model shipped in this package (``screening/data/pose_landmarker_full.task``:
mediapipe 0.10.21's own ``pose_detection.tflite`` and ``pose_landmark_full.tflite``, the legacy
``model_complexity=1``, bundled by ``tools/build_pose_bundle.py``; its sha256 is checked on first use), tracking as
mediapipe 0.10.21's legacy pose graph tracked: the person detector until somebody is found, then the landmark model
on the crop cut from the last frame's filtered alignment points (:mod:`screening.roi`, :mod:`screening.bundle`).
Nothing is downloaded. A user's own ``.task`` file (``--model-file``, e.g. ``pose_landmarker_heavy.task``) runs in
the Tasks API's video mode instead (:class:`TaskPose`).

MediaPipe's smoothing of the landmarks stays out: a causal filter lags on fast moves; the cleaning stage applies a
zero-phase filter instead, so event timing (which moves first, hip or spine) is not shifted. (The image-mode
landmarker smooths nothing; in video mode, for a user's model, the graph's clock runs 10^4 s per frame, which makes
its One Euro filter a no-op, and its visibility filter is inverted exactly: :data:`TIME_DILATION_MS`,
:data:`VISIBILITY_ALPHA`.)

The segmentation mask is reduced per frame to :class:`TrunkOutline` stations (the silhouette's extent on
each side of the hip-shoulder chord), so a 10-minute 1080p video never holds its masks in memory.

Several people in view: a census runs every 2 s of video, on its own thread, with the same shipped model in
image mode (on the whole frame and on three tiles). The central, largest person is the one
analysed; frames where the tracker followed somebody else are left out, and the result says so.

Speed: a clip of 6 s or more is cut at keyframes into stretches that two pose graphs track side by
side, longest first (:func:`track`); one MediaPipe graph keeps one core busy, so the second core would
otherwise only decode.

The package, one job a module (each imports only those above it):

- :mod:`.series`: what tracking produces (:class:`Person` per frame, :class:`PoseSeries` per clip);
- :mod:`.model`: the shipped model bundle and the Tasks API landmarkers made from it;
- :mod:`.backends`: the pose graphs that turn a frame into people (:class:`RoiPose`, :class:`TaskPose`);
- :mod:`.people`: counting the people in view, and keeping the central, largest one;
- :mod:`.outline`: the silhouette's geometry (the trunk's outline, the shanks' width);
- :mod:`.schedule`: running a whole video through the graphs, in stretches side by side (:func:`track`).
"""
from __future__ import annotations

from .backends import TIME_DILATION_MS, VISIBILITY_ALPHA, PoseBackend, RoiPose, TaskPose, make_backend, raw_landmarks
from .model import BUNDLE_MANIFEST, BUNDLE_PATH, load_mediapipe, shipped_bundle, task_landmarker
from .outline import OUTLINE_REACH, OUTLINE_SAMPLES, shank_width, trunk_outline
from .people import CENSUS_PERIOD_S, Census, bbox, iou, main_person
from .schedule import (
                       ANALYSIS_MAX_SIDE,
                       MIN_SPLIT_S,
                       STRETCH_S,
                       TRIM_EVERY_FRAMES,
                       Stretch,
                       default_workers,
                       prefetch,
                       stretch_bounds,
                       track,
)
from .series import N_LANDMARKS, OUTLINE_STATIONS, Person, PoseSeries, TrunkOutline

__all__ = [
    # series: what tracking produces
    "PoseSeries", "TrunkOutline", "Person", "N_LANDMARKS", "OUTLINE_STATIONS",
    # model: the shipped bundle and the Tasks API landmarkers
    "BUNDLE_PATH", "BUNDLE_MANIFEST", "shipped_bundle", "task_landmarker", "load_mediapipe",
    # backends: frame in, people out
    "PoseBackend", "RoiPose", "TaskPose", "make_backend", "raw_landmarks", "TIME_DILATION_MS", "VISIBILITY_ALPHA",
    # people: who is in view
    "Census", "bbox", "iou", "main_person", "CENSUS_PERIOD_S",
    # outline: the silhouette's geometry
    "trunk_outline", "shank_width", "OUTLINE_REACH", "OUTLINE_SAMPLES",
    # schedule: a whole video through the graphs
    "track", "prefetch", "Stretch", "stretch_bounds", "default_workers", "ANALYSIS_MAX_SIDE", "MIN_SPLIT_S",
    "STRETCH_S", "TRIM_EVERY_FRAMES",
]
