"""The values every stage shares: the closed sets a field takes (as enums) and a coded note.

The bottom of the house: this module imports nothing of the project, and every other module may import it.
Each enum is a ``str`` (its value is what result.json holds, ../shared/spec/result-contract.md), so a member
compares equal to its text, serialises as it and formats as it: ``Pattern.HINGE == "hinge"``,
``json.dumps(View.SIDE) == '"side"'``, ``f"{Verdict.HOLD}" == "hold"``.

An analysis says what it noticed as a :class:`Note`: a code and its parameters, never words; the one
presenter (:mod:`screening.words`) writes the sentence a person reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["Pattern", "View", "Facing", "Side", "Verdict", "Severity", "Source", "BaselineSource", "Note"]


class _Text(str, Enum):
    """A closed set of words stored as text: equal to, formatted and serialised as its value."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)


class Pattern(_Text):
    """The movement pattern analysed (the ladders of ../shared/spec/continuum.md)."""

    HINGE = "hinge"
    LUNGE = "lunge"
    UNKNOWN = "unknown"


class View(_Text):
    """Where the camera stood, read from the body's width in the picture (screening.clean.detect_view)."""

    SIDE = "side"
    FRONT = "front"
    OBLIQUE = "oblique"
    UNKNOWN = "unknown"


class Facing(_Text):
    """Which way the person faces in the picture."""

    LEFT = "left"
    RIGHT = "right"
    CAMERA = "camera"
    AWAY = "away"


class Side(_Text):
    """A side of the body: a leg, the side nearer the camera."""

    LEFT = "left"
    RIGHT = "right"


class Verdict(_Text):
    """What the continuum says to do next (../shared/spec/continuum.md)."""

    PROGRESS = "progress"
    HOLD = "hold"
    REGRESS = "regress"
    REFER = "refer"


class Severity(_Text):
    """How far past its threshold a fault is (the registry's minor and major limits)."""

    MINOR = "minor"
    MAJOR = "major"


class Source(_Text):
    """Where a value came from: said by the user, or read from the movement."""

    GIVEN = "given"
    INFERRED = "inferred"


class BaselineSource(_Text):
    """Which frames the person's standing values were taken from (screening.kinematics)."""

    STANDING_AT_START = "standing at the start"
    FIRST_STANDING = "first standing frames"
    MOST_UPRIGHT = "most upright frames"
    NONE = "none"


@dataclass(frozen=True)
class Note:
    """Something an analysis noticed about the measurement: a code and its parameters (hashable values).

    ``Note.of("camera_tilted", roll_deg=23.0)``; the words are :func:`screening.words.note_text`'s. A note read
    back from a result.json is already words: ``Note.said(text)``.
    """

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> "Note":
        return cls(code, tuple(sorted(params.items())))

    @classmethod
    def said(cls, text: str) -> "Note":
        return cls("said", (("text", text),))

    @property
    def args(self) -> dict[str, Any]:
        return dict(self.params)
