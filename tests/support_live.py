"""Constructed people for the live path's tests (tests/test_live.py, test_home_issue26.py, test_live_cleanup.py):
a body's landmarks standing upright, a tracker standing in for MediaPipe, and a clock the test moves. No
MediaPipe, no camera. Not a test module."""
from __future__ import annotations

import numpy as np

from screening.landmarks import LM
from screening.pose import Person

W, H = 640, 480


def standing(view: str = "side", height: float = 380, top: float = 50, x: float = 320, lean_deg: float = 0.0,
             visibility: float = 0.95) -> np.ndarray:
    """(33, 3) landmarks of a person standing upright: head at ``top``, heels ``height`` px below."""
    pts = np.full((33, 3), np.nan)
    half = 55 if view == "front" else 3  # half the shoulder (and hip) spread in the picture
    rows = {  # fraction of the height from the top of the head
        LM.NOSE: 0.06, LM.LEFT_EYE: 0.05, LM.RIGHT_EYE: 0.05, LM.LEFT_EAR: 0.06, LM.RIGHT_EAR: 0.06,
        LM.LEFT_SHOULDER: 0.18, LM.RIGHT_SHOULDER: 0.18, LM.LEFT_ELBOW: 0.36, LM.RIGHT_ELBOW: 0.36,
        LM.LEFT_WRIST: 0.5, LM.RIGHT_WRIST: 0.5, LM.LEFT_HIP: 0.5, LM.RIGHT_HIP: 0.5,
        LM.LEFT_KNEE: 0.73, LM.RIGHT_KNEE: 0.73, LM.LEFT_ANKLE: 0.96, LM.RIGHT_ANKLE: 0.96,
        LM.LEFT_HEEL: 0.99, LM.RIGHT_HEEL: 0.99, LM.LEFT_FOOT_INDEX: 1.0, LM.RIGHT_FOOT_INDEX: 1.0,
    }
    for i, f in rows.items():
        side = -1 if "LEFT" in LM(i).name else 1 if "RIGHT" in LM(i).name else 0
        pts[i] = (x + side * (half if i >= LM.LEFT_SHOULDER else half / 4), top + f * height, visibility)
    for i in range(33):  # the face's and hands' other points, near their neighbours
        if np.isnan(pts[i, 0]):
            pts[i] = pts[LM.NOSE] if i < LM.LEFT_SHOULDER else pts[LM.LEFT_WRIST if i % 2 else LM.RIGHT_WRIST]
    if view == "side":  # toes ahead of the heels
        pts[[LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX], 0] += 40
    if lean_deg:  # the whole picture turned about the feet: a camera that is not level
        a = np.radians(lean_deg)
        foot = np.array([x, top + height])
        d = pts[:, :2] - foot
        pts[:, 0] = foot[0] + d[:, 0] * np.cos(a) - d[:, 1] * np.sin(a)
        pts[:, 1] = foot[1] + d[:, 0] * np.sin(a) + d[:, 1] * np.cos(a)
    return pts


class FakeBackend:
    """Stands in for MediaPipe: the person the test says is in each frame."""

    name = "fake"

    def __init__(self):
        self.person: np.ndarray | None = standing("side")

    def process(self, rgb, time_s):
        return [] if self.person is None else [Person(self.person.copy(), None)]

    def close(self):
        pass


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t
