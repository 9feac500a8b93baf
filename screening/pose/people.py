"""Counting the people in view: person boxes and their overlap, the central, largest person, the
:class:`Census` that counts people every :data:`CENSUS_PERIOD_S` of video on its own thread, and
:func:`apply_census`, which leaves out the frames where the tracker followed somebody else."""
from __future__ import annotations

import queue
import threading
from typing import Any

import numpy as np

from .. import waits
from ..values import Note
from ..video import Frame
from .model import task_landmarker, task_people
from .series import PoseSeries

CENSUS_PERIOD_S = 2.0


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
        self._lm: Any | None = None  # MediaPipe's PoseLandmarker (untyped), made by the first count()
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
            self._lm, _, self._mp = task_landmarker(None, False, 4, False)
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
        assert self._lm is not None  # count(), the only caller, made it
        return [bbox(p.image) for p in task_people(self._lm.detect(img), w, h, packed=True)]

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


def apply_census(series: PoseSeries, samples: list[tuple[float, list[np.ndarray]]],
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
        tracked_box = tracked[i]
        if tracked_box is not None and len(boxes) > 1:
            ious = [iou(tracked_box, b) for b in boxes]
            if boxes[int(np.argmax(ious))] is not target:
                # between census samples nobody knows: leave out everything up to the neighbouring samples
                wrong.append((times[j - 1] if j > 0 else -np.inf, times[j + 1] if j + 1 < len(times) else np.inf))
    sel = np.zeros(len(series), bool)
    for a, b in wrong:
        sel |= (series.time_s > a) & (series.time_s < b)
    series.image[sel] = np.nan
    series.outline.extent[sel] = np.nan
    if series.shank_width is not None:
        series.shank_width[sel] = np.nan
    dropped = float(sel.sum() / max(len(series), 1) * (series.time_s[-1] - series.time_s[0] if len(series) else 0))
    series.notes.append(Note.of("people_in_view", people=series.people_in_view, dropped_s=dropped))
