"""The page "Analyse a video" (upload): a clip uploaded, analysed on this machine, its result."""
from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from .analysis import cached_analysis
from .layout import VIDEO_TYPES, blur_choice, privacy_warnings, what_was_filmed
from .result import show

log = logging.getLogger(__name__)


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
