"""The page "Compare two sessions": two stored sessions side by side, and what changed."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from screening import KEY_MEASURES, StoreError, fault_words, local_time

from .layout import load_name
from .store import exercise_text, get_store, verdict_text


def compare_page() -> None:
    st.title("Compare two sessions")
    store = get_store()
    if store is None:
        return
    try:
        a, b = (store.session(int(st.query_params.get(k, "0"))) for k in ("a", "b"))
    except (StoreError, ValueError):
        st.info("Choose two sessions on a client's record to compare them.")
        return
    a, b = sorted((a, b), key=lambda s: s.recorded_at)
    same = a.pattern == b.pattern
    if not same:
        st.warning(f"These two sessions are different movements: a {a.pattern} and a {b.pattern}. Their measures "
                   f"are not the same measures and cannot be compared: a {a.pattern}'s angles, faults and score say "
                   f"nothing about a {b.pattern}'s. They are set side by side only. To follow a change, compare two "
                   "sessions of the same movement.")
    columns = st.columns(2)
    screens = []
    for col, s in zip(columns, (a, b)):
        screen = store.screen(s.id)
        screens.append(screen)
        with col:
            st.markdown(f"**{local_time(s.recorded_at)}**  \n{exercise_text(s)}, "
                        f"{load_name(s.load_position)}  \n{verdict_text(s)}")
            if "key_frame" in screen.attachments:
                st.image(screen.attachments["key_frame"])
    rows = []

    def per_rep(s, metric):
        values = [v for _, _, m, v in store.rep_measures(s.id) if m == metric]
        return (sum(values) / len(values), max(values)) if values else None

    for s_metric, label in KEY_MEASURES.get(a.pattern, ()) if a.pattern == b.pattern else ():
        va, vb = per_rep(a, s_metric), per_rep(b, s_metric)
        if va or vb:
            rows.append({"measure (mean over reps)": label, "earlier": None if va is None else round(va[0], 2),
                         "later": None if vb is None else round(vb[0], 2),
                         "change": None if not (va and vb) else round(vb[0] - va[0], 2)})
    rows.append({"measure (mean over reps)": "repetitions", "earlier": len(screens[0].reps), "later": len(screens[1].reps),
                 "change": len(screens[1].reps) - len(screens[0].reps) if same else None})
    rows.append({"measure (mean over reps)": "score (3 = no fault)", "earlier": a.score, "later": b.score,
                 "change": None if a.score is None or b.score is None or not same else b.score - a.score})
    st.subheader("Measures")
    st.dataframe(pd.DataFrame(rows).set_index("measure (mean over reps)"))
    st.subheader("What changed")
    before = {f.code for f in screens[0].findings()}
    after = {f.code for f in screens[1].findings()}
    changes = []
    if (a.pattern, a.level, a.load_position) != (b.pattern, b.level, b.load_position):
        changes.append(f"Exercise: {exercise_text(a)}, {load_name(a.load_position)} → {exercise_text(b)}, "
                       f"{load_name(b.load_position)}")
    if a.shown_verdict != b.shown_verdict:
        changes.append(f"Verdict: {verdict_text(a)} → {verdict_text(b)}")
    if same:
        changes += [f"No longer seen: {fault_words(c)}" for c in sorted(before - after)]
        changes += [f"New: {fault_words(c)}" for c in sorted(after - before)]
        changes += [f"Still seen: {fault_words(c)}" for c in sorted(before & after)]
    else:
        changes.append(f"The faults are not compared: a {a.pattern}'s faults are not a {b.pattern}'s.")
    for line in changes or ["Nothing changed in the exercise, the verdict or the faults."]:
        st.markdown(f"- {line}")
