"""The pose model: the shipped ``.task`` bundle (its sha256 checked once per process), Tasks API
``PoseLandmarker`` graphs made from it or from a user's ``.task`` file, and their results read as
:class:`~screening.pose.series.Person` objects in pixels."""
from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import numpy as np

from .. import bundle
from ..errors import ModelError
from .series import Person


def load_mediapipe():
    """The mediapipe module, imported on first use (the import alone takes ~0.7 s)."""
    import mediapipe as mp

    return mp


#: the pose model bundle shipped in the package, and the record of how it was made (tools/build_pose_bundle.py)
BUNDLE_PATH = Path(__file__).resolve().parent.parent / "data" / "pose_landmarker_full.task"
BUNDLE_MANIFEST = BUNDLE_PATH.with_name("pose_model.json")
_BUNDLE_LOCK = threading.Lock()
_REINSTALL = ("Reinstall the package (pip install --force-reinstall screening, or pip install -e . in a checkout); "
              "in a checkout, tools/build_pose_bundle.py rebuilds the bundle from mediapipe 0.10.21's own files. "
              "Or pass a Tasks API pose model you have with --model-file.")


def shipped_bundle() -> Path:
    """The shipped ``.task`` bundle's path, its sha256 checked against ``pose_model.json`` on the first call of
    the process (about 30 ms); :class:`ModelError` if it is missing or not the bundle the package was made with."""
    with _BUNDLE_LOCK:
        return _checked_bundle()


@functools.lru_cache(maxsize=1)
def _checked_bundle() -> Path:
    import hashlib
    import json

    try:
        expected = json.loads(BUNDLE_MANIFEST.read_text())["sha256"]
        data = BUNDLE_PATH.read_bytes()
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"The built-in pose model is missing or unreadable ({exc.__class__.__name__}: "
                         f"{str(exc)[:160]}).", _REINSTALL) from None
    got = hashlib.sha256(data).hexdigest()
    if got != expected:
        raise ModelError(f"The built-in pose model '{BUNDLE_PATH}' is damaged: its sha256 is {got[:16]}..., "
                         f"not {expected[:16]}... as the package records.", _REINSTALL)
    return BUNDLE_PATH


def task_landmarker(model: str | os.PathLike | bytes | None, video_mode: bool, num_poses: int, masks: bool,
                    shipped: bool = False):
    """A Tasks API ``PoseLandmarker``: ``model`` None is the shipped bundle (checked), else a user's ``.task``
    file (or its bytes)."""
    mp = load_mediapipe()
    from mediapipe.tasks.python import BaseOptions, vision

    if model is None:
        base = BaseOptions(model_asset_path=str(shipped_bundle()))
        label = "full"
        shipped = True
    elif isinstance(model, bytes):
        base = BaseOptions(model_asset_buffer=model)
        label = "bundle"
    else:
        path = Path(model)
        if not path.is_file():
            raise ModelError(f"Model file '{path}' does not exist.", "Give the path of a Tasks API pose model (.task).")
        base = BaseOptions(model_asset_path=str(path))
        label = path.stem
    opts = vision.PoseLandmarkerOptions(
        base_options=base,
        running_mode=vision.RunningMode.VIDEO if video_mode else vision.RunningMode.IMAGE,
        num_poses=num_poses,
        # the legacy solution's defaults, which this tool used
        min_pose_detection_confidence=0.5,
        min_pose_presence_confidence=0.5,
        min_tracking_confidence=0.5,
        output_segmentation_masks=masks,
    )
    try:
        return vision.PoseLandmarker.create_from_options(opts), label, mp
    except (RuntimeError, ValueError, OSError) as exc:  # mediapipe 1.x: FileNotFoundError for a zip without models
        if shipped:
            raise ModelError(f"The built-in pose model could not be loaded ({str(exc).splitlines()[0][:160]}).",
                             _REINSTALL) from None
        raise ModelError(
            f"'{model if not isinstance(model, bytes) else 'bundle'}' is not a usable Tasks API pose model "
            f"({str(exc).splitlines()[0][:120]}).",
            "Use a pose_landmarker_*.task file from MediaPipe's model page, or leave --model-file out to use "
            "the built-in full model.",
        ) from None


def task_mask(masks, i: int) -> np.ndarray | None:
    """The ``i``-th segmentation mask of a Tasks API result as (H, W) probabilities (mediapipe 1.x gives (H, W, 1))."""
    if not masks or i >= len(masks):
        return None
    mask = masks[i].numpy_view()
    return mask[..., 0] if mask.ndim == 3 else mask


def task_people(result, w: int, h: int, packed: bool = False) -> list[Person]:
    """The people of a Tasks API result, in pixels. ``packed``: from the shipped landmark model, whose mouth
    slots carry the alignment points (:mod:`screening.bundle`): the mouth is unknown there (NaN, visibility 0)."""
    people = []
    masks = result.segmentation_masks or []
    for i, lms in enumerate(result.pose_landmarks):
        image = np.array([(p.x * w, p.y * h, p.visibility) for p in lms], dtype=np.float64)
        if packed:
            image[list(bundle.ALIGNMENT_SLOTS)] = (np.nan, np.nan, 0.0)
        mask = task_mask(masks, i)
        people.append(Person(image, mask))
    return people
