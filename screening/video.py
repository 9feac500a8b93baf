"""Video input: files (any container FFmpeg reads) and webcams, upright frames with real timestamps.

Phones record variable frame rate and store portrait clips sideways with a rotation flag. Frames here
carry their presentation time in seconds (not ``index / fps``) and are turned upright, so every later
stage sees the person as a viewer would.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from . import waits
from .errors import VideoError

Source = str | os.PathLike | int

#: Refuse files larger than this (bytes) or longer than this (seconds) unless the caller raises it.
MAX_BYTES = 4 * 1024**3
MAX_DURATION_S = 20 * 60.0


@dataclass(frozen=True)
class VideoInfo:
    """What is known about a video before decoding it. Width and height are the upright (displayed) size."""

    path: str
    fps: float
    frame_count: int
    duration_s: float
    width: int
    height: int
    rotation_deg: int
    size_bytes: int | None = None
    is_webcam: bool = False


@dataclass
class Frame:
    index: int
    time_s: float
    rgb: np.ndarray  # (H, W, 3) uint8, upright
    #: the decoded frame (native pixel format, at the size read) when it needs no turning upright; lets a
    #: writer scale and re-encode it without a round trip through RGB
    decoded: object | None = field(default=None, repr=False, compare=False)


@dataclass
class ReadReport:
    """Filled while frames are read: how reading ended."""

    frames_read: int = 0
    truncated_at_s: float | None = None


def _av():
    import av  # imported lazily: `screening --help` stays fast

    return av


def _not_a_video(path: str, detail: str) -> VideoError:
    return VideoError(
        f"'{path}' could not be read as a video ({detail}).",
        "Check that it is a video file (MP4, MOV, AVI, WebM, MKV) that plays in a video player; "
        "if it came from a phone, export or share it again and use the new copy.",
    )


def probe(source: Source, max_bytes: int = MAX_BYTES, max_duration_s: float = MAX_DURATION_S) -> VideoInfo:
    """Open a video file (or a webcam index) and describe it, refusing what cannot be analysed."""
    if isinstance(source, int):
        return _probe_webcam(source)
    path = str(source)
    p = Path(path)
    if not p.exists():
        raise VideoError(f"'{path}' does not exist.", "Check the path and the file name.")
    if p.is_dir():
        raise VideoError(f"'{path}' is a folder, not a video.", "Give the path of one video file.")
    size = p.stat().st_size
    if size == 0:
        raise VideoError(f"'{path}' is empty (0 bytes).", "The recording or the copy failed: record or copy it again.")
    if size > max_bytes:
        raise VideoError(
            f"'{path}' is {size / 1024**3:.1f} GB, over the {max_bytes / 1024**3:.1f} GB limit.",
            "Trim the clip to the sets you want screened (a screen needs 10-60 s), or export it at 1080p.",
        )
    av = _av()
    try:
        container = av.open(path)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise _not_a_video(path, type(exc).__name__ + ": " + str(exc).split(":")[0]) from None
    try:
        if not container.streams.video:
            raise VideoError(
                f"'{path}' has no video stream (it may be audio only).",
                "Use the video file itself, not an audio export.",
            )
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 0) or 30.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        else:
            duration = 0.0
        if duration > max_duration_s:
            raise VideoError(
                f"'{path}' lasts {_duration(duration)}, over the {_duration(max_duration_s)} limit.",
                "Trim the clip to the sets you want screened (a screen needs 10-60 s).",
            )
        frame_count = int(stream.frames or round(duration * fps))
        first = _first_frame(container, stream)
        if first is None:
            raise _not_a_video(path, "no frame could be decoded; the file may be truncated or corrupt")
        rotation = int(first.rotation or 0) % 360
        w, h = first.width, first.height
        if rotation in (90, 270):
            w, h = h, w
        if frame_count <= 0 or duration <= 0:
            duration = duration or frame_count / fps
    finally:
        container.close()
    return VideoInfo(path, fps, max(frame_count, 1), duration, w, h, rotation, size)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _first_frame(container, stream):
    av = _av()
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError:
        return None
    return None


def scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Even width and height (H.264 wants even sizes) with the longest side at most ``max_side``."""
    scale = min(1.0, max_side / max(width, height))
    return int(round(width * scale / 2)) * 2, int(round(height * scale / 2)) * 2


def upright(rgb: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a display rotation (counter-clockwise degrees, as FFmpeg/PyAV report it)."""
    k = (rotation_deg // 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb


def read_frames(source: Source, info: VideoInfo | None = None, report: ReadReport | None = None,
                webcam_seconds: float = 30.0, max_side: int | None = None,
                start_s: float = 0.0, end_s: float | None = None) -> Iterator[Frame]:
    """Yield upright RGB frames with their presentation time (seconds from the first frame).

    ``max_side`` scales frames down (keeping the aspect ratio) while decoding: pose models run on
    256-pixel crops, and a 1280-pixel frame costs a third less than a 1920-pixel one to feed them.

    ``start_s`` / ``end_s`` read one stretch of the file, ``start_s <= time < end_s`` (times still count
    from the file's first frame; indices count from the stretch's first frame): the decoder seeks to the
    keyframe before ``start_s``. Consecutive stretches read every frame exactly once.

    A file that breaks off part way (truncated download) ends the iteration early and records where in
    ``report``; a file with no decodable frame at all raises :class:`VideoError` (a stretch after the
    start that holds no frame is merely empty).
    """
    if isinstance(source, int):
        yield from _read_webcam(source, webcam_seconds, report)
        return
    info = info or probe(source)
    report = report if report is not None else ReadReport()
    av = _av()
    container = av.open(str(source))
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        t0 = None
        last_t = -1.0
        index = 0
        if start_s > 0:
            t0 = _first_pts_s(source)
            try:
                # one tick past the start: a stretch that starts on a keyframe starts decoding there
                container.seek(max(int(round((t0 + start_s) / stream.time_base)) + 1, 0), stream=stream,
                               backward=True)
            except (av.error.FFmpegError, EOFError):
                report.truncated_at_s = start_s
                return
            last_t = -np.inf
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except (av.error.FFmpegError, EOFError):
                report.truncated_at_s = max(last_t, start_s)
                break
            if frame.pts is None:
                t = index / info.fps
            else:
                t = float(frame.pts * stream.time_base)
            t0 = t if t0 is None else t0
            t -= t0
            if t <= last_t:  # duplicated or out-of-order timestamps: keep time strictly increasing
                t = last_t + 1e-3
            last_t = t
            if t < start_s - 1e-6:  # decoded from the keyframe before the stretch
                continue
            if end_s is not None and t >= end_s - 1e-6:
                break
            rotation = int(frame.rotation or 0)
            if max_side and max(frame.width, frame.height) > max_side:
                w, h = scaled_size(frame.width, frame.height, max_side)
                # swscale's area filter: as fast as no scaling; to_ndarray(width=...) is bicubic, 4x slower.
                # Scaled in YUV (the colour marking is kept), converted after: 1.5-2 ms a 1080p frame less
                # than scaling to RGB, and the small frame is what a recorder encodes.
                yuv = frame.format.name == "yuv420p" and w % 2 == 0 and h % 2 == 0
                frame = frame.reformat(width=w, height=h, format="yuv420p" if yuv else "rgb24", interpolation="AREA")
            rgb = cv2.cvtColor(frame.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2RGB_I420) \
                if _opencv_converts(frame) else frame.to_ndarray(format="rgb24")
            yield Frame(index, t, upright(rgb, rotation), frame if rotation % 360 == 0 else None)
            index += 1
            report.frames_read = index
    finally:
        container.close()
    if report.frames_read == 0 and start_s <= 0:
        raise _not_a_video(str(source), "no frame could be decoded; the file may be truncated or corrupt")


def _opencv_converts(frame) -> bool:
    """Whether OpenCV's I420 -> RGB conversion (BT.601, video range) is this frame's own: yuv420p of even size,
    BT.601 or unmarked, not full range. It runs in a third of swscale's time and matches it to within 3
    levels; BT.709 (most phone clips mark it), full-range and other formats go through swscale, which
    follows the frame's marking."""
    return (frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0
            and int(frame.colorspace) in _BT601 and int(frame.color_range) != _FULL_RANGE)


#: libavutil's AVColorSpace values that mean BT.601 (or nothing said), and AVCOL_RANGE_JPEG
_BT601 = (2, 5, 6)  # unspecified, BT470BG, SMPTE170M
_FULL_RANGE = 2


def _first_pts_s(source: Source) -> float:
    """Presentation time of the file's first frame (the origin of every ``Frame.time_s``)."""
    av = _av()
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            return float(frame.pts * stream.time_base) if frame.pts is not None else 0.0
    return 0.0


def keyframe_times(source: Source) -> list[float]:
    """Times of the keyframes (seconds from the first frame), read from the packets without decoding:
    where a reader can start in the middle of the file without decoding frames it does not want."""
    if isinstance(source, int):
        return [0.0]
    av = _av()
    t0 = _first_pts_s(source)
    try:
        with av.open(str(source)) as container:
            stream = container.streams.video[0]
            times = sorted(float(p.pts * stream.time_base) - t0 for p in container.demux(stream)
                           if p.is_keyframe and p.pts is not None)
    except (av.error.FFmpegError, EOFError):
        return [0.0]
    return [max(t, 0.0) for t in times] or [0.0]


def _probe_webcam(index: int) -> VideoInfo:
    import cv2

    cap = cv2.VideoCapture(index)
    try:
        if not cap.isOpened():
            raise VideoError(
                f"No webcam could be opened at index {index}.",
                "Check that a camera is connected and not used by another program, or try index 0 or 1; "
                "or record a clip and analyse the file.",
            )
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        cap.release()
    return VideoInfo(f"webcam:{index}", fps, 0, 0.0, w, h, 0, None, True)


def _read_webcam(index: int, seconds: float, report: ReadReport | None) -> Iterator[Frame]:
    import cv2

    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        _probe_webcam(index)  # raises the explanatory error
    t0 = time.monotonic()
    i = 0
    try:
        while True:
            ok, bgr = cap.read()
            t = time.monotonic() - t0
            if not ok or t > seconds:
                break
            yield Frame(i, t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            i += 1
            if report is not None:
                report.frames_read = i
    finally:
        cap.release()


class VideoWriter:
    """H.264 MP4 writer (yuv420p, plays in every browser). Frames are RGB; odd sizes are padded."""

    def __init__(self, path: str | os.PathLike, fps: float, width: int, height: int, crf: int = 23,
                 preset: str = "veryfast", threads: int = 0):
        av = _av()
        self.width, self.height = width + width % 2, height + height % 2
        # faststart: the index goes first, so a browser starts playing before the whole file has arrived
        self._container = av.open(str(path), "w", options={"movflags": "+faststart"})
        rate = max(1, int(round(fps)))
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self.width, self.height
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"preset": preset, "crf": str(crf)}
        if threads:
            self._stream.codec_context.thread_count = threads
        self._stream.codec_context.time_base = _fraction(1, 1000)
        self._av = av
        self._last_pts = -1

    def write(self, rgb: np.ndarray, time_s: float) -> None:
        if rgb.shape[0] != self.height or rgb.shape[1] != self.width:
            pad = np.zeros((self.height, self.width, 3), np.uint8)
            pad[: rgb.shape[0], : rgb.shape[1]] = rgb[: self.height, : self.width]
            rgb = pad
        # OpenCV's conversion (BT.601, video range, as swscale's default): 10x faster than PyAV's reformat
        i420 = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
        self._encode(self._av.VideoFrame.from_ndarray(i420, format="yuv420p"), time_s)

    def write_decoded(self, frame, time_s: float) -> None:
        """Write a frame straight from a decoder (any size and pixel format): scaled to this writer's
        size with swscale's area filter, with no round trip through RGB."""
        out = frame.reformat(width=self.width, height=self.height, format="yuv420p", interpolation="AREA")
        self._encode(out, time_s)

    def _encode(self, frame, time_s: float) -> None:
        pts = max(int(round(time_s * 1000)), self._last_pts + 1)
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = _fraction(1, 1000)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def abort(self) -> None:
        """Close without encoding the frames the encoder still holds (a run that is stopped: its file is
        deleted, and flushing would only delay the stop)."""
        self._container.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _fraction(a: int, b: int):
    from fractions import Fraction

    return Fraction(a, b)


class BackgroundWriter:
    """A :class:`VideoWriter` fed through a short queue and encoding on its own thread, so that the
    caller draws the next frame while the encoder works on the last (the frame must not be changed
    after it is handed over)."""

    def __init__(self, *args, **kwargs):
        import queue
        import threading

        self._writer = VideoWriter(*args, **kwargs)
        self._queue: "queue.Queue" = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="screening-encode", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:
                try:
                    self._writer.write(*item)
                except BaseException as exc:  # re-raised on the caller's thread
                    self._error = exc

    def write(self, rgb: np.ndarray, time_s: float) -> None:
        if self._error is not None:
            raise self._error
        waits.put(self._queue, (rgb, time_s))

    def close(self) -> None:
        waits.finish(self._queue, self._thread)
        try:
            if self._error is None:
                self._writer.close()
        finally:
            if self._error is not None:
                self._writer.abort()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Stop at once (Ctrl-C, a failure): the frames still queued are dropped, the encoder is not
        flushed; the file is left incomplete, for the caller to delete."""
        waits.finish(self._queue, self._thread, drop=True)
        self._writer.abort()

