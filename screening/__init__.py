"""Movement screening from video: hip-spine dissociation in hinges, lunge control, and a place on the
movement continuum.

The pipeline, one typed stage at a time::

    info   = probe(path)                        # VideoInfo
    series = track(path, info)                  # PoseSeries   (MediaPipe, 33 landmarks + trunk outline)
    clean_ = clean(series)                      # CleanSeries  (gated, filtered, levelled, view known)
    kin    = kinematics(clean_)                 # Kinematics   (every angle of the table, with baseline)
    ...                                         # PatternResult (screening.hinge / screening.lunge)

:func:`analyze` runs them all and returns a :class:`Screen` (reps, faults, score, placement), writing
nothing; :func:`placed` places a Screen again for another exercise, load or pain; :func:`write_outputs`
writes its files (result.json, CSVs, annotated video, key frame, plots); :func:`build_report` turns
Screens into the report (:func:`to_html`, :func:`to_pdf`); :func:`load_screen` reads a result.json back.
What is measured and judged is in one registry (:data:`METRICS`, :data:`FAULT_RULES`).

Names are imported on first use, so that ``screening --help`` does not load MediaPipe.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    # the pipeline
    "analyze": "pipeline", "analyze_two_views": "pipeline", "write_outputs": "pipeline",
    "probe": "video", "track": "pose", "clean": "clean", "kinematics": "kinematics",
    # the values
    "Screen": "screen", "Filmed": "screen", "load_screen": "screen", "VideoInfo": "video",
    "PoseSeries": "pose", "CleanSeries": "clean", "Kinematics": "kinematics", "PatternResult": "findings",
    "RepResult": "findings", "Fault": "findings",
    "Pattern": "values", "View": "values", "Verdict": "values", "Severity": "values", "Note": "values",
    # the continuum and the report
    "placed": "continuum", "placement_for": "continuum", "load_continuum": "ladder", "Placement": "ladder",
    "build_report": "report", "to_html": "report", "to_pdf": "report", "write_report": "report",
    # what is measured and judged
    "METRICS": "registry", "FAULT_RULES": "registry", "metric": "registry",
    # errors
    "ScreeningError": "errors", "VideoError": "errors", "NoPersonError": "errors", "ModelError": "errors",
    # what the surfaces (the command line, the web page, the report) show, in words
    "rep_table": "present", "leg_table": "present", "fault_text": "present", "chart_series": "present",
    "glossary_words": "report", "local_time": "present", "sentence": "present", "VERDICT_COLOURS": "present",
    "short_name": "ladder", "guess_exercise": "continuum", "fault_words": "registry", "note_text": "words",
    "reps_csv_text": "result",
    # judging the same frames again for what was filmed
    "rejudge": "pipeline", "analysis_depends_on": "pipeline", "WITHHELD": "pipeline",
    # progress from worker threads
    "run_with_progress": "progress", "ProgressValue": "progress",
    # the clinic's records
    "Store": "store", "StoreError": "store", "default_store_path": "store", "name_key": "store",
    "KEY_MEASURES": "store", "VERDICTS": "ladder",
    # the live screen (loads the tracker)
    "LiveHolder": "live", "LIVE_IDLE_S": "live",
    # the process and its files: temporary folders, the allocator, MediaPipe's native log lines
    "private_tmp": "tempfiles", "sweep": "tempfiles", "limit_arenas": "allocator", "filter_native_logs": "cli",
    # the page's password
    "attempt": "access", "password_is_set": "access",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'screening' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
