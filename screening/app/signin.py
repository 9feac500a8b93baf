"""Sign-in: served beyond this computer, the page asks for the clinic's password, and only a signed-in tab
may upload."""
from __future__ import annotations

import time

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from screening import attempt, password_is_set

from .layout import LOCAL_ADDRESSES


def signed_in() -> bool:
    """On this computer only (localhost), nobody else can reach the page: no password. Served beyond it,
    the page asks for the clinic's password (set with the command line's set-password) before anything.
    After a few wrong passwords every tab and browser waits (screening.access.attempt), and says how long."""
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
    runtime = Runtime.instance()
    if getattr(runtime, "_screening_signed_in", None) is not None:
        return
    signed: set[str] = set()
    # our own mark on Streamlit's one runtime object (read back with getattr): not one of its attributes
    runtime._screening_signed_in = signed  # type: ignore[attr-defined]
    active = runtime.is_active_session

    def active_and_signed_in(session_id: str) -> bool:
        local = st.get_option("server.address") in LOCAL_ADDRESSES
        return active(session_id) and (local or session_id in signed)

    # Streamlit's check wrapped on this one runtime object: its upload route asks it
    runtime.is_active_session = active_and_signed_in  # type: ignore[method-assign]


def mark_signed_in() -> None:
    """This tab may upload (guard_uploads)."""
    signed = getattr(Runtime.instance(), "_screening_signed_in", None)
    ctx = get_script_run_ctx()
    if signed is not None and ctx is not None:
        signed.add(ctx.session_id)
