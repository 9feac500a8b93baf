"""Constructed side-view bodies with exact geometry (tests/test_kinematics.py, test_hinge.py, test_quality.py):
built from segment angles, so the true trunk inclination, hip flexion, knee flexion and head angle are
known, placed in a W x H picture facing left or right, and made into a PoseSeries. Not a test module."""
from __future__ import annotations

import numpy as np

from screening.pose import OUTLINE_STATIONS, PoseSeries, TrunkOutline

W, H = 960, 720
SHANK, THIGH, TRUNK = 100.0, 110.0, 130.0


def _u(deg):
    r = np.deg2rad(deg)
    return np.array([np.sin(r), np.cos(r)])  # from vertical, forward positive, in a y-up body frame


def side_pose(trunk=0.0, shank=0.0, thigh=0.0, head=0.0):
    """Body-frame (x forward, y up) points of a side-view body. Truth: trunk inclination = trunk,
    hip flexion = trunk + thigh, knee flexion = shank + thigh, head angle = head."""
    ankle = np.array([0.0, 20.0])
    knee = ankle + SHANK * _u(shank)
    hip = knee + THIGH * np.array([-np.sin(np.deg2rad(thigh)), np.cos(np.deg2rad(thigh))])
    sh = hip + TRUNK * _u(trunk)
    ear = sh + 45 * _u(trunk + head)
    p = {"ankle": ankle, "knee": knee, "hip": hip, "shoulder": sh, "ear": ear, "heel": np.array([-18.0, 0.0]),
         "toe": np.array([50.0, 0.0]), "nose": ear + np.array([15.0, 0.0]), "elbow": sh + np.array([0, -60.0]),
         "wrist": sh + np.array([0, -110.0])}
    return p


IDX = {"nose": (0, 0), "ear": (7, 8), "shoulder": (11, 12), "elbow": (13, 14), "wrist": (15, 16), "hip": (23, 24),
       "knee": (25, 26), "ankle": (27, 28), "heel": (29, 30), "toe": (31, 32)}


def side_frame(facing: int, near: str = "right", **angles) -> np.ndarray:
    """(33, 3) image landmarks: the body frame mapped to the image, facing +1 (right) or -1 (left)."""
    p = side_pose(**angles)
    out = np.full((33, 3), np.nan)
    out[:, 2] = 0.0
    for name, (li, ri) in IDX.items():
        for side, i in (("left", li), ("right", ri)):
            depth = 0.0 if side == near else 6.0  # the far side sits a little behind in the picture
            x = W / 2 + facing * (p[name][0] + depth)
            y = H - 60 - p[name][1]
            out[i] = (x, y, 0.95 if side == near else 0.7)
    for i in (1, 2, 3, 4, 5, 6, 9, 10):  # eyes and mouth: near the nose
        out[i] = (*out[0, :2], 0.9)
    return out


def series_of(frames: list[np.ndarray], fps: float = 30.0, times=None) -> PoseSeries:
    image = np.stack(frames)
    n = len(image)
    t = np.arange(n) / fps if times is None else np.asarray(times)
    return PoseSeries(t, image,
                      TrunkOutline(OUTLINE_STATIONS, np.full((n, len(OUTLINE_STATIONS), 2), np.nan)), W, H, "test")
