"""The page "Live screen": a set filmed with this computer's camera, counted and cued live, then analysed."""
from __future__ import annotations

import streamlit as st

from .camera import live_set
from .layout import blur_choice, privacy_warnings, what_was_filmed
from .result import show


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
