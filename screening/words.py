"""The one presenter of notes: every sentence a person reads about how a clip was measured.

Analyses (clean, kinematics, hinge, lunge, the continuum) say what they noticed as a coded
:class:`~screening.values.Note`; :func:`note_text` writes it in words, here and nowhere else. The command
line, the page, the report and the live cues all show these words (through the Screen, which holds them as
result.json does).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from .values import Note

__all__ = ["NOTE_WORDS", "note_text", "notes_text"]

Words = Callable[..., str]

#: note code -> its words, given the note's parameters
NOTE_WORDS: dict[str, Words] = {
    "said": lambda text: text,  # a note read back from a result.json: already words
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


def _article(view: Any) -> str:
    """'an oblique view', 'a side view'."""
    return "an" if str(view)[:1] in "aeiou" else "a"
