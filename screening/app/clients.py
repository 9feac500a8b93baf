"""The page "Clients": the clinic's clients, searched, and a client added."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from screening import StoreError, local_time

from .layout import md, say_error
from .store import get_store


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
            try:
                store.add_client(name, birth.strip() or None, notes)
                st.success(f"Added {md(' '.join(name.split()))}.")
            except StoreError as exc:
                say_error(exc.message, exc.what_to_do)
