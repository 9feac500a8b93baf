"""The continuum's ladders as data, and a place on them (../shared/spec/continuum.md).

The hinge and lunge ladders, the load positions, their names and the cues are read from
screening/data/continuum.toml (:func:`load_continuum`); :class:`Placement` is where a screen puts a person
and what to do next. The rule that places is :mod:`screening.continuum`'s; this module holds only values,
so that a Screen (:mod:`screening.screen`) can hold and check a placement without the rule.
"""
from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from .errors import ScreeningError
from .values import Pattern, Severity, Source, Verdict

__all__ = ["DEFAULT_PATH", "PATTERNS", "VERDICTS", "Level", "Continuum", "load_continuum", "Finding", "Placement",
           "short_name"]

DEFAULT_PATH = Path(__file__).with_name("data") / "continuum.toml"
PATTERNS = (Pattern.HINGE.value, Pattern.LUNGE.value)
VERDICTS = Verdict.values()


@dataclass(frozen=True)
class Level:
    level: int
    key: str
    name: str
    asks: str
    faults: tuple[str, ...]  # the faults that matter most at this level


@dataclass(frozen=True)
class Continuum:
    ladders: dict[str, tuple[Level, ...]]
    loads: tuple[str, ...]  # easiest first
    load_names: dict[str, str]
    cues: dict[str, str]
    load_labels: dict[str, str] = field(default_factory=dict)  # a word or two for narrow places

    def load_name(self, key: str | None) -> str:
        """A load position in the continuum's words without their explanation ("bear hug", "shoulder / offset");
        none given: unloaded."""
        key = key or "unloaded"
        return short_name(self.load_names.get(key, key))

    def load_label(self, key: str | None) -> str:
        """A load position in a word or two, for a narrow place ("offset")."""
        key = key or "unloaded"
        return self.load_labels.get(key) or self.load_name(key)

    def level(self, pattern: str, level: int) -> Level:
        return self.ladders[pattern][level]

    def find(self, pattern: str, name: str) -> Level:
        """A level by its key, number or full name, matched exactly in any case (``rdl``, ``4``, ``Romanian
        deadlift (load in the hands, knees soft)``; a space or a hyphen may stand for the key's underscore).
        Anything else is refused with the ladder's keys: a part of a name is never taken for a level ("s" was
        once a split squat)."""
        text = _exercise_text(name)
        if not text:
            raise ScreeningError("No exercise was named.", self.choices(pattern))
        for lv in self.ladders[pattern]:
            if text in (lv.key, str(lv.level), _exercise_text(lv.name)):
                return lv
        raise ScreeningError(f"'{name}' is not a level of the {pattern} ladder{self.near(name, pattern)}: a level is "
                             "named by its key, number or full name, exactly.", self.choices(pattern))

    def near(self, name: str, pattern: str | None = None) -> str:
        """The levels whose key or name begins with ``name``, as words for a refusal (never taken for it)."""
        text = _exercise_text(name)
        keys = [lv.key for p in ([pattern] if pattern else self.ladders) for lv in self.ladders[p]
                if text and (lv.key.startswith(text) or _exercise_text(lv.name).startswith(text))]
        if len(keys) > 1:
            return f" ('{name}' could be any of: {', '.join(keys)})"
        return f" (did you mean {keys[0]}?)" if keys else ""

    def choices(self, pattern: str | None = None) -> str:
        """What to do about an exercise that names no level: the valid keys (of one ladder, or of both)."""
        patterns = [pattern] if pattern else list(self.ladders)
        return "Use one of: " + "; ".join(
            f"{p}: " + ", ".join(f"{lv.key} ({lv.level})" for lv in self.ladders[p]) for p in patterns) + "."

    def pattern_of(self, name: str) -> str | None:
        """The one pattern whose ladder has a level called ``name`` by key or name, exactly (a number is in
        both)."""
        if str(name).strip().isdigit():
            return None
        found = []
        for pattern in self.ladders:
            try:
                self.find(pattern, name)
            except ScreeningError:
                continue
            found.append(pattern)
        return found[0] if len(found) == 1 else None

    def load(self, name: str) -> str:
        text = str(name).strip().lower().replace("-", "_").replace(" ", "_")
        if text in self.loads:
            return text
        raise ScreeningError(f"'{name}' is not a load position.", "Use one of: " + ", ".join(self.loads) + ".")


def _exercise_text(name: str) -> str:
    """An exercise's name as compared: trimmed, in lower case, a run of spaces, hyphens or underscores one
    underscore ("split squat", "Split-Squat" and "split_squat" are one name)."""
    return re.sub(r"[\s_-]+", "_", str(name).strip().lower())


def load_continuum(path: str | Path | None = None) -> Continuum:
    """The continuum of ``path`` (a copy of screening/data/continuum.toml), or the shipped one: read once a
    process, as every surface names levels and load positions from it (a page draws it row by row)."""
    return _shipped() if path is None else _read(path)


@functools.lru_cache(maxsize=1)
def _shipped() -> Continuum:
    return _read(None)


def _read(path: str | Path | None) -> Continuum:
    try:
        with open(path or DEFAULT_PATH, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ScreeningError(f"The continuum file '{path}' cannot be read ({exc.strerror}).",
                             "Give the path of a copy of screening/data/continuum.toml.") from None
    ladders = {}
    for pattern in PATTERNS:
        levels = sorted(data[pattern], key=lambda d: d["level"])
        ladders[pattern] = tuple(Level(d["level"], d["key"], d["name"], d["asks"], tuple(d.get("faults", ())))
                                 for d in levels)
    lp = data["load_positions"]
    return Continuum(ladders, tuple(lp["order"]), dict(lp["names"]), dict(data.get("cues", {})),
                     dict(lp.get("labels", {})))


@dataclass(frozen=True)
class Finding:
    """What the rule needs of one fault: its code, severity, where it was seen (rep numbers, leg), and whether
    it counts toward the verdict (``why``: screening.findings.COUNTED_WHY; a fault that does not count is
    reported, not acted on)."""

    code: str
    severity: Severity
    reps: tuple[int, ...] = ()
    leg: str | None = None
    detail: str = ""
    counted: bool = True
    why: str = "recurs"


@dataclass
class Placement:
    pattern: Pattern
    level: int
    level_name: str
    load_position: str
    verdict: Verdict
    next_step: str
    reasons: list[str]
    next_level: int
    next_level_name: str
    next_load_position: str
    exercise_source: Source
    cues: list[str] = field(default_factory=list)
    #: the measured verdict when the clinician changed it (a stored session's override; not in result.json)
    measured_verdict: str | None = None

    def as_dict(self) -> dict:
        return {"pattern": self.pattern, "level": self.level, "level_name": self.level_name,
                "load_position": self.load_position, "verdict": self.verdict, "next_step": self.next_step,
                "reasons": list(self.reasons), "exercise_source": self.exercise_source,
                "next": {"level": self.next_level, "level_name": self.next_level_name,
                         "load_position": self.next_load_position},
                "cues": list(self.cues)}

    @classmethod
    def from_dict(cls, d: dict) -> "Placement":
        nxt = d.get("next") or {}
        return cls(Pattern(d["pattern"]), int(d["level"]), d["level_name"], d["load_position"], Verdict(d["verdict"]),
                   d["next_step"],
                   list(d.get("reasons", [])), int(nxt.get("level", d["level"])), nxt.get("level_name", d["level_name"]),
                   nxt.get("load_position", d["load_position"]), Source(d.get("exercise_source", "given")),
                   list(d.get("cues", [])))


def short_name(name: str) -> str:
    """A level's name without its parenthesis or explanation: "Romanian deadlift", "split squat"."""
    return name.split(" (")[0].split(":")[0].strip()
