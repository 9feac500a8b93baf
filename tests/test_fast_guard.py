"""The fast tier's guard (tests/conftest.py) refuses, inside a test marked fast, what the tier promises not to
do: MediaPipe, a clip of ../shared/videos or sample_videos/, a camera, a process. Each attempt raises before
anything is opened or started; the attempts are then forgotten, or this test would fail for making them."""
from __future__ import annotations

import multiprocessing
import subprocess
import sys

import pytest

from conftest import _GUARD, REPO, SHARED, FastTierViolation

pytestmark = pytest.mark.fast


def test_the_guard_refuses_mediapipe_clips_cameras_and_processes():
    import av
    import cv2

    rendered = REPO / "sample_videos" / "hinge_side_clean_a.mp4"
    real = SHARED / "videos" / "jeffchen_good.mp4"
    attempts = {
        "PyAV on a rendered clip": lambda: av.open(str(rendered)),
        "PyAV on a real clip": lambda: av.open(real),
        "OpenCV on a rendered clip": lambda: cv2.VideoCapture(str(rendered)),
        "a camera": lambda: cv2.VideoCapture(0),
        "a plain open of a clip": lambda: open(rendered, "rb"),
        "a subprocess": lambda: subprocess.run([sys.executable, "-c", "pass"]),
        "a multiprocessing worker": lambda: multiprocessing.get_context("spawn").Process(target=print).start(),
    }
    if "mediapipe" not in sys.modules:
        attempts["importing MediaPipe"] = lambda: __import__("mediapipe")
    elif "mediapipe.tasks.python.vision.pose_landmarker" in sys.modules:  # an earlier test of the run loaded it
        landmarker = sys.modules["mediapipe.tasks.python.vision.pose_landmarker"].PoseLandmarker
        attempts["making a PoseLandmarker"] = lambda: landmarker.create_from_model_path("any.task")
    try:
        for what, attempt in attempts.items():
            with pytest.raises(FastTierViolation):
                attempt()
            assert _GUARD.seen, what
            _GUARD.seen.clear()
    finally:
        _GUARD.seen.clear()


def test_a_constructed_clip_in_a_temporary_folder_is_allowed(tmp_path):
    import numpy as np

    from tests.support_clips import write_clip

    clip = write_clip(tmp_path / "tiny.mp4", [np.zeros((32, 32, 3), np.uint8)] * 3)
    import av

    with av.open(str(clip)) as container:
        assert container.streams.video[0].width == 32
