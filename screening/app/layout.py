"""What every page shares: its words for user-given text and errors, the privacy warnings, a table, the
clinician's name, and the choices of what was filmed."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from screening import Filmed, load_continuum, short_name

VIDEO_TYPES = ["mp4", "mov", "m4v", "avi", "webm", "mkv"]

#: server addresses that serve this computer only
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")
#: the box each verdict is shown in (Streamlit's success / warning / error), the same on every page
VERDICT_STYLE = {"progress": "success", "hold": "warning", "regress": "error", "refer": "error"}


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


def table_frame(table, index: str) -> pd.DataFrame:
    """A :class:`screening.present.Table` as a DataFrame (numbers rounded as shown; a column no row has is
    left out: a measure the camera view cannot show)."""
    frame = pd.DataFrame(table.values(), columns=table.headings).set_index(table.headings[0])
    frame.index.name = index
    frame = frame.dropna(axis=1, how="all")
    return frame.astype(object).where(frame.notna(), "—")  # a rep without the measure: a dash, never "None"

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


def load_name(key: str | None) -> str:
    """A load position in the continuum's own words, without their explanation ("bear hug", "shoulder / offset");
    no position given: unloaded."""
    return load_continuum().load_name(key)


def what_was_filmed(pattern: str, key: str) -> Filmed:
    """The clinician's choices: the exercise (a level of the pattern's ladder), the load, pain."""
    continuum = load_continuum()
    left, mid = st.columns(2)
    levels = ["inferred from the movement"] + ([f"{lv.level}: {short_name(lv.name)}" for lv in continuum.ladders[pattern]]
                                                if pattern in continuum.ladders else [])
    exercise = left.selectbox("Exercise filmed (continuum level)", levels, key=f"{key}_exercise",
                              help="Choose the movement pattern first to pick a level; otherwise it is inferred.")
    load = mid.selectbox("Load position", list(continuum.loads), format_func=load_name,
                         key=f"{key}_load")
    pain = st.checkbox("Pain reported during the movement", help="Stops the screen and refers to a clinician.",
                       key=f"{key}_pain")
    return Filmed(None if exercise.startswith("inferred") else exercise.split(":")[0], load, pain)


def blur_choice(key: str) -> bool:
    return st.checkbox("Blur the face in the annotated video, the key frame and the report", value=True,
                       key=f"{key}_blur", help="The face is pixelated where the pose model finds it. The analysis "
                                               "itself is the same either way.")
