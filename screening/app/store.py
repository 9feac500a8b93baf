"""The clinic's store as the pages use it: opened once per server, a session in words, and saving a result
into a client's record."""
from __future__ import annotations

import streamlit as st

from screening import Filmed, Screen, Store, StoreError, default_store_path, name_key, short_name

from .layout import md, say_error

NEW_CLIENT = "A new client…"

NO_CLIENT = "Do not save"


@st.cache_resource
def _open_store(path: str):
    return Store(path)


def get_store():
    """The clinic's store (screening.store), opened once per server; None, with the reason on the page,
    when it cannot be used."""
    try:
        return _open_store(str(default_store_path()))
    except StoreError as exc:
        say_error(f"The clients' store cannot be used: {exc.message}", exc.what_to_do)
    except OSError as exc:
        st.error(f"The clients' store cannot be opened ({exc.strerror}): set SCREENING_STORE to a folder this "
                 "computer can write, and start the page again.")
    return None


def exercise_text(s) -> str:
    if s.level is None:
        return f"{s.pattern}, exercise not placed"
    return f"{s.pattern} level {s.level}: {short_name(s.level_name or '')}"


def verdict_text(s) -> str:
    if s.override_verdict:
        return f"{s.override_verdict.upper()} (clinician's override of {(s.verdict or 'no verdict').upper()})"
    return (s.verdict or "no verdict").upper()


def save_widgets(key: tuple) -> tuple[str, str]:
    """The keys of :func:`save_to_client`'s two widgets for one result: the client chosen, a new client's name."""
    return f"save_client_{hash(key)}", f"save_new_{hash(key)}"


def chosen_client(key: tuple) -> str | None:
    """The client this result is being saved for (:func:`save_to_client`'s choice), for the report's header."""
    chosen, new = save_widgets(key)
    choice = st.session_state.get(chosen)
    if choice == NEW_CLIENT:
        choice = (st.session_state.get(new) or "").strip()
    return choice if choice and choice != NO_CLIENT else None


def save_to_client(key: tuple, screen: Screen, output: dict, filmed: Filmed) -> None:
    """Save the result (as placed now) into a client's record: chosen, or new; once per choice."""
    store = get_store()
    if store is None:
        return
    st.subheader("Save to a client's record")
    names = [c.name for c in store.clients()]
    left, right = st.columns(2)
    chosen, new = save_widgets(key)
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
