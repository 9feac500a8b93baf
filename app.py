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
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from screening import (Filmed, Screen, ScreeningError, analyze, load_continuum, placed, write_outputs)
from screening.cli import limit_malloc_arenas
from screening.continuum import short_name
from screening.present import chart_series, fault_text, glossary, leg_table, rep_table
from screening.progress import ProgressValue, run_with_progress
from screening.report import build_report, to_html, to_pdf
from screening.result import reps_csv_text

limit_malloc_arenas()  # this process is the app

VIDEO_TYPES = ["mp4", "mov", "m4v", "avi", "webm", "mkv"]
#: server addresses that serve this computer only
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")
#: How many analyses one browser session keeps (each holds an annotated video in memory).
CACHE_SIZE = 3

log = logging.getLogger(__name__)


def analyse_upload(name: str, data: bytes, pattern: str, progress: ProgressValue) -> dict:
    """Analyse uploaded bytes in a temporary folder; return the Screen and the files the page shows.

    Runs in a worker thread (:func:`run_analysis`): no Streamlit call may be made here. The folder, with
    the client's video and all that is derived from it, is deleted when this returns or raises (also when
    the page has gone and the analysis is cancelled)."""
    with tempfile.TemporaryDirectory(prefix="screening-") as tmp:
        source = Path(tmp) / ("upload" + Path(name).suffix.lower())
        source.write_bytes(data)
        try:
            screen = analyze(source, pattern=pattern, progress=progress)
        except ScreeningError as exc:
            # Messages name the file: show the user's file name, not the temporary path.
            return {"error": (exc.message.replace(str(source), name).replace(source.name, name), exc.what_to_do)}
        # the user's file, never the temporary copy, in everything written and shown
        screen = screen.replace(video=replace(screen.video, path=Path(name).name))
        written = write_outputs(screen, Path(tmp) / "out", progress=progress)
        out = Path(tmp) / "out"
        return {
            "screen": written.replace(measured=None, folder=None),  # the measurement's arrays are not kept
            "video": (out / "annotated.mp4").read_bytes(),
            "angles_csv": (out / "angles.csv").read_bytes(),
            "angles": angles_frame(screen.measured.angles, screen.view.kind),
        }


def run_analysis(name: str, data: bytes, pattern: str) -> dict:
    """:func:`analyse_upload` in a worker thread, its progress drawn from this (the script's) thread.

    The pipeline reports progress from its own threads (two pose graphs on clips of 6 s or more), and
    Streamlit refuses calls from threads it does not own: the workers only set a thread-safe value, which
    this thread polls and draws. If the page goes away (the tab closed), Streamlit stops this thread at its
    next call; the analysis is then cancelled and its temporary folder removed before the script ends."""
    bar = st.progress(0.0, text="Starting…")

    def show(fraction: float, stage: str) -> None:
        bar.progress(fraction, text=f"{stage[:1].upper()}{stage[1:]}… {fraction:.0%}")

    try:
        return run_with_progress(lambda progress: analyse_upload(name, data, pattern, progress), show)
    finally:
        bar.empty()


def angles_frame(angles: dict, view: str | None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The key angles of the clip's view (:func:`screening.present.chart_series`) as a DataFrame indexed
    by time in seconds, and what each means."""
    series = chart_series(angles, view)
    frame = pd.DataFrame({label: values for label, (values, _) in series.items()},
                         index=pd.Index(angles["time_s"], name="time (s)"))
    return frame, {label: meaning for label, (_, meaning) in series.items() if meaning}


def cached_analysis(upload, pattern: str) -> tuple[tuple, dict]:
    """One analysis per (file, pattern), kept in the session so a rerun does not recompute it."""
    data = upload.getvalue()
    key = (upload.name, len(data), hashlib.sha1(data).hexdigest(), pattern)
    cache = st.session_state.setdefault("analyses", {})
    if key not in cache:
        cache[key] = run_analysis(upload.name, data, pattern)
        while len(cache) > CACHE_SIZE:
            cache.pop(next(iter(cache)))
    return key, cache[key]


def table_frame(table, index: str) -> pd.DataFrame:
    """A :class:`screening.present.Table` as a DataFrame (numbers rounded as shown; a column no row has is
    left out: a measure the camera view cannot show)."""
    frame = pd.DataFrame(table.values(), columns=table.headings).set_index(table.headings[0])
    frame.index.name = index
    return frame.dropna(axis=1, how="all")


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
    for note in p.notes:
        st.info(note)


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
    for note in screen.analysis_notes:
        st.info(note)
    if screen.reps:
        st.caption(CAPTIONS[screen.pattern])
        st.dataframe(table_frame(rep_table(screen), "rep"))
        for rep in screen.reps:
            for f in rep.faults:
                st.caption(f"Rep {rep.index + 1}: {fault_text(f, screen.pattern)}.")
            for note in rep.notes:
                st.caption(f"Rep {rep.index + 1}: {note}")
    lunge = screen.lunge
    if lunge and lunge.legs:
        st.markdown(f"**Per leg** ({lunge.variant} lunge): the mean of each leg's reps"
                    + (", and the asymmetry |L - R| / max(L, R)" if lunge.asymmetry_pct else ""))
        st.dataframe(table_frame(leg_table(screen), "leg"))
        for f in lunge.set_faults:
            st.warning(f"{fault_text(f, 'lunge')[:1].upper()}{fault_text(f, 'lunge')[1:]}.")
    if "rhythm_plot" in screen.attachments:
        st.image(screen.attachments["rhythm_plot"], caption="Hip flexion against spinal flexion through each rep")
    with st.expander("What the measures mean"):
        for label, definition, source in glossary(screen.pattern):
            st.markdown(f"- **{label}**: {definition}. *Source: {source}.*")


def reports(key: tuple, screen: Screen) -> tuple[bytes, bytes]:
    """The hand-over report of this placement, as HTML and PDF (made once per analysis and placement, not
    again on every rerun of the page)."""
    cache = st.session_state.setdefault("reports", {})
    if key not in cache:
        rep = build_report([screen])
        cache[key] = (to_html(rep).encode(), to_pdf(rep))
        while len(cache) > CACHE_SIZE:
            cache.pop(next(iter(cache)))
    return cache[key]


def show_placement(screen: Screen, key: tuple, stem: str) -> None:
    p = screen.placement
    st.subheader("Where on the continuum")
    for note in screen.placement_notes:
        st.info(note)
    if p:
        say = {"progress": st.success, "hold": st.warning, "regress": st.error, "refer": st.error}[p.verdict]
        say(f"**{p.verdict.upper()}**: {p.pattern} level {p.level} ({short_name(p.level_name)}), "
            f"{p.load_position.replace('_', ' ')}" + (" (exercise inferred from the movement)"
                                                       if p.exercise_source == "inferred" else ""))
        st.markdown(f"**Next step.** {p.next_step}")
        with st.expander("Why"):
            for reason in p.reasons:
                st.markdown(f"- {reason}")
    elif not screen.reps:
        return
    # the report also without a verdict: the reps, the measures and why there is no verdict
    html, pdf = reports(key, screen)
    left, right = st.columns(2)
    left.download_button("Download the report (HTML)", html, f"{stem}_report.html", "text/html")
    right.download_button("Download the report (PDF)", pdf, f"{stem}_report.pdf", "application/pdf")


def show(key: tuple, output: dict, stem: str, filmed: Filmed) -> None:
    if "error" in output:
        message, what_to_do = output["error"]
        st.error(f"{message} {what_to_do}")
        return
    st.video(output["video"], format="video/mp4")
    screen = placed(output["screen"], filmed)  # cheap: no re-analysis when what was filmed changes
    st.subheader("Summary")
    show_summary(screen)
    show_placement(screen, (key, filmed), stem)
    show_reps(screen)
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


def main() -> None:
    st.set_page_config(page_title="Movement screen", layout="centered")
    st.title("Movement screen")
    if st.get_option("browser.gatherUsageStats"):
        st.warning("This page was started without its privacy settings (the project's .streamlit/config.toml "
                   "is read only when the page is started from the project's folder): it may send usage "
                   "statistics and be reachable from other computers. Stop it, and start it again from the "
                   "project's folder as the README says.")
    elif st.get_option("server.address") not in LOCAL_ADDRESSES:
        st.warning("This page is served to the network, not only to this computer: anyone who can reach "
                   "this computer can open it and the videos analysed here. Serve it only on a network you "
                   "trust, over HTTPS (see the README).")
    st.write(
        "Measures a hip hinge or a lunge from a video of the movement. Everything runs locally on this "
        "machine: the video is not uploaded anywhere and is deleted once analysed."
    )
    upload = st.file_uploader("Video of the movement", type=VIDEO_TYPES)
    pattern = st.selectbox("Movement pattern", ["auto", "hinge", "lunge"],
                           format_func=lambda x: "recognised from the movement" if x == "auto" else x)
    continuum = load_continuum()
    left, mid = st.columns(2)
    levels = ["inferred from the movement"] + ([f"{lv.level}: {short_name(lv.name)}" for lv in continuum.ladders[pattern]]
                                                if pattern in continuum.ladders else [])
    exercise = left.selectbox("Exercise filmed (continuum level)", levels,
                              help="Choose the movement pattern first to pick a level; otherwise it is inferred.")
    load = mid.selectbox("Load position", list(continuum.loads), format_func=lambda x: x.replace("_", " "))
    pain = st.checkbox("Pain reported during the movement", help="Stops the screen and refers to a clinician.")
    filmed = Filmed(None if exercise.startswith("inferred") else exercise.split(":")[0], load, pain)
    if upload is None:
        return
    try:
        key, output = cached_analysis(upload, pattern)
        show(key, output, Path(upload.name).stem, filmed)
    except Exception:  # noqa: BLE001 - the page must never show a traceback
        log.exception("analysis failed")
        st.error("Internal error: the analysis failed unexpectedly. The details are in the server log; "
                 "please report it with the video if you can share it.")


main()
