"""The live set: the camera component, the camera check and the set's status, the set's end and its analysis
(shared by the live and home pages)."""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from screening import Filmed

from .analysis import run_analysis

if TYPE_CHECKING:
    from streamlit_webrtc.config import Translations

    from screening import LiveHolder

log = logging.getLogger(__name__)

#: No STUN or TURN server: the browser and this server meet on this computer (or the clinic's network)
#: with their own addresses; streamlit-webrtc's default would ask a public STUN server, which sends
#: traffic out and fails offline.
RTC_CONFIGURATION: dict[str, list[dict]] = {"iceServers": []}

CAMERA_WORDS: Translations = {
    "start": "Start the camera", "stop": "Stop the camera", "select_device": "Choose the camera",
    "media_api_not_available": "This browser cannot use a camera here: open the page as "
                               "http://localhost (or over HTTPS from another device).",
    "device_ask_permission": "Allow the camera when the browser asks.",
    "device_not_available": "No camera was found.",
    "device_access_denied": "The camera was refused: allow it in the browser's site settings."}

STATE_WORDS = {"checking": "Camera check", "countdown": "Get ready", "recording": "Recording the set",
               "finished": "Set finished"}

#: what the page says when a set closed itself for want of frames (screening.live.LIVE_IDLE_S)
TIMED_OUT_WORDS = ("The last set was stopped and its recording deleted: the camera sent no picture for {:.0f} s. "
                   "Start the camera for a new set.")


def _close_holders(holders: dict[str, LiveHolder]) -> None:
    """Close a tab's live sets (their recordings deleted). Streamlit calls it when the tab's connection
    closes; it must not raise (Streamlit would show it as the page's error)."""
    for holder in list(holders.values()):
        try:
            holder.close()
        except Exception:  # noqa: BLE001 - the log says why
            log.exception("closing a live set")


@st.cache_resource(scope="session", on_release=_close_holders, show_spinner=False)
def live_holders() -> dict[str, LiveHolder]:
    """This tab's live sets, by page. A session-scoped cache rather than st.session_state: Streamlit clears
    it, calling :func:`_close_holders`, as soon as the tab's connection closes, whereas st.session_state is
    kept for minutes for a reconnection and dropped only lazily (a set left there kept its recording until
    the server stopped). A set that gets no frame closes itself too (screening.live.LIVE_IDLE_S)."""
    return {}


def live_holder(key: str, pattern: str, **options) -> LiveHolder:
    """The page's live set for ``pattern`` (``options``: the camera check's views and words, see
    screening.live.LiveSession); a new one (the old one closed) when the movement or the options changed."""
    from screening import LiveHolder  # noqa: F811 - lazy: the tracker loads with the first live page

    holders = live_holders()
    holder = holders.get(key)
    if holder is None or holder.pattern != pattern or holder.options != options:
        if holder is not None:
            holder.close()
        holder = holders[key] = LiveHolder(pattern, **options)
    return holder


def live_camera(key: str, holder: LiveHolder) -> bool:
    """The camera component; returns whether the camera is playing."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer  # lazy: the camera component, on the live pages only

    ctx = webrtc_streamer(key=f"{key}_camera", mode=WebRtcMode.SENDRECV, rtc_configuration=RTC_CONFIGURATION,
                    media_stream_constraints={"video": {"width": {"ideal": 640}, "height": {"ideal": 480}},
                                              "audio": False},
                    video_frame_callback=holder.callback, async_processing=True, translations=CAMERA_WORDS)
    return bool(ctx.state.playing)


def speak(text: str, cue_id: int) -> None:
    """Say ``text`` with the browser's own speech synthesis (nothing leaves the machine). The script runs
    in the component's frame and speaks through the page's window, which the user has clicked."""
    st.iframe(f"""<script>
      const w = window.parent || window;  /* cue {cue_id} */
      if (w.speechSynthesis) {{ w.speechSynthesis.cancel();
        w.speechSynthesis.speak(new w.SpeechSynthesisUtterance({json.dumps(text)})); }}
    </script>""", height=1)  # a frame that runs scripts (st.html would not); 1 px: st.iframe takes no 0


def live_status(key: str, plain: bool) -> None:
    """The set's state, what to do, the rep count and the last cue, redrawn twice a second (a fragment:
    the rest of the page is not rerun); when the set ends by itself, the whole page reruns to analyse it."""
    holder = live_holders().get(key)
    if holder is None:
        return
    s = holder.session.status()
    if s.state == "finished":
        st.rerun(scope="app")
    box = st.container(border=True, key=f"{key}_status")
    box.markdown(f"**{STATE_WORDS[s.state]}**" + (f" · camera {s.fps:.0f} frames/s" if s.frames and not plain else ""))
    if s.state == "checking":
        if s.frames == 0:
            box.info("Start the camera below. The check starts as soon as you are in the picture.")
        elif s.check is not None and s.check.advice:
            for line in s.check.advice:
                box.warning(line)
        elif s.check is not None:
            box.success("Camera check passed: hold still.")
    elif s.state == "countdown":
        box.success(f"Camera check passed. Starting in {max(1, int(s.countdown_s + 0.999))}…")
    elif s.state == "recording":
        left, right = box.columns(2)
        left.metric("Repetitions", s.reps)
        right.metric("Recorded", f"{s.recorded_s:.0f} s")
        if s.cue:
            box.info(f"Cue: {s.cue}")
        if s.check is not None and s.check.advice:
            box.warning(s.check.advice[0])
    if s.check is not None and s.check.view_note and s.state != "recording":
        box.caption(s.check.view_note)
    if s.cue_id and st.session_state.get(f"{key}_sound") and st.session_state.get(f"{key}_spoken", 0) < s.cue_id:
        st.session_state[f"{key}_spoken"] = s.cue_id
        speak(s.cue, s.cue_id)


def finish_set(key: str, filmed: Filmed | None = None) -> None:
    """End the set (button, or the set's own time limit), analyse the recording as an upload would be,
    and turn the camera off until another set is asked for (:func:`live_set`); the set's recording is
    deleted with it."""
    holder = live_holders()[key]
    session = holder.session
    try:  # the count up to the last frame: the count thread may be a beat behind a rep just finished
        if session.status().state == "recording":
            session.count_now()
    except Exception:  # noqa: BLE001 - the count as it stood is kept; the log says why
        log.exception("the live count at the end of the set failed")
    reps = session.status().reps
    path = session.finish()
    try:
        if path is None:
            st.session_state[f"{key}_output"] = None
            return
        name = f"live set {datetime.now():%Y-%m-%d %H-%M}.mp4"
        try:
            output = run_analysis(name, path, holder.pattern, st.session_state.get(f"{key}_blur", True), filmed)
        except Exception:  # noqa: BLE001 - the page must never show a traceback
            log.exception("analysis of a live set failed")
            output = {"error": ("Internal error: the analysis of the set failed unexpectedly.",
                                "The details are in the server log; please report it.")}
        st.session_state[f"{key}_output"] = ((name, holder.pattern, time.time()), output, Path(name).stem, reps)
    finally:
        holder.renew()  # the recording is deleted with the old set
        st.session_state[f"{key}_stopped"] = holder.pattern  # the camera stays off while the result is read


def renew_timed_out(holder: LiveHolder) -> bool:
    """A set that closed itself for want of frames (the camera stopped, the set never finished) is replaced
    by a fresh one, saying so when a recording was lost; returns whether it was."""
    ended = holder.session.status()
    if not (ended.state == "finished" and ended.timed_out):
        return False
    holder.renew()
    if ended.recorded_s:
        from screening import LIVE_IDLE_S  # lazy: from the live module, which loads the tracker

        st.info(TIMED_OUT_WORDS.format(LIVE_IDLE_S))
    return True


#: what the page says when a set was ended before its recording started
NOTHING_RECORDED = "Nothing was recorded: the set starts after the camera check and the countdown."


def _press_finish(key: str) -> None:
    """The finish button's callback: it runs before the page, which then ends the set before drawing the
    camera (pressed below the camera, the set used to end after the camera had been drawn again)."""
    st.session_state[f"{key}_finish_pressed"] = True


def _start_another(key: str) -> None:
    """Back from a set's result to the camera: the result cleared and a fresh set for the camera."""
    st.session_state.pop(f"{key}_stopped", None)
    st.session_state.pop(f"{key}_output", None)
    holder = live_holders().get(key)
    if holder is not None:
        holder.renew()  # whatever frames reached the set made after the last one are dropped


def another_set(key: str, label: str) -> None:
    """After a set, the button that turns the camera back on for another one (nothing when no set ended)."""
    if st.session_state.get(f"{key}_stopped") is not None:
        st.button(label, key=f"{key}_again", type="primary", on_click=_start_another, args=(key,))


def live_set(key: str, pattern: str, plain: bool, sound_label: str, finish_label: str, filmed: Filmed | None = None,
             views: tuple[str, ...] | None = None, again_label: str | None = "Film another set"):
    """The sound switch, the set's status, the camera and the button that ends the set; returns the last
    set's analysis (or None). ``views``: the views the camera check accepts (default: every view the movement
    is measured from); ``plain``: the check and the status in everyday words.

    When a set ends (the button, or the set's time limit) the camera is turned off: its component leaves the
    page, so the browser stops the camera, and no new check or countdown starts while the result is read.
    :func:`another_set` turns it back on: drawn here with ``again_label``, or by the page (under the result)
    when it is None."""
    st.toggle(sound_label, key=f"{key}_sound")
    holder = live_holder(key, pattern, views=views, plain=plain)
    stopped = st.session_state.get(f"{key}_stopped")
    if stopped is not None and stopped != pattern:  # another movement chosen after a set: a new set for it
        _start_another(key)
        stopped = None
    pressed = st.session_state.pop(f"{key}_finish_pressed", False)
    if stopped is None:
        timed_out = renew_timed_out(holder)
        # a press that comes after the set closed itself would only say that nothing was recorded
        if not timed_out and (pressed or holder.session.status().state == "finished"):  # or the time limit
            finish_set(key, filmed)
            stopped = pattern
    if stopped is not None:
        if st.session_state.get(f"{key}_output") is None:
            st.warning(NOTHING_RECORDED)
        if again_label:
            another_set(key, again_label)
        return st.session_state.get(f"{key}_output")
    status = st.container()
    playing = live_camera(key, holder)
    with status:
        # redrawn twice a second only while the camera plays: a fragment rerunning on a timer while the page
        # first loads kept the camera component from appearing in 4 of 140 page loads (Streamlit 1.60)
        st.fragment(live_status, run_every=0.5 if playing else None)(key, plain)
    st.button(finish_label, key=f"{key}_finish", type="primary", on_click=_press_finish, args=(key,))
    return st.session_state.get(f"{key}_output")
