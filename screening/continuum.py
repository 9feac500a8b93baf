"""The movement continuum: where a person stands on the hinge or lunge ladder today, and the next step
(../shared/spec/continuum.md).

The ladders, load positions and cues are data (screening/data/continuum.toml); :func:`place` is the decision
rule, a pure function of the pattern score, the faults, the asymmetry, a pain flag and the level and load
position that were filmed:

- pain: stop and refer to a clinician, no recommendation to load;
- 3 and no asymmetry: progress one step (the next load position; after the last, the next body position
  from its easiest load);
- 3 with an asymmetry over its threshold, or 2: hold, with the cues for what was found (and the side);
- 1 (a major fault, balance loss or an unfinished rep): regress one step (back one load position, or back
  one body position when already unloaded).

:func:`infer_exercise` guesses the level from the movement where the video shows it (a swing is not a
good morning; a lateral lunge is not a split squat), and says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ScreeningError
from .findings import set_findings
from .ladder import Continuum, Finding, Level, Placement, load_continuum, short_name
from .present import evidence
from .registry import fault_words, metric
from .screen import Filmed, Screen
from .signals import finite_or_zero
from .values import Note, Pattern, Severity, Source, Verdict
from .words import notes_text, says


def _where(c: Continuum, pattern: str, level: int, load: str) -> str:
    return f"{pattern} level {level} ({short_name(c.level(pattern, level).name)}), {c.load_name(load)}"


def place(c: Continuum, pattern: str, level: int, load: str, score: int | None, findings: list[Finding],
          pain: bool = False, exercise_source: str = "given") -> Placement:
    """The decision rule of continuum.md: today's position and the next step, with the reasons."""
    if pattern not in c.ladders:
        raise ScreeningError(f"No continuum for the pattern '{pattern}'.", "Use hinge or lunge.")
    ladder, loads = c.ladders[pattern], c.loads
    lv = c.level(pattern, level)
    reasons = [f"Filmed: {_where(c, pattern, level, load)}"
               + (" (inferred from the movement)" if exercise_source == "inferred" else "") + "."]
    rep_faults = [f for f in findings if f.code != "asymmetry" and f.counted]
    not_counted = [f for f in findings if f.code != "asymmetry" and not f.counted]
    asym = [f for f in findings if f.code == "asymmetry"]
    important = set(lv.faults)
    ordered = sorted(rep_faults, key=lambda f: (f.code not in important, f.severity != "major", f.code))
    for f in ordered:
        reasons.append(f"{fault_words(f.code)} ({f.severity}){_in_reps(f.reps)}{': ' + f.detail if f.detail else ''}"
                       + (" - one of the faults that matter most at this level" if f.code in important else "") + ".")
    for f in asym:
        reasons.append(f"{fault_words('asymmetry')}: {f.detail or 'over its threshold'}, the {f.leg} leg worse.")
    for f in sorted(not_counted, key=lambda f: (f.code not in important, f.code)):
        reasons.append(f"Not counted: {fault_words(f.code)}{_in_reps(f.reps)} ({NOT_COUNTED[f.why]})"
                       f"{': ' + f.detail if f.detail else ''}.")
    cues = list(dict.fromkeys(c.cues[f.code] for f in ordered + asym if f.code in c.cues))

    def result(verdict: str, nl: int, nload: str, text: str) -> Placement:
        return Placement(Pattern(pattern), level, lv.name, load, Verdict(verdict), text, reasons, nl,
                         c.level(pattern, nl).name, nload, Source(exercise_source), cues)

    if pain:
        reasons.append("Pain was reported: the screen stops here (score 0).")
        return result("refer", level, load, "Stop and refer to a clinician: pain was reported. No recommendation "
                      "to load until a clinician has seen it.")
    if score is None:
        raise ScreeningError("There is no score to place from (no repetition was measured).",
                             "Analyse a clip in which the movement can be measured, then place it.")
    i = loads.index(load)
    if score == 3 and not asym:
        reasons.append(SCORE_3)
        if i + 1 < len(loads):
            nl, nload = level, loads[i + 1]
        elif level + 1 < len(ladder):
            nl, nload = level + 1, loads[0]
        else:
            return result("hold", level, load, f"Keep {_where(c, pattern, level, load)}: the top of the ladder. "
                          "Add volume or speed rather than a new position.")
        return result("progress", nl, nload, f"Progress to {_where(c, pattern, nl, nload)}.")
    if score == 3:
        side = ", ".join(sorted({f.leg for f in asym if f.leg}))
        reasons.append("Score 3, but the legs differ by more than the asymmetry threshold: hold until they match"
                       + (f" (the {side} leg worse)" if side else "") + ".")
        return result("hold", level, load, f"Hold at {_where(c, pattern, level, load)} and bring the "
                      f"{side or 'weaker'} leg up to the other: {c.cues.get('asymmetry', '')}.")
    if score == 2:
        reasons.append("Score 2: minor faults or compensation: hold the position and work on them.")
        return result("hold", level, load, f"Hold at {_where(c, pattern, level, load)}"
                      + (f"; cues: {'; '.join(cues)}" if cues else "") + ".")
    # score 1 (or anything lower that is not pain)
    reasons.append("Score 1: a major fault, a balance loss or an unfinished rep: regress one step (the load "
                   "position first; unloaded, the body position).")
    if i > 0:
        nl, nload = level, loads[i - 1]
    elif level > 0:
        nl, nload = level - 1, loads[0]
    else:
        return result("regress", level, load, f"Stay at {_where(c, pattern, level, load)}, the floor of the "
                      "ladder, and organise the pattern" + (f": {'; '.join(cues)}" if cues else "") + ".")
    return result("regress", nl, nload, f"Regress to {_where(c, pattern, nl, nload)}"
                  + (f"; cues: {'; '.join(cues)}" if cues else "") + ".")


#: why a fault seen in the set does not count toward the verdict, in words (screening.findings.COUNTED_WHY)
NOT_COUNTED = {
    "once": "seen once, clear of the measure's error in one rep only: a one-off does not decide a set",
    "rare": "clear of the measure's error in too few of the reps to count (a fault counts when it recurs, in at "
            "least 2 reps and a fifth of the set)",
    "borderline": "possible only: within the measure's error of its threshold",
}


def _in_reps(reps: tuple[int, ...]) -> str:
    return f" in rep{'s' if len(reps) > 1 else ''} {', '.join(str(r) for r in reps)}" if reps else ""


def findings_of(screen: "Screen") -> list[Finding]:
    """The faults of a screen, gathered per code with the reps they were in (the worst as the detail) and
    whether they count (:func:`screening.findings.set_findings`), and the set's asymmetry faults with their
    leg."""
    out = []
    for sf in set_findings(screen.reps):
        faults = [f for k in sf.seen for f in screen.reps[k].faults if f.code == sf.code]
        counted = [f for k in sf.clear for f in screen.reps[k].faults if f.code == sf.code and not f.possible]
        w = max(counted or faults, key=lambda f: abs(finite_or_zero(f.value)))
        detail = f"the worst, {_evidence(w, screen.pattern)}" if finite_or_zero(w.value) == w.value else ""
        shown = sf.clear if sf.counted else sf.seen
        out.append(Finding(sf.code, Severity(sf.severity), tuple(screen.reps[k].index + 1 for k in shown), None, detail,
                           sf.counted, sf.why))
    for f in (screen.lunge.set_faults if screen.lunge else []):
        out.append(Finding("asymmetry", f.severity, (), f.leg,
                           f"{_label(f.metric, 'lunge')} {f.value:.0f}% (threshold {f.threshold:.0f}%)"))
    return out


def _label(name: str, pattern: str) -> str:
    try:
        return metric(name, pattern).label
    except KeyError:
        return name.replace("_", " ")


def _evidence(f, pattern: str) -> str:
    """A fault's value against its threshold, in the measure's words and unit: "knee valgus (FPPA) 12°
    against 10°"."""

    value, limit, what, m = evidence(f, pattern)
    return f"{what} {value} against {limit}" if m is not None else f"{value} against {limit}"


#: a kettlebell swing goes down and up in well under a second; a controlled hinge takes 1.5-3 s
BALLISTIC_REP_S = 1.0
#: a single-leg RDL lifts the free leg behind, its ankle toward hip height: one ankle this far above the other
#: (leg lengths; the real single-leg RDL clip read 0.7-1.1 at its bottoms, while the far ankle of a two-footed
#: rendered hinge, hidden behind the near leg and misplaced by the tracker, read up to 0.35)
SINGLE_LEG_RISE = 0.5
#: knees bent over half as much as the hips: a deadlift from the floor (Stoop-Squat Index, Schmid 2022)
DEADLIFT_KNEE_HIP = 0.5
#: a step of half a shank between the rep's start and its bottom (lunges, side view)
STEP_SHANKS = 0.5


def _values(reps, name: str) -> list[float]:
    return [float(v) for r in reps if (v := r.metrics.get(name)) is not None and math.isfinite(float(v))]


def _median(reps, name: str) -> float | None:
    vals = sorted(_values(reps, name))
    return vals[len(vals) // 2] if vals else None


def _share(reps, name: str, above: float) -> float:
    vals = _values(reps, name)
    return sum(v > above for v in vals) / len(vals) if vals else 0.0


#: a guess is sure only when the measure that tells the level is clear of its cut by this share of the cut (a rep
#: time of 0.8 s against the swing's 1.0 s is not), and the reps agree (at least this share of them on one side)
GUESS_MARGIN = 0.2
GUESS_AGREE = 0.8


@dataclass(frozen=True)
class ExerciseGuess:
    """The ladder level the movement shows, why in words, and whether the guess is sure: a default taken for
    want of a sign (hinge levels 1, 2 and 4 differ by the load alone, which the video does not show; a step
    cannot be seen from the front) or a sign near its cut is not, and a surface should ask (issue 26)."""

    level: Level
    why: str
    sure: bool


def _clear(value: float, cut: float, above: bool = True) -> bool:
    return value > cut * (1 + GUESS_MARGIN) if above else value < cut * (1 - GUESS_MARGIN)


def guess_exercise(c: Continuum, screen: "Screen") -> ExerciseGuess | None:
    """The level the movement shows (:func:`infer_exercise`) with how sure the guess is."""
    pattern, reps = screen.pattern, screen.reps
    if pattern not in c.ladders or not reps:
        return None
    if pattern == "hinge":
        durations = sorted(r.end_s - r.start_s for r in reps)
        rep_s = durations[len(durations) // 2]
        rise, knee_hip = _median(reps, "ankle_rise_leg_lengths"), _median(reps, "knee_hip_ratio")
        if rep_s < BALLISTIC_REP_S:
            return ExerciseGuess(c.find("hinge", "ballistic_hinge"), f"each rep took {rep_s:.1f} s down and up: a "
                                 "ballistic hinge (swing)", _clear(rep_s, BALLISTIC_REP_S, above=False))
        if rise is not None and rise > SINGLE_LEG_RISE:
            return ExerciseGuess(c.find("hinge", "single_leg_rdl"), f"one foot rose {rise:.0%} of a leg's length off "
                                 "the floor: a single-leg RDL", _clear(rise, SINGLE_LEG_RISE))
        if knee_hip is not None and knee_hip > DEADLIFT_KNEE_HIP:
            return ExerciseGuess(c.find("hinge", "deadlift"), f"the knees bent {knee_hip:.1f} times as much as the "
                                 "hips: a deadlift", _clear(knee_hip, DEADLIFT_KNEE_HIP))
        return ExerciseGuess(c.find("hinge", "hip_hinge_drill"), "a two-footed hinge with soft knees (levels 1, 2 and "
                             "4 look alike without seeing the load: the lowest is taken)", False)
    if screen.lunge is not None and screen.lunge.variant == "lateral":
        return ExerciseGuess(c.find("lunge", "lateral_lunge"), "the feet wide apart sideways: a lateral lunge", True)
    forward, back = _share(reps, "step_forward_shanks", STEP_SHANKS), _share(reps, "step_back_shanks", STEP_SHANKS)
    agree = lambda share: share >= GUESS_AGREE or share <= 1 - GUESS_AGREE  # noqa: E731
    if forward > 0.5:
        return ExerciseGuess(c.find("lunge", "forward_lunge"), "the front foot stepped forward into each rep: a "
                             "forward lunge", agree(forward) and agree(back))
    if back > 0.5:
        return ExerciseGuess(c.find("lunge", "reverse_lunge"), "the rear foot stepped back into each rep: a reverse "
                             "lunge", agree(forward) and agree(back))
    seen = bool(_values(reps, "step_back_shanks"))
    return ExerciseGuess(c.find("lunge", "split_squat"), "the feet stayed put: a split squat" if seen else
                         "a split stance (from the front a step cannot be seen: taken as a split squat)",
                         seen and agree(forward) and agree(back))


def infer_exercise(c: Continuum, screen: "Screen") -> tuple[Level, str] | None:
    """The ladder level the movement shows, from the screen's reps (None when nothing was measured), and
    the reason in words. Only what the video shows is used: the load in the hands is not seen, so levels
    that differ by load alone (hinge 1, 2 and 4) are told apart by nobody, and the lowest is taken
    (:func:`guess_exercise` says how sure the guess is)."""
    guess = guess_exercise(c, screen)
    return None if guess is None else (guess.level, guess.why)


#: why a hinge with no spinal flexion in any rep gets no verdict


def spine_measured(screen: "Screen") -> bool:
    """Whether any rep of the screen has a spinal flexion reading."""
    return any(isinstance(v, (int, float)) and math.isfinite(v)
               for v in (r.metrics.get("spinal_flexion_deg") for r in screen.reps))


def placement_for(screen: "Screen", filmed: "Filmed | None" = None,
                  c: Continuum | None = None) -> tuple[Placement | None, list[Note]]:
    """A screen's placement on the continuum (or None) for what was filmed, and notes saying what was
    assumed or why there is none. ``filmed.exercise``: the level filmed (a key, number or name of the
    pattern's ladder), None infers it from the movement; ``filmed.load``: the load position, None takes
    "unloaded"; ``filmed.pain`` refers. The notes are coded (:func:`screening.words.note_text` says them)."""

    filmed = filmed or Filmed()
    c = c or load_continuum()
    pattern = screen.pattern
    notes: list[Note] = []
    if pattern not in c.ladders:
        return None, [Note.of("unplaced_pattern")]
    if filmed.exercise is not None:
        level, source = c.find(pattern, filmed.exercise), "given"
    else:
        inferred = infer_exercise(c, screen)
        if inferred is None:
            if not filmed.pain:
                return None, [Note.of("unplaced_no_reps")]
            level, source = c.level(pattern, 0), "inferred"
        else:
            level, why = inferred
            source = "inferred"
            notes.append(Note.of("exercise_inferred", why=why))
    if filmed.load is None:
        load_pos = c.loads[0]
        notes.append(Note.of("load_not_given", load=c.load_name(load_pos)))
    else:
        load_pos = c.load(filmed.load)
    score = 0 if filmed.pain else screen.score
    if score is None:
        return None, [*notes, Note.of("unplaced_no_score")]
    if not filmed.pain and pattern == "hinge" and not spine_measured(screen):
        return None, [*notes, Note.of("unplaced_no_spine")]
    placement = place(c, pattern, level.level, load_pos, score, findings_of(screen), filmed.pain, source)
    unread = valgus_unread(screen)
    if unread:
        reps = f"rep{'s' if len(unread) > 1 else ''} {', '.join(map(str, unread))}"
        placement.reasons[:] = [UNCHECKED_SCORE_3 if r == SCORE_3 else r for r in placement.reasons]
        placement.reasons.append(f"{NOT_CHECKED}knee valgus could not be read at the bottom of {reps} (the front "
                                 "thigh pointed at the camera): it is not counted as none. Film from chest height, "
                                 "or from further back, to check it.")
    placement.reasons.extend(trend_words(t, pattern) for t in screen.trends())
    return placement, notes


#: the reason a score of 3 gives, and the same where a key measure could not be read in some reps
SCORE_3 = "Score 3: every rep free of faults: progress one step (the load position first, then the body position)."
UNCHECKED_SCORE_3 = ("Score 3: every rep free of the faults that could be read (see what was not checked): progress "
                     "one step (the load position first, then the body position).")
#: how a reason about a measure that could not be read begins
NOT_CHECKED = "Not checked: "


def valgus_unread(screen: "Screen") -> list[int]:
    """The reps (1-based) whose knee valgus could not be read: the note screening.lunge.rep_fppa leaves where
    the front thigh of a split lunge filmed from the front pointed at the camera at the bottom."""
    return [r.index + 1 for r in screen.reps if says(r.notes, "fppa_unread")]


def trend_words(t, pattern: str) -> str:
    """A set whose quality fell off, in words: "Quality fell off over the set: spinal flexion (rounding of the
    back) went from 6° to 19° over 8 reps, toward a rounded lower back (fatigue?)."."""
    m = metric(t.metric, pattern)
    return (f"Quality fell off over the set: {m.label} went from {m.show(t.first)} to {m.show(t.last)} over "
            f"{t.reps} reps, toward {fault_words(t.code)} (fatigue?).")


def placed(screen: "Screen", filmed: "Filmed | None" = None, c: Continuum | None = None) -> "Screen":
    """The screen placed for what was filmed: a new Screen with the placement, its notes and ``filmed``
    (placing again replaces them; the screen given is not changed)."""

    filmed = filmed or Filmed()
    placement, notes = placement_for(screen, filmed, c)
    return screen.replace(filmed=filmed, placement=placement, placement_notes=notes_text(notes))
