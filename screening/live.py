"""Live screening: a camera check, a live rep count with cues, and a recording for the full analysis.

One :class:`LiveSession` per set. Frames come in one at a time (from the browser's camera through
streamlit-webrtc, or from a clip in ``bench/live.py``); :meth:`LiveSession.process` tracks the person with
the same pose backend as the offline analysis and returns the picture with the skeleton and what to do
written on it. The set goes through three states:

- ``checking``: :func:`camera_check` on every frame, in plain words on the picture: the whole body in the
  frame with a margin, the view the movement needs, the camera level, enough light. It passes when every
  item has held for :data:`CHECK_HOLD_S`;
- ``countdown``: :data:`COUNTDOWN_S` seconds, then
- ``recording``: every frame goes into a video file (H.264, the frames' own timestamps) in a private
  temporary folder, and the landmarks into the live series. Every :data:`COUNT_PERIOD_S` a second thread
  runs the offline analysis's own stages (clean -> kinematics -> the pattern's reps and fault rules) on
  the series so far: a rep the live count shows is a rep of the same rules, and each new rep's worst
  fault becomes a cue (one at a time, :data:`CUE_COOLDOWN_S` apart), in the words of the continuum's cues.

:meth:`LiveSession.finish` ends the set and hands over the recording; the caller analyses it like an
upload (:func:`screening.analyze`). :meth:`LiveSession.close` deletes the folder and everything in it.

Everything here is thread-safe: frames arrive on the camera's thread, :meth:`LiveSession.status` is read
from the page's thread.
"""
from __future__ import annotations

import logging
import shutil
import threading
import warnings
import weakref
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .annotate import draw, _text
from .clean import spread_ratio, view_kind
from .findings import cue_worthy
from .landmarks import LM
from .present import sentence
from .quality import picture_brightness
from .pose import (N_LANDMARKS, OUTLINE_STATIONS, PoseBackend, PoseSeries, TrunkOutline, _Stretch, make_backend,
                   shank_width, trunk_outline)
from .video import BackgroundWriter

__all__ = ["CameraCheck", "camera_check", "LiveSession", "LiveStatus", "VIEW_NEEDS", "CHECK_HOLD_S",
           "COUNTDOWN_S", "COUNT_PERIOD_S", "CUE_COOLDOWN_S"]

log = logging.getLogger(__name__)

#: the body must stay this far (a fraction of the picture) from every edge
FRAME_MARGIN = 0.02
#: ... and fill at least this much of the picture's height, head to heels, to be measured
MIN_BODY_HEIGHT = 0.33
#: a standing body's axis (mid-ankle to mid-shoulder) leaning more than this in the picture: the camera is
#: not level. People stand within a few degrees of vertical (on the project's real clips, standing frames
#: read 2-7 deg); the analysis itself levels a roll it can read from the floor line
#: (screening.clean.estimate_roll), so the check only stops what is plainly crooked.
MAX_TILT_DEG = 10.0
#: frames whose trunk is in line with the legs within this count as standing, for the view and the level;
#: at least this many of the recent frames must be standing
UPRIGHT_DEG = 10.0
MIN_UPRIGHT_FRAMES = 5
#: how many recent frames the check reads (about a second)
CHECK_WINDOW = 30
#: the landmarks' mean visibility below this: the tracker is guessing (too dark, backlit, blurred)
MIN_VISIBILITY = 0.6
#: the picture's mean brightness (0-255) below this: too dark to track reliably
MIN_BRIGHTNESS = 45
#: how long the check must hold before the countdown starts, and the countdown
CHECK_HOLD_S = 1.0
COUNTDOWN_S = 3.0
#: the live count's cadence, and the shortest time between two cues
COUNT_PERIOD_S = 0.5
CUE_COOLDOWN_S = 4.0
#: a set stops by itself after this long
MAX_SET_S = 180.0

#: the views each movement can be measured from, and what each shows (the analysis's own view rules)
VIEW_NEEDS = {
    "hinge": {"side": "the hips, the back's curve, the knees and the head"},
    "lunge": {"side": "depth, the trunk's lean forward and the back knee",
              "front": "knee valgus, pelvic drop, sideways lean and balance"},
}

HEAD = [LM.NOSE, LM.LEFT_EYE, LM.RIGHT_EYE, LM.LEFT_EAR, LM.RIGHT_EAR]
FEET = [LM.LEFT_HEEL, LM.RIGHT_HEEL, LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX, LM.LEFT_ANKLE, LM.RIGHT_ANKLE]
BODY = list(range(LM.LEFT_SHOULDER, N_LANDMARKS))


@dataclass(frozen=True)
class CameraCheck:
    """What the camera check found in the last frames: ``ok`` when every item holds; ``advice`` says what to
    change, most important first, in plain words; ``view`` the camera view seen ("side", "front",
    "oblique" or None)."""

    ok: bool
    advice: tuple[str, ...]
    view: str | None = None
    view_note: str = ""


def straight_frames(xy: np.ndarray, max_deg: float = UPRIGHT_DEG) -> np.ndarray:
    """Frames where the person stands straight: the trunk (mid-hip -> mid-shoulder) in line with the legs
    (mid-ankle -> mid-hip) within ``max_deg``, whatever the camera's roll (a trunk vertical in the picture
    would miss a person standing straight in front of a tilted camera)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sh = np.nanmean(xy[:, [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]], axis=1)
        hip = np.nanmean(xy[:, [LM.LEFT_HIP, LM.RIGHT_HIP]], axis=1)
        ank = np.nanmean(xy[:, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]], axis=1)
        a, b = sh - hip, hip - ank
        cos = (a * b).sum(axis=1) / (np.hypot(*a.T) * np.hypot(*b.T))
        return np.nan_to_num(np.degrees(np.arccos(np.clip(cos, -1, 1))), nan=180) < max_deg


def body_tilt(xy: np.ndarray) -> float:
    """Median lean of the mid-ankle -> mid-shoulder line from the picture's vertical, in degrees (positive:
    the shoulders to the right of the ankles), over frames ``xy`` (F, 33, 2)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        d = (np.nanmean(xy[:, [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]], axis=1)
             - np.nanmean(xy[:, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]], axis=1))
        a = np.degrees(np.arctan2(d[:, 0], -d[:, 1]))
        return float(np.nanmedian(a)) if np.isfinite(a).any() else 0.0


def camera_check(recent: np.ndarray, width: int, height: int, pattern: str, brightness: float,
                 framing_only: bool = False) -> CameraCheck:
    """The camera check on the last frames' landmarks ``recent`` (F, 33, 3: x px, y px, visibility; NaN where
    nobody was found; the last row is the current frame) for ``pattern`` ("hinge" or "lunge").
    ``framing_only``: only the framing and the light (during the set, when the person is not standing)."""
    now = recent[-1]
    if not np.isfinite(now[:, 0]).any():
        return CameraCheck(False, ("Step into the picture: the camera must see you from head to feet.",))
    advice: list[str] = []
    x, y = now[:, 0], now[:, 1]
    # the top of the head: above the eyes by about half the eyes-to-shoulders distance
    eyes = np.nanmean(y[[LM.LEFT_EYE, LM.RIGHT_EYE]])
    shoulders = np.nanmean(y[[LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]])
    top = float(np.nanmin(y[HEAD]))
    if np.isfinite(eyes) and np.isfinite(shoulders):
        top = min(top, eyes - 0.5 * abs(shoulders - eyes))
    bottom = np.nanmax(y[FEET])
    m = FRAME_MARGIN
    feet_seen = np.nanmean(now[FEET, 2]) >= 0.5 and bottom <= (1 - m) * height
    head_seen = top >= m * height
    if not feet_seen and not head_seen:
        advice.append("Step back from the camera: your head and feet are out of the picture.")
    elif not feet_seen:
        advice.append("Step back, or tilt the camera down: your feet are out of the picture.")
    elif not head_seen:
        advice.append("Step back, or tilt the camera up: the top of your head is out of the picture.")
    left, right = np.nanmin(x[BODY]), np.nanmax(x[BODY])
    if left < m * width or right > (1 - m) * width:
        advice.append("Move toward the middle of the picture: part of you is out of it at the "
                      f"{'left' if left < m * width else 'right'} edge.")
    if feet_seen and head_seen and bottom - top < MIN_BODY_HEIGHT * height:
        advice.append("Come a little closer to the camera: you fill less than a third of the picture's height.")
    # the view and the level, from the last frames in which the person stood upright (one frame's
    # shoulders are noisy, and a view or a tilt is read from a standing body)
    xy = recent[:, :, :2]
    up = straight_frames(xy)
    view, note = None, ""
    needs = VIEW_NEEDS.get(pattern, {})
    if framing_only:
        pass
    elif up.sum() < MIN_UPRIGHT_FRAMES:
        advice.append("Stand tall and still for a moment, so the camera check can see how you stand.")
    else:
        with np.errstate(all="ignore"):
            ratio = float(np.nanmedian(spread_ratio(xy[up], over_trunk_length=True)))
        view = view_kind(ratio) if np.isfinite(ratio) else None
        if view is not None and view not in needs:
            if pattern == "hinge":
                advice.append("Turn side-on to the camera: a hip hinge is measured from the side.")
            else:
                advice.append("Face the camera squarely, or turn fully side-on: at an angle a lunge's knee and "
                              "hips cannot be measured.")
        elif view is not None:
            note = f"{view.capitalize()} view: shows {needs[view]}."
            others = [f"a {v} view shows {what}" for v, what in needs.items() if v != view]
            if others:
                note += " (" + "; ".join(others) + ".)"
        tilt = body_tilt(xy[up])
        if abs(tilt) > 45:
            advice.append("Turn the camera upright: the picture is on its side or upside down.")
        elif abs(tilt) > MAX_TILT_DEG:
            advice.append(f"Level the camera: standing, you lean {abs(tilt):.0f} degrees in the picture (stand "
                          "the phone or laptop straight, or stand up straight).")
    visibility = float(np.nanmean(now[BODY, 2]))
    if brightness < MIN_BRIGHTNESS or visibility < MIN_VISIBILITY:
        advice.append("More light, please: the camera cannot see you clearly (turn on a light or face a "
                      "window; do not stand with a window behind you).")
    return CameraCheck(not advice, tuple(advice), view, note)


@dataclass(frozen=True)
class LiveStatus:
    """A snapshot of the set for the page: ``state`` is "checking", "countdown", "recording" or
    "finished"; ``cue_id`` grows with each new cue (to speak each once)."""

    state: str
    check: CameraCheck | None
    countdown_s: float
    reps: int
    recorded_s: float
    cue: str
    cue_id: int
    frames: int
    fps: float


class LiveSession:
    """One live set: see the module's docstring. ``backend``: a pose backend (default: the analysis's own,
    made on first use, on the thread that processes frames)."""

    def __init__(self, pattern: str, backend: PoseBackend | None = None, thresholds=None,
                 check_hold_s: float = CHECK_HOLD_S, countdown_s: float = COUNTDOWN_S,
                 count_period_s: float = COUNT_PERIOD_S, clock: Callable[[], float] = time.monotonic,
                 skip_check: bool = False, encoder_threads: int = 1):
        if pattern not in VIEW_NEEDS:
            raise ValueError(f"pattern must be one of {sorted(VIEW_NEEDS)}")
        from .config import load_thresholds
        from .continuum import load_continuum

        self.pattern = pattern
        self._backend = backend
        self._th = load_thresholds(thresholds)
        self._cues = load_continuum().cues
        self._hold_s, self._countdown_s, self._period_s = check_hold_s, countdown_s, count_period_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = "recording" if skip_check else "checking"
        self._check: CameraCheck | None = None
        self._ok_since: float | None = None
        self._countdown_until: float | None = None
        self._recent: list[np.ndarray] = []
        self._series = _Stretch()  # what the pose graph saw, as a stretch of an offline analysis
        self._reps = 0
        self._cued_reps = 0
        self._cue, self._cue_id, self._cue_at = "", 0, -np.inf
        self._frames, self._fps, self._last_tick = 0, 0.0, None
        from .tempfiles import private_dir

        self._folder = private_dir("live")
        # the recording is a client's video: gone with this object, or at the latest when the process exits
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._folder, ignore_errors=True)
        self._path = self._folder / "set.mp4"
        self._writer: BackgroundWriter | None = None
        self._t0: float | None = None
        self._last_t: float | None = None
        self._size: tuple[int, int] | None = None
        self._encoder_threads = encoder_threads
        self._stop = threading.Event()
        self._closed = False
        self._counter = threading.Thread(target=self._count_loop, name="screening-live-count", daemon=True)
        self._counter.start()

    # ------------------------------------------------------------------ frames
    def process(self, rgb: np.ndarray, time_s: float) -> np.ndarray:
        """Track one frame (RGB, its capture time in seconds) and return it annotated (a new array)."""
        if self._closed:  # a frame already on its way when the set was closed: passed through untouched
            return rgb.copy()
        if self._backend is None:
            self._backend = make_backend()
        h, w = rgb.shape[:2]
        people = self._backend.process(rgb, time_s)
        person = people[0] if people else None
        image = person.image if person is not None else np.full((N_LANDMARKS, 3), np.nan)
        now = self._clock()
        with self._lock:
            self._tick(now)
            state = self._state
            self._recent = (self._recent + [image])[-CHECK_WINDOW:]
            setting_up = state in ("checking", "countdown")
            # recording, the check stays on the picture, every fifth frame (cheaply); once passed, only leaving
            # the picture (or the light going) cancels the countdown: the person may already start to move
            if setting_up or (state == "recording" and (self._check is None or self._frames % 5 == 0)):
                self._check = camera_check(np.asarray(self._recent), w, h, self.pattern, picture_brightness(rgb),
                                           framing_only=state != "checking")
            if setting_up:
                self._advance(now)
            state = self._state
        if state == "recording":
            self._record(rgb, time_s, person)
        out = rgb.copy()
        pts = image[:, :2].copy()
        pts[image[:, 2] < 0.3] = np.nan
        st = self.status()
        draw(out, pts, {}, "", None, st.recorded_s if st.state == "recording" else 0.0, _header(st))
        _write_advice(out, st)
        return out

    def _tick(self, now: float) -> None:
        self._frames += 1
        if self._last_tick is not None:
            dt = now - self._last_tick
            if dt > 0:
                self._fps = 0.9 * self._fps + 0.1 / dt if self._fps else 1 / dt
        self._last_tick = now

    def _advance(self, now: float) -> None:
        """checking -> countdown -> recording, under the lock."""
        ok = self._check is not None and self._check.ok
        if self._state == "checking":
            if not ok:
                self._ok_since = None
            elif self._ok_since is None:
                self._ok_since = now
            elif now - self._ok_since >= self._hold_s:
                self._state = "countdown"
                self._countdown_until = now + self._countdown_s
        elif self._state == "countdown":
            if not ok:  # the person stepped out of the picture: check again
                self._state, self._ok_since, self._countdown_until = "checking", None, None
            elif now >= self._countdown_until:
                self._state = "recording"

    def _record(self, rgb: np.ndarray, time_s: float, person) -> None:
        h, w = rgb.shape[:2]
        if self._writer is None:
            self._size = (w, h)
            self._t0 = time_s
            # near-lossless (crf 17): the analysis tracks this file again, and should see what the live count saw
            self._writer = BackgroundWriter(self._path, 30.0, w, h, crf=17, threads=self._encoder_threads)
        if (w, h) != self._size or (self._last_t is not None and time_s <= self._last_t):
            return  # the camera changed its size mid-set, or a frame came twice: not part of this recording
        t = time_s - self._t0
        self._last_t = time_s
        self._writer.write(rgb, t)
        if person is None:
            outline, shank = np.full((len(OUTLINE_STATIONS), 2), np.nan), np.full(2, np.nan)
            image = world = np.full((N_LANDMARKS, 3), np.nan)
        else:
            outline, shank = trunk_outline(person.mask, person.image), shank_width(person.mask, person.image)
            image, world = person.image, person.world
        with self._lock:
            s = self._series
            s.times.append(t)
            s.images.append(image)
            s.worlds.append(world)
            s.outlines.append(outline)
            s.shanks.append(shank)
            if t >= MAX_SET_S:
                self._state = "finished"

    # ------------------------------------------------------------------ the live count
    def series(self) -> PoseSeries | None:
        """The pose series recorded so far (a copy), or None before recording."""
        with self._lock:
            s = self._series
            if not s.times:
                return None
            times, images, worlds = list(s.times), list(s.images), list(s.worlds)
            outlines, shanks = list(s.outlines), list(s.shanks)
        w, h = self._size
        return PoseSeries(np.asarray(times, float), np.asarray(images, float), np.asarray(worlds, float),
                          TrunkOutline(OUTLINE_STATIONS.copy(), np.asarray(outlines, float)), w, h,
                          getattr(self._backend, "name", "live"), shank_width=np.asarray(shanks, float))

    def count_now(self):
        """Run the analysis's stages on the series so far; return its PatternResult (None when there is too
        little to analyse), and update the count and the cue."""
        from .clean import clean
        from .kinematics import kinematics
        from .pipeline import MIN_PERSON_FRAMES, analyze_pattern

        series = self.series()
        if series is None or int(series.detected.sum()) < MIN_PERSON_FRAMES or series.time_s[-1] < 1.0:
            return None
        cs = clean(series)
        result = analyze_pattern(self.pattern, cs, kinematics(cs), self._th)
        if result is None:
            return None
        now = self._clock()
        with self._lock:
            self._reps = len(result.reps)
            for k in range(self._cued_reps, len(result.reps)):
                # the analysis's own rule: a fault clear in this rep that recurs, or is major beyond doubt
                worst = cue_worthy(result.reps[:k + 1])
                if worst and now - self._cue_at >= CUE_COOLDOWN_S and worst[0].code in self._cues:
                    self._cue, self._cue_id, self._cue_at = sentence(self._cues[worst[0].code]), self._cue_id + 1, now
            self._cued_reps = max(self._cued_reps, len(result.reps))
        return result

    def _count_loop(self) -> None:
        while not self._stop.wait(self._period_s):
            if self._state != "recording":
                continue
            try:
                self.count_now()
            except Exception:  # noqa: BLE001 - the live count must never stop the camera; the log says why
                log.exception("live count failed")

    # ------------------------------------------------------------------ the page's side
    def status(self) -> LiveStatus:
        with self._lock:
            left = max(0.0, self._countdown_until - self._clock()) if self._state == "countdown" else 0.0
            recorded = self._series.times[-1] if self._series.times else 0.0
            return LiveStatus(self._state, self._check, left, self._reps, recorded, self._cue, self._cue_id,
                              self._frames, self._fps)

    # ------------------------------------------------------------------ the end
    def finish(self) -> Path | None:
        """End the set: stop the count and close the recording. Returns the recorded video (inside this
        session's folder, removed by :meth:`close`), or None when nothing was recorded."""
        with self._lock:
            self._state = "finished"
        self._stop.set()
        if self._counter.is_alive() and threading.current_thread() is not self._counter:
            self._counter.join(timeout=10)
        writer, self._writer = self._writer, None
        if writer is None:
            return None
        writer.close()
        return self._path

    def close(self) -> None:
        """Finish, then delete the recording and its folder."""
        self._closed = True
        try:
            self.finish()
        finally:
            if self._backend is not None:
                try:
                    self._backend.close()
                except Exception:  # noqa: BLE001
                    pass
                self._backend = None
            self._cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _header(st: LiveStatus) -> str:
    """The picture's first line: the set's state."""
    if st.state == "checking":
        return "Camera check"
    if st.state == "countdown":
        return f"Ready: starting in {int(np.ceil(st.countdown_s))}"
    if st.state == "recording":
        return f"Recording - reps: {st.reps}"
    return "Set finished"


def _write_advice(rgb: np.ndarray, st: LiveStatus) -> None:
    """What to do (the check's advice, the cue), written on the picture under the header."""
    if st.check is None or st.state == "finished":
        return
    h, w = rgb.shape[:2]
    scale = max(0.45, min(w, h) / 900)
    lines = list(st.check.advice) if not st.check.ok else ([] if st.state == "recording" else ["Camera check passed: hold still."])
    if st.state == "recording" and st.cue:
        lines = [st.cue] + lines
    y = 64 * scale
    for line in lines[:3]:
        for chunk in _wrap(line, max(20, int(w / (13 * scale)))):
            _text(rgb, chunk, (10 * scale, y), 0.6 * scale, (255, 255, 120))
            y += 26 * scale


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])
