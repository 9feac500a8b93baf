"""The page "Screen yourself at home": a person filming themselves, step by step, in everyday words."""
from __future__ import annotations

import streamlit as st

from screening import Filmed, load_continuum, placed, sentence, short_name

from .camera import another_set, live_set
from .layout import privacy_warnings, say_error
from .result import reports

HOME_MOVES = {"hinge": "Bending forward from the hips (a hip hinge)",
              "lunge": "A lunge or split squat (one foot in front, lowering down)"}

#: the view each movement is filmed from at home (step 3 says it, the camera check asks for it): a hinge
#: side-on; a lunge facing the camera, which sees the knees and hips from the front
HOME_VIEWS = {"hinge": ("side",), "lunge": ("front",)}

#: the answers to "Are you holding a weight?", each with the continuum's load position it is
#: (screening/data/continuum.toml). The continuum has no position of its own for a weight in each hand at
#: the sides: it is placed as front loaded, whose continuum name includes a load held at the hips (both
#: hands, symmetrical, below the chest).
HOME_LOAD_CHOICES = {"No weight": "unloaded", "A weight hugged to your chest": "bear_hug",
                     "A weight in front, in both hands": "front_loaded",
                     "A weight in each hand, at your sides": "front_loaded",
                     "A weight in one hand or on one shoulder": "offset", "A weight held overhead": "overhead"}

#: each load position in the same words (the next exercise's load)
HOME_LOADS = {"unloaded": "No weight", "bear_hug": "A weight hugged to your chest",
              "front_loaded": "A weight in front, in both hands", "offset": "A weight in one hand or on one shoulder",
              "overhead": "A weight held overhead"}

VERDICT_WORDS = {
    "progress": ("success", "Well done: your movement was controlled. You are ready for the next step."),
    "hold": ("warning", "Keep practising this exercise for now: a little more control first."),
    "regress": ("error", "Take a step back to an easier version for now, and build control there."),
    "refer": ("error", "Please see a physiotherapist or doctor before you go on."),
}


def placement_picture(pattern: str) -> str:
    """A drawing, seen from above, of where to put the phone or laptop (SVG): side-on to the camera for a
    hinge, facing it for a lunge (:data:`HOME_VIEWS`). Each label has a place of its own, clear of the other
    labels and of the drawing (tests/test_home_issue26.py measures them)."""
    font = 'font-family="sans-serif"'
    if HOME_VIEWS[pattern] == ("side",):  # the camera at the person's side; the person faces up the picture
        you, phone = (250, 150), (80, 150)
        arrow = ((250, 124), (250, 84), "240,84 260,84 250,66")
        labels = [(250, 196, "middle", 14, "you"), (264, 80, "start", 12, "you face this way"),
                  (80, 192, "middle", 14, "phone"), (159, 140, "middle", 13, "2-3 m")]
        dashes = ((98, 150), (220, 150))
    else:  # the person faces the camera, down the picture
        you, phone = (200, 75), (200, 245)
        arrow = ((200, 101), (200, 138), "190,138 210,138 200,156")
        labels = [(164, 80, "end", 14, "you"), (214, 135, "start", 12, "you face this way"),
                  (222, 250, "start", 14, "phone"), (214, 196, "start", 13, "2-3 m")]
        dashes = ((200, 162), (200, 221))
    (ax1, ay1), (ax2, ay2), head = arrow
    (dx1, dy1), (dx2, dy2) = dashes
    text = "\n".join(f'  <text x="{x}" y="{y}" text-anchor="{anchor}" {font} font-size="{size}">{words}</text>'
                     for x, y, anchor, size, words in labels)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300">
  <rect width="400" height="300" fill="#f4f6f8"/>
  <text x="200" y="24" text-anchor="middle" {font} font-size="15">Seen from above</text>
  <circle cx="{you[0]}" cy="{you[1]}" r="26" fill="#5b8def"/>
  <line x1="{ax1}" y1="{ay1}" x2="{ax2}" y2="{ay2}" stroke="#5b8def" stroke-width="4"/>
  <polygon points="{head}" fill="#5b8def"/>
  <rect x="{phone[0] - 12}" y="{phone[1] - 20}" width="24" height="40" rx="4" fill="#333"/>
  <line x1="{dx1}" y1="{dy1}" x2="{dx2}" y2="{dy2}" stroke="#999" stroke-width="2" stroke-dasharray="6 4"/>
{text}
</svg>"""


def home_page() -> None:
    st.title("Screen yourself at home")
    privacy_warnings()
    st.write("A short check of how you move, in a few steps. Everything stays on this computer.")
    key = "home"
    st.subheader("1. What would you like to check?")
    pattern = st.radio("Movement", list(HOME_MOVES), format_func=HOME_MOVES.get, key=f"{key}_pattern",
                       label_visibility="collapsed")
    continuum = load_continuum()
    standing = [lv for lv in continuum.ladders[pattern] if lv.level >= 1]
    level = st.selectbox("Which exercise are you doing?", standing, key=f"{key}_level",
                         format_func=lambda lv: short_name(lv.name)[:1].upper() + short_name(lv.name)[1:])
    held = st.selectbox("Are you holding a weight?", list(HOME_LOAD_CHOICES), key=f"{key}_load")
    load = HOME_LOAD_CHOICES[held]
    st.subheader("2. Does this movement hurt?")
    hurts = st.radio("Pain", ["No, it does not hurt", "Yes, it hurts"], key=f"{key}_pain",
                     label_visibility="collapsed", index=None)
    if hurts is None:
        return
    if hurts.startswith("Yes"):
        st.error("Please stop here. Movement that hurts needs a physiotherapist or a doctor to look at it "
                 "before you practise it or add weight. This screen gives no exercise advice when a movement hurts.")
        return
    st.subheader("3. Put the phone or laptop in place")
    if HOME_VIEWS[pattern] == ("side",):
        st.write("Stand **side-on** to the camera, 2-3 m away, with the camera at about hip height and "
                 "upright (not tilted). The camera must see you from head to feet.")
    else:
        st.write("**Face the camera**, 2-3 m away, with the camera at about hip height and upright (not "
                 "tilted). The camera must see you from head to feet, also at the bottom of the lunge.")
    st.image(placement_picture(pattern), caption="Where to put the camera, seen from above")
    st.subheader("4. Camera check, then your set")
    st.write("Start the camera and follow what it says. When it is happy, it counts down from 3: do 5 "
             "slow repetitions, then press **I have finished**. The camera then stops while you read your result.")
    filmed = Filmed(str(level.level), load, False)
    done = live_set(key, pattern, True, "Speak the tips aloud", "I have finished", filmed,
                    views=HOME_VIEWS[pattern], again_label=None)
    if done:
        home_result(done, filmed, held)
    another_set(key, "Do another set")  # under the result: the camera stays off until it is pressed


def home_result(done: tuple, filmed: Filmed, held: str | None = None) -> None:
    """The set's result in plain words; ``held``: the words the person chose for the weight they held."""
    _, output, stem, _ = done
    st.subheader("5. Your result")
    if "error" in output:
        message, what_to_do = output["error"]
        say_error(message, what_to_do)
        return
    screen = placed(output["screen"], filmed)
    p = screen.placement
    st.write(f"Repetitions found: **{len(screen.reps)}**.")
    if p is None:
        for note in screen.placement_notes + screen.analysis_notes:
            st.info(note)
        st.info("No advice this time: try again with the camera placed as in step 3.")
        return
    kind, words = VERDICT_WORDS[p.verdict]
    getattr(st, kind)(words)
    continuum = load_continuum()
    nxt = next((lv for lv in continuum.ladders[p.pattern] if lv.level == p.next_level), None)
    if p.verdict != "refer" and nxt is not None:
        name = short_name(nxt.name)
        load_words = HOME_LOADS.get(p.next_load_position, "")
        # the same load position as filmed: in the words the person chose (a weight at the sides stays one)
        if held is not None and HOME_LOAD_CHOICES.get(held) == p.next_load_position:
            load_words = held
        st.markdown(f"**Your next exercise: {name}**, {load_words.lower()}. "
                    f"It works on: {nxt.asks}.")
    if p.cues:
        st.markdown("**Tips for your next sets:**")
        for cue in p.cues:
            st.markdown(f"- {sentence(cue)}")
    st.caption("This is a screen, not a diagnosis. If anything hurts, stop and see a physiotherapist.")
    html, pdf = reports((done[0], filmed), screen)
    st.download_button("Download the result for your physiotherapist (PDF)", pdf, f"{stem}_report.pdf",
                       "application/pdf")
