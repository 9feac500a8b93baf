"""Web page for the movement screen: upload a clip, get the annotated video, a summary and the angles.

Run with ``streamlit run app.py``. Everything happens on this machine: the upload goes from the browser
to the local Streamlit server, into a temporary folder that is deleted as soon as the analysis is done.
"""
from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from screening.errors import ScreeningError
from screening.cli import limit_malloc_arenas
from screening.continuum import load_continuum, short_name
from screening.pipeline import Filmed, add_placement, analyze_video
from screening.present import chart_series
from screening.progress import ProgressValue, run_with_progress
from screening.report import TABLE_COLUMNS, build_report, to_html, to_pdf
from screening.result import reps_csv_text

limit_malloc_arenas()  # this process is the app

VIDEO_TYPES = ["mp4", "mov", "m4v", "avi", "webm", "mkv"]
#: server addresses that serve this computer only
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")
#: How many analyses one browser session keeps (each holds an annotated video in memory).
CACHE_SIZE = 3

log = logging.getLogger(__name__)


def analyse_upload(name: str, data: bytes, pattern: str, progress: ProgressValue) -> dict:
    """Analyse uploaded bytes in a temporary folder; return everything the page shows, as plain data.

    Runs in a worker thread (:func:`run_analysis`): no Streamlit call may be made here. The folder, with
    the client's video and all that is derived from it, is deleted when this returns or raises (also when
    the page has gone and the analysis is cancelled)."""
    with tempfile.TemporaryDirectory(prefix="screening-") as tmp:
        source = Path(tmp) / ("upload" + Path(name).suffix.lower())
        source.write_bytes(data)
        try:
            analysis = analyze_video(source, Path(tmp) / "out", pattern=pattern, progress=progress)
        except ScreeningError as exc:
            # Messages name the file: show the user's file name, not the temporary path.
            return {"error": (exc.message.replace(str(source), name), exc.what_to_do)}
        # Read everything now: the temporary folder is deleted when this block ends.
        out = analysis.result_path.parent
        files = {k: (out / v).read_bytes() for k, v in analysis.result.get("files", {}).items()
                 if isinstance(v, str) and (out / v).is_file()}
        rhythm = out / analysis.result.get("files", {}).get("rhythm_plot", "-")
        result = analysis.result
        result["video"]["path"] = Path(name).name  # the user's file, never the temporary copy
        return {
            "result": result,
            "files": files,
            "rhythm_png": rhythm.read_bytes() if rhythm.is_file() else None,
            "video": analysis.video_path.read_bytes(),
            "angles_csv": analysis.csv_path.read_bytes(),
            "angles": angles_frame(analysis.angles, result["view"]["kind"]),
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


def cached_analysis(upload, pattern: str) -> dict:
    """One analysis per (file, pattern), kept in the session so a rerun does not recompute it."""
    data = upload.getvalue()
    key = (upload.name, len(data), hashlib.sha1(data).hexdigest(), pattern)
    cache = st.session_state.setdefault("analyses", {})
    if key not in cache:
        cache[key] = run_analysis(upload.name, data, pattern)
        while len(cache) > CACHE_SIZE:
            cache.pop(next(iter(cache)))
    return cache[key]


def show_summary(result: dict) -> None:
    view, person, video = result.get("view", {}), result.get("person", {}), result.get("video", {})
    duration, fraction = video.get("duration_s"), person.get("detected_fraction")
    items = {
        "View": view.get("kind"),
        "Facing": view.get("facing"),
        "Near side": view.get("near_side"),
        "Pattern": result.get("pattern"),
        "Duration": f"{duration:.1f} s" if duration is not None else None,
        "Frames with a person": f"{fraction:.0%}" if fraction is not None else None,
    }
    columns = st.columns(3)
    for i, (label, value) in enumerate(items.items()):
        columns[i % 3].metric(label, "—" if value is None else str(value))
    for note in person.get("notes", []):
        st.info(note)


#: per-rep columns of the repetitions table, per pattern: result.json metric -> heading (the report's)
REP_COLUMNS = TABLE_COLUMNS
CAPTIONS = {
    "hinge": "Peak change from standing in each rep; each fault with its measured value against its threshold.",
    "lunge": "Each rep's front leg and its measures at the bottom (FPPA at half depth); a blank is a measure this "
             "camera view cannot show. Each fault with its measured value against its threshold.",
}


def reps_frame(reps: list[dict], pattern: str = "hinge") -> pd.DataFrame:
    """One row per rep: its bottom, (lunges) its front leg, the key metrics and its faults in words."""
    columns = REP_COLUMNS.get(pattern, REP_COLUMNS["hinge"])
    rows = []
    for rep in reps:
        row = {"rep": rep["index"] + 1, "bottom (s)": rep["bottom_s"]}
        if pattern == "lunge":
            row["front leg"] = rep.get("lead_leg") or "?"
        row.update({head: rep["metrics"].get(name) for name, head in columns.items()})
        row["faults"] = "; ".join(f"{f['code'].replace('_', ' ')} ({f['severity']}: {f['value']:.2f} vs "
                                  f"{f['threshold']:.2f})" for f in rep["faults"]) or "none"
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("rep")
    frame = frame.dropna(axis=1, how="all")  # measures the view cannot show
    return frame.round({h: 2 if "deg" not in h else 1 for h in columns.values() if h in frame})


def legs_frame(lunge: dict) -> pd.DataFrame:
    """Per-leg means of the lunge's key measures, and the asymmetry between legs (%)."""
    columns = REP_COLUMNS["lunge"]
    rows = {leg: {"reps": s["reps"], **{columns[k]: s["means"].get(k) for k in columns}}
            for leg, s in lunge.get("legs", {}).items()}
    if lunge.get("asymmetry_pct"):
        rows["asymmetry (%)"] = {columns[k]: v for k, v in lunge["asymmetry_pct"].items() if k in columns}
    return pd.DataFrame(rows).T.dropna(axis=1, how="all")


def show_reps(output: dict) -> None:
    result = output["result"]
    if result.get("pattern") not in ("hinge", "lunge") or result.get("measurable") is None:
        return
    st.subheader("Repetitions")
    score = result.get("score")
    if score is not None:
        st.metric("Score (3 = no fault, 2 = minor, 1 = major)", str(score))
    for note in result.get("analysis_notes", []):
        st.info(note)
    if result["reps"]:
        st.caption(CAPTIONS[result["pattern"]])
        st.dataframe(reps_frame(result["reps"], result["pattern"]))
        for rep in result["reps"]:
            for note in rep.get("notes", []):
                st.caption(f"Rep {rep['index'] + 1}: {note}")
    lunge = result.get("lunge")
    if lunge and lunge.get("legs"):
        st.markdown(f"**Per leg** ({lunge['variant']} lunge): the mean of each leg's reps"
                    + (", and the asymmetry |L - R| / max(L, R)" if lunge.get("asymmetry_pct") else ""))
        st.dataframe(legs_frame(lunge))
        for f in lunge.get("faults", []):
            st.warning(f"Asymmetry in {f['metric'].replace('_', ' ')}: {f['value']:.0f}% between legs "
                       f"(threshold {f['threshold']:.0f}%), the {f.get('leg')} leg worse.")
    if output.get("rhythm_png"):
        st.image(output["rhythm_png"], caption="Hip flexion against spinal flexion through each rep")


def placed(output: dict, filmed: Filmed) -> dict:
    """The result with its continuum placement for what the clinician says was filmed (cheap: no
    re-analysis when the exercise, the load or the pain flag change)."""
    result = json.loads(json.dumps(output["result"]))
    return add_placement(result, filmed)


@st.cache_data(max_entries=CACHE_SIZE, show_spinner=False)
def reports(result: dict, files: dict) -> tuple[bytes, bytes]:
    """The hand-over report of this result, as HTML and PDF (made once per placement, not on every rerun
    of the page)."""
    with tempfile.TemporaryDirectory(prefix="screening-report-") as tmp:
        folder = Path(tmp)
        for key, name in result.get("files", {}).items():
            if key in files:
                (folder / name).write_bytes(files[key])
        (folder / "result.json").write_text(json.dumps(result))
        rep = build_report([folder / "result.json"])
        return to_html(rep).encode(), to_pdf(rep)


def show_placement(result: dict, files: dict, stem: str) -> None:
    p = result.get("placement")
    st.subheader("Where on the continuum")
    for note in result.get("placement_notes", []):
        st.info(note)
    if not p:
        return
    say = {"progress": st.success, "hold": st.warning, "regress": st.error, "refer": st.error}[p["verdict"]]
    say(f"**{p['verdict'].upper()}**: {p['pattern']} level {p['level']} ({short_name(p['level_name'])}), "
        f"{p['load_position'].replace('_', ' ')}" + (" (exercise inferred from the movement)"
                                                       if p.get("exercise_source") == "inferred" else ""))
    st.markdown(f"**Next step.** {p['next_step']}")
    with st.expander("Why"):
        for reason in p["reasons"]:
            st.markdown(f"- {reason}")
    html, pdf = reports(result, files)
    left, right = st.columns(2)
    left.download_button("Download the report (HTML)", html, f"{stem}_report.html", "text/html")
    right.download_button("Download the report (PDF)", pdf, f"{stem}_report.pdf", "application/pdf")


def show(output: dict, stem: str, filmed: Filmed | None = None) -> None:
    if "error" in output:
        message, what_to_do = output["error"]
        st.error(f"{message} {what_to_do}")
        return
    st.video(output["video"], format="video/mp4")
    result = placed(output, filmed or Filmed())
    output = {**output, "result": result}
    st.subheader("Summary")
    show_summary(result)
    show_placement(result, output.get("files", {}), stem)
    show_reps(output)
    st.subheader("Angles over time")
    frame, meanings = output["angles"]
    st.line_chart(frame, x_label="time (s)", y_label="degrees")
    st.caption(" · ".join(f"**{label}**: {meaning}" for label, meaning in meanings.items()))
    # what is offered is what is shown: the result as placed now (exercise, load and pain as chosen above)
    left, mid, right = st.columns(3)
    left.download_button("Download result.json", json.dumps(result, indent=2, allow_nan=False) + "\n",
                         f"{stem}_result.json", "application/json")
    if result.get("reps"):
        mid.download_button("Download reps CSV", reps_csv_text([result]), f"{stem}_reps.csv", "text/csv")
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
                           help="'auto' recognises the pattern from the movement.")
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
        show(cached_analysis(upload, pattern), Path(upload.name).stem, filmed)
    except Exception:  # noqa: BLE001 - the page must never show a traceback
        log.exception("analysis failed")
        st.error("Internal error: the analysis failed unexpectedly. The details are in the server log; "
                 "please report it with the video if you can share it.")


main()
