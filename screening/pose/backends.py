"""The pose backends, one pose graph each, frame in, people out: :class:`RoiPose` (the shipped full model,
tracked as mediapipe 0.10.21's legacy pose graph tracked: :mod:`screening.roi`, :mod:`screening.bundle`) and
:class:`TaskPose` (a user's own ``.task`` file in the Tasks API's video mode, its smoothing undone), behind the
:class:`PoseBackend` interface; :func:`make_backend` picks one."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from .. import bundle, roi
from .model import shipped_bundle, task_landmarker, task_mask, task_people
from .series import N_LANDMARKS, Person


class PoseBackend(Protocol):
    name: str

    def process(self, rgb: np.ndarray, time_s: float) -> list[Person]: ...

    def close(self) -> None: ...


#: Video mode's clock, per frame. With one pose, MediaPipe's Tasks graph (0.10.30+, 1.x) smooths the landmarks in
#: video mode, with no option to turn it off: a One Euro filter (min cutoff 0.05 Hz, beta 80; the world landmarks
#: 0.1 Hz, 40), as the legacy solution's smooth_landmarks did, which this tool kept off (a causal filter lags, and
#: the cleaning stage filters zero-phase so that event timing is not shifted). A One Euro filter's weight on a new
#: value is 1 / (1 + tau / dt), tau = 1 / (2 pi cutoff) <= 3.2 s: with frames 10^4 s apart on the graph's clock it
#: is 0.9997, the filter a no-op. Nothing else in the graph reads the clock (tracking goes frame to frame). With
#: two poses the graph has no filter but runs the person detector on every frame it tracks fewer than two: 40%
#: slower, and a region of interest from the detector, not the landmarks, read the trunk 1 deg worse on the
#: rendered corpus (bench/tasks_before_after.md).
TIME_DILATION_MS = 10_000_000
#: ... and before it, the landmarks' visibility through a low-pass filter that reads no clock: v' = a v + (1 - a)
#: v'_prev, a = 0.1, kept across frames where nobody is found (the graph's filter sees no packet there; it starts
#: from the first reading of the graph). Exactly invertible from the outputs: v = (v' - (1 - a) v'_prev) / a
#: (:meth:`TaskPose._unsmooth_visibility`), so "visibility < 0.5 is missing" acts on each frame's own reading.
VISIBILITY_ALPHA = 0.1


class TaskPose:
    """Tasks API ``PoseLandmarker`` in video mode: the shipped full model (``model`` None), or a ``.task`` file
    the user has (e.g. ``pose_landmarker_heavy.task``). Segmentation masks on (the trunk outline and the
    shank width are read from them).

    ``num_poses`` 1, as the legacy solution tracked: the graph runs the person detector only when it lost the
    person (with 2 it would run it on every frame where it tracks fewer than two: twice the time on a clip of
    one person). Other people in view are the census's business (:class:`screening.pose.people.Census`).
    """

    def __init__(self, model: str | os.PathLike | bytes | None = None, num_poses: int = 1, segmentation: bool = True):
        self._lm, label, self._mp = task_landmarker(model, True, num_poses, segmentation)
        self.name = f"mediapipe-tasks-{label}"
        self._last_ms = -1
        self._num_poses = num_poses
        self._last_visibility: np.ndarray | None = None

    def process(self, rgb: np.ndarray, time_s: float) -> list[Person]:
        # the graph's clock: TIME_DILATION_MS per frame, not the video's time (see TIME_DILATION_MS)
        ms = self._last_ms + TIME_DILATION_MS if self._last_ms >= 0 else 0
        self._last_ms = ms
        img = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        people = task_people(self._lm.detect_for_video(img, ms), rgb.shape[1], rgb.shape[0])
        if self._num_poses == 1:
            self._unsmooth_visibility(people)
        return people

    def _unsmooth_visibility(self, people: list[Person]) -> None:
        """Undo the graph's visibility filter (see :data:`VISIBILITY_ALPHA`), in place."""
        if not people:
            # the graph's filter is fed nothing on such a frame and keeps its state across the gap (measured: the
            # first reading after 3 empty frames was 0.1 of the new value + 0.9 of the last before the gap)
            return
        smoothed = people[0].image[:, 2].copy()
        if self._last_visibility is not None:
            raw = (smoothed - (1 - VISIBILITY_ALPHA) * self._last_visibility) / VISIBILITY_ALPHA
            people[0].image[:, 2] = np.clip(raw, 0.0, 1.0)
        self._last_visibility = smoothed

    def close(self) -> None:
        self._lm.close()


def raw_landmarks(landmarks) -> np.ndarray:
    return np.array([(p.x, p.y, p.z, p.visibility, p.presence) for p in landmarks], dtype=np.float64)


class RoiPose:
    """The shipped full model, tracked as MediaPipe's legacy pose graph tracked (:mod:`screening.roi`): the
    person detector (with the landmark model) on the whole frame until somebody is found; then, frame by frame,
    the landmark model alone on the crop cut from the last frame's alignment points after the legacy One Euro
    filter. Both through the Tasks API in image mode (no smoothing of its own); segmentation masks on.

    Measured against mediapipe 0.10.21's legacy solution frame by frame in tests/test_roi.py and bench/roi.py.
    """

    def __init__(self, model: str | os.PathLike | None = None, segmentation: bool = True):
        """``model`` None: the shipped bundle (checked); else a copy of it elsewhere (:func:`bundle.is_packed`)."""
        path = shipped_bundle() if model is None else Path(model)
        self.name = "mediapipe-tasks-full" if model is None else f"mediapipe-tasks-{path.stem}"
        shipped = model is None
        self._finder, _, self._mp = task_landmarker(bundle.finder(path), False, 1, segmentation, shipped=shipped)
        try:
            self._tracker, _, _ = task_landmarker(bundle.tracker(path), False, 1, segmentation, shipped=shipped)
        except BaseException:
            self._finder.close()
            raise
        self._roi: roi.Roi | None = None
        self._filter = roi.AlignmentFilter()

    def _image(self, rgb: np.ndarray):
        return self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))

    def process(self, rgb: np.ndarray, time_s: float) -> list[Person]:
        h, w = rgb.shape[:2]
        where = self._roi
        if where is None:
            result = self._finder.detect(self._image(rgb))
        else:
            result = self._tracker.detect(self._image(roi.crop(rgb, where)))
        if not result.pose_landmarks:
            self._lost()
            return []
        landmarks, points = bundle.unpack(raw_landmarks(result.pose_landmarks[0]), mouth_known=where is not None)
        mask = task_mask(result.segmentation_masks, 0)
        if where is None:
            xy, points = landmarks[:, :2] * (w, h), points * (w, h)
        else:  # the landmarks and the two points back on the frame in one projection
            both = roi.to_frame(np.vstack([landmarks[:, :2], points]) * roi.CROP_SIDE, where)
            xy, points = both[:N_LANDMARKS], both[N_LANDMARKS:]
            if mask is not None:
                mask = roi.mask_to_frame(mask, where, w, h)
        following = roi.roi_from_points(self._filter.apply(points))
        if following.usable() and abs(following.rotation) <= roi.MAX_TURN_RAD:
            self._roi = following
        else:
            self._lost()
        image = np.column_stack([xy, landmarks[:, 3]])
        return [Person(image, mask)]

    def _lost(self) -> None:
        self._roi = None
        self._filter.reset()

    def close(self) -> None:
        self._finder.close()
        self._tracker.close()


def make_backend(model_file: str | os.PathLike | None = None) -> PoseBackend:
    """The pose backend: the shipped full model tracked as the legacy graph did (:class:`RoiPose`), or the user's
    own ``.task`` file in the Tasks API's video mode (:class:`TaskPose`); a copy of the shipped bundle is tracked as
    the shipped one is."""
    if not model_file:
        return RoiPose()
    return RoiPose(model_file) if bundle.is_packed(model_file) else TaskPose(model_file)
