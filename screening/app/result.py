"""A result on the page: the verdict first, the video, the reasons, the reps and the notes, the downloads
(shared by the upload, live and session pages)."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from screening import (
    WITHHELD,
    Filmed,
    Screen,
    build_report,
    fault_text,
    glossary_words,
    guess_exercise,
    leg_table,
    load_continuum,
    note_text,
    rep_table,
    reps_csv_text,
    sentence,
    short_name,
    to_html,
    to_pdf,
)

from .analysis import CACHE_SIZE, judged_for
from .layout import VERDICT_STYLE, clinician_name, load_name, say_error, table_frame
from .store import chosen_client, save_to_client


def show_summary(screen: Screen) -> None:
    v, p, vid = screen.view, screen.person, screen.video
    items = {
        "Camera view": v.kind,
        "Facing": v.facing,
        "Side nearest the camera": v.near_side,
        "Movement": screen.pattern,
        "Duration": f"{vid.duration_s:.1f} s" if vid.duration_s is not None else None,
        "Frames with the person tracked": f"{p.detected_fraction:.0%}" if p.detected_fraction is not None else None,
    }
    columns = st.columns(3)
    for i, (label, value) in enumerate(items.items()):
        columns[i % 3].metric(label, "—" if value is None else str(value))

CAPTIONS = {
    "hinge": "Peak change from standing in each rep, and its faults.",
    "lunge": "Each rep's front leg and its measures at the bottom; a measure this camera view cannot show is left "
             "out, and one it could not read in a rep says so. Each rep's faults.",
}


def show_reps(screen: Screen) -> None:
    if screen.pattern not in ("hinge", "lunge") or screen.measurable is None:
        return
    st.subheader("Repetitions")
    if screen.reported_score is not None:
        st.metric("Score (3 = no fault, 2 = a minor fault, 1 = a major fault, 0 = pain)", str(screen.reported_score))
    if screen.reps:
        st.caption(CAPTIONS[screen.pattern])
        st.dataframe(table_frame(rep_table(screen), "rep"))
        for rep in screen.reps:
            for f in rep.faults:
                st.caption(f"Rep {rep.index + 1}: {fault_text(f, screen.pattern)}.")
            for note in rep.notes:
                st.caption(f"Rep {rep.index + 1}: {note_text(note)}")
    lunge = screen.lunge
    if lunge and lunge.legs:
        st.markdown(f"**Per leg** ({lunge.variant} lunge): the mean of each leg's reps"
                    + (", and the asymmetry |L - R| / max(L, R)" if lunge.asymmetry_pct else ""))
        st.dataframe(table_frame(leg_table(screen), "leg"))
        for f in lunge.set_faults:
            st.warning(sentence(fault_text(f, 'lunge')))
    if "rhythm_plot" in screen.attachments:
        st.image(screen.attachments["rhythm_plot"], caption="Hip flexion against spinal flexion through each rep")
    with st.expander("What the measures mean"):
        for label, definition, source in glossary_words(screen.pattern):
            st.markdown(f"- **{label}**: {definition}. *Source: {source}.*")


def reports(key: tuple, screen: Screen, client: str | None = None,
            clinician: str | None = None) -> tuple[bytes, bytes]:
    """The hand-over report of this placement, as HTML and PDF (made once per analysis, placement and the names
    on it, not again on every rerun of the page)."""
    cache = st.session_state.setdefault("reports", {})
    key = (key, client, clinician)
    if key not in cache:
        rep = build_report([screen], client=client, clinician=clinician)
        cache[key] = (to_html(rep).encode(), to_pdf(rep))
        while len(cache) > CACHE_SIZE:
            cache.pop(next(iter(cache)))
    return cache[key]

#: how many of the placement's reasons the verdict shows at once (the rest under "Why")
TOP_REASONS = 3

#: how the placement's reason naming the exercise filmed begins (screening.continuum): the verdict's own
#: second line says it already
FILMED_REASON = "Filmed: "


def show_verdict(screen: Screen) -> None:
    """The first thing on the result: the verdict with the exercise it is for, its first reasons and the next
    step; without a verdict, why there is none and what to do. Everything else comes after it."""
    p = screen.placement
    if p:
        say = getattr(st, VERDICT_STYLE[p.verdict])
        lines = [f"### {p.verdict.upper()}",
                 f"{p.pattern.capitalize()} level {p.level} ({short_name(p.level_name)}), "
                 f"{load_name(p.load_position)}" + (" (exercise inferred from the movement)"
                                                    if p.exercise_source == "inferred" else "")]
        told = [r for r in p.reasons if not r.startswith(FILMED_REASON)]  # the line above says what was filmed
        lines += [f"- {sentence(reason)}" for reason in told[:TOP_REASONS]]
        lines.append(f"**Next step.** {p.next_step}")
        say("\n\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:-1]) + "\n\n" + lines[-1])
        return
    st.info("### No verdict\n\n" + "\n\n".join(no_verdict_reasons(screen)))


def no_verdict_reasons(screen: Screen) -> list[str]:
    """Why a result has no verdict, in the result's own words: the placement's reason ("No continuum placement:
    …"), or, where the clip could carry no score, the notes that say why (those before the note that withheld
    it)."""
    placing = [n for n in screen.placement_notes if n.startswith("No continuum placement")]
    notes = list(screen.analysis_notes)
    if WITHHELD in notes:
        return notes[:notes.index(WITHHELD)][-2:] + placing[:1] or [WITHHELD]
    return placing[:1] or notes[:1] or ["The movement could not be measured."]


def confirmed_filmed(key: tuple, filmed: Filmed) -> Filmed:
    """What was filmed, with the exercise the clinician confirmed for this result (:func:`ask_exercise`) when
    none was named before the analysis."""
    chosen = st.session_state.get("confirmed_exercise", {}).get(key)
    return replace(filmed, exercise=chosen) if chosen and filmed.exercise is None else filmed


def _confirm_exercise(key: tuple, widget: str) -> None:
    st.session_state.setdefault("confirmed_exercise", {})[key] = st.session_state[widget].split(":")[0]


def ask_exercise(screen: Screen, key: tuple) -> bool:
    """When the exercise was guessed from the movement and the guess is not sure (screening.continuum
    .guess_exercise: hinge levels 1, 2 and 4 differ by the load alone; a step cannot be seen from the front),
    ask which exercise was filmed, the guess chosen and marked as one, before giving a verdict: the level sets
    the thresholds and the verdict. Returns whether it asked."""
    p = screen.placement
    if p is None or p.exercise_source != "inferred":
        return False
    continuum = load_continuum()
    guess = guess_exercise(continuum, screen)
    if guess is None or guess.sure:
        return False
    options = [f"{lv.level}: {short_name(lv.name)}" for lv in continuum.ladders[screen.pattern]]
    guessed = f"{guess.level.level}: {short_name(guess.level.name)}"
    st.warning(f"### Which exercise was filmed?\n\nIt looks like **{short_name(guess.level.name)}**, but that is "
               f"a guess: {guess.why}. The exercise sets the thresholds and the verdict: choose it to see the verdict.")
    widget = f"ask_exercise_{hash(key)}"
    st.selectbox(f"Exercise filmed ({screen.pattern})", options, index=options.index(guessed), key=widget,
                 format_func=lambda o: o + ("  (the guess)" if o == guessed else ""))
    st.button("Show the verdict for this exercise", type="primary", on_click=_confirm_exercise, args=(key, widget))
    return True


def show_notes(screen: Screen) -> None:
    """What the tool noticed about the video and the placement, folded under plain headings."""
    groups = {"About the video and the camera": list(screen.person.notes) + list(screen.analysis_notes),
              "About the exercise and the verdict": list(screen.placement_notes)}
    for heading, notes in groups.items():
        if notes:
            with st.expander(f"{heading} ({len(notes)})"):
                for note in notes:
                    st.markdown(f"- {note}")


def show_placement(screen: Screen, key: tuple, stem: str, client: str | None = None) -> None:
    p = screen.placement
    if p:
        with st.expander("Why: every reason for the verdict"):
            for reason in p.reasons:
                st.markdown(f"- {sentence(reason)}")
    elif not screen.reps:
        return
    # the report also without a verdict: the reps, the measures and why there is no verdict
    html, pdf = reports(key, screen, client, clinician_name())
    left, right = st.columns(2)
    left.download_button("Download the report (HTML)", html, f"{stem}_report.html", "text/html")
    right.download_button("Download the report (PDF)", pdf, f"{stem}_report.pdf", "application/pdf")


def show(key: tuple, output: dict, stem: str, filmed: Filmed) -> None:
    if "error" in output:
        message, what_to_do = output["error"]
        say_error(message, what_to_do)
        return
    asked_for = confirmed_filmed(key, filmed)
    screen = judged_for(output, filmed, asked_for)
    filmed = asked_for
    asked = ask_exercise(screen, key)
    if not asked:
        show_verdict(screen)  # the verdict first, its reasons and the next step; then the evidence
    st.video(output["video"], format="video/mp4")
    if not asked:  # the reasons and the report carry the verdict: once the exercise is known
        show_placement(screen, (key, filmed), stem, chosen_client(key))
    show_reps(screen)
    show_notes(screen)
    with st.expander("The clip"):
        show_summary(screen)
    st.subheader("Angles over time")
    frame, meanings = output["angles"]
    st.line_chart(frame, x_label="time (s)", y_label="degrees")
    st.caption(" · ".join(f"**{label}**: {meaning}" for label, meaning in meanings.items()))
    # what is offered is what is shown: the screen as placed now (exercise, load and pain as chosen above)
    left, mid, right = st.columns(3)
    left.download_button("Download result.json", screen.to_json_text(), f"{stem}_result.json", "application/json")
    if screen.reps:
        mid.download_button("Download reps CSV", reps_csv_text([screen]), f"{stem}_reps.csv", "text/csv")
    right.download_button("Download angles CSV", output["angles_csv"], f"{stem}_angles.csv", "text/csv")
    save_to_client(key, screen, output, filmed)
