"""The page "A session": one stored session, its report, the clinician's notes and verdict."""
from __future__ import annotations

import streamlit as st

from screening import VERDICTS, StoreError, local_time, sentence

from .layout import VERDICT_STYLE, clinician_name, load_name, md, say_error
from .result import reports, show_notes, show_reps, show_summary
from .store import exercise_text, get_store


def _session_header(store, s) -> None:
    st.markdown(f"**[{md(s.client_name)}](client?id={s.client_id})** · {local_time(s.recorded_at)} · "
                f"{exercise_text(s)}, {load_name(s.load_position)}")
    verdict = s.shown_verdict
    if verdict:
        text = f"**{verdict.upper()}**" + (
            f" — the clinician's override (measured: {(s.verdict or 'no verdict').upper()}), "
            f"{local_time(s.override_at)}: {md(s.override_reason)}" if s.override_verdict else "")
        getattr(st, VERDICT_STYLE[verdict])(text)
    else:
        st.info("No verdict: see the notes below.")


def session_page() -> None:
    store = get_store()
    if store is None:
        return
    try:
        s = store.session(int(st.query_params.get("id", "0")))
        screen = store.screen(s.id)
    except (StoreError, ValueError):
        st.title("A session")
        if st.query_params.get("id"):  # a link or a tab left open on a session since deleted: it names nobody now
            st.warning("This session is not in the store: it was deleted, with its client. Nothing typed here is saved.")
        st.info("Open a session from a client's record (Clients).")
        return
    st.title("Session")
    _session_header(store, s)
    video = store.file(s.id, "annotated_video")
    if video:
        st.video(video, format="video/mp4")
    elif "key_frame" in screen.attachments:
        st.image(screen.attachments["key_frame"],
                 caption="The key frame: the rep with the most serious faults, at its bottom")
    if screen.placement:
        st.markdown(f"**Next step.** {screen.placement.next_step}")
        with st.expander("Why"):
            for reason in screen.placement.reasons:
                st.markdown(f"- {sentence(reason)}")
    show_reps(screen)
    show_notes(screen)
    with st.expander("The clip"):
        show_summary(screen)
    html, pdf = reports(("stored", s.id, s.override_at, s.client_name), store.screen(s.id, with_override=True),
                        s.client_name, clinician_name())  # made now, as the session stands
    left, right = st.columns(2)
    stem = f"{s.client_name.replace(' ', '_')}_{local_time(s.recorded_at, False)}"
    left.download_button("Download the report (HTML)", html, f"{stem}_report.html", "text/html")
    right.download_button("Download the report (PDF)", pdf,
                          f"{stem}_report.pdf", "application/pdf")
    st.subheader("Clinician's notes")
    notes = st.text_area("Notes on this session", s.clinician_notes, key=f"session_notes_{s.id}",
                         label_visibility="collapsed")
    if st.button("Save the notes"):
        try:
            store.set_notes(s.id, notes)  # ids are never reused: a deleted session's id names nobody
            st.success("Saved.")
        except StoreError as exc:
            say_error(exc.message, exc.what_to_do)
    st.subheader("Change the verdict")
    st.caption("The measured verdict stays in the record; your verdict is kept beside it with its reason and date, "
               "and shown as an override everywhere.")
    left, right = st.columns([1, 2])
    verdict = left.selectbox("Your verdict", VERDICTS, format_func=str.upper, key=f"override_verdict_{s.id}")
    reason = right.text_input("Why", key=f"override_reason_{s.id}")
    if st.button("Change the verdict"):
        try:
            store.override(s.id, verdict, reason)
            st.rerun()
        except StoreError as exc:
            say_error(exc.message, exc.what_to_do)
