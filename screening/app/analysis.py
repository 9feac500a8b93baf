"""An analysis as the page runs it: in a worker thread, in a temporary folder, kept in the browser session."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import streamlit as st

from screening import (
    Filmed,
    ProgressValue,
    Screen,
    ScreeningError,
    analysis_depends_on,
    analyze,
    load_continuum,
    placed,
    private_tmp,
    rejudge,
    run_with_progress,
    write_outputs,
)

from .charts import angles_frame

#: How many analyses one browser session keeps (each holds an annotated video in memory).
CACHE_SIZE = 3


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
