"""The one presenter of notes: every sentence a person reads about how a clip was measured.

Analyses (clean, kinematics, hinge, lunge, the continuum) say what they noticed as a coded
:class:`~screening.values.Note`; :func:`note_text` writes it in words, here and nowhere else. The command
line, the page, the report and the live cues all show these words (through the Screen, which holds them as
result.json does).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from .registry import metric
from .values import Note

__all__ = ["NOTE_WORDS", "SHOULDERS_SEEN", "note_text", "notes_text", "says"]

Words = Callable[..., str]

#: what each view shows of the shoulders, in words (the notes that name a view give the reason in these words
#: rather than the spread ratio the view is read from)
SHOULDERS_SEEN = {"side": "the shoulders one behind the other in the picture",
                  "oblique": "the shoulders neither one behind the other nor side by side",
                  "front": "the shoulders side by side in the picture"}


def _reps_cut_off(count: int) -> str:
    return f"{count} rep{' was' if count == 1 else 's were'} cut off by the end of the clip and left out."


def _people_in_view(people: int, dropped_s: float) -> str:
    words = (f"{people} people were in view; the central, largest one was analysed "
             "and followed through the clip.")
    if dropped_s:
        words += f" About {dropped_s:.0f} s where the tracker followed somebody else were left out."
    return words


def _knee_hyperextended(starts_s: tuple, leg: str, limit_deg: float, frames: int) -> str:
    at = ", ".join(f"{a:.1f}" for a in starts_s)
    return (f"At {at} s the {leg} knee read bent backwards beyond {-limit_deg:.0f} deg "
            f"(the tracker swapped the legs, or the joint jumped): the measures of that leg are left "
            f"out there ({frames} frames).")


def _spine_average_back(cause: str, average: float, own: float) -> str:
    why = ("something held in front of the hips while standing (a barbell's plates) covered the lower back"
           if cause == "load" else "the back's outline was never clear while the person stood upright")
    return (f"Spinal flexion is read against an average back, not this person's own: {why}. It is of lower "
            f"confidence (±{average:g}° rather than ±{own:g}°), and a rounded "
            "back is said only past its threshold by more than that.")


def _lunge_view_hidden(measures: tuple, view: str, lateral: bool) -> str:
    why = (f"not measurable from a {view} view" if not lateral else
           f"not measurable in a lateral lunge from a {view} view, or not defined for it")
    other = "front" if view == "side" else "side"
    names = ", ".join(metric(m, "lunge").label for m in measures)
    return (f"{names[:1].upper()}{names[1:]}: {why}. Film the same set from the {other} too and "
            "analyse the two clips together for them.")


def _from_clip(clip: str, note: Note, capital: bool) -> str:
    """A note of one clip of two (a side and a front clip of one set): "Side clip: ...", "side clip: ..."."""
    return f"{clip.capitalize() if capital else clip} clip: {note_text(note)}"


def _reps_out_of_picture(reps: tuple) -> str:
    return (f"The person was partly out of the picture during rep{'s' if len(reps) > 1 else ''} "
            f"{', '.join(map(str, reps))}: their measures are "
            "guesses, and the score is of the other reps.")


#: note code -> its words, given the note's parameters
NOTE_WORDS: dict[str, Words] = {
    "said": lambda text: text,  # a note read back from a result.json: already words
    # two clips of one set (screening.lunge.merge_views, screening.pipeline.analyze_two_views)
    "from_clip": _from_clip,
    "from_view": lambda clip, note: f"{clip}: {note_text(note)}",  # a rep's note, from the side or front clip
    # tracking (screening.pose)
    "video_truncated": lambda at_s: (f"The video breaks off at {at_s:.1f} s (the file looks truncated): "
                                     "only what comes before was analysed."),
    "people_in_view": _people_in_view,
    # cleaning (screening.clean)
    "camera_tilted": lambda roll_deg: (f"The camera looks tilted by {roll_deg:.0f} degrees; angles were corrected "
                                       "for it, but a level camera gives better numbers."),
    "never_upright": lambda: ("The person is never upright in this clip (is the video sideways, or the person lying "
                              "down?): standing-baseline values are taken from the most upright frames."),
    # kinematics (screening.kinematics)
    "baseline_most_upright": lambda: ("No standing phase of 0.5 s was found: the baseline is the most upright 10% "
                                      "of frames."),
    "turned_away": lambda share, view: (f"In {share:.0%} of the frames the person was turned away from the {view} "
                                        f"view: {view}-view measures are left out there."),
    "upside_down": lambda share, limit_deg: (f"In {share:.0%} of the frames the body read upside down or folded "
                                             f"beyond {limit_deg:.0f} deg (a close-up, or the body not in view): "
                                             "left out."),
    "legs_blocked": lambda share, from_s, to_s: (
        f"Something stood in front of the lower legs (a barbell plate or a bench: what was seen across "
        f"the shins was far wider than a shin) in {share:.0%} of the "
        f"frames, between {from_s:.1f} and {to_s:.1f} s: the knees and ankles there are the tracker's "
        "guesses, so knee flexion and the hip shift are left out there."),
    "knee_hyperextended": _knee_hyperextended,
    "side_measures_not_measurable": lambda view: (
        f"Side-view measures (trunk inclination, hip and knee flexion) are not measurable from "
        f"{'an' if view == 'oblique' else 'a'} {view} view: film from the side, camera at hip height, for them."),
    "front_measures_not_measurable": lambda view: (
        f"Front-view measures (knee valgus, pelvic drop, the trunk's sideways lean) are not "
        f"measurable from {'an' if view == 'oblique' else 'a'} {view} view."),
    # repetitions (screening.reps)
    "reps_cut_off": _reps_cut_off,
    "partial_movements": lambda count: f"{count} partial movement(s) too small to be a rep were left out.",
    # the hinge (screening.hinge)
    "hinge_needs_side": lambda view: (
        f"The hinge is measured from the side; this clip was filmed from the {view} "
        f"({SHOULDERS_SEEN[view]}), so trunk inclination, hip and spinal "
        "flexion are not measurable here. Film the person side-on, the camera at hip height."),
    "spine_not_side_on": lambda: (
        "The back's outline is the spine's only in a true side view; this clip was filmed at an angle (the "
        "shoulders and hips were side by side in the picture, where a side view shows them one behind the "
        "other), so spinal flexion, the hip-spine ratio and "
        "spine-first timing are not measurable from this view. Film exactly side-on, the camera at hip "
        "height, for them."),
    "spine_average_back": _spine_average_back,
    "starts_at_bottom_floor": lambda: ("The clip starts at the bottom of this rep (a lift from the floor): its "
                                       "descent is not seen."),
    "shallow_lean": lambda min_lean_deg: (
        f"The trunk leaned less than {min_lean_deg:.0f} deg at the bottom of this rep: spinal "
        "flexion is read from the back's outline only from there on (what it was fitted on), so "
        "it is not reported for this rep."),
    "spine_implausible": lambda read_deg: (
        f"Spinal flexion read {read_deg:.0f} deg, more than a spine bends in a hinge: the "
        "outline was not the back (arms, a bar, loose clothing), so it is not reported."),
    "back_outline_unclear": lambda: ("The back's outline was not clear at the bottom of this rep (arms, a bar, loose "
                                     "clothing or hair over it): spinal flexion is of low confidence."),
    "shins_hidden_estimated": lambda: (
        "The lower legs were hidden in most of this rep (a barbell's plates in front of the "
        "shins): knee flexion is estimated from how far the hips came down over the ankle "
        "where it stood, and the length of the person's own thigh and shin; the hip shift is not "
        "measured."),
    "shins_hidden": lambda: ("The lower legs were hidden in most of this rep: knee flexion, the knee/hip ratio "
                             "and the hip shift are not measured."),
    "left_before_ascent": lambda: ("The person left the view (or the view changed) before this rep came back up: "
                                   "its ascent is not seen."),
    "no_hinge_reps": lambda prominence_deg: ("No hinge repetition was found (the trunk never leaned forward by "
                                             f"{prominence_deg:.0f} deg and back)."),
    # the lunge (screening.lunge)
    "lunge_needs_side_or_front": lambda: (
        "The lunge is measured from the side (depth, knee and trunk) or from the front (knee valgus, pelvis, "
        "balance): film side-on or face-on, the camera at hip height."),
    "lead_leg_unknown": lambda: ("Which leg led this rep could not be told from this view: the per-leg measures are "
                                 "left out."),
    "lead_leg_unknown_side": lambda: (
        "Which of the person's legs was in front could not be told from the side (the feet "
        "level in the picture, the tracker's left and right changing within the rep): the "
        "rep is measured, but left out of the per-leg table and the asymmetry."),
    "lead_leg_relabelled": lambda labelled, leg: (
        f"The tracker labelled the leg in front {labelled}; from the side it can swap left and "
        f"right, so the leg was told by which foot is nearer the camera: the {leg} leg."),
    "fppa_unread": lambda: ("Knee valgus (FPPA) could not be read at the bottom of this rep: the front thigh "
                            "pointed at the camera (seen at under half its length). It is not read as none: "
                            "film from chest height, or from further back, to see it."),
    "fppa_above_bottom": lambda: ("Knee valgus (FPPA) was read above the bottom of this rep, where the front "
                                  "thigh could still be seen: at the bottom it is at least this."),
    "left_before_up": lambda: "The person left the view (or the view changed) before this rep came back up.",
    "starts_at_bottom": lambda: "The clip starts at the bottom of this rep: its descent is not seen.",
    "no_lunge_reps": lambda prominence_leg_lengths: (
        "No lunge repetition was found (the hips never dropped by "
        f"{prominence_leg_lengths:g} leg lengths and came back up)."),
    "lunge_oblique": lambda: (
        f"Filmed at an angle, between a side and a front view ({SHOULDERS_SEEN['oblique']}): "
        "the reps, the leg in front of each, their depth and tempo are read (the depth less exactly than "
        "face-on or side-on: on motion-captured lunges (UI-PRMD) within 11-12% of leg length on average at "
        "30-45° off, against 5-6%); knee valgus, pelvic drop and the trunk's sideways lean need a front view, front "
        "knee flexion, rear knee height and the trunk's forward lean a side view. So no fault is judged and "
        "there is no score or verdict: film face-on or side-on for them. A lateral lunge is not told from a "
        "split lunge at this angle."),
    "lunge_view_hidden_measures": _lunge_view_hidden,
    "lateral_lean_sign": lambda: (
        "The lateral trunk lean of a lateral lunge has a side: toward the working (bent) leg is "
        "positive and is the side that counts as a fault (the lean over the loaded leg); away from "
        "it is negative."),
    "clip_rep_counts_differ": lambda side, front: (
        f"The side clip has {side} reps and the front clip {front}: they were "
        "paired by order and lead leg; a rep seen in one clip only has the other view's measures null."),
    "clips_lead_leg_differ": lambda side, front: (
        f"The side clip read the {side} leg in front and the front clip the {front}: "
        "the front clip's reading is used."),
    "one_clip_only": lambda clip: f"This rep was seen in the {clip} clip only.",
    "clips_variant_differ": lambda side, front: (
        f"The side clip read a {side} lunge, the front clip a {front} one: "
        "the front clip's reading is used."),
    # the Screen's assembly (screening.result) and its score (screening.quality, screening.pipeline)
    "part_hidden": lambda part, secs: (f"The {part} were hidden for up to {secs:.1f} s at a time: values there are "
                                       "missing, not guessed."),
    "tracked_share": lambda share: f"A person was tracked in {share:.0%} of the frames.",
    "never_upright_video": lambda: (
        "The person is never upright in the video (no standing moment to measure from): the "
        "movement cannot be judged. Film from standing to standing."),
    "tracking_unsure": lambda visibility, minimum: (
        f"The tracking is unsure of the joints (mean confidence {visibility:.2f}, below "
        f"{minimum}): more light, a plainer background or clothes that show the body's "
        "shape will help."),
    "too_dark": lambda level, minimum: (
        f"The video is too dark (mean brightness {level:.0f} of 255; at least {minimum:.0f} is "
        "needed): the tracker's guesses there can change the verdict. Film in better light."),
    "decodes_short": lambda decoded_s, duration_s: (
        f"The file decodes to {decoded_s:.1f} s of the {duration_s:.1f} s its container gives "
        "(it looks truncated or damaged): what is missing may hold reps. Copy or export the "
        "video again."),
    "every_rep_cut": lambda: ("The person was partly out of the picture during every rep: the measures are guesses. "
                              "Film with the whole body in the picture throughout."),
    "reps_out_of_picture": _reps_out_of_picture,
    "score_withheld": lambda: "No score and no verdict: the clip cannot carry one (see the notes above).",
    "pattern_unrecognised": lambda: (
        "The movement was not recognised as a hinge or a lunge (an oblique camera, or too little "
        "movement): choose the movement pattern, hinge or lunge, to analyse it as one."),
    # placement (screening.continuum)
    "exercise_inferred": lambda why: (f"The exercise was inferred from the movement: {why}. Name the exercise "
                                      "filmed if it was another."),
    "load_not_given": lambda load: f"The load position was not given: taken as {load}.",
    "unplaced_pattern": lambda: "No continuum placement: the movement was not recognised as a hinge or a lunge.",
    "unplaced_no_reps": lambda: ("No continuum placement: no repetition was measured. Name the exercise filmed "
                                 "to place the person anyway."),
    "unplaced_no_score": lambda: "No continuum placement: no repetition could be scored.",
    "unplaced_no_spine": lambda: (
        "No continuum placement: spinal flexion, and with it hip-spine dissociation, was not measured in "
        "any rep (the spine is read from the back's outline, in a true side view only), and it is what a "
        "hinge's verdict turns on: a verdict from the rest would leave it out. Film exactly side-on, the "
        "camera at hip height, for a verdict."),
    # motion capture (bench.mocap)
    "mocap_holds": lambda hold_s: (f"Motion capture (UI-PRMD): {hold_s:g} s holds of the first and last frame were "
                                   "added for the standing baseline."),
}


def note_text(note: Note | str) -> str:
    """``note`` in words (text passes through unchanged)."""
    if isinstance(note, str):
        return note
    try:
        words = NOTE_WORDS[note.code]
    except KeyError:
        raise KeyError(f"no words for the note code {note.code!r}: add them to screening.words.NOTE_WORDS") from None
    return words(**note.args)


def notes_text(notes: Iterable[Note | str]) -> list[str]:
    """Each note in words, in order."""
    return [note_text(n) for n in notes]


def says(notes: Iterable[Note | str], code: str) -> bool:
    """Whether ``notes`` hold the note ``code``: coded, as an analysis emits it, or in its words, as a result
    read back from result.json holds it (a note with parameters is matched by its code only); a note one clip
    of two gave a merged rep ("front: ...", ``from_view``) counts."""
    said = {note_text(Note.of(code))} | {note_text(Note.of("from_view", clip=c, note=Note.of(code)))
                                         for c in ("side", "front")}

    def holds(n: Note | str) -> bool:
        if isinstance(n, Note) and n.code == code:
            return True
        if isinstance(n, Note) and n.code == "from_view":
            return holds(n.args["note"])
        return note_text(n) in said

    return any(holds(n) for n in notes)
