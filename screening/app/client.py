"""The page "A client's record": their path on each ladder, their key measures over time, their sessions."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from screening import StoreError, local_time, name_key

from .charts import path_chart, trend_chart
from .layout import load_name, md, say_error
from .store import exercise_text, get_store, verdict_text


def _client_in_address():
    """The client the page's address names: ``client?id=N`` (an id is never reused, so a link to a deleted
    client finds nobody), or ``client?name=…`` for a link typed by hand; None when it names none."""
    cid = st.query_params.get("id")
    if cid:
        try:
            return int(cid)
        except ValueError:
            return -1  # names nobody: the page says so
    return st.query_params.get("name") or None


def client_page() -> None:
    store = get_store()
    if store is None:
        return
    who = _client_in_address()
    if who is None:
        st.title("A client's record")
        clients = store.clients()
        if not clients:
            st.info("No clients yet: save a session to a client from an analysis, or add one on the Clients page.")
            return
        who = st.selectbox("Client", [c.id for c in clients], format_func={c.id: c.name for c in clients}.__getitem__)
    try:
        client = store.client(who)
    except StoreError as exc:
        say_error(exc.message, exc.what_to_do)
        return
    st.title(md(client.name))
    if client.birth_date:
        st.caption(f"Born {client.birth_date}")
    sessions = store.sessions(client.id)
    with st.expander("Notes about the client", expanded=bool(client.notes)):
        notes = st.text_area("Notes", client.notes, key=f"client_notes_{client.id}", label_visibility="collapsed")
        if st.button("Save the notes"):
            try:
                store.set_client_notes(client.id, notes)  # by id: this client, or nobody if deleted meanwhile
                st.success("Saved.")
            except StoreError as exc:
                say_error(exc.message, exc.what_to_do)
    if not sessions:
        st.info("No sessions yet: analyse a video or film a live set, then save it in this record.")
    for pattern in ("hinge", "lunge"):
        chart = path_chart(store, sessions, pattern)
        if chart is None:
            continue
        st.subheader(f"Path on the {pattern} continuum")
        st.caption("One point per session: the exercise it was filmed at, coloured by the verdict (grey: no "
                   "verdict; a clinician's override shown with its own shape), dated in this computer's local "
                   "time as in the table below. Hover a point for the details.")
        st.altair_chart(chart, width="stretch")
        trend = trend_chart(store, client.id, pattern, sessions)
        if trend is not None:
            st.markdown(f"**Key {pattern} measures per session** (the mean over the session's reps)")
            st.altair_chart(trend, width="stretch")
    if sessions:
        st.subheader("Sessions")
        frame = pd.DataFrame([{"date": local_time(s.recorded_at), "exercise": exercise_text(s),
                               "load": load_name(s.load_position),
                               "verdict": verdict_text(s), "score (3 best)": "—" if s.score is None else str(s.score),
                               "open": f"session?id={s.id}"} for s in reversed(sessions)])
        st.dataframe(frame, hide_index=True, column_config={"open": st.column_config.LinkColumn(
            "open", display_text="open")})
        if len(sessions) >= 2:
            newest = list(reversed(sessions))
            options = {s.id: f"{local_time(s.recorded_at)} · {exercise_text(s)}" for s in newest}
            # the default pair: the two latest sessions of one movement (a hinge's measures are not a lunge's)
            pair = next(((older, later) for i, later in enumerate(newest) for older in newest[i + 1:]
                         if older.pattern == later.pattern), None)
            if pair is None:
                pair = (newest[1], newest[0])
                st.caption(f"No two sessions are of the same movement: the two latest are shown ({pair[0].pattern} "
                           f"and {pair[1].pattern}), whose measures cannot be compared.")
            else:
                st.caption(f"Chosen for you: the two latest {pair[1].pattern} sessions (the same movement, so their "
                           "measures can be compared). Choose any other two below.")
            left, right = st.columns(2)
            a = left.selectbox("Compare", list(options), format_func=options.__getitem__, index=newest.index(pair[0]),
                               key=f"compare_a_{client.id}")
            b = right.selectbox("with", list(options), format_func=options.__getitem__, index=newest.index(pair[1]),
                                key=f"compare_b_{client.id}")
            chosen = {s.id: s for s in newest}
            if chosen[a].pattern != chosen[b].pattern:
                st.warning(f"These two are different movements (a {chosen[a].pattern} and a {chosen[b].pattern}): "
                           "their measures cannot be compared, only set side by side.")
            st.markdown(f"[Compare these two sessions side by side](compare?a={a}&b={b})")
    with st.expander("Delete this client"):
        st.write(f"Erases {md(client.name)} and all {len(sessions)} session(s): measures, pictures, reports and "
                 "videos. It cannot be undone (a backup made earlier keeps them).")
        typed = st.text_input("Type the client's name to confirm", key=f"delete_confirm_{client.id}")
        if st.button("Delete for good", type="primary"):
            if name_key(typed) != name_key(client.name):
                st.error("The name typed is not the client's: nothing was deleted.")
            else:
                try:
                    store.delete_client(client.id)  # by id: the client shown, never another of a like name
                except StoreError as exc:
                    say_error(exc.message, exc.what_to_do)
                    st.stop()
                st.query_params.clear()
                st.success(f"{md(client.name)} and their sessions were deleted.")
                st.stop()
