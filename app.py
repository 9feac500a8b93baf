"""Web page for the movement screen: upload a clip, get the verdict, the annotated video, the reps and the report.

Run with ``streamlit run app.py`` from this folder (its .streamlit/config.toml keeps the page to this
computer). Everything happens on this machine: the upload goes from the browser to the local Streamlit
server, into a temporary folder that is deleted as soon as the analysis is done. The page only parses
what the user chose, calls the public API (:mod:`screening`) and shows what it returns, in the words of
:mod:`screening.present`.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from datetime import datetime
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from screening import (Filmed, Screen, ScreeningError, analyze, load_continuum, placed, write_outputs)
from screening.allocator import limit_arenas
from screening.cli import filter_native_logs
from screening.continuum import short_name
from screening.present import chart_series, fault_text, glossary, leg_table, local_time, rep_table, sentence
from screening.progress import ProgressValue, run_with_progress
from screening.report import build_report, to_html, to_pdf
from screening.result import reps_csv_text
from screening.pipeline import analysis_depends_on, rejudge
from screening.store import StoreError, name_key
from screening.tempfiles import private_tmp, sweep

if TYPE_CHECKING:
    from screening.live import LiveHolder

limit_arenas()  # this process is the app
filter_native_logs()  # MediaPipe's C++ start-up lines stay off the server's terminal (once per process)


@st.cache_resource
def _swept() -> int:
    """Once per server: remove what a killed earlier run left in the temporary folder (a client's video)."""
    return len(sweep())


_swept()

VIDEO_TYPES = ["mp4", "mov", "m4v", "avi", "webm", "mkv"]
#: server addresses that serve this computer only
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")
#: How many analyses one browser session keeps (each holds an annotated video in memory).
CACHE_SIZE = 3

log = logging.getLogger(__name__)


def analyse_upload(name: str, data: bytes, pattern: str, progress: ProgressValue, blur_faces: bool = True,
                   filmed: Filmed | None = None) -> dict:
    """Analyse uploaded bytes in a temporary folder; return the Screen and the files the page shows.

    Runs in a worker thread (:func:`run_analysis`): no Streamlit call may be made here. The folder, with
    the client's video and all that is derived from it, is deleted when this returns or raises (also when
    the page has gone and the analysis is cancelled)."""
    with private_tmp("upload") as tmp:
        source = Path(tmp) / ("upload" + Path(name).suffix.lower())
        source.write_bytes(data)
        return analyse_file(source, name, pattern, progress, Path(tmp) / "out", blur_faces, filmed)


def analyse_file(source: Path, name: str, pattern: str, progress: ProgressValue, out: Path | None = None,
                 blur_faces: bool = True, filmed: Filmed | None = None) -> dict:
    """Analyse a video on this machine as ``name`` (the name shown and written, never the path), writing
    its files into ``out`` (default: a temporary folder, deleted before this returns)."""
    if out is None:
        with private_tmp("analysis") as tmp:
            return analyse_file(source, name, pattern, progress, Path(tmp) / "out", blur_faces, filmed)
    try:  # what was filmed as the command line passes it: one decision path for the CLI, uploads and live sets
        screen = analyze(source, pattern=pattern, filmed=filmed, progress=progress)
    except ScreeningError as exc:
        # Messages name the file: show the user's file name, not the temporary path.
        return {"error": (exc.message.replace(str(source), name).replace(source.name, name), exc.what_to_do)}
    # the user's file, never the temporary copy, in everything written and shown
    screen = screen.replace(video=replace(screen.video, path=Path(name).name))
    others = judged_otherwise(screen, filmed)
    written = write_outputs(screen, out, progress=progress, blur_faces=blur_faces)
    variants = {}
    for i, (depends, other) in enumerate(others.items()):  # their key frames read while the video is here
        other = write_outputs(other, out / f"variant{i}", video=False, blur_faces=blur_faces)
        variants[depends] = other.replace(measured=None, folder=None)
    return {
        "screen": written.replace(measured=None, folder=None),  # the measurement's arrays are not kept
        "variants": variants,
        "video": (out / "annotated.mp4").read_bytes(),
        "angles_csv": (out / "angles.csv").read_bytes(),
        "angles": angles_frame(screen.measured.angles, screen.view.kind,
                               screen.baseline.values if screen.baseline else None),
    }


def judged_for(output: dict, filmed: Filmed, confirmed: Filmed) -> Screen:
    """The analysis placed for what the clinician says was filmed: ``filmed`` as given before the analysis,
    ``confirmed`` with the exercise chosen after it (:func:`ask_exercise`). Where that exercise changes the
    analysis itself (a lift from the floor), the same frames as judged for it (:func:`judged_otherwise`)."""
    screen = output["screen"]
    depends = analysis_depends_on(screen.pattern, confirmed)
    if depends != analysis_depends_on(screen.pattern, filmed):
        screen = output.get("variants", {}).get(depends, screen)
    return placed(screen, confirmed)


def judged_otherwise(screen: Screen, filmed: Filmed | None) -> dict[tuple, Screen]:
    """When no exercise was named, the same frames judged for each exercise the clinician may still name that
    changes the analysis itself (:func:`screening.pipeline.analysis_depends_on`: a lift from the floor, or
    not), keyed by that dependence. Judging is cheap and needs no video (:func:`screening.pipeline.rejudge`),
    so a live set, whose recording is deleted once analysed, gives on confirmation the verdict the command line
    gives with ``--exercise``, and an upload needs no second tracking."""
    if screen.measured is None or (filmed is not None and filmed.exercise is not None):
        return {}
    filmed = filmed or Filmed()
    own = analysis_depends_on(screen.pattern, filmed)
    out: dict[tuple, Screen] = {}
    for level in load_continuum().ladders.get(screen.pattern, []):
        named = replace(filmed, exercise=level.key)
        depends = analysis_depends_on(screen.pattern, named)
        if depends != own and depends not in out:
            out[depends] = rejudge(screen, named)
    return out


def run_analysis(name: str, data: bytes | Path, pattern: str, blur_faces: bool = True,
                 filmed: Filmed | None = None) -> dict:
    """:func:`analyse_upload` (or :func:`analyse_file`, for a path) in a worker thread, its progress drawn
    from this (the script's) thread.

    The pipeline reports progress from its own threads (two pose graphs on clips of 6 s or more), and
    Streamlit refuses calls from threads it does not own: the workers only set a thread-safe value, which
    this thread polls and draws. If the page goes away (the tab closed), Streamlit stops this thread at its
    next call; the analysis is then cancelled and its temporary folder removed before the script ends."""
    bar = st.progress(0.0, text="Starting…")

    def show(fraction: float, stage: str) -> None:
        bar.progress(fraction, text=f"{stage[:1].upper()}{stage[1:]}… {fraction:.0%}")

    try:
        if isinstance(data, Path):
            return run_with_progress(lambda progress: analyse_file(data, name, pattern, progress,
                                                                   blur_faces=blur_faces, filmed=filmed), show)
        return run_with_progress(lambda progress: analyse_upload(name, data, pattern, progress, blur_faces, filmed),
                                 show)
    finally:
        bar.empty()


def angles_frame(angles: dict, view: str | None, standing: dict | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The key angles of the clip's view (:func:`screening.present.chart_series`: as the reps table gives them,
    from the person's ``standing``) as a DataFrame indexed by time in seconds, and what each means."""
    series = chart_series(angles, view, standing)
    frame = pd.DataFrame({label: values for label, (values, _) in series.items()},
                         index=pd.Index(angles["time_s"], name="time (s)"))
    return frame, {label: meaning for label, (_, meaning) in series.items() if meaning}


def cached_analysis(upload, pattern: str, blur_faces: bool = True, filmed: Filmed | None = None) -> tuple[tuple, dict]:
    """One analysis per (file, pattern, blurring, and whatever of what was filmed changes the analysis: a lift
    from the floor, named), kept in the session so a rerun does not recompute it. The rest of what was filmed
    (the level, the load, pain) only places the result (:func:`show`)."""
    data = upload.getvalue()
    key = (upload.name, len(data), hashlib.sha1(data).hexdigest(), pattern, blur_faces,
           analysis_depends_on(pattern, filmed))
    cache = st.session_state.setdefault("analyses", {})
    if key not in cache:
        cache[key] = run_analysis(upload.name, data, pattern, blur_faces, filmed)
        while len(cache) > CACHE_SIZE:
            cache.pop(next(iter(cache)))
    return key, cache[key]


def table_frame(table, index: str) -> pd.DataFrame:
    """A :class:`screening.present.Table` as a DataFrame (numbers rounded as shown; a column no row has is
    left out: a measure the camera view cannot show)."""
    frame = pd.DataFrame(table.values(), columns=table.headings).set_index(table.headings[0])
    frame.index.name = index
    frame = frame.dropna(axis=1, how="all")
    return frame.astype(object).where(frame.notna(), "—")  # a rep without the measure: a dash, never "None"


def show_summary(screen: Screen) -> None:
    v, p, vid = screen.view, screen.person, screen.video
    items = {
        "Camera view": v.kind,
        "Facing": v.facing,
        "Side nearest the camera": v.near_side,
        "Movement": screen.pattern,
        "Duration": f"{vid.duration_s:.1f} s" if vid.duration_s is not None else None,
        "Frames with the person tracked": f"{p.detected_fraction:.0%}" if p.detected_fraction is not None else None,
    }
    columns = st.columns(3)
    for i, (label, value) in enumerate(items.items()):
        columns[i % 3].metric(label, "—" if value is None else str(value))


CAPTIONS = {
    "hinge": "Peak change from standing in each rep, and its faults.",
    "lunge": "Each rep's front leg and its measures at the bottom (knee valgus at half depth); a measure this "
             "camera view cannot show is left out. Each rep's faults.",
}


def show_reps(screen: Screen) -> None:
    if screen.pattern not in ("hinge", "lunge") or screen.measurable is None:
        return
    st.subheader("Repetitions")
    if screen.reported_score is not None:
        st.metric("Score (3 = no fault, 2 = a minor fault, 1 = a major fault, 0 = pain)", str(screen.reported_score))
    if screen.reps:
        st.caption(CAPTIONS[screen.pattern])
        st.dataframe(table_frame(rep_table(screen), "rep"))
        for rep in screen.reps:
            for f in rep.faults:
                st.caption(f"Rep {rep.index + 1}: {fault_text(f, screen.pattern)}.")
            for note in rep.notes:
                st.caption(f"Rep {rep.index + 1}: {__import__('screening.words', fromlist=['note_text']).note_text(note)}")
    lunge = screen.lunge
    if lunge and lunge.legs:
        st.markdown(f"**Per leg** ({lunge.variant} lunge): the mean of each leg's reps"
                    + (", and the asymmetry |L - R| / max(L, R)" if lunge.asymmetry_pct else ""))
        st.dataframe(table_frame(leg_table(screen), "leg"))
        for f in lunge.set_faults:
            st.warning(sentence(fault_text(f, 'lunge')))
    if "rhythm_plot" in screen.attachments:
        st.image(screen.attachments["rhythm_plot"], caption="Hip flexion against spinal flexion through each rep")
    with st.expander("What the measures mean"):
        for label, definition, source in glossary(screen.pattern):
            st.markdown(f"- **{label}**: {definition}. *Source: {source}.*")


def reports(key: tuple, screen: Screen, client: str | None = None,
            clinician: str | None = None) -> tuple[bytes, bytes]:
    """The hand-over report of this placement, as HTML and PDF (made once per analysis, placement and the names
    on it, not again on every rerun of the page)."""
    cache = st.session_state.setdefault("reports", {})
    key = (key, client, clinician)
    if key not in cache:
        rep = build_report([screen], client=client, clinician=clinician)
        cache[key] = (to_html(rep).encode(), to_pdf(rep))
        while len(cache) > CACHE_SIZE:
            cache.pop(next(iter(cache)))
    return cache[key]


#: how many of the placement's reasons the verdict shows at once (the rest under "Why")
TOP_REASONS = 3
#: how the placement's reason naming the exercise filmed begins (screening.continuum): the verdict's own
#: second line says it already
FILMED_REASON = "Filmed: "


def show_verdict(screen: Screen) -> None:
    """The first thing on the result: the verdict with the exercise it is for, its first reasons and the next
    step; without a verdict, why there is none and what to do. Everything else comes after it."""
    p = screen.placement
    if p:
        say = {"progress": st.success, "hold": st.warning, "regress": st.error, "refer": st.error}[p.verdict]
        lines = [f"### {p.verdict.upper()}",
                 f"{p.pattern.capitalize()} level {p.level} ({short_name(p.level_name)}), "
                 f"{p.load_position.replace('_', ' ')}" + (" (exercise inferred from the movement)"
                                                           if p.exercise_source == "inferred" else "")]
        told = [r for r in p.reasons if not r.startswith(FILMED_REASON)]  # the line above says what was filmed
        lines += [f"- {sentence(reason)}" for reason in told[:TOP_REASONS]]
        lines.append(f"**Next step.** {p.next_step}")
        say("\n\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:-1]) + "\n\n" + lines[-1])
        return
    st.info("### No verdict\n\n" + "\n\n".join(no_verdict_reasons(screen)))


def no_verdict_reasons(screen: Screen) -> list[str]:
    """Why a result has no verdict, in the result's own words: the placement's reason ("No continuum placement:
    …"), or, where the clip could carry no score, the notes that say why (those before the note that withheld
    it)."""
    placing = [n for n in screen.placement_notes if n.startswith("No continuum placement")]
    notes = list(screen.analysis_notes)
    from screening.pipeline import WITHHELD

    if WITHHELD in notes:
        return notes[:notes.index(WITHHELD)][-2:] + placing[:1] or [WITHHELD]
    return placing[:1] or notes[:1] or ["The movement could not be measured."]


def confirmed_filmed(key: tuple, filmed: Filmed) -> Filmed:
    """What was filmed, with the exercise the clinician confirmed for this result (:func:`ask_exercise`) when
    none was named before the analysis."""
    chosen = st.session_state.get("confirmed_exercise", {}).get(key)
    return replace(filmed, exercise=chosen) if chosen and filmed.exercise is None else filmed


def _confirm_exercise(key: tuple, widget: str) -> None:
    st.session_state.setdefault("confirmed_exercise", {})[key] = st.session_state[widget].split(":")[0]


def ask_exercise(screen: Screen, key: tuple) -> bool:
    """When the exercise was guessed from the movement and the guess is not sure (screening.continuum
    .guess_exercise: hinge levels 1, 2 and 4 differ by the load alone; a step cannot be seen from the front),
    ask which exercise was filmed, the guess chosen and marked as one, before giving a verdict: the level sets
    the thresholds and the verdict. Returns whether it asked."""
    from screening.continuum import guess_exercise

    p = screen.placement
    if p is None or p.exercise_source != "inferred":
        return False
    continuum = load_continuum()
    guess = guess_exercise(continuum, screen)
    if guess is None or guess.sure:
        return False
    options = [f"{lv.level}: {short_name(lv.name)}" for lv in continuum.ladders[screen.pattern]]
    guessed = f"{guess.level.level}: {short_name(guess.level.name)}"
    st.warning(f"### Which exercise was filmed?\n\nIt looks like **{short_name(guess.level.name)}**, but that is "
               f"a guess: {guess.why}. The exercise sets the thresholds and the verdict: choose it to see the verdict.")
    widget = f"ask_exercise_{hash(key)}"
    st.selectbox(f"Exercise filmed ({screen.pattern})", options, index=options.index(guessed), key=widget,
                 format_func=lambda o: o + ("  (the guess)" if o == guessed else ""))
    st.button("Show the verdict for this exercise", type="primary", on_click=_confirm_exercise, args=(key, widget))
    return True


def show_notes(screen: Screen) -> None:
    """What the tool noticed about the video and the placement, folded under plain headings."""
    groups = {"About the video and the camera": list(screen.person.notes) + list(screen.analysis_notes),
              "About the exercise and the verdict": list(screen.placement_notes)}
    for heading, notes in groups.items():
        if notes:
            with st.expander(f"{heading} ({len(notes)})"):
                for note in notes:
                    st.markdown(f"- {note}")


#: the clinician's name for the reports, kept while the browser tab is open (:func:`clinician_name`)
CLINICIAN = "clinician_name"


def _keep_clinician() -> None:
    st.session_state[CLINICIAN] = st.session_state[f"{CLINICIAN}_field"].strip()


def clinician_name() -> str | None:
    """The clinician's name printed on the reports: asked beside the downloads, typed once per browser tab."""
    st.text_input("Clinician's name on the report (optional)", st.session_state.get(CLINICIAN, ""),
                  key=f"{CLINICIAN}_field", on_change=_keep_clinician, max_chars=120,
                  help="Printed in the report's header with the date. Kept only while this tab is open.")
    return st.session_state.get(CLINICIAN) or None


def _save_widgets(key: tuple) -> tuple[str, str]:
    """The keys of :func:`save_to_client`'s two widgets for one result: the client chosen, a new client's name."""
    return f"save_client_{hash(key)}", f"save_new_{hash(key)}"


def chosen_client(key: tuple) -> str | None:
    """The client this result is being saved for (:func:`save_to_client`'s choice), for the report's header."""
    chosen, new = _save_widgets(key)
    choice = st.session_state.get(chosen)
    if choice == NEW_CLIENT:
        choice = (st.session_state.get(new) or "").strip()
    return choice if choice and choice != NO_CLIENT else None


def show_placement(screen: Screen, key: tuple, stem: str, client: str | None = None) -> None:
    p = screen.placement
    if p:
        with st.expander("Why: every reason for the verdict"):
            for reason in p.reasons:
                st.markdown(f"- {sentence(reason)}")
    elif not screen.reps:
        return
    # the report also without a verdict: the reps, the measures and why there is no verdict
    html, pdf = reports(key, screen, client, clinician_name())
    left, right = st.columns(2)
    left.download_button("Download the report (HTML)", html, f"{stem}_report.html", "text/html")
    right.download_button("Download the report (PDF)", pdf, f"{stem}_report.pdf", "application/pdf")


def show(key: tuple, output: dict, stem: str, filmed: Filmed) -> None:
    if "error" in output:
        message, what_to_do = output["error"]
        say_error(message, what_to_do)
        return
    asked_for = confirmed_filmed(key, filmed)
    screen = judged_for(output, filmed, asked_for)
    filmed = asked_for
    asked = ask_exercise(screen, key)
    if not asked:
        show_verdict(screen)  # the verdict first, its reasons and the next step; then the evidence
    st.video(output["video"], format="video/mp4")
    if not asked:  # the reasons and the report carry the verdict: once the exercise is known
        show_placement(screen, (key, filmed), stem, chosen_client(key))
    show_reps(screen)
    show_notes(screen)
    with st.expander("The clip"):
        show_summary(screen)
    st.subheader("Angles over time")
    frame, meanings = output["angles"]
    st.line_chart(frame, x_label="time (s)", y_label="degrees")
    st.caption(" · ".join(f"**{label}**: {meaning}" for label, meaning in meanings.items()))
    # what is offered is what is shown: the screen as placed now (exercise, load and pain as chosen above)
    left, mid, right = st.columns(3)
    left.download_button("Download result.json", screen.to_json_text(), f"{stem}_result.json", "application/json")
    if screen.reps:
        mid.download_button("Download reps CSV", reps_csv_text([screen]), f"{stem}_reps.csv", "text/csv")
    right.download_button("Download angles CSV", output["angles_csv"], f"{stem}_angles.csv", "text/csv")
    save_to_client(key, screen, output, filmed)


def md(text: str) -> str:
    """User-given text (a file or client name) shown literally where the page renders Markdown: a name such
    as "[click](http://…)" or "**x**" stays those characters, not a link or bold type."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", str(text))


def say_error(message: str, what_to_do: str = "") -> None:
    """An error and what to do about it, shown as written (they name the user's files and clients)."""
    st.error(f"{md(message)} {md(what_to_do)}".strip())


def privacy_warnings() -> None:
    if st.get_option("browser.gatherUsageStats"):
        st.warning("This page was started without its privacy settings (the project's .streamlit/config.toml "
                   "is read only when the page is started from the project's folder): it may send usage "
                   "statistics and be reachable from other computers. Stop it, and start it again from the "
                   "project's folder as the README says.")
    elif st.get_option("server.address") not in LOCAL_ADDRESSES:
        st.warning("This page is served to the network, not only to this computer: anyone who can reach "
                   "this computer can open it and the videos analysed here. Serve it only on a network you "
                   "trust, over HTTPS (see the README).")


def what_was_filmed(pattern: str, key: str) -> Filmed:
    """The clinician's choices: the exercise (a level of the pattern's ladder), the load, pain."""
    continuum = load_continuum()
    left, mid = st.columns(2)
    levels = ["inferred from the movement"] + ([f"{lv.level}: {short_name(lv.name)}" for lv in continuum.ladders[pattern]]
                                                if pattern in continuum.ladders else [])
    exercise = left.selectbox("Exercise filmed (continuum level)", levels, key=f"{key}_exercise",
                              help="Choose the movement pattern first to pick a level; otherwise it is inferred.")
    load = mid.selectbox("Load position", list(continuum.loads), format_func=lambda x: x.replace("_", " "),
                         key=f"{key}_load")
    pain = st.checkbox("Pain reported during the movement", help="Stops the screen and refers to a clinician.",
                       key=f"{key}_pain")
    return Filmed(None if exercise.startswith("inferred") else exercise.split(":")[0], load, pain)


def blur_choice(key: str) -> bool:
    return st.checkbox("Blur the face in the annotated video, the key frame and the report", value=True,
                       key=f"{key}_blur", help="The face is pixelated where the pose model finds it. The analysis "
                                               "itself is the same either way.")


def upload_page() -> None:
    st.title("Movement screen")
    privacy_warnings()
    st.write(
        "Measures a hip hinge or a lunge from a video of the movement. Everything runs locally on this "
        "machine: the video is not uploaded anywhere and is deleted once analysed."
    )
    upload = st.file_uploader("Video of the movement", type=VIDEO_TYPES)
    pattern = st.selectbox("Movement pattern", ["auto", "hinge", "lunge"],
                           format_func=lambda x: "recognised from the movement" if x == "auto" else x)
    filmed = what_was_filmed(pattern, "upload")
    blur = blur_choice("upload")
    if upload is None:
        return
    try:
        key, output = cached_analysis(upload, pattern, blur, filmed)
        show(key, output, Path(upload.name).stem, filmed)
    except Exception:  # noqa: BLE001 - the page must never show a traceback
        log.exception("analysis failed")
        st.error("Internal error: the analysis failed unexpectedly. The details are in the server log; "
                 "please report it with the video if you can share it.")


# ------------------------------------------------------------------------------------------------ live
#: No STUN or TURN server: the browser and this server meet on this computer (or the clinic's network)
#: with their own addresses; streamlit-webrtc's default would ask a public STUN server, which sends
#: traffic out and fails offline.
RTC_CONFIGURATION = {"iceServers": []}
CAMERA_WORDS = {"start": "Start the camera", "stop": "Stop the camera", "select_device": "Choose the camera",
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
    from screening.live import LiveHolder  # noqa: F811 - the tracker loads with the first live page

    holders = live_holders()
    holder = holders.get(key)
    if holder is None or holder.pattern != pattern or holder.options != options:
        if holder is not None:
            holder.close()
        holder = holders[key] = LiveHolder(pattern, **options)
    return holder


def live_camera(key: str, holder: LiveHolder) -> bool:
    """The camera component; returns whether the camera is playing."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    ctx = webrtc_streamer(key=f"{key}_camera", mode=WebRtcMode.SENDRECV, rtc_configuration=RTC_CONFIGURATION,
                    media_stream_constraints={"video": {"width": {"ideal": 640}, "height": {"ideal": 480}},
                                              "audio": False},
                    video_frame_callback=holder.callback, async_processing=True, translations=CAMERA_WORDS)
    return bool(ctx.state.playing)


def speak(text: str, cue_id: int) -> None:
    """Say ``text`` with the browser's own speech synthesis (nothing leaves the machine). The script runs
    in the component's frame and speaks through the page's window, which the user has clicked."""
    import json as _json

    st.iframe(f"""<script>
      const w = window.parent || window;  /* cue {cue_id} */
      if (w.speechSynthesis) {{ w.speechSynthesis.cancel();
        w.speechSynthesis.speak(new w.SpeechSynthesisUtterance({_json.dumps(text)})); }}
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
        from screening.live import LIVE_IDLE_S

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


def live_page() -> None:
    st.title("Live screen")
    privacy_warnings()
    st.write("Film the movement live with this computer's camera (or a tablet's, over HTTPS: see the README). "
             "A camera check comes first; then the set is recorded, the repetitions counted and one cue at a "
             "time given. When the set ends, the recording is analysed as an uploaded video would be. The "
             "video stays on this machine and is deleted once analysed.")
    key = "live"
    pattern = st.radio("Movement", ["hinge", "lunge"], horizontal=True, key=f"{key}_pattern",
                       format_func=lambda x: {"hinge": "hip hinge (filmed from the side)",
                                              "lunge": "lunge (filmed from the side or the front)"}[x])
    filmed = what_was_filmed(pattern, key)
    blur_choice(key)
    done = live_set(key, pattern, False, "Speak the cues aloud", "Finish the set and analyse it", filmed)
    if done:
        result_key, output, stem, live_reps = done
        st.divider()
        st.header("The set's analysis")
        if "screen" in output:
            st.caption(f"Repetitions counted live: {live_reps}; found by the analysis: {len(output['screen'].reps)}.")
        show(result_key, output, stem, filmed)


# ------------------------------------------------------------------------------------------------ home
HOME_MOVES = {"hinge": "Bending forward from the hips (a hip hinge)",
              "lunge": "A lunge or split squat (one foot in front, lowering down)"}
#: the view each movement is filmed from at home (step 3 says it, the camera check asks for it): a hinge
#: side-on; a lunge facing the camera, which sees the knees and hips from the front
HOME_VIEWS = {"hinge": ("side",), "lunge": ("front",)}
#: the answers to "Are you holding a weight?", each with the continuum's load position it is
#: (screening/data/continuum.toml). The continuum has no position of its own for a weight in each hand at
#: the sides: it is placed as front loaded, whose continuum name includes a load held at the hips (both
#: hands, symmetrical, below the chest).
HOME_LOAD_CHOICES = {"No weight": "unloaded", "A weight hugged to your chest": "bear_hug",
                     "A weight in front, in both hands": "front_loaded",
                     "A weight in each hand, at your sides": "front_loaded",
                     "A weight in one hand or on one shoulder": "offset", "A weight held overhead": "overhead"}
#: each load position in the same words (the next exercise's load)
HOME_LOADS = {"unloaded": "No weight", "bear_hug": "A weight hugged to your chest",
              "front_loaded": "A weight in front, in both hands", "offset": "A weight in one hand or on one shoulder",
              "overhead": "A weight held overhead"}
VERDICT_WORDS = {
    "progress": ("success", "Well done: your movement was controlled. You are ready for the next step."),
    "hold": ("warning", "Keep practising this exercise for now: a little more control first."),
    "regress": ("error", "Take a step back to an easier version for now, and build control there."),
    "refer": ("error", "Please see a physiotherapist or doctor before you go on."),
}


def placement_picture(pattern: str) -> str:
    """A drawing, seen from above, of where to put the phone or laptop (SVG): side-on to the camera for a
    hinge, facing it for a lunge (:data:`HOME_VIEWS`). Each label has a place of its own, clear of the other
    labels and of the drawing (tests/test_home_issue26.py measures them)."""
    font = 'font-family="sans-serif"'
    if HOME_VIEWS[pattern] == ("side",):  # the camera at the person's side; the person faces up the picture
        you, phone = (250, 150), (80, 150)
        arrow = ((250, 124), (250, 84), "240,84 260,84 250,66")
        labels = [(250, 196, "middle", 14, "you"), (264, 80, "start", 12, "you face this way"),
                  (80, 192, "middle", 14, "phone"), (159, 140, "middle", 13, "2-3 m")]
        dashes = ((98, 150), (220, 150))
    else:  # the person faces the camera, down the picture
        you, phone = (200, 75), (200, 245)
        arrow = ((200, 101), (200, 138), "190,138 210,138 200,156")
        labels = [(164, 80, "end", 14, "you"), (214, 135, "start", 12, "you face this way"),
                  (222, 250, "start", 14, "phone"), (214, 196, "start", 13, "2-3 m")]
        dashes = ((200, 162), (200, 221))
    (ax1, ay1), (ax2, ay2), head = arrow
    (dx1, dy1), (dx2, dy2) = dashes
    text = "\n".join(f'  <text x="{x}" y="{y}" text-anchor="{anchor}" {font} font-size="{size}">{words}</text>'
                     for x, y, anchor, size, words in labels)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300">
  <rect width="400" height="300" fill="#f4f6f8"/>
  <text x="200" y="24" text-anchor="middle" {font} font-size="15">Seen from above</text>
  <circle cx="{you[0]}" cy="{you[1]}" r="26" fill="#5b8def"/>
  <line x1="{ax1}" y1="{ay1}" x2="{ax2}" y2="{ay2}" stroke="#5b8def" stroke-width="4"/>
  <polygon points="{head}" fill="#5b8def"/>
  <rect x="{phone[0] - 12}" y="{phone[1] - 20}" width="24" height="40" rx="4" fill="#333"/>
  <line x1="{dx1}" y1="{dy1}" x2="{dx2}" y2="{dy2}" stroke="#999" stroke-width="2" stroke-dasharray="6 4"/>
{text}
</svg>"""


def home_page() -> None:
    st.title("Screen yourself at home")
    privacy_warnings()
    st.write("A short check of how you move, in a few steps. Everything stays on this computer.")
    key = "home"
    st.subheader("1. What would you like to check?")
    pattern = st.radio("Movement", list(HOME_MOVES), format_func=HOME_MOVES.get, key=f"{key}_pattern",
                       label_visibility="collapsed")
    continuum = load_continuum()
    standing = [lv for lv in continuum.ladders[pattern] if lv.level >= 1]
    level = st.selectbox("Which exercise are you doing?", standing, key=f"{key}_level",
                         format_func=lambda lv: short_name(lv.name)[:1].upper() + short_name(lv.name)[1:])
    held = st.selectbox("Are you holding a weight?", list(HOME_LOAD_CHOICES), key=f"{key}_load")
    load = HOME_LOAD_CHOICES[held]
    st.subheader("2. Does this movement hurt?")
    hurts = st.radio("Pain", ["No, it does not hurt", "Yes, it hurts"], key=f"{key}_pain",
                     label_visibility="collapsed", index=None)
    if hurts is None:
        return
    if hurts.startswith("Yes"):
        st.error("Please stop here. Movement that hurts needs a physiotherapist or a doctor to look at it "
                 "before you practise it or add weight. This screen gives no exercise advice when a movement hurts.")
        return
    st.subheader("3. Put the phone or laptop in place")
    if HOME_VIEWS[pattern] == ("side",):
        st.write("Stand **side-on** to the camera, 2-3 m away, with the camera at about hip height and "
                 "upright (not tilted). The camera must see you from head to feet.")
    else:
        st.write("**Face the camera**, 2-3 m away, with the camera at about hip height and upright (not "
                 "tilted). The camera must see you from head to feet, also at the bottom of the lunge.")
    st.image(placement_picture(pattern), caption="Where to put the camera, seen from above")
    st.subheader("4. Camera check, then your set")
    st.write("Start the camera and follow what it says. When it is happy, it counts down from 3: do 5 "
             "slow repetitions, then press **I have finished**. The camera then stops while you read your result.")
    filmed = Filmed(str(level.level), load, False)
    done = live_set(key, pattern, True, "Speak the tips aloud", "I have finished", filmed,
                    views=HOME_VIEWS[pattern], again_label=None)
    if done:
        home_result(done, filmed, held)
    another_set(key, "Do another set")  # under the result: the camera stays off until it is pressed


def home_result(done: tuple, filmed: Filmed, held: str | None = None) -> None:
    """The set's result in plain words; ``held``: the words the person chose for the weight they held."""
    _, output, stem, _ = done
    st.subheader("5. Your result")
    if "error" in output:
        message, what_to_do = output["error"]
        say_error(message, what_to_do)
        return
    screen = placed(output["screen"], filmed)
    p = screen.placement
    st.write(f"Repetitions found: **{len(screen.reps)}**.")
    if p is None:
        for note in screen.placement_notes + screen.analysis_notes:
            st.info(note)
        st.info("No advice this time: try again with the camera placed as in step 3.")
        return
    kind, words = VERDICT_WORDS[p.verdict]
    getattr(st, kind)(words)
    continuum = load_continuum()
    nxt = next((lv for lv in continuum.ladders[p.pattern] if lv.level == p.next_level), None)
    if p.verdict != "refer" and nxt is not None:
        name = short_name(nxt.name)
        # the same load position as filmed: in the words the person chose (a weight at the sides stays one)
        same = held is not None and HOME_LOAD_CHOICES.get(held) == p.next_load_position
        words = held if same else HOME_LOADS.get(p.next_load_position, "")
        st.markdown(f"**Your next exercise: {name}**, {words.lower()}. "
                    f"It works on: {nxt.asks}.")
    if p.cues:
        st.markdown("**Tips for your next sets:**")
        for cue in p.cues:
            st.markdown(f"- {sentence(cue)}")
    st.caption("This is a screen, not a diagnosis. If anything hurts, stop and see a physiotherapist.")
    html, pdf = reports((done[0], filmed), screen)
    st.download_button("Download the result for your physiotherapist (PDF)", pdf, f"{stem}_report.pdf",
                       "application/pdf")


# ------------------------------------------------------------------------------------------- records
NEW_CLIENT = "A new client…"
NO_CLIENT = "Do not save"
VERDICT_STYLE = {"progress": "success", "hold": "warning", "regress": "error", "refer": "error"}
VERDICT_COLOURS = {"progress": "#2e9e5b", "hold": "#e0a100", "regress": "#d9534f", "refer": "#7b2d8b", "no verdict": "#999999"}


@st.cache_resource
def _open_store(path: str):
    from screening.store import Store

    return Store(path)


def get_store():
    """The clinic's store (screening.store), opened once per server; None, with the reason on the page,
    when it cannot be used."""
    from screening.store import StoreError, default_store_path

    try:
        return _open_store(str(default_store_path()))
    except StoreError as exc:
        say_error(f"The clients' store cannot be used: {exc.message}", exc.what_to_do)
    except OSError as exc:
        st.error(f"The clients' store cannot be opened ({exc.strerror}): set SCREENING_STORE to a folder this "
                 "computer can write, and start the page again.")
    return None


def save_to_client(key: tuple, screen: Screen, output: dict, filmed: Filmed) -> None:
    """Save the result (as placed now) into a client's record: chosen, or new; once per choice."""
    from screening.store import StoreError

    store = get_store()
    if store is None:
        return
    st.subheader("Save to a client's record")
    names = [c.name for c in store.clients()]
    left, right = st.columns(2)
    chosen, new = _save_widgets(key)
    choice = left.selectbox("Client", [NO_CLIENT, *names, NEW_CLIENT], key=chosen)
    name = right.text_input("New client's name or pseudonym", key=new) if choice == NEW_CLIENT else choice
    keep_video = st.checkbox("Keep the annotated video in the record (the original video is never kept)",
                             key=f"save_video_{hash(key)}")
    if choice == NO_CLIENT or not (name or "").strip():
        st.caption(f"Records are kept on this computer only, in {store.path}.")
        return
    saved = st.session_state.setdefault("saved_sessions", {})
    done_key = (key, filmed, name_key(name))
    if done_key in saved:
        st.success(f"Saved in {md(name)}'s record.")
        try:
            client_id = store.session(saved[done_key]).client_id
        except StoreError:  # deleted since, from another tab
            return
        st.markdown(f"[Open the session](session?id={saved[done_key]}) · [Open {md(name)}'s record](client?id={client_id})")
        return
    if st.button(f"Save in {md(name)}'s record", type="primary", key=f"save_button_{hash(key)}"):
        try:
            saved[done_key] = store.save_session(name, screen, video=output.get("video") if keep_video else None)
        except StoreError as exc:
            say_error(exc.message, exc.what_to_do)
            return
        st.rerun()


def _client_in_address():
    """The client the page's address names: ``client?id=N`` (an id is never reused, so a link to a deleted
    client finds nobody), or ``client?name=…`` for a link typed by hand; None when it names none."""
    cid = st.query_params.get("id")
    if cid:
        try:
            return int(cid)
        except ValueError:
            return -1  # names nobody: the page says so
    return st.query_params.get("name") or None


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _exercise(s) -> str:
    if s.level is None:
        return f"{s.pattern}, exercise not placed"
    return f"{s.pattern} level {s.level}: {short_name(s.level_name or '')}"


def _verdict_text(s) -> str:
    if s.override_verdict:
        return f"{s.override_verdict.upper()} (clinician's override of {(s.verdict or 'no verdict').upper()})"
    return (s.verdict or "no verdict").upper()


def clients_page() -> None:
    st.title("Clients")
    st.write("Each client's sessions and their path along the continuum, kept on this computer only.")
    store = get_store()
    if store is None:
        return
    st.caption(f"The records are kept in {store.path}: clients (a name or pseudonym, date of birth if given, "
               "notes) and their sessions (the result, the measures of each rep, the key frame and the report; "
               "the annotated video only when asked; never the original video).")
    search = st.text_input("Search by name", key="clients_search")
    clients = store.clients(search)
    if clients:
        frame = pd.DataFrame([{"client": c.name, "sessions": c.sessions,
                               "last session": local_time(c.last_session_at) if c.last_session_at else "—",
                               "record": f"client?id={c.id}"} for c in clients])
        st.dataframe(frame, hide_index=True, column_config={"record": st.column_config.LinkColumn(
            "record", display_text="open")})
    else:
        st.info("No clients yet." if not search else f"No client's name contains '{md(search)}'.")
    with st.form("add_client", clear_on_submit=True):
        st.markdown("**Add a client**")
        name = st.text_input("Name or pseudonym")
        left, right = st.columns(2)
        birth = left.text_input("Date of birth (optional, YYYY-MM-DD)")
        notes = right.text_input("Notes (optional)")
        if st.form_submit_button("Add the client"):
            from screening.store import StoreError

            try:
                store.add_client(name, birth.strip() or None, notes)
                st.success(f"Added {md(' '.join(name.split()))}.")
            except StoreError as exc:
                say_error(exc.message, exc.what_to_do)


def _path_chart(store, sessions, pattern: str):
    """The client's path on the pattern's ladder: a dated point per session at the exercise it was filmed at,
    coloured by the verdict (grey: no verdict, as when nothing could be scored). The date axis is marked at the
    sessions, in the local time and the format of the tables (present.local_time)."""
    import json
    from datetime import timezone

    import altair as alt

    ladder = load_continuum().ladders[pattern]
    drawn = [s for s in sessions if s.pattern == pattern and s.level is not None]
    if not drawn:
        return None
    instant = {s.id: int(datetime.fromisoformat(s.recorded_at).timestamp() * 1000) for s in drawn}
    rows = [{"date": float(instant[s.id]), "when": local_time(s.recorded_at),  # ms: a number the chart reads
             "level": s.level, "exercise": short_name(s.level_name or ""),
             "load": (s.load_position or "unloaded").replace("_", " "),
             "verdict": (s.shown_verdict or "no verdict"),
             "by": "the clinician (override)" if s.override_verdict else "the measurement",
             "session": s.id} for s in drawn]
    data = pd.DataFrame(rows)
    names = {lv.level: f"{lv.level}: {short_name(lv.name)}" for lv in ladder}
    label = "{" + ", ".join(f'"{k}": "{v}"' for k, v in names.items()) + "}[datum.value]"
    y = alt.Y("level:Q", title=f"{pattern} level", scale=alt.Scale(domain=[0, max(names)]),
              axis=alt.Axis(values=list(names), labelExpr=label, labelLimit=260))
    # one tick per session, labelled as the tables write its time (Vega's own time ticks read ":50 :55 06:31")
    ticks = {instant[s.id]: local_time(s.recorded_at) for s in drawn}
    x = alt.X("date:T", title="session (local time)", axis=alt.Axis(
        values=[alt.DateTime(utc=True, year=t.year, month=t.month, date=t.day, hours=t.hour, minutes=t.minute,
                             seconds=t.second) for t in (datetime.fromtimestamp(k / 1000, timezone.utc) for k in sorted(ticks))],
        labelExpr=json.dumps({str(k): v for k, v in ticks.items()}) + "[toString(time(datum.value))]",
        labelAngle=-30, labelOverlap=True))
    base = alt.Chart(data).encode(x=x, y=y)
    colours = alt.Scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values()))
    points = base.mark_point(size=140, filled=True).encode(
        color=alt.Color("verdict:N", scale=colours, title="verdict"),
        shape=alt.Shape("by:N", title="verdict by"),
        tooltip=[alt.Tooltip("when:N", title="date"), "exercise:N", "load:N", "verdict:N", "by:N", "session:Q"])
    return (base.mark_line(color="#8aa4c8") + points).properties(height=320)


def _trend_chart(store, client_name: str, pattern: str, sessions):
    """Key measures per session (mean over its reps; per leg for lunges), over time; the date axis as the path's
    (each session's time, as the tables write it)."""
    import json
    from datetime import timezone

    import altair as alt
    from screening.store import KEY_MEASURES

    of_pattern = {s.id: s for s in sessions if s.pattern == pattern}
    instant = {sid: int(datetime.fromisoformat(s.recorded_at).timestamp() * 1000) for sid, s in of_pattern.items()}
    rows = []
    for metric, label in KEY_MEASURES.get(pattern, ()):
        for sid, when, leg, value in store.measures_over_time(client_name, metric):
            if sid in of_pattern:
                rows.append({"date": float(instant[sid]), "when": local_time(when), "session": sid, "measure": label,
                             "leg": leg or "—", "value": round(value, 2)})
    if pattern == "lunge":
        for sid, s in of_pattern.items():
            lunge = store.screen(sid).lunge
            for what, pct in (lunge.asymmetry_pct.items() if lunge else []):
                rows.append({"date": float(instant[sid]), "when": local_time(s.recorded_at), "session": sid,
                             "measure": f"left-right asymmetry of {what.replace('_', ' ')} (%)",
                             "leg": "—", "value": round(pct, 1)})
    if not rows:
        return None
    data = pd.DataFrame(rows)
    by_leg = pattern == "lunge"
    ticks = {instant[sid]: local_time(of_pattern[sid].recorded_at) for sid in set(data["session"])}
    x = alt.X("date:T", title="session (local time)", axis=alt.Axis(
        values=[alt.DateTime(utc=True, year=t.year, month=t.month, date=t.day, hours=t.hour, minutes=t.minute,
                             seconds=t.second) for t in (datetime.fromtimestamp(k / 1000, timezone.utc) for k in sorted(ticks))],
        labelExpr=json.dumps({str(k): v for k, v in ticks.items()}) + "[toString(time(datum.value))]",
        labelAngle=-30, labelOverlap=True))
    return alt.Chart(data).mark_line(point=True).encode(
        x=x, y=alt.Y("value:Q", title=None),
        color=alt.Color("leg:N", title="leg") if by_leg else alt.value("#1f6fb4"),
        tooltip=[alt.Tooltip("when:N", title="date"), "measure:N", "value:Q"] + (["leg:N"] if by_leg else []),
    ).properties(height=160).facet(row=alt.Row("measure:N", title=None)).resolve_scale(y="independent")


def client_page() -> None:
    from screening.store import StoreError

    store = get_store()
    if store is None:
        return
    who = _client_in_address()
    if who is None:
        st.title("A client's record")
        clients = store.clients()
        if not clients:
            st.info("No clients yet: save a session to a client from an analysis, or add one on the Clients page.")
            return
        who = st.selectbox("Client", [c.id for c in clients], format_func={c.id: c.name for c in clients}.get)
    try:
        client = store.client(who)
    except StoreError as exc:
        say_error(exc.message, exc.what_to_do)
        return
    st.title(md(client.name))
    if client.birth_date:
        st.caption(f"Born {client.birth_date}")
    sessions = store.sessions(client.id)
    with st.expander("Notes about the client", expanded=bool(client.notes)):
        notes = st.text_area("Notes", client.notes, key=f"client_notes_{client.id}", label_visibility="collapsed")
        if st.button("Save the notes"):
            try:
                store.set_client_notes(client.id, notes)  # by id: this client, or nobody if deleted meanwhile
                st.success("Saved.")
            except StoreError as exc:
                say_error(exc.message, exc.what_to_do)
    if not sessions:
        st.info("No sessions yet: analyse a video or film a live set, then save it in this record.")
    for pattern in ("hinge", "lunge"):
        chart = _path_chart(store, sessions, pattern)
        if chart is None:
            continue
        st.subheader(f"Path on the {pattern} continuum")
        st.caption("One point per session: the exercise it was filmed at, coloured by the verdict (grey: no "
                   "verdict; a clinician's override shown with its own shape), dated in this computer's local "
                   "time as in the table below. Hover a point for the details.")
        st.altair_chart(chart, width="stretch")
        trend = _trend_chart(store, client.id, pattern, sessions)
        if trend is not None:
            st.markdown(f"**Key {pattern} measures per session** (the mean over the session's reps)")
            st.altair_chart(trend, width="stretch")
    if sessions:
        st.subheader("Sessions")
        frame = pd.DataFrame([{"date": local_time(s.recorded_at), "exercise": _exercise(s),
                               "load": (s.load_position or "unloaded").replace("_", " "),
                               "verdict": _verdict_text(s), "score (3 best)": "—" if s.score is None else str(s.score),
                               "open": f"session?id={s.id}"} for s in reversed(sessions)])
        st.dataframe(frame, hide_index=True, column_config={"open": st.column_config.LinkColumn(
            "open", display_text="open")})
        if len(sessions) >= 2:
            newest = list(reversed(sessions))
            options = {s.id: f"{local_time(s.recorded_at)} · {_exercise(s)}" for s in newest}
            # the default pair: the two latest sessions of one movement (a hinge's measures are not a lunge's)
            pair = next(((older, later) for i, later in enumerate(newest) for older in newest[i + 1:]
                         if older.pattern == later.pattern), None)
            if pair is None:
                pair = (newest[1], newest[0])
                st.caption(f"No two sessions are of the same movement: the two latest are shown ({pair[0].pattern} "
                           f"and {pair[1].pattern}), whose measures cannot be compared.")
            else:
                st.caption(f"Chosen for you: the two latest {pair[1].pattern} sessions (the same movement, so their "
                           "measures can be compared). Choose any other two below.")
            left, right = st.columns(2)
            a = left.selectbox("Compare", list(options), format_func=options.get, index=newest.index(pair[0]),
                               key=f"compare_a_{client.id}")
            b = right.selectbox("with", list(options), format_func=options.get, index=newest.index(pair[1]),
                                key=f"compare_b_{client.id}")
            chosen = {s.id: s for s in newest}
            if chosen[a].pattern != chosen[b].pattern:
                st.warning(f"These two are different movements (a {chosen[a].pattern} and a {chosen[b].pattern}): "
                           "their measures cannot be compared, only set side by side.")
            st.markdown(f"[Compare these two sessions side by side](compare?a={a}&b={b})")
    with st.expander("Delete this client"):
        st.write(f"Erases {md(client.name)} and all {len(sessions)} session(s): measures, pictures, reports and "
                 "videos. It cannot be undone (a backup made earlier keeps them).")
        typed = st.text_input("Type the client's name to confirm", key=f"delete_confirm_{client.id}")
        if st.button("Delete for good", type="primary"):
            if name_key(typed) != name_key(client.name):
                st.error("The name typed is not the client's: nothing was deleted.")
            else:
                try:
                    store.delete_client(client.id)  # by id: the client shown, never another of a like name
                except StoreError as exc:
                    say_error(exc.message, exc.what_to_do)
                    st.stop()
                st.query_params.clear()
                st.success(f"{md(client.name)} and their sessions were deleted.")
                st.stop()


def _session_header(store, s) -> None:
    st.markdown(f"**[{md(s.client_name)}](client?id={s.client_id})** · {local_time(s.recorded_at)} · "
                f"{_exercise(s)}, {(s.load_position or 'unloaded').replace('_', ' ')}")
    verdict = s.shown_verdict
    if verdict:
        text = f"**{verdict.upper()}**" + (
            f" — the clinician's override (measured: {(s.verdict or 'no verdict').upper()}), "
            f"{local_time(s.override_at)}: {md(s.override_reason)}" if s.override_verdict else "")
        getattr(st, VERDICT_STYLE[verdict])(text)
    else:
        st.info("No verdict: see the notes below.")


def session_page() -> None:
    from screening.store import VERDICTS, StoreError

    store = get_store()
    if store is None:
        return
    try:
        s = store.session(int(st.query_params.get("id", "0")))
        screen = store.screen(s.id)
    except (StoreError, ValueError):
        st.title("A session")
        if st.query_params.get("id"):  # a link or a tab left open on a session since deleted: it names nobody now
            st.warning("This session is not in the store: it was deleted, with its client. Nothing typed here is saved.")
        st.info("Open a session from a client's record (Clients).")
        return
    st.title("Session")
    _session_header(store, s)
    video = store.file(s.id, "annotated_video")
    if video:
        st.video(video, format="video/mp4")
    elif "key_frame" in screen.attachments:
        st.image(screen.attachments["key_frame"], caption="The key frame: the rep with the most serious faults, at its bottom")
    if screen.placement:
        st.markdown(f"**Next step.** {screen.placement.next_step}")
        with st.expander("Why"):
            for reason in screen.placement.reasons:
                st.markdown(f"- {sentence(reason)}")
    show_reps(screen)
    show_notes(screen)
    with st.expander("The clip"):
        show_summary(screen)
    html, pdf = reports(("stored", s.id, s.override_at, s.client_name), store.screen(s.id, with_override=True),
                        s.client_name, clinician_name())  # made now, as the session stands
    left, right = st.columns(2)
    stem = f"{s.client_name.replace(' ', '_')}_{local_time(s.recorded_at, False)}"
    left.download_button("Download the report (HTML)", html, f"{stem}_report.html", "text/html")
    right.download_button("Download the report (PDF)", pdf,
                          f"{stem}_report.pdf", "application/pdf")
    st.subheader("Clinician's notes")
    notes = st.text_area("Notes on this session", s.clinician_notes, key=f"session_notes_{s.id}",
                         label_visibility="collapsed")
    if st.button("Save the notes"):
        try:
            store.set_notes(s.id, notes)  # ids are never reused: a deleted session's id names nobody
            st.success("Saved.")
        except StoreError as exc:
            say_error(exc.message, exc.what_to_do)
    st.subheader("Change the verdict")
    st.caption("The measured verdict stays in the record; your verdict is kept beside it with its reason and date, "
               "and shown as an override everywhere.")
    left, right = st.columns([1, 2])
    verdict = left.selectbox("Your verdict", VERDICTS, format_func=str.upper, key=f"override_verdict_{s.id}")
    reason = right.text_input("Why", key=f"override_reason_{s.id}")
    if st.button("Change the verdict"):
        try:
            store.override(s.id, verdict, reason)
            st.rerun()
        except StoreError as exc:
            say_error(exc.message, exc.what_to_do)


def compare_page() -> None:
    from screening.store import KEY_MEASURES, StoreError

    st.title("Compare two sessions")
    store = get_store()
    if store is None:
        return
    try:
        a, b = (store.session(int(st.query_params.get(k, "0"))) for k in ("a", "b"))
    except (StoreError, ValueError):
        st.info("Choose two sessions on a client's record to compare them.")
        return
    a, b = sorted((a, b), key=lambda s: s.recorded_at)
    same = a.pattern == b.pattern
    if not same:
        st.warning(f"These two sessions are different movements: a {a.pattern} and a {b.pattern}. Their measures "
                   f"are not the same measures and cannot be compared: a {a.pattern}'s angles, faults and score say "
                   f"nothing about a {b.pattern}'s. They are set side by side only. To follow a change, compare two "
                   "sessions of the same movement.")
    columns = st.columns(2)
    screens = []
    for col, s in zip(columns, (a, b)):
        screen = store.screen(s.id)
        screens.append(screen)
        with col:
            st.markdown(f"**{local_time(s.recorded_at)}**  \n{_exercise(s)}, "
                        f"{(s.load_position or 'unloaded').replace('_', ' ')}  \n{_verdict_text(s)}")
            if "key_frame" in screen.attachments:
                st.image(screen.attachments["key_frame"])
    rows = []

    def per_rep(s, metric):
        values = [v for _, _, m, v in store.rep_measures(s.id) if m == metric]
        return (sum(values) / len(values), max(values)) if values else None

    for s_metric, label in KEY_MEASURES.get(a.pattern, ()) if a.pattern == b.pattern else ():
        va, vb = per_rep(a, s_metric), per_rep(b, s_metric)
        if va or vb:
            rows.append({"measure (mean over reps)": label, "earlier": None if va is None else round(va[0], 2),
                         "later": None if vb is None else round(vb[0], 2),
                         "change": None if not (va and vb) else round(vb[0] - va[0], 2)})
    rows.append({"measure (mean over reps)": "repetitions", "earlier": len(screens[0].reps), "later": len(screens[1].reps),
                 "change": len(screens[1].reps) - len(screens[0].reps) if same else None})
    rows.append({"measure (mean over reps)": "score (3 = no fault)", "earlier": a.score, "later": b.score,
                 "change": None if a.score is None or b.score is None or not same else b.score - a.score})
    st.subheader("Measures")
    st.dataframe(pd.DataFrame(rows).set_index("measure (mean over reps)"))
    st.subheader("What changed")
    before = {f.code for f in screens[0].findings()}
    after = {f.code for f in screens[1].findings()}
    from screening.registry import fault_words

    changes = []
    if (a.pattern, a.level, a.load_position) != (b.pattern, b.level, b.load_position):
        changes.append(f"Exercise: {_exercise(a)}, {a.load_position or 'unloaded'} → {_exercise(b)}, "
                       f"{b.load_position or 'unloaded'}".replace("_", " "))
    if a.shown_verdict != b.shown_verdict:
        changes.append(f"Verdict: {_verdict_text(a)} → {_verdict_text(b)}")
    if same:
        changes += [f"No longer seen: {fault_words(c)}" for c in sorted(before - after)]
        changes += [f"New: {fault_words(c)}" for c in sorted(after - before)]
        changes += [f"Still seen: {fault_words(c)}" for c in sorted(before & after)]
    else:
        changes.append(f"The faults are not compared: a {a.pattern}'s faults are not a {b.pattern}'s.")
    for line in changes or ["Nothing changed in the exercise, the verdict or the faults."]:
        st.markdown(f"- {line}")


def signed_in() -> bool:
    """On this computer only (localhost), nobody else can reach the page: no password. Served beyond it,
    the page asks for the clinic's password (set with the command line's set-password) before anything.
    After a few wrong passwords every tab and browser waits (screening.access.attempt), and says how long."""
    from screening.access import attempt, password_is_set

    if st.get_option("server.address") in LOCAL_ADDRESSES or st.session_state.get("signed_in"):
        return True
    st.title("Movement screen")
    if not password_is_set():
        st.error("This page is served to the network, and no password has been set for it, so it stays closed. "
                 "On the computer that runs it, set one (in a terminal: screening set-password), then reload "
                 "this page.")
        return False
    with st.form("sign_in"):
        password = st.text_input("The clinic's password for this page", type="password")
        if st.form_submit_button("Sign in"):
            tried = attempt(password)
            if tried.ok:
                st.session_state["signed_in"] = True
                st.rerun()
            if tried.checked:
                time.sleep(1.0)  # slows one tab's guessing; the wait shared by every tab is attempt's
            st.error(tried.message)
    return False


def guard_uploads() -> None:
    """Files only from a signed-in tab. Streamlit takes an upload for any open tab (PUT
    /_stcore/upload_file/<tab's session>/<file>) and holds it in memory, even from a tab that shows only the
    sign-in form (three 300 MB files took the server from 225 MB to 1.15 GB, held after the tab closed). Its
    upload route asks the runtime whether the tab's session is active: served beyond this computer, that now
    means active and signed in, so a tab that has not signed in is refused before its file is read."""
    from streamlit.runtime import Runtime

    runtime = Runtime.instance()
    if getattr(runtime, "_screening_signed_in", None) is not None:
        return
    runtime._screening_signed_in = signed = set()
    active = runtime.is_active_session

    def active_and_signed_in(session_id: str) -> bool:
        local = st.get_option("server.address") in LOCAL_ADDRESSES
        return active(session_id) and (local or session_id in signed)

    runtime.is_active_session = active_and_signed_in


def mark_signed_in() -> None:
    """This tab may upload (guard_uploads)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    signed = getattr(Runtime.instance(), "_screening_signed_in", None)
    ctx = get_script_run_ctx()
    if signed is not None and ctx is not None:
        signed.add(ctx.session_id)


def main() -> None:
    st.set_page_config(page_title="Movement screen", layout="centered")
    guard_uploads()
    if not signed_in():
        return
    mark_signed_in()
    pages = {"Screen": [st.Page(upload_page, title="Analyse a video", url_path="upload", default=True),
                        st.Page(live_page, title="Live screen", url_path="live"),
                        st.Page(home_page, title="Screen yourself at home", url_path="home")],
             "Records": [st.Page(clients_page, title="Clients", url_path="clients"),
                         st.Page(client_page, title="A client's record", url_path="client"),
                         st.Page(session_page, title="A session", url_path="session"),
                         st.Page(compare_page, title="Compare two sessions", url_path="compare")]}
    st.navigation(pages).run()


if __name__ == "__main__":  # `streamlit run app.py` runs it as __main__; tests import its functions
    main()
