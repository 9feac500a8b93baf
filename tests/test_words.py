"""The one presenter of notes (issue 28): every code an analysis emits has words, every word has a code that
is emitted, and the words are the sentences the analyses wrote before they emitted codes."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from screening.findings import RepResult
from screening.lunge import ONE_VIEW_NOTES, REP_METRICS
from screening.values import Note
from screening.words import NOTE_WORDS, note_text, notes_text

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[1]
EMITTED = re.compile(r"""Note\.of\(\s*["']([a-z_]+)["']""")

#: a value for each parameter name the words take (to render every code)
SAMPLE = {"text": "A note read back.", "clip": "side", "note": Note.of("fppa_unread"), "capital": True,
          "at_s": 12.34, "starts_s": (1.23, 4.56), "people": 2, "dropped_s": 3.2, "roll_deg": 23.456,
          "share": 0.2345, "view": "oblique",
          "limit_deg": 140.0, "from_s": 1.04, "to_s": 5.55, "leg": "left", "frames": 7, "count": 2,
          "cause": "load", "average": 12.0, "own": 6.0, "min_lean_deg": 20.0, "read_deg": 61.7,
          "prominence_deg": 15.0, "labelled": "right", "prominence_leg_lengths": 0.08,
          "measures": ("knee_valgus_fppa_deg", "pelvic_obliquity_change_deg"), "lateral": False, "side": 3, "front": 2,
          "part": "knees", "secs": 1.25, "visibility": 0.412, "minimum": 0.5, "level": 31.2, "decoded_s": 8.04,
          "duration_s": 12.5, "reps": (2, 3), "why": "the trunk leaned forward", "load": "front_loaded",
          "hold_s": 1.5}


def _emitted() -> dict[str, list[str]]:
    """code -> the files that emit it (screening/ and the bench's own pose series)."""
    out: dict[str, list[str]] = {}
    for folder in ("screening", "bench"):
        for p in sorted((ROOT / folder).rglob("*.py")):
            if p.name == "words.py":
                continue
            for code in EMITTED.findall(p.read_text(encoding="utf-8")):
                out.setdefault(code, []).append(str(p.relative_to(ROOT)))
    return out


def _sample(code: str) -> Note:
    names = inspect.signature(NOTE_WORDS[code]).parameters
    return Note.of(code, **{n: SAMPLE[n] for n in names})


def test_every_code_emitted_has_words_and_every_word_is_emitted():
    emitted = _emitted()
    assert len(emitted) > 40
    missing = sorted(set(emitted) - set(NOTE_WORDS))
    assert not missing, f"codes without words in screening.words.NOTE_WORDS: {missing}"
    unused = sorted(set(NOTE_WORDS) - set(emitted) - {"said"})  # "said": a note read back from result.json
    assert not unused, f"words no analysis emits: {unused}"


@pytest.mark.parametrize("code", sorted(NOTE_WORDS))
def test_every_code_renders_a_sentence(code):
    words = note_text(_sample(code))
    assert isinstance(words, str) and words.strip() and "{" not in words and "Note(" not in words


def test_the_notes_a_merge_leaves_out_are_those_the_other_view_answers():
    """merge_views drops a clip's notes on what its view cannot measure (before: by the words "not measurable"
    and "Film the same set"); by code now, the same notes."""
    wordy = {code for code in NOTE_WORDS if code not in ("said", "from_clip", "from_view")
             and any(w in note_text(_sample(code)) for w in ("not measurable", "Film the same set"))}
    assert wordy == set(ONE_VIEW_NOTES)


def test_the_words_are_the_sentences_the_analyses_wrote():
    """Sentences as the analyses wrote them before issue 28 (the old f-strings, formatted by hand)."""
    said = {
        Note.of("camera_tilted", roll_deg=23.456):
            "The camera looks tilted by 23 degrees; angles were corrected for it, but a level camera gives better "
            "numbers.",
        Note.of("side_measures_not_measurable", view="oblique"):
            "Side-view measures (trunk inclination, hip and knee flexion) are not measurable from an oblique view: "
            "film from the side, camera at hip height, for them.",
        Note.of("front_measures_not_measurable", view="side"):
            "Front-view measures (knee valgus, pelvic drop, the trunk's sideways lean) are not measurable from a "
            "side view.",
        Note.of("knee_hyperextended", starts_s=(1.23, 4.56), leg="right", limit_deg=-25.0, frames=12):
            "At 1.2, 4.6 s the right knee read bent backwards beyond 25 deg (the tracker swapped the legs, or the "
            "joint jumped): the measures of that leg are left out there (12 frames).",
        Note.of("turned_away", share=0.126, view="side"):
            "In 13% of the frames the person was turned away from the side view: side-view measures are left out "
            "there.",
        Note.of("reps_cut_off", count=1): "1 rep was cut off by the end of the clip and left out.",
        Note.of("reps_cut_off", count=2): "2 reps were cut off by the end of the clip and left out.",
        Note.of("people_in_view", people=3, dropped_s=0.0):
            "3 people were in view; the central, largest one was analysed and followed through the clip.",
        Note.of("people_in_view", people=2, dropped_s=4.4):
            "2 people were in view; the central, largest one was analysed and followed through the clip. About 4 s "
            "where the tracker followed somebody else were left out.",
        Note.of("spine_average_back", cause="unseen", average=12.0, own=6.5):
            "Spinal flexion is read against an average back, not this person's own: the back's outline was never "
            "clear while the person stood upright. It is of lower confidence (±12° rather than ±6.5°), and a "
            "rounded back is said only past its threshold by more than that.",
        Note.of("no_lunge_reps", prominence_leg_lengths=0.08):
            "No lunge repetition was found (the hips never dropped by 0.08 leg lengths and came back up).",
        Note.of("load_not_given", load="front loaded"): "The load position was not given: taken as front loaded.",
        Note.of("reps_out_of_picture", reps=(2,)):
            "The person was partly out of the picture during rep 2: their measures are guesses, and the score is "
            "of the other reps.",
        Note.of("reps_out_of_picture", reps=(1, 3)):
            "The person was partly out of the picture during reps 1, 3: their measures are guesses, and the score "
            "is of the other reps.",
        Note.of("score_withheld"): "No score and no verdict: the clip cannot carry one (see the notes above).",
        Note.of("from_clip", clip="side", note=Note.of("partial_movements", count=1), capital=True):
            "Side clip: 1 partial movement(s) too small to be a rep were left out.",
        Note.of("from_clip", clip="front", note=Note.said("A person was tracked in 80% of the frames."),
                capital=False):
            "front clip: A person was tracked in 80% of the frames.",
        Note.of("from_view", clip="side", note=Note.of("one_clip_only", clip="front")):
            "side: This rep was seen in the front clip only.",
        Note.said("Anything at all."): "Anything at all.",
    }
    for note, sentence in said.items():
        assert note_text(note) == sentence
    assert notes_text(said) == list(said.values())


def test_the_lunge_names_what_a_view_hides_by_the_registry_labels():
    hidden = [m for m in REP_METRICS if "side" not in m.views]
    names = ", ".join(m.label for m in hidden)  # as view_notes wrote them
    assert note_text(Note.of("lunge_view_hidden_measures", measures=tuple(m.name for m in hidden), view="side",
                             lateral=False)) == (
        f"{names[:1].upper()}{names[1:]}: not measurable from a side view. Film the same set from the front too "
        "and analyse the two clips together for them.")


def test_a_rep_writes_its_notes_in_words_and_reads_them_back_as_said():
    rep = RepResult(0, 0.0, 1.0, 2.0, "left", {}, [], [Note.of("fppa_unread"), Note.of("starts_at_bottom")])
    d = rep.as_dict()
    assert d["notes"] == ["Knee valgus (FPPA) could not be read at the bottom of this rep: the front thigh pointed at "
                          "the camera (seen at under half its length). It is not read as none: film from chest "
                          "height, or from further back, to see it.",
                          "The clip starts at the bottom of this rep: its descent is not seen."]
    back = RepResult.from_dict(d)
    assert [n.code for n in back.notes] == ["said", "said"] and notes_text(back.notes) == d["notes"]
    assert back.as_dict() == d


def test_words_import_nothing_of_the_project_but_values_and_the_registry():
    src = (ROOT / "screening" / "words.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^\s*from \.(\w*) import", src, re.M))
    assert imported <= {"values", "registry"}, imported


def test_says_finds_a_note_coded_in_words_and_from_one_clip_of_two():
    """A rep's 'valgus not read' note, as the analysis codes it, as result.json words it, and as a rep merged
    from a side and a front clip carries it ("front: ..."): the placement and the command line ask the same."""
    from screening.words import says

    unread = Note.of("fppa_unread")
    merged = Note.of("from_view", clip="front", note=unread)
    for notes in ([unread], [note_text(unread)], [merged], [note_text(merged)]):
        assert says(notes, "fppa_unread"), notes
    assert not says([Note.of("fppa_above_bottom"), note_text(Note.of("from_view", clip="side", note=Note.of(
        "fppa_above_bottom")))], "fppa_unread")
