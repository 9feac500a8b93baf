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
"""
from __future__ import annotations

import functools
import os
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

import numpy as np

from . import bundle, roi, waits
from .allocator import release_free_memory
from .errors import ModelError, VideoError
from .landmarks import LM
from .quality import picture_brightness
from .video import Frame, ReadReport, VideoInfo, keyframe_times, read_frames
from .values import Note

N_LANDMARKS = 33
#: stations along the hip (0) -> shoulder (1) chord where the silhouette outline is sampled (every 0.025)
OUTLINE_STATIONS = np.linspace(-0.1, 1.1, 49)
OUTLINE_REACH = 0.8  # how far (in chord lengths) rays look for the silhouette edge
#: samples along each ray; the edge is placed between the two samples where the mask's probability crosses 0.5
#: (linear interpolation of the soft mask: a sub-sample edge; the first cut of 64 samples without it
#: quantised the outline to 1/80 of the trunk, 2-3 px, as coarse as the bends it measures)
OUTLINE_SAMPLES = 96
CENSUS_PERIOD_S = 2.0
#: frames are scaled to this longest side before inference (the model itself sees 256-pixel crops;
#: at 1920 px, MediaPipe's full-size segmentation mask costs 30% of the frame rate)
ANALYSIS_MAX_SIDE = 1280


@dataclass
class Person:
    """One person found in one frame by a backend."""

    image: np.ndarray  # (33, 3): x px, y px, visibility
    world: np.ndarray  # (33, 3): metres, hip-centred
    mask: np.ndarray | None = None  # (H, W) float probability, same size as the frame


class PoseBackend(Protocol):
    name: str

    def process(self, rgb: np.ndarray, time_s: float) -> list[Person]: ...

    def close(self) -> None: ...


@dataclass
class TrunkOutline:
    """Silhouette extent either side of the hip->shoulder chord, per frame, in chord lengths.

    ``extent[f, k, 0]`` is the distance from the chord at station ``stations[k]`` to the silhouette edge
    on the image-left side of the chord direction (chord rotated +90 degrees in image coordinates),
    ``extent[f, k, 1]`` on the other side. Which side is the back depends on the facing, decided later.
    NaN where there is no mask or no trunk.
    """

    stations: np.ndarray
    extent: np.ndarray  # (N, K, 2)


@dataclass
class PoseSeries:
    """The raw output of pose tracking, one row per decoded frame."""

    time_s: np.ndarray  # (N,)
    image: np.ndarray  # (N, 33, 3): x px, y px, visibility; NaN where nobody was tracked
    world: np.ndarray  # (N, 33, 3)
    outline: TrunkOutline
    width: int
    height: int
    backend: str
    people_in_view: int = 1
    notes: list[str] = field(default_factory=list)
    #: (N, 2) silhouette width across the middle of the left / right shank, in shank lengths (a leg is
    #: ~0.3; a barbell plate or a bench in front of the shins makes it ~1): see :func:`shank_width`
    shank_width: np.ndarray | None = None
    #: (N,) the picture's mean brightness (0-255), black bars left out (screening.quality.picture_brightness)
    brightness: np.ndarray | None = None

    @property
    def detected(self) -> np.ndarray:
        return ~np.isnan(self.image[:, 0, 0])

    def __len__(self) -> int:
        return len(self.time_s)


# --------------------------------------------------------------------------------------------- backends
def _mediapipe():
    import mediapipe as mp

    return mp


#: the pose model bundle shipped in the package, and the record of how it was made (tools/build_pose_bundle.py)
BUNDLE_PATH = Path(__file__).resolve().parent / "data" / "pose_landmarker_full.task"
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


def _task_landmarker(model: str | os.PathLike | bytes | None, video_mode: bool, num_poses: int, masks: bool,
                     shipped: bool = False):
    """A Tasks API ``PoseLandmarker``: ``model`` None is the shipped bundle (checked), else a user's ``.task``
    file (or its bytes)."""
    mp = _mediapipe()
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


def _mask(masks, i: int) -> np.ndarray | None:
    """The ``i``-th segmentation mask of a Tasks API result as (H, W) probabilities (mediapipe 1.x gives (H, W, 1))."""
    if not masks or i >= len(masks):
        return None
    mask = masks[i].numpy_view()
    return mask[..., 0] if mask.ndim == 3 else mask


def _task_people(result, w: int, h: int, packed: bool = False) -> list[Person]:
    """The people of a Tasks API result, in pixels. ``packed``: from the shipped landmark model, whose mouth
    slots carry the alignment points (:mod:`screening.bundle`): the mouth is unknown there (NaN, visibility 0)."""
    people = []
    masks = result.segmentation_masks or []
    for i, lms in enumerate(result.pose_landmarks):
        image = np.array([(p.x * w, p.y * h, p.visibility) for p in lms], dtype=np.float64)
        if packed:
            image[list(bundle.ALIGNMENT_SLOTS)] = (np.nan, np.nan, 0.0)
        wl = result.pose_world_landmarks[i] if i < len(result.pose_world_landmarks) else []
        world = np.array([(p.x, p.y, p.z) for p in wl], dtype=np.float64) if wl else np.full((N_LANDMARKS, 3), np.nan)
        mask = _mask(masks, i)
        people.append(Person(image, world, mask))
    return people


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
    one person). Other people in view are the census's business (:class:`Census`).
    """

    def __init__(self, model: str | os.PathLike | bytes | None = None, num_poses: int = 1, segmentation: bool = True):
        self._lm, label, self._mp = _task_landmarker(model, True, num_poses, segmentation)
        self.name = f"mediapipe-tasks-{label}"
        self._last_ms = -1
        self._num_poses = num_poses
        self._last_visibility: np.ndarray | None = None

    def process(self, rgb: np.ndarray, time_s: float) -> list[Person]:
        # the graph's clock: TIME_DILATION_MS per frame, not the video's time (see TIME_DILATION_MS)
        ms = self._last_ms + TIME_DILATION_MS if self._last_ms >= 0 else 0
        self._last_ms = ms
        img = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        people = _task_people(self._lm.detect_for_video(img, ms), rgb.shape[1], rgb.shape[0])
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


def _raw(landmarks) -> np.ndarray:
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
        self._finder, _, self._mp = _task_landmarker(bundle.finder(path), False, 1, segmentation, shipped=shipped)
        try:
            self._tracker, _, _ = _task_landmarker(bundle.tracker(path), False, 1, segmentation, shipped=shipped)
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
        landmarks, points = bundle.unpack(_raw(result.pose_landmarks[0]), mouth_known=where is not None)
        world = _raw(result.pose_world_landmarks[0])[:, :3] if result.pose_world_landmarks else \
            np.full((N_LANDMARKS, 3), np.nan)
        mask = _mask(result.segmentation_masks, 0)
        if where is None:
            xy, points = landmarks[:, :2] * (w, h), points * (w, h)
        else:  # the landmarks and the two points back on the frame in one projection
            both = roi.to_frame(np.vstack([landmarks[:, :2], points]) * roi.CROP_SIDE, where)
            xy, points = both[:N_LANDMARKS], both[N_LANDMARKS:]
            c, s = np.cos(where.rotation), np.sin(where.rotation)
            world[:, :2] = world[:, :2] @ np.array([[c, s], [-s, c]])  # as the legacy graph turns them
            if mask is not None:
                mask = roi.mask_to_frame(mask, where, w, h)
        following = roi.roi_from_points(self._filter.apply(points))
        if following.usable() and abs(following.rotation) <= roi.MAX_TURN_RAD:
            self._roi = following
        else:
            self._lost()
        image = np.column_stack([xy, landmarks[:, 3]])
        return [Person(image, world, mask)]

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


# --------------------------------------------------------------------------------------------- people
def bbox(image: np.ndarray) -> np.ndarray:
    """x0, y0, x1, y1 of the landmarks with visibility >= 0.3 (all of them if fewer than 4 are)."""
    pts = image[image[:, 2] >= 0.3, :2]
    if len(pts) < 4:
        pts = image[:, :2]
    return np.array([*np.nanmin(pts, 0), *np.nanmax(pts, 0)])


def _area(b: np.ndarray) -> float:
    return float((b[2] - b[0]) * (b[3] - b[1]))


def _intersection(a: np.ndarray, b: np.ndarray) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = _intersection(a, b)
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _overlap_of_smaller(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box's area (1.0: one box lies inside the other)."""
    smaller = min(_area(a), _area(b))
    return _intersection(a, b) / smaller if smaller > 0 else 1.0


def main_person(boxes: list[np.ndarray], width: int, height: int) -> int:
    """Index of the central, largest person: area weighted by closeness to the image centre."""
    centre = np.array([width / 2, height / 2])
    half_diag = np.hypot(width, height) / 2
    scores = []
    for b in boxes:
        area = (b[2] - b[0]) * (b[3] - b[1])
        dist = np.hypot(*((b[:2] + b[2:]) / 2 - centre)) / half_diag
        scores.append(area * (1.0 - 0.7 * dist))
    return int(np.argmax(scores))


class Census:
    """Counts the people in view on a few frames (runs on the decoding thread)."""

    def __init__(self, width: int, height: int, period_s: float = CENSUS_PERIOD_S, max_side: int = 480):
        self.width, self.height = width, height  # boxes are reported in these (full-frame) pixels
        self.period_s = period_s
        self.max_side = max_side
        self.samples: list[tuple[float, list[np.ndarray]]] = []  # (time, boxes in full-frame pixels)
        self._buckets: set[int] = set()
        self._lock = threading.Lock()
        self._lm = None
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def maybe_count(self, frame: Frame) -> None:
        """Hand the frame to the census's own thread when a sample is due: the first frame of every
        ``period_s`` of video. Thread-safe (the decoding threads of several stretches share one census),
        and the decoding thread that calls this never waits for the count."""
        bucket = int(frame.time_s // self.period_s)
        with self._lock:
            if bucket in self._buckets:
                return
            self._buckets.add(bucket)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="screening-census", daemon=True)
                self._thread.start()
        self._queue.put(frame)

    def _work(self) -> None:
        while True:
            frame = self._queue.get()
            if frame is None:
                return
            try:
                self.count(frame)
            except BaseException as exc:  # re-raised by close(), on the caller's thread
                self._error = exc
                return

    def count(self, frame: Frame) -> None:
        """Count people on the whole frame and on three square tiles along its long side.

        BlazePose's detector sees the whole frame squeezed into 224 px and scores a second, smaller
        person next to a dominant one very low; alone in a tile, the same person is found.
        """
        if self._lm is None:
            self._lm, _, self._mp = _task_landmarker(None, False, 4, False)
        rgb = frame.rgb
        h, w = rgb.shape[:2]
        short, long_ = min(h, w), max(h, w)
        views = [(rgb, 0, 0)]
        if long_ > 1.2 * short:
            for off in np.linspace(0, long_ - short, 3).astype(int):
                tile = rgb[:, off:off + short] if w >= h else rgb[off:off + short, :]
                views.append((tile, off if w >= h else 0, 0 if w >= h else off))
        fx, fy = self.width / w, self.height / h  # analysis pixels -> full-frame pixels
        boxes: list[np.ndarray] = []
        for img, ox, oy in views:
            for b in self._detect(img):
                b = (b + np.array([ox, oy, ox, oy])) * np.array([fx, fy, fx, fy])
                if all(_overlap_of_smaller(b, k) <= 0.5 for k in boxes):
                    boxes.append(b)
        self.samples.append((frame.time_s, boxes))

    def _detect(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Person boxes in this image's pixels."""
        h, w = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        small = rgb
        if scale < 1.0:
            import cv2

            small = cv2.resize(rgb, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
        img = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(small))
        return [bbox(p.image) for p in _task_people(self._lm.detect(img), w, h, packed=True)]

    def close(self, discard: bool = False) -> None:
        """Finish the samples handed over so far (and put them in time order: stretches hand them over
        out of order), then free the model. ``discard``: the run is stopped; the frames not yet counted
        are dropped rather than counted (a slow machine can have a few waiting)."""
        if self._thread is not None:
            waits.finish(self._queue, self._thread, drop=discard)
            self._thread = None
        self.samples.sort(key=lambda sample: sample[0])
        if self._lm is not None:
            self._lm.close()
            self._lm = None
        if self._error is not None:
            raise self._error


# --------------------------------------------------------------------------------------------- outline
def _inside_along(mask: np.ndarray, base: np.ndarray, n: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(K, 2, M) whether the silhouette covers the points ``d`` pixels from each of the K ``base`` points,
    along the unit normal ``n`` (side 0) and against it (side 1); off the picture is outside."""
    sides = np.stack([n, -n])  # (2, 2)
    pts = base[:, None, None, :] + sides[None, :, None, :] * d[None, None, :, None]  # (K, 2, M, 2)
    h, w = mask.shape[:2]
    xi = np.clip(np.rint(pts[..., 0]).astype(np.int64), 0, w - 1)
    yi = np.clip(np.rint(pts[..., 1]).astype(np.int64), 0, h - 1)
    inside = mask[yi, xi] > 0.5
    inside &= (pts[..., 0] >= 0) & (pts[..., 0] < w) & (pts[..., 1] >= 0) & (pts[..., 1] < h)
    return inside


def trunk_outline(mask: np.ndarray | None, image: np.ndarray) -> np.ndarray:
    """Silhouette extent either side of the hip->shoulder chord at :data:`OUTLINE_STATIONS`, (K, 2): where the
    person segmentation's probability first falls below 0.5 walking out from the chord along each side's
    normal, to a fraction of a sample (the soft mask read bilinearly, the crossing interpolated). NaN where
    the chord point is itself off the silhouette or the edge is beyond :data:`OUTLINE_REACH`."""
    import cv2

    k = len(OUTLINE_STATIONS)
    out = np.full((k, 2), np.nan)
    if mask is None:
        return out
    hip = (image[LM.LEFT_HIP, :2] + image[LM.RIGHT_HIP, :2]) / 2
    sh = (image[LM.LEFT_SHOULDER, :2] + image[LM.RIGHT_SHOULDER, :2]) / 2
    chord = sh - hip
    length = float(np.hypot(*chord))
    if not np.isfinite(length) or length < 5:
        return out
    u = chord / length
    n = np.array([u[1], -u[0]])  # chord rotated +90 deg on screen (y down): image-left of the chord
    d = np.linspace(0, OUTLINE_REACH, OUTLINE_SAMPLES)
    base = hip[None, :] + OUTLINE_STATIONS[:, None] * chord[None, :]  # (K, 2)
    sides = np.stack([n, -n])  # (2, 2)
    pts = base[:, None, None, :] + sides[None, :, None, :] * (d * length)[None, None, :, None]  # (K, 2, M, 2)
    prob = cv2.remap(np.ascontiguousarray(mask, dtype=np.float32), pts[..., 0].reshape(k * 2, -1).astype(np.float32),
                     pts[..., 1].reshape(k * 2, -1).astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0.0).reshape(k, 2, -1)
    inside = prob >= 0.5
    first_out = np.argmax(~inside, axis=2)  # (K, 2); 0 when the chord point is itself outside
    found = (~inside).any(axis=2) & (first_out > 0)
    j = np.clip(first_out, 1, OUTLINE_SAMPLES - 1)
    a = np.take_along_axis(prob, (j - 1)[..., None], axis=2)[..., 0].astype(np.float64)
    b = np.take_along_axis(prob, j[..., None], axis=2)[..., 0].astype(np.float64)
    with np.errstate(all="ignore"):
        frac = np.where(a - b > 1e-6, (a - 0.5) / (a - b), 0.0)
    edge = d[j - 1] + np.clip(frac, 0, 1) * (d[j] - d[j - 1])
    out[found] = edge[found]
    return out


def shank_width(mask: np.ndarray | None, image: np.ndarray, reach: float = 1.2, samples: int = 48) -> np.ndarray:
    """(2,) silhouette width across the middle of the left and right shank, in shank lengths.

    A bare or trousered shank is ~0.3 wide; where something the segmentation counts as the person stands in
    front of the legs (a barbell plate held at the shins, a bench) the silhouette there is ~1 wide, and the
    knee and ankle landmarks behind it are MediaPipe's guesses (it still gives them visibility ~0.9). 0 when
    the middle of the shank is not on the silhouette at all. NaN without a mask or a shank."""
    out = np.full(2, np.nan)
    if mask is None:
        return out
    s = np.linspace(0, reach, samples)
    for j, (k, a) in enumerate(((LM.LEFT_KNEE, LM.LEFT_ANKLE), (LM.RIGHT_KNEE, LM.RIGHT_ANKLE))):
        d = image[a, :2] - image[k, :2]
        length = float(np.hypot(*d))
        if not np.isfinite(length) or length < 5:
            continue
        u = d / length
        inside = _inside_along(mask, (image[k, :2] + d / 2)[None, :], np.array([u[1], -u[0]]), s * length)[0]
        if not inside[:, 0].all():
            out[j] = 0.0
            continue
        first_out = np.where((~inside).any(axis=1), np.argmax(~inside, axis=1), samples - 1)
        out[j] = float(s[first_out].sum())
    return out


# --------------------------------------------------------------------------------------------- tracking
def prefetch(frames: Iterable[Frame], census: Census | None, maxsize: int = 4,
              sink: Callable[[Frame], None] | None = None):
    """Decode on a second thread (and count people there, and hand frames to ``sink`` there),
    overlapping with inference on the first."""
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    stop = threading.Event()
    done = object()

    def work():
        try:
            for fr in frames:
                if census is not None:
                    census.maybe_count(fr)
                if sink is not None:
                    sink(fr)
                while not stop.is_set():
                    try:
                        q.put(fr, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            q.put(exc)

    t = threading.Thread(target=work, name="screening-decode", daemon=True)
    t.start()
    try:
        while True:
            item = waits.get(q)
            if item is done:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        t.join(timeout=5)


#: a video at least this long is tracked in stretches, side by side, one pose graph per core
MIN_SPLIT_S = 6.0
#: stretch length bounds: short enough that the graphs finish together (the stretch with a title card
#: and nobody in it runs faster), long enough that a graph's start (~0.1 s) costs little
STRETCH_S = (4.0, 30.0)


#: how often tracking hands the memory the allocator holds free back to the system
#: (:func:`screening.allocator.release_free_memory`)
TRIM_EVERY_FRAMES = 150


def default_workers(info: VideoInfo) -> int:
    """How many pose graphs run side by side: one per core (at most 2: one MediaPipe graph keeps a core
    busy, and decoding needs a little of the rest); one for webcams and short clips."""
    if info.is_webcam or info.duration_s < MIN_SPLIT_S:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def stretch_bounds(duration_s: float, workers: int, keyframes_s: list[float] | None = None) -> list[float]:
    """Start times of the stretches (and the end, ``inf``): about three per worker, each starting on a
    keyframe when ``keyframes_s`` is given (a reader starting elsewhere decodes from the keyframe before
    and throws those frames away: phones put keyframes 1-5 s apart)."""
    if workers <= 1 or duration_s <= 0:
        return [0.0, np.inf]
    length = float(np.clip(duration_s / (3 * workers), *STRETCH_S))
    n = max(workers, int(round(duration_s / length)))
    starts = [duration_s * k / n for k in range(n)]
    if keyframes_s is not None:
        keys = np.asarray(sorted(keyframes_s), float)
        min_gap = STRETCH_S[0] / 2
        snapped = [0.0]
        for t in starts[1:]:
            k = float(keys[np.argmin(np.abs(keys - t))])
            if k - snapped[-1] >= min_gap and duration_s - k >= min_gap:
                snapped.append(k)
        starts = snapped
    return starts + [np.inf]


@dataclass
class _Stretch:
    """What one pose graph saw over one stretch of the video."""

    times: list = field(default_factory=list)
    images: list = field(default_factory=list)
    worlds: list = field(default_factory=list)
    outlines: list = field(default_factory=list)
    shanks: list = field(default_factory=list)
    boxes: list = field(default_factory=list)
    brightness: list = field(default_factory=list)
    report: ReadReport = field(default_factory=ReadReport)
    backend_name: str = "unknown"


def _follow(frames: Iterable[Frame], backend: PoseBackend, info: VideoInfo, out: _Stretch,
            tick: Callable[[], None], cancel: threading.Event) -> None:
    """Track one stretch: keep the central, largest person and follow them by box overlap."""
    width, height = info.width, info.height
    target_box: np.ndarray | None = None
    for fr in frames:
        if cancel.is_set():
            return
        h_an, w_an = fr.rgb.shape[:2]
        scale = np.array([width / w_an, height / h_an, 1.0])  # back to full-frame pixels
        people = backend.process(fr.rgb, fr.time_s)
        person = None
        if people:
            boxes = [bbox(p.image * scale) for p in people]
            if len(people) == 1:
                i = 0
            elif target_box is None:
                i = main_person(boxes, width, height)
            else:
                i = int(np.argmax([iou(b, target_box) for b in boxes]))
            person = people[i]
            target_box = boxes[i]
        out.times.append(fr.time_s)
        out.brightness.append(picture_brightness(fr.rgb, 16))
        if person is None:
            out.images.append(np.full((N_LANDMARKS, 3), np.nan))
            out.worlds.append(np.full((N_LANDMARKS, 3), np.nan))
            out.outlines.append(np.full((len(OUTLINE_STATIONS), 2), np.nan))
            out.shanks.append(np.full(2, np.nan))
            out.boxes.append(None)
        else:
            out.outlines.append(trunk_outline(person.mask, person.image))
            out.shanks.append(shank_width(person.mask, person.image))
            out.images.append(person.image * scale)
            out.worlds.append(person.world)
            out.boxes.append(bbox(person.image * scale))
        tick()


def _end_sink(sink, stopped: bool) -> None:
    """End a stretch's frame sink: an encoder holds buffers, freed as its stretch ends; a stopped stretch's
    part is thrown away (``abort``: its encoder not flushed, which only delayed the stop)."""
    end = (getattr(sink, "abort", None) if stopped else None) or getattr(sink, "close", None)
    if end is not None:
        end()


def track(source, info: VideoInfo, backend: PoseBackend | None = None,
          progress: Callable[[float], None] | None = None, census: bool = True,
          report: ReadReport | None = None, frame_sink: Callable[[int], Callable[[Frame], None]] | None = None,
          model_file: str | os.PathLike | None = None, workers: int | None = None) -> PoseSeries:
    """Run pose tracking over a whole video and return the pose series of the person analysed.

    Without a ``backend`` instance, the video is cut into stretches (:func:`stretch_bounds`) that
    ``workers`` threads (default: one per core, :func:`default_workers`) track side by side, each
    stretch by a fresh pose graph made from ``model_file`` (:func:`make_backend`) and read by its own
    decoding thread. A stretch's graph starts by detecting the person afresh, exactly as at the start of
    a clip (MediaPipe's own smoothing is neutralised, so there is no filter state to carry over).

    ``frame_sink(k)`` returns the receiver of stretch ``k``'s decoded frames, called on that stretch's
    decoding thread (the annotated video's base is written there)."""
    report = report if report is not None else ReadReport()
    n_workers = 1 if backend is not None else (workers or default_workers(info))
    bounds = stretch_bounds(info.duration_s, n_workers, keyframe_times(source) if n_workers > 1 else None)
    parts = [_Stretch() for _ in range(len(bounds) - 1)]
    total = max(info.frame_count, 1)
    done = [0]
    lock = threading.Lock()
    cancel = threading.Event()
    cen = Census(info.width, info.height) if census and not info.is_webcam else None

    def tick():
        with lock:
            done[0] += 1
            n = done[0]
        if progress is not None and n % 10 == 0:
            progress(min(n / total, 1.0))
        if n % TRIM_EVERY_FRAMES == 0:
            release_free_memory()

    def run(k: int) -> None:
        if cancel.is_set():
            return
        be = make_backend(model_file) if backend is None else backend
        try:
            if cancel.is_set():  # stopped while the graph was being built
                return
            frames = read_frames(source, info, parts[k].report, max_side=ANALYSIS_MAX_SIDE,
                                 start_s=bounds[k], end_s=None if np.isinf(bounds[k + 1]) else bounds[k + 1])
            sink = frame_sink(k) if frame_sink is not None else None
            decoded = prefetch(frames, cen, sink=sink)
            try:
                _follow(decoded, be, info, parts[k], tick, cancel)
            except BaseException:
                cancel.set()
                raise
            finally:
                decoded.close()  # the decoding thread has stopped before its sink is ended
                _end_sink(sink, stopped=cancel.is_set())
            parts[k].backend_name = be.name
        except BaseException:
            cancel.set()
            raise
        finally:
            if backend is None:
                be.close()
                release_free_memory()

    try:
        if n_workers == 1:
            for k in range(len(parts)):
                run(k)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="screening-pose") as pool:
                # longest first, so that the graphs finish together (the parts are put back in time order)
                ends = [min(b, info.duration_s) for b in bounds[1:]]
                order = sorted(range(len(parts)), key=lambda k: bounds[k] - ends[k])
                futures = [pool.submit(run, k) for k in order]
                try:
                    waits.results(futures)  # in slices: a Ctrl-C delivered to a worker's thread is seen
                except BaseException:  # Ctrl-C, or a worker's failure: the other graphs stop at their next frame
                    cancel.set()
                    for f in futures:
                        f.cancel()
                    raise
    except BaseException:
        cancel.set()
        raise
    finally:
        if cen is not None:
            cen.close(discard=cancel.is_set())
    # a stretch's reader stops where the file breaks off; the later stretches then hold nothing
    for k, part in enumerate(parts):
        report.frames_read += part.report.frames_read
        if part.report.truncated_at_s is not None and report.truncated_at_s is None:
            report.truncated_at_s = part.report.truncated_at_s
    if report.frames_read == 0:
        raise VideoError(f"No frame of '{source}' could be decoded.",
                         "The file may be truncated or corrupt: export or copy it again and retry.")
    times = [t for p in parts for t in p.times]
    images = [x for p in parts for x in p.images]
    worlds = [x for p in parts for x in p.worlds]
    outlines = [x for p in parts for x in p.outlines]
    shanks = [x for p in parts for x in p.shanks]
    tracked_boxes = [x for p in parts for x in p.boxes]
    width, height = info.width, info.height
    series = PoseSeries(
        time_s=np.asarray(times, dtype=np.float64),
        image=np.asarray(images, dtype=np.float64).reshape(-1, N_LANDMARKS, 3),
        world=np.asarray(worlds, dtype=np.float64).reshape(-1, N_LANDMARKS, 3),
        outline=TrunkOutline(OUTLINE_STATIONS.copy(), np.asarray(outlines).reshape(-1, len(OUTLINE_STATIONS), 2)),
        width=width,
        height=height,
        backend=parts[0].backend_name,
        shank_width=np.asarray(shanks, dtype=np.float64).reshape(-1, 2),
        brightness=np.asarray([x for p in parts for x in p.brightness], dtype=np.float64),
    )
    if report.truncated_at_s is not None:
        series.notes.append(Note.of("video_truncated", at_s=report.truncated_at_s))
    if cen is not None:
        _apply_census(series, cen.samples, tracked_boxes)
    return series


def _apply_census(series: PoseSeries, samples: list[tuple[float, list[np.ndarray]]],
                  tracked: list[np.ndarray | None]) -> None:
    """Keep the central, largest person: drop frames where the tracker followed somebody else."""
    counts = [len(b) for _, b in samples]
    series.people_in_view = max(counts) if counts else (1 if series.detected.any() else 0)
    if series.people_in_view <= 1:
        return
    # the target: central and largest where several people are first seen, then followed by overlap
    target = None
    wrong: list[tuple[float, float]] = []
    times = [t for t, _ in samples]
    for j, (t, boxes) in enumerate(samples):
        if not boxes:
            continue
        if target is None:
            target = boxes[main_person(boxes, series.width, series.height)] if len(boxes) > 1 else boxes[0]
        else:
            target = boxes[int(np.argmax([iou(b, target) for b in boxes]))]
        i = min(int(np.searchsorted(series.time_s, t)), len(tracked) - 1)
        if tracked[i] is not None and len(boxes) > 1:
            ious = [iou(tracked[i], b) for b in boxes]
            if boxes[int(np.argmax(ious))] is not target:
                # between census samples nobody knows: leave out everything up to the neighbouring samples
                wrong.append((times[j - 1] if j > 0 else -np.inf, times[j + 1] if j + 1 < len(times) else np.inf))
    sel = np.zeros(len(series), bool)
    for a, b in wrong:
        sel |= (series.time_s > a) & (series.time_s < b)
    series.image[sel] = np.nan
    series.world[sel] = np.nan
    series.outline.extent[sel] = np.nan
    if series.shank_width is not None:
        series.shank_width[sel] = np.nan
    dropped = float(sel.sum() / max(len(series), 1) * (series.time_s[-1] - series.time_s[0] if len(series) else 0))
    series.notes.append(Note.of("people_in_view", people=series.people_in_view, dropped_s=dropped))
