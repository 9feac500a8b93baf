"""The frame scheduler: :func:`track` runs a whole video through the pose backends. Decoding runs on its own
thread (:func:`prefetch`); a clip of :data:`MIN_SPLIT_S` or more is cut at keyframes into stretches that two
pose graphs track side by side, longest first; each stretch keeps the central, largest person and follows
them; the stretches are put back together in time order as one :class:`~screening.pose.series.PoseSeries`."""
from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .. import waits
from ..allocator import release_free_memory
from ..brightness import picture_brightness
from ..errors import VideoError
from ..values import Note
from ..video import Frame, ReadReport, VideoInfo, keyframe_times, read_frames
from .backends import PoseBackend, make_backend
from .outline import shank_width, trunk_outline
from .people import Census, apply_census, bbox, iou, main_person
from .series import N_LANDMARKS, OUTLINE_STATIONS, PoseSeries, TrunkOutline

#: frames are scaled to this longest side before inference (the model itself sees 256-pixel crops;
#: at 1920 px, MediaPipe's full-size segmentation mask costs 30% of the frame rate)
ANALYSIS_MAX_SIDE = 1280


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
class Stretch:
    """What one pose graph saw over one stretch of the video (and over a live set: :mod:`screening.live`)."""

    times: list = field(default_factory=list)
    images: list = field(default_factory=list)
    outlines: list = field(default_factory=list)
    shanks: list = field(default_factory=list)
    boxes: list = field(default_factory=list)
    brightness: list = field(default_factory=list)
    report: ReadReport = field(default_factory=ReadReport)
    backend_name: str = "unknown"


def _follow(frames: Iterable[Frame], backend: PoseBackend, info: VideoInfo, out: Stretch,
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
            out.outlines.append(np.full((len(OUTLINE_STATIONS), 2), np.nan))
            out.shanks.append(np.full(2, np.nan))
            out.boxes.append(None)
        else:
            out.outlines.append(trunk_outline(person.mask, person.image))
            out.shanks.append(shank_width(person.mask, person.image))
            out.images.append(person.image * scale)
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
    parts = [Stretch() for _ in range(len(bounds) - 1)]
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
    for part in parts:
        report.frames_read += part.report.frames_read
        if part.report.truncated_at_s is not None and report.truncated_at_s is None:
            report.truncated_at_s = part.report.truncated_at_s
    if report.frames_read == 0:
        raise VideoError(f"No frame of '{source}' could be decoded.",
                         "The file may be truncated or corrupt: export or copy it again and retry.")
    times = [t for p in parts for t in p.times]
    images = [x for p in parts for x in p.images]
    outlines = [x for p in parts for x in p.outlines]
    shanks = [x for p in parts for x in p.shanks]
    tracked_boxes = [x for p in parts for x in p.boxes]
    width, height = info.width, info.height
    series = PoseSeries(
        time_s=np.asarray(times, dtype=np.float64),
        image=np.asarray(images, dtype=np.float64).reshape(-1, N_LANDMARKS, 3),
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
        apply_census(series, cen.samples, tracked_boxes)
    return series
