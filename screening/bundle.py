"""The shipped pose model bundle's members, and the two Tasks API bundles the tracker makes from them in memory.

``screening/data/pose_landmarker_full.task`` (made by ``tools/build_pose_bundle.py`` from mediapipe 0.10.21's own
files) holds three models:

- ``pose_detector.tflite``: the BlazePose person detector, unchanged;
- ``pose_landmarks_detector.tflite``: the full BlazePose landmark model, its weights unchanged, with one GATHER op
  on its output that puts the two *alignment points* (raw landmarks 33 and 34: the hip centre and a point that
  gives the body's size and tilt, from which MediaPipe's legacy graph placed the next frame's crop; the Tasks API
  drops them) in the mouth's slots (9, 10), and the mouth's x, y and visibility logit in the z of landmarks 1-6;
- ``whole_picture_detector.tflite``: a stand-in detector that always finds one upright person filling the picture.

:func:`finder` pairs the real detector with the landmark model (a whole frame, a person found afresh);
:func:`tracker` pairs the stand-in with it, so the landmark model runs on exactly the crop the tool cut
(:mod:`screening.roi`). :func:`unpack` turns a result's 33 landmarks back into the model's 33 and the two points.
"""
from __future__ import annotations

import functools
import io
import math
import threading
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["finder", "tracker", "unpack", "is_packed", "ALIGNMENT_SLOTS", "MOUTH_IN_Z"]

DETECTOR = "pose_detector.tflite"
LANDMARKS = "pose_landmarks_detector.tflite"
WHOLE_PICTURE = "whole_picture_detector.tflite"
#: the slots the alignment points are carried in (tools/build_pose_bundle.py writes the same)
ALIGNMENT_SLOTS = (9, 10)
#: landmark whose z carries -> (mouth landmark, field: 0 x, 1 y, 3 visibility logit)
MOUTH_IN_Z = {1: (9, 0), 2: (9, 1), 3: (9, 3), 4: (10, 0), 5: (10, 1), 6: (10, 3)}
#: the Tasks API's z for a landmark is the model's raw value / 256 (its input side), normalised as x and y are: the
#: mouth's x and y come back as they were, its visibility logit times this
Z_SCALE = 1.0 / 256.0
_BUILD_LOCK = threading.Lock()


def _members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as z:
        return {name: z.read(name) for name in (DETECTOR, LANDMARKS, WHOLE_PICTURE)}


#: zip member alignment: each member's bytes start on a multiple of this (as Android's zipalign pads them, in an
#: extra field of its id): TensorFlow Lite then reads the tensors in place instead of copying them
ALIGN = 64
ALIGN_FIELD_ID = 0xD935
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def pack(members: dict[str, bytes]) -> bytes:
    """A ``.task`` zip of ``members``: stored, fixed timestamps (the same bytes for the same members), each member
    aligned to :data:`ALIGN`. tools/build_pose_bundle.py writes the shipped bundle with it too."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            header_end = buf.tell() + 30 + len(name.encode()) + 6
            pad = -header_end % ALIGN
            info.extra = ALIGN_FIELD_ID.to_bytes(2, "little") + (2 + pad).to_bytes(2, "little") \
                + ALIGN.to_bytes(2, "little") + bytes(pad)
            z.writestr(info, data)
    return buf.getvalue()


def is_packed(path) -> bool:
    """Whether ``path`` is a bundle made as the shipped one (its three members), which :class:`RoiPose` tracks
    with; False for any other file (a Tasks model from MediaPipe's model page, or not a zip at all)."""
    try:
        with zipfile.ZipFile(path) as z:
            return {DETECTOR, LANDMARKS, WHOLE_PICTURE} <= set(z.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


@functools.lru_cache(maxsize=4)
def _bundles(bundle: Path) -> tuple[bytes, bytes]:
    m = _members(bundle)
    return (pack({DETECTOR: m[DETECTOR], LANDMARKS: m[LANDMARKS]}),
            pack({DETECTOR: m[WHOLE_PICTURE], LANDMARKS: m[LANDMARKS]}))


def finder(bundle: Path) -> bytes:
    """The person detector with the landmark model: a Tasks bundle's bytes (made once per process)."""
    with _BUILD_LOCK:
        return _bundles(bundle)[0]


def tracker(bundle: Path) -> bytes:
    """The whole-picture stand-in with the landmark model: a Tasks bundle's bytes (made once per process)."""
    with _BUILD_LOCK:
        return _bundles(bundle)[1]


def unpack(raw: np.ndarray, mouth_known: bool) -> tuple[np.ndarray, np.ndarray]:
    """``raw`` (33, 5): x, y, z (normalised), visibility, presence of one pose as the Tasks API gives it from the
    shipped landmark model. Returns (landmarks (33, 5) with the mouth restored, alignment points (2, 2) x, y).

    The mouth's x and y come back from the z slots only where the landmark model's crop is the whole picture,
    unrotated (``mouth_known``: the tracker's crops); elsewhere (a frame where the finder found the person) its
    place is unknown and is NaN with visibility 0."""
    out = raw.copy()
    points = raw[list(ALIGNMENT_SLOTS), :2].copy()
    for mouth in ALIGNMENT_SLOTS:
        if mouth_known:
            fields = {field: raw[k, 2] for k, (m, field) in MOUTH_IN_Z.items() if m == mouth}
            logit = float(np.clip(fields[3] / Z_SCALE, -60, 60))  # the model's raw value
            out[mouth] = (fields[0], fields[1], 0.0, 1.0 / (1.0 + math.exp(-logit)), 1.0)
        else:
            out[mouth] = (np.nan, np.nan, 0.0, 0.0, 0.0)
    for k in MOUTH_IN_Z:
        out[k, 2] = np.nan
    return out, points
