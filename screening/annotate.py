"""The annotated video: the skeleton MediaPipe tracked, the key angles at their joints, and the time.

The numbers drawn are the clean series' (the same as the CSV), so drawing waits for the whole series.
To keep that second pass short, the first pass writes a scaled-down copy of the frames on its decoding
thread (:class:`BaseRecorder`, on the core inference leaves free); the second pass decodes that small
copy, draws, and encodes H.264 (browsers play it).
"""
from __future__ import annotations

import shutil
import weakref
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .angles import resolve_point
from .clean import CleanSeries, rotate
from .findings import RepResult
from .kinematics import Kinematics
from .landmarks import LM, pair
from .pose import prefetch
from .registry import fault_words, key_metrics, metric
from .video import BackgroundWriter, Frame, VideoInfo, VideoWriter, read_frames, scaled_size

#: longest side of the annotated video
ANNOTATION_MAX_SIDE = 960

BONES = [(LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), (LM.LEFT_HIP, LM.RIGHT_HIP)] + [
    (pair(a)[k], pair(b)[k]) for k in (0, 1) for a, b in (
        ("shoulder", "elbow"), ("elbow", "wrist"), ("shoulder", "hip"), ("hip", "knee"), ("knee", "ankle"),
        ("ankle", "heel"), ("heel", "toe"), ("ankle", "toe"), ("ear", "shoulder"))]
LEFT_COLOUR = (255, 140, 0)  # RGB
RIGHT_COLOUR = (0, 170, 255)
MID_COLOUR = (235, 235, 235)

#: what is written at which landmark, per view
LABELS = {
    "side": [("trunk_inclination_deg", "trunk", "mid_shoulder"), ("hip_flexion_deg", "hip", "near_hip"),
             ("knee_flexion_deg", "knee", "near_knee")],
    "front": [("knee_valgus_fppa_left_deg", "FPPA L", "left_knee"),
              ("knee_valgus_fppa_right_deg", "FPPA R", "right_knee"),
              ("pelvic_obliquity_deg", "pelvis", "mid_hip"), ("lateral_trunk_lean_deg", "lean", "mid_shoulder")],
    "oblique": [],
}


def _colour(a: LM, b: LM):
    """A bone of the left side of the body in one colour, of the right in another; a bone across the body
    or from the ear in a third."""
    sides = {LM(a).name.split("_")[0], LM(b).name.split("_")[0]}
    if a < LM.LEFT_SHOULDER or len(sides) > 1:
        return MID_COLOUR
    return LEFT_COLOUR if sides == {"LEFT"} else RIGHT_COLOUR


def draw_text(img, s: str, org, scale: float, colour=(255, 255, 255), once: bool = False):
    """``s`` at ``org`` (its baseline's left end), in ``colour`` with a black outline. A text drawn ``once``
    (a clock) is drawn directly; any other is drawn once into a sprite that later frames paste."""
    if once:
        _outlined(img, img, s, (int(org[0]), int(org[1])), scale, (0, 0, 0), colour)
        return
    keep, add, (ox, oy) = _sprite(s, round(scale, 3), tuple(colour))
    x0, y0 = int(org[0]) - ox, int(org[1]) - oy
    h, w = keep.shape[:2]
    ih, iw = img.shape[:2]
    a, b = max(0, -y0), max(0, -x0)  # the part of the sprite inside the picture
    c, d = min(h, ih - y0), min(w, iw - x0)
    if c <= a or d <= b:
        return
    roi = img[y0 + a:y0 + c, x0 + b:x0 + d]
    roi[:] = (roi * keep[a:c, b:d] + add[a:c, b:d]).astype(np.uint8)


def _stroke(scale: float) -> int:
    return max(1, int(round(2 * scale)))


def _outlined(outline_img, fill_img, s: str, org, scale: float, outline_colour, colour) -> None:
    """The two anti-aliased putText strokes of a label: a wide outline into ``outline_img``, then the text
    into ``fill_img`` (the same picture when drawn directly; two masks for a sprite)."""
    th = _stroke(scale)
    cv2.putText(outline_img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, outline_colour, th + 2, cv2.LINE_AA)
    cv2.putText(fill_img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, th, cv2.LINE_AA)


@lru_cache(maxsize=256)
def _sprite(s: str, scale: float, colour: tuple):
    """A text drawn once and pasted many times (a label's value repeats from frame to frame; putText
    costs 0.2 ms a call): per pixel the share of the picture kept and the colour added, as two anti-aliased
    putText calls (outline, then fill) would blend them."""
    pad = _stroke(scale) + 2  # the outline's width
    (w, h), base = cv2.getTextSize(s, cv2.FONT_HERSHEY_SIMPLEX, scale, pad)
    org = (pad, pad + h)
    outline = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    fill = outline.copy()
    _outlined(outline, fill, s, org, scale, 255, 255)
    ao = outline[..., None].astype(np.float32) / 255
    af = fill[..., None].astype(np.float32) / 255
    keep = (1 - ao) * (1 - af)
    add = af * np.asarray(colour, np.float32) + 0.5  # rounded when cast
    return keep, add, org


def draw(rgb: np.ndarray, pts: np.ndarray, values: dict[str, float], view_kind: str, near: str | None,
         time_s: float, header: str) -> np.ndarray:
    """Draw one frame in place. ``pts`` are (33, 2) in this frame's pixels (NaN = not drawn)."""
    h, w = rgb.shape[:2]
    scale = max(0.45, min(w, h) / 900)
    th = max(2, int(round(3 * scale)))
    ok = np.isfinite(pts).all(axis=1)
    ip = np.nan_to_num(pts).astype(np.int32).tolist()
    for a, b in BONES:
        if ok[a] and ok[b]:
            cv2.line(rgb, ip[a], ip[b], _colour(a, b), th, cv2.LINE_AA)
    for i in range(LM.LEFT_SHOULDER, len(LM)):  # the body's joints (not the face)
        if ok[i]:
            cv2.circle(rgb, ip[i], th + 1, (255, 255, 255), -1, cv2.LINE_AA)
    for name, label, where in LABELS.get(view_kind, []):
        v = values.get(name, np.nan)
        anchor = resolve_point(pts[None], where, near)[0]
        if np.isfinite(v) and np.isfinite(anchor).all():
            draw_text(rgb, f"{label} {v:.0f}", anchor + np.array([12, -8]) * scale, 0.7 * scale, (255, 255, 120))
    draw_text(rgb, f"{time_s:6.2f} s", (10 * scale, h - 14 * scale), 0.8 * scale, once=True)
    draw_text(rgb, header, (10 * scale, 30 * scale), 0.7 * scale)
    return rgb


class Recording:
    """The frames of one analysis, scaled down, kept in a private temporary folder for the annotated video
    (:func:`screening.pipeline.write_outputs`); :meth:`close` deletes them, and so does the garbage
    collector when a Recording is dropped unclosed. ``recording.sink`` is :func:`screening.pose.track`'s
    frame sink."""

    def __init__(self, fps: float):
        from .tempfiles import private_dir

        self._dir = str(private_dir("frames"))
        self.sink = BaseRecorder(Path(self._dir), fps)
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._dir, True)

    @property
    def paths(self) -> list[Path]:
        return self.sink.paths

    def finish(self) -> None:
        """The recording is complete: its encoders are flushed."""
        self.sink.close()

    def close(self) -> None:
        """Delete the recorded frames (an unfinished recording's encoders are not flushed)."""
        self.sink.abort()
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


class BaseRecorder:
    """A frame sink for :func:`screening.pose.track`: the frames, scaled down, in temporary MP4s, one per
    stretch of the video that is tracked (``recorder(k)`` is the receiver of stretch ``k``)."""

    def __init__(self, folder: Path, fps: float):
        self.folder = Path(folder)
        self.fps = fps
        self._parts: dict[int, _Part] = {}

    def __call__(self, k: int) -> "_Part":
        part = self._parts[k] = _Part(self.folder / f"base-{k}.mp4", self.fps)
        return part

    @property
    def paths(self) -> list[Path]:
        """The recorded parts in the video's order."""
        return [self._parts[k].path for k in sorted(self._parts) if self._parts[k].frames]

    def close(self) -> None:
        for part in self._parts.values():
            part.close()

    def abort(self) -> None:
        for part in self._parts.values():
            part.abort()


class _Part:
    def __init__(self, path: Path, fps: float):
        self.path = path
        self.fps = fps
        self.frames = 0
        self._writer: VideoWriter | None = None

    def __call__(self, fr: Frame) -> None:
        h, w = fr.rgb.shape[:2]
        size = scaled_size(w, h, ANNOTATION_MAX_SIDE) if max(h, w) > ANNOTATION_MAX_SIDE else (w, h)
        if self._writer is None:
            # one encoder thread: the cores belong to the pose graphs
            self._writer = VideoWriter(self.path, self.fps, size[0], size[1], crf=18, preset="ultrafast", threads=1)
        if fr.decoded is not None and size[0] % 2 == 0 and size[1] % 2 == 0:
            self._writer.write_decoded(fr.decoded, fr.time_s)  # straight from the decoder, no RGB round trip
        else:
            rgb = fr.rgb if size == (w, h) else cv2.resize(fr.rgb, size, interpolation=cv2.INTER_AREA)
            self._writer.write(rgb, fr.time_s)
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def abort(self) -> None:
        """Close without flushing the encoder (the stretch was stopped; its part is not used)."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None


#: the face landmarks of the pose model (nose, eyes, ears, mouth): what a blurred face is found from
FACE = list(range(0, 11))
#: how long a face found in one frame stands for frames where the tracker lost it
FACE_HOLD_S = 1.0


def face_circle(pts: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Centre and radius (pixels) of a disc covering the head, from the pose model's face landmarks and
    shoulders in one frame (``pts``: (33, 2)); None without a face landmark."""
    face = pts[FACE]
    face = face[np.isfinite(face).all(axis=1)]
    if not len(face):
        return None
    centre = face.mean(axis=0)
    spread = float(np.max(np.hypot(*(face - centre).T))) if len(face) > 1 else 0.0
    shoulders = pts[[LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]]
    sw = float(np.hypot(*(shoulders[0] - shoulders[1]))) if np.isfinite(shoulders).all() else 0.0
    trunk = pts[[LM.LEFT_SHOULDER, LM.LEFT_HIP]]
    tl = float(np.hypot(*(trunk[0] - trunk[1]))) if np.isfinite(trunk).all() else 0.0
    # the head is about a third of the trunk's length across, wider than the landmarks' spread (the face's
    # points cover the face, not the hair and chin around it)
    return centre, max(2.2 * spread, 0.45 * sw, 0.35 * tl, 12.0)


def blur_face(rgb: np.ndarray, circle: tuple[np.ndarray, float] | None) -> np.ndarray:
    """Pixelate the disc ``circle`` of ``rgb`` in place (coarse blocks: a face cannot be recognised, and no
    detail survives to be sharpened back)."""
    if circle is None:
        return rgb
    (cx, cy), r = circle
    h, w = rgb.shape[:2]
    x0, x1 = int(max(0, cx - r)), int(min(w, cx + r + 1))
    y0, y1 = int(max(0, cy - r)), int(min(h, cy + r + 1))
    if x1 <= x0 or y1 <= y0:
        return rgb
    patch = rgb[y0:y1, x0:x1]
    block = max(4, int(r / 3))
    small = cv2.resize(patch, (max(1, (x1 - x0) // block), max(1, (y1 - y0) // block)), interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    patch[inside] = coarse[inside]
    return rgb


def write_annotated(path: Path, bases: list[Path], info: VideoInfo, cs: CleanSeries, kin: Kinematics,
                    progress=None, grab: dict | None = None, blur_faces: bool = False,
                    raw: np.ndarray | None = None, from_standing: tuple[str, ...] = ()) -> None:
    """Draw on the frames recorded by :class:`BaseRecorder` and write the annotated MP4. ``grab``:
    ``{"index": i}`` keeps a copy of frame ``i`` before drawing, as ``grab["rgb"]`` (the key frame, without
    decoding the video again; faces already blurred when asked). ``blur_faces``: pixelate the head in every
    frame, from the tracked landmarks ``raw`` (the pose series' (N, 33, 2), in the picture's pixels); a face
    the tracker lost is covered where it was last seen, for up to :data:`FACE_HOLD_S`. ``from_standing``: the
    angles drawn as their change from the person's standing value, as the reps table gives them (a hinge's
    trunk, hip and knee), so that the video and the table say one number; the header says so."""
    # landmarks back from the levelled frame to the picture, then to the analysis size
    pts_all = rotate(cs.xy, cs.roll_deg, (cs.width / 2, cs.height / 2))
    v = cs.view
    header = f"{v.kind} view, facing {v.facing}" + (f", near side {v.near_side}" if v.near_side else "")
    names = [n for n, _, _ in LABELS.get(v.kind, [])]
    series = {k: kin.change(k) if k in from_standing else kin.values[k] for k in names}
    if any(k in from_standing for k in names):
        header += ", angles from standing"
    writer = None
    n = len(cs.time_s)
    last_face, last_t = None, -np.inf
    decoded = prefetch((fr for path in bases for fr in read_frames(path)), None)
    try:
        for i, fr in enumerate(decoded):
            if i >= n:
                break
            if writer is None:
                writer = BackgroundWriter(path, info.fps, fr.rgb.shape[1], fr.rgb.shape[0], preset="ultrafast")
            s = np.array([fr.rgb.shape[1] / cs.width, fr.rgb.shape[0] / cs.height])
            values = {k: float(series[k][i]) for k in names}
            img = fr.rgb if fr.rgb.flags.writeable else fr.rgb.copy()
            t = float(cs.time_s[i])
            if blur_faces:
                src = raw[i] if raw is not None else pts_all[i]
                circle = face_circle(src * s)
                if circle is not None:
                    last_face, last_t = circle, t
                elif t - last_t <= FACE_HOLD_S:
                    circle = last_face
                blur_face(img, circle)
            if grab is not None and grab.get("index") == i:
                grab["rgb"] = img.copy()
            # (t: the series' time; a part's own timestamps start at its first frame)
            draw(img, pts_all[i] * s, values, v.kind, v.near_side, t, header)
            writer.write(img, t)
            if progress is not None and i % 10 == 0:
                progress(i / max(n, 1))
    except BaseException:
        if writer is not None:  # Ctrl-C or a failure: the file is deleted, the frames queued are not drawn
            writer.abort()
        raise
    finally:
        decoded.close()
    if writer is not None:
        writer.close()


def key_frame_index(cs: CleanSeries, rep: RepResult) -> int:
    """The frame of the rep's bottom (the rep's own index where it kept one)."""
    if rep.frames is not None:
        return int(rep.frames[1])
    return int(np.argmin(np.abs(cs.time_s - rep.bottom_s)))


def key_frame(source, info: VideoInfo, cs: CleanSeries, rep: RepResult, pattern: str,
              rgb: np.ndarray | None = None, blur_faces: bool = False,
              raw: np.ndarray | None = None) -> np.ndarray | None:
    """The frame at the bottom of ``rep`` with the skeleton and the rep's key measures and faults drawn on it
    (RGB): ``rgb`` when the annotated pass kept it (its face already blurred when asked), else read from
    ``source`` again. None when it cannot be had (a webcam without the annotated video)."""
    i = key_frame_index(cs, rep)
    fresh = rgb is None
    if rgb is None:
        if isinstance(source, int):
            return None
        t = float(cs.time_s[i])
        frame = next(iter(read_frames(source, info, start_s=max(0.0, t - 0.5 / info.fps), end_s=t + 2.0 / info.fps)), None)
        if frame is None:
            return None
        rgb = frame.rgb
    h, w = rgb.shape[:2]
    size = scaled_size(w, h, ANNOTATION_MAX_SIDE) if max(h, w) > ANNOTATION_MAX_SIDE else (w, h)
    img = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if size != (w, h) else rgb.copy()
    pts = rotate(cs.xy[i:i + 1], cs.roll_deg, (cs.width / 2, cs.height / 2))[0] * np.array([size[0] / cs.width,
                                                                                          size[1] / cs.height])
    if blur_faces and fresh:
        blur_face(img, face_circle(raw[i] * np.array([size[0] / cs.width, size[1] / cs.height])
                                   if raw is not None else pts))
    v = cs.view
    header = f"rep {rep.index + 1}" + (f", {rep.lead_leg} leg in front" if rep.lead_leg else "")
    draw(img, pts, {}, v.kind, v.near_side, float(cs.time_s[i]), header)
    scale = max(0.45, min(size) / 900)
    y = 60 * scale
    for m in key_metrics(pattern):
        val = rep.metrics.get(m.name)
        if val is not None and np.isfinite(val) and m.unit:  # measures with a unit (not ratios or scores)
            # the picture's font has no degree sign
            draw_text(img, f"{m.short} {m.show(val).replace('°', ' deg')}", (10 * scale, y), 0.6 * scale,
                  (255, 255, 120), once=True)
            y += 24 * scale
    for f in rep.faults:
        draw_text(img, fault_label(f, pattern), (10 * scale, y), 0.6 * scale, (255, 120, 120), once=True)
        y += 24 * scale
    return img


def fault_label(f, pattern: str) -> str:
    """A fault as the key frame says it: its name, severity, and its measure against its limit in the
    measure's unit, rounded as the tables round it ("rounded lower back (lumbar flexion), major: spinal
    flexion 77 deg (limit 32 deg)"; the picture's font has no degree sign)."""
    head = f"{fault_words(f.code)}, {'possible ' if f.possible else ''}{f.severity}"
    if f.code == "asymmetry":
        return f"{head}: {f.value:.0f}% between legs (limit {f.threshold:.0f}%)"
    try:
        m = metric(f.metric, pattern)
    except KeyError:  # a measure the registry does not hold: plain numbers, one decimal
        return f"{head}: {f.value:.1f} (limit {f.threshold:.1f})"

    def show(v: float) -> str:
        return m.show(v).replace("°", " deg")

    return f"{head}: {m.label.split(' (')[0]} {show(f.value)} (limit {show(f.threshold)})"


def encode_jpeg(rgb: np.ndarray, quality: int = 88) -> bytes | None:
    """An RGB picture as JPEG bytes (None if it cannot be encoded)."""
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return jpeg.tobytes() if ok else None
