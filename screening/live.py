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

A set leaves nothing behind however it ends (issue 25): its folder, tracker and count thread are made only
when frames come (a page visited without the camera makes none); a set that gets no frame for
:data:`LIVE_IDLE_S` closes itself (its tab was closed mid-set, or its camera stopped and the set was never
finished); and the count thread holds the set only while it counts, so a set dropped unclosed (its tab's
Streamlit session gone) is collected, and its finalizer deletes the recording and ends the thread.
:class:`LiveHolder` is the page's side: the set the camera's frames go to.

Everything here is thread-safe: frames arrive on the camera's thread, :meth:`LiveSession.status` is read
from the page's thread.
"""
from __future__ import annotations

import logging
import shutil
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .angles import picture_angle
from .annotate import draw, draw_text
from .brightness import picture_brightness
from .clean import spread_ratio, view_of
from .findings import cue_worthy
from .landmarks import LM
from .pose import (
    N_LANDMARKS,
    OUTLINE_STATIONS,
    PoseBackend,
    PoseSeries,
    Stretch,
    TrunkOutline,
    make_backend,
    shank_width,
    trunk_outline,
)
from .present import sentence
from .signals import quiet
from .video import BackgroundWriter

__all__ = ["CameraCheck", "camera_check", "LiveSession", "LiveHolder", "LiveStatus", "VIEW_NEEDS", "CHECK_HOLD_S",
           "COUNTDOWN_S", "COUNT_PERIOD_S", "CUE_COOLDOWN_S", "LIVE_IDLE_S"]

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
#: a set that gets no frame for this long closes itself and deletes its recording: its tab was closed mid-set,
#: or its camera was stopped and the set never finished. A camera sends 15-30 frames a second, so a minute
#: without one is no pause within a set. Read at every beat of the count (tests set it small).
LIVE_IDLE_S = 60.0
#: the name of each set's count thread (what a test, or a look at a running server, finds it by)
COUNT_THREAD = "screening-live-count"

#: the views each movement can be measured from, and what each shows (the analysis's own view rules)
VIEW_NEEDS = {
    "hinge": {"side": "the hips, the back's curve, the knees and the head"},
    "lunge": {"side": "depth, the trunk's lean forward and the back knee",
              "front": "knee valgus, pelvic drop, sideways lean and balance"},
}
#: the same, in the words of a person filming themselves at home (``plain``): no clinical terms
PLAIN_VIEW_SHOWS = {
    "hinge": {"side": "your hips, back, knees and head from the side"},
    "lunge": {"side": "how low you go and how upright you stay, from the side",
              "front": "your knees and hips from the front"},
}
#: what a person is told to do to give the camera a view (the view a page asks for, and the movement's name)
TURN_TO = {"side": "Turn side-on to the camera", "front": "Turn to face the camera"}
MOVEMENT_NAMES = {"hinge": "a hip hinge", "lunge": "a lunge"}

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
    with np.errstate(all="ignore"), quiet():
        sh = np.nanmean(xy[:, [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]], axis=1)
        hip = np.nanmean(xy[:, [LM.LEFT_HIP, LM.RIGHT_HIP]], axis=1)
        ank = np.nanmean(xy[:, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]], axis=1)
        a, b = sh - hip, hip - ank
        cos = (a * b).sum(axis=1) / (np.hypot(*a.T) * np.hypot(*b.T))
        return np.nan_to_num(np.degrees(np.arccos(np.clip(cos, -1, 1))), nan=180) < max_deg


def body_tilt(xy: np.ndarray) -> float:
    """Median lean of the mid-ankle -> mid-shoulder line from the picture's vertical, in degrees (positive:
    the shoulders to the right of the ankles), over frames ``xy`` (F, 33, 2)."""
    a = picture_angle("body_tilt_deg", xy)
    with quiet():
        return float(np.nanmedian(a)) if np.isfinite(a).any() else 0.0


def camera_check(recent: np.ndarray, width: int, height: int, pattern: str, brightness: float,
                 framing_only: bool = False, views: tuple[str, ...] | None = None,
                 plain: bool = False) -> CameraCheck:
    """The camera check on the last frames' landmarks ``recent`` (F, 33, 3: x px, y px, visibility; NaN where
    nobody was found; the last row is the current frame) for ``pattern`` ("hinge" or "lunge").
    ``framing_only``: only the framing and the light (during the set, when the person is not standing).
    ``views``: the views the page accepts, among those the movement can be measured from (default: all of
    them; the home page asks a lunge to be filmed from the front). ``plain``: what a view shows in everyday
    words, for a person filming themselves (the clinician's page names the faults each view shows)."""
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
    needs = {v: what for v, what in (PLAIN_VIEW_SHOWS if plain else VIEW_NEEDS).get(pattern, {}).items()
             if views is None or v in views}
    if framing_only:
        pass
    elif up.sum() < MIN_UPRIGHT_FRAMES:
        advice.append("Stand tall and still for a moment, so the camera check can see how you stand.")
    else:
        with np.errstate(all="ignore"):
            ratio = float(np.nanmedian(spread_ratio(xy[up], over_trunk_length=True)))
        view = view_of(ratio, xy[up]) if np.isfinite(ratio) else None
        if view is not None and view not in needs:
            if len(needs) == 1:
                wanted = next(iter(needs))
                if plain:
                    advice.append(f"{TURN_TO[wanted]}, so the camera can see {needs[wanted]}.")
                else:
                    advice.append(f"{TURN_TO[wanted]}: {MOVEMENT_NAMES.get(pattern, pattern)} is measured "
                                  f"from the {wanted}.")
            else:
                advice.append("Face the camera squarely, or turn fully side-on: at an angle a lunge's knee and "
                              "hips cannot be measured.")
        elif view is not None and plain:
            note = f"{'You are side-on' if view == 'side' else 'You face the camera'}: it can see {needs[view]}."
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
    timed_out: bool = False  # closed by itself: no frame came for LIVE_IDLE_S, the recording is deleted


class _Held:
    """What a set holds outside its own memory: the folder with the recording, the encoder writing it, the
    tracker, and the event that stops the count thread. Apart from the session so that the session's
    finalizer can release them: nothing here refers back to the session, so a set dropped unclosed is
    collected, and its recording deleted, like any object."""

    def __init__(self, backend: PoseBackend | None):
        self.busy = threading.Lock()  # held while a frame is processed, and to take the writer or the tracker
        self.stop = threading.Event()
        self.closed = False
        self.folder: Path | None = None
        self.writer: BackgroundWriter | None = None
        self.backend = backend

    def release(self) -> None:
        """Stop the count, drop the encoder and the tracker (after a frame in progress) and delete the folder.
        Never raises: it runs from finalizers and from Streamlit's end of a session."""
        self.stop.set()
        with self.busy:
            self.closed = True
            writer, self.writer = self.writer, None
            backend, self.backend = self.backend, None
        for end in (writer.abort if writer else None, backend.close if backend else None):
            try:
                if end is not None:
                    end()
            except Exception:  # noqa: BLE001 - the folder must go whatever the encoder or the tracker says
                log.exception("closing a live set")
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _count_loop(ref: "weakref.ReferenceType[LiveSession]", stop: threading.Event, period_s: float) -> None:
    """The count thread: a beat of :meth:`LiveSession._beat` every period until the set stops. It holds the
    set only during a beat: a thread holding it for good kept every abandoned set (and its recording) alive
    until the server stopped, re-analysed twice a second."""
    while not stop.wait(period_s):
        session = ref()
        if session is None:
            return
        session._beat()
        del session


class LiveSession:
    """One live set: see the module's docstring. ``backend``: a pose backend (default: the analysis's own,
    made on first use, on the thread that processes frames). ``views`` and ``plain`` go to the camera check
    (:func:`camera_check`): the views the page accepts, and everyday words."""

    def __init__(self, pattern: str, backend: PoseBackend | None = None, thresholds=None,
                 check_hold_s: float = CHECK_HOLD_S, countdown_s: float = COUNTDOWN_S,
                 count_period_s: float = COUNT_PERIOD_S, clock: Callable[[], float] = time.monotonic,
                 skip_check: bool = False, encoder_threads: int = 1, views: tuple[str, ...] | None = None,
                 plain: bool = False):
        if pattern not in VIEW_NEEDS:
            raise ValueError(f"pattern must be one of {sorted(VIEW_NEEDS)}")
        if views is not None and not set(views) & set(VIEW_NEEDS[pattern]):
            raise ValueError(f"a {pattern} is measured from the {' or the '.join(VIEW_NEEDS[pattern])}, not {views}")
        from .config import load_thresholds
        from .continuum import load_continuum

        self.pattern = pattern
        self._views, self._plain = (tuple(views) if views is not None else None), plain
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
        self._series = Stretch()  # what the pose graph saw, as a stretch of an offline analysis
        self._reps = 0
        self._cued_reps = 0
        self._cue, self._cue_id, self._cue_at = "", 0, -np.inf
        self._frames, self._fps = 0, 0.0
        self._last_tick: float | None = None
        self._t0: float | None = None
        self._last_t: float | None = None
        self._size: tuple[int, int] | None = None
        self._encoder_threads = encoder_threads
        # the folder, the tracker and the count thread come with the first frame (see the module's docstring)
        self._held = _Held(backend)
        # the recording is a client's video: gone with this object, or at the latest when the process exits
        self._release = weakref.finalize(self, self._held.release)
        self._counter: threading.Thread | None = None
        self._last_frame_at = time.monotonic()
        self._counted = 0  # the recorded frames the count has seen
        self._timed_out = False

    @property
    def _folder(self) -> Path | None:
        """The folder with the recording (None before the recording starts)."""
        return self._held.folder

    @property
    def _path(self) -> Path:
        folder = self._held.folder
        assert folder is not None  # made with the first recorded frame, before the writer that asks for the file
        return folder / "set.mp4"

    # ------------------------------------------------------------------ frames
    def process(self, rgb: np.ndarray, time_s: float) -> np.ndarray:
        """Track one frame (RGB, its capture time in seconds) and return it annotated (a new array)."""
        with self._held.busy:
            if self._held.closed:  # a frame already on its way when the set was closed: passed through untouched
                return rgb.copy()
            self._last_frame_at = time.monotonic()
            self._start_counting()
            try:
                return self._process(rgb, time_s)
            finally:  # the idle time counts from the end of the last frame
                self._last_frame_at = time.monotonic()

    def _start_counting(self) -> None:
        """The count thread, on the first frame (a set that never gets one costs no thread)."""
        if self._counter is None:
            self._counter = threading.Thread(target=_count_loop, name=COUNT_THREAD, daemon=True,
                                             args=(weakref.ref(self), self._held.stop, self._period_s))
            self._counter.start()

    def _process(self, rgb: np.ndarray, time_s: float) -> np.ndarray:
        """:meth:`process`, with the set's resources held."""
        if self._held.backend is None:
            self._held.backend = make_backend()
        h, w = rgb.shape[:2]
        people = self._held.backend.process(rgb, time_s)
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
                                           framing_only=state != "checking", views=self._views, plain=self._plain)
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
            else:
                assert self._countdown_until is not None  # set with the countdown state
                if now >= self._countdown_until:
                    self._state = "recording"

    def _record(self, rgb: np.ndarray, time_s: float, person) -> None:
        h, w = rgb.shape[:2]
        if self._t0 is None:
            self._start_recording(w, h, time_s)
        writer = self._held.writer
        if writer is None or (w, h) != self._size or (self._last_t is not None and time_s <= self._last_t):
            return  # the set was finished, the camera changed its size mid-set, or a frame came twice
        assert self._t0 is not None  # _start_recording set it with the writer
        t = time_s - self._t0
        self._last_t = time_s
        writer.write(rgb, t)
        if person is None:
            outline, shank = np.full((len(OUTLINE_STATIONS), 2), np.nan), np.full(2, np.nan)
            image = np.full((N_LANDMARKS, 3), np.nan)
        else:
            outline, shank = trunk_outline(person.mask, person.image), shank_width(person.mask, person.image)
            image = person.image
        with self._lock:
            s = self._series
            s.times.append(t)
            s.images.append(image)
            s.outlines.append(outline)
            s.shanks.append(shank)
            if t >= MAX_SET_S:
                self._state = "finished"

    def _start_recording(self, w: int, h: int, time_s: float) -> None:
        """The folder and the encoder, on the first recorded frame (a set that never records makes no folder)."""
        from .tempfiles import private_dir

        self._size, self._t0 = (w, h), time_s
        self._held.folder = private_dir("live")
        # near-lossless (crf 17): the analysis tracks this file again, and should see what the live count saw
        self._held.writer = BackgroundWriter(self._path, 30.0, w, h, crf=17, threads=self._encoder_threads)

    # ------------------------------------------------------------------ the live count
    def series(self) -> PoseSeries | None:
        """The pose series recorded so far (a copy), or None before recording."""
        with self._lock:
            s = self._series
            if not s.times:
                return None
            times, images = list(s.times), list(s.images)
            outlines, shanks = list(s.outlines), list(s.shanks)
        assert self._size is not None  # set with the recording, before a frame joins the series
        w, h = self._size
        return PoseSeries(np.asarray(times, float), np.asarray(images, float),
                          TrunkOutline(OUTLINE_STATIONS.copy(), np.asarray(outlines, float)), w, h,
                          getattr(self._held.backend, "name", "live"), shank_width=np.asarray(shanks, float))

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

    def _beat(self) -> None:
        """One beat of the count thread: close the set when no frame has come for :data:`LIVE_IDLE_S`, else
        count when the recording grew since the last count (a set whose frames stopped costs no CPU while it
        waits to be closed)."""
        in_frame = self._held.busy.locked()  # a frame in progress (the first loads the tracker: seconds)
        if not in_frame and time.monotonic() - self._last_frame_at >= LIVE_IDLE_S:
            log.info("live set closed: no frame for %g s", LIVE_IDLE_S)
            with self._lock:
                self._timed_out = True
            self.close()
            return
        with self._lock:
            grown = len(self._series.times)
            due = self._state == "recording" and grown != self._counted
            self._counted = grown
        if due:
            try:
                self.count_now()
            except Exception:  # noqa: BLE001 - the live count must never stop the camera; the log says why
                log.exception("live count failed")

    # ------------------------------------------------------------------ the page's side
    def status(self) -> LiveStatus:
        with self._lock:
            left = 0.0
            if self._state == "countdown":
                assert self._countdown_until is not None  # set with the countdown state
                left = max(0.0, self._countdown_until - self._clock())
            recorded = self._series.times[-1] if self._series.times else 0.0
            return LiveStatus(self._state, self._check, left, self._reps, recorded, self._cue, self._cue_id,
                              self._frames, self._fps, self._timed_out)

    # ------------------------------------------------------------------ the end
    def finish(self) -> Path | None:
        """End the set: stop the count and close the recording. Returns the recorded video (inside this
        session's folder, removed by :meth:`close`), or None when nothing was recorded."""
        with self._lock:
            self._state = "finished"
        self._held.stop.set()
        counter = self._counter
        if counter is not None and counter.is_alive() and threading.current_thread() is not counter:
            counter.join(timeout=10)
        with self._held.busy:  # after a frame being written
            writer, self._held.writer = self._held.writer, None
        if writer is None:
            return None
        writer.close()
        return self._path

    def close(self) -> None:
        """End the set and delete its recording and folder, at once: it is called from Streamlit's own
        thread when a tab closes, so it waits for no count (the count thread ends at its next beat)."""
        with self._lock:
            self._state = "finished"
        self._release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LiveHolder:
    """The page's live set: the one the camera's frames go to. The camera's thread calls :meth:`callback`;
    the page swaps in a fresh set after each (:meth:`renew`; a plain attribute: swapping is atomic).
    ``session_options`` go to every :class:`LiveSession` it makes (the page's views and words, a test's
    stand-in tracker; :attr:`options` tells them, for the page to see whether they changed). A set makes
    nothing until its first frame, so the holder of a page visited without the camera costs nothing; and it
    refers to nothing but its set, so dropping the holder drops the set, and with it the recording."""

    def __init__(self, pattern: str, **session_options):
        self.pattern = pattern
        self._options = session_options
        self.session = LiveSession(pattern, **session_options)
        self.failures = 0

    @property
    def options(self) -> dict:
        """The options its sets are made with (a copy)."""
        return dict(self._options)

    def callback(self, frame):
        """A camera frame (an ``av.VideoFrame``) in, the annotated frame out; a frame that fails is shown as
        it came (a broken picture must not stop the camera), the first few failures logged."""
        import av

        rgb = frame.to_ndarray(format="rgb24")
        t = frame.time if frame.time is not None else time.monotonic()
        try:
            out = self.session.process(rgb, float(t))
        except Exception:  # noqa: BLE001 - the log says why
            self.failures += 1
            if self.failures <= 3:
                log.exception("live frame failed")
            return frame
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    def renew(self) -> None:
        """A fresh set for the camera; the last one closed (its recording deleted)."""
        old, self.session = self.session, LiveSession(self.pattern, **self._options)
        old.close()

    def close(self) -> None:
        """Close the current set (the tab is gone, or the page changed the movement)."""
        self.session.close()


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
    lines = (list(st.check.advice) if not st.check.ok
             else ([] if st.state == "recording" else ["Camera check passed: hold still."]))
    if st.state == "recording" and st.cue:
        lines = [st.cue] + lines
    y = 64 * scale
    for line in lines[:3]:
        for chunk in _wrap(line, max(20, int(w / (13 * scale)))):
            draw_text(rgb, chunk, (10 * scale, y), 0.6 * scale, (255, 255, 120))
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
