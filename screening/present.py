"""What every surface shows a person, in words: the command line's summary, the web page, the report.

Only presentation lives here, read from the registry (:mod:`screening.registry`: labels, units, formats):
the per-rep table and the per-leg table of a Screen, a fault in words with its evidence, a rep in one line,
and which angles a chart draws for a camera view. The measures themselves are defined in
:mod:`screening.registry` and :mod:`screening.kinematics`.
"""
from __future__ import annotations

import math

import numpy as np

from .findings import Fault, RepResult
from .registry import Metric, fault_words, key_metrics, metric, number
from .screen import Screen
from .words import says

__all__ = ["CHART_ANGLES", "FROM_STANDING", "chart_series", "Table", "rep_table", "leg_table", "fault_text", "evidence",
           "severity_words", "rep_line", "glossary", "sentence", "local_time", "VERDICT_COLOURS"]

#: one colour per verdict, and for no verdict: the web page's charts and the report's verdict band (HTML and PDF)
VERDICT_COLOURS = {"progress": "#2e9e5b", "hold": "#e0a100", "regress": "#d9534f", "refer": "#7b2d8b",
                   "no verdict": "#999999"}


def sentence(text: str) -> str:
    """``text`` as a sentence: capitalised, ending in a full stop (a cue, a fault in words)."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def local_time(iso: str, with_time: bool = True) -> str:
    """A stored ISO time (UTC) as this computer's local date and time, as the surfaces show it."""
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return when.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


class Table:
    """Headings and rows of values; :meth:`text` formats them (registry formats; "-" where not measured)."""

    def __init__(self, headings: list[str], rows: list[list], formats: list[str | None]):
        self.headings, self.rows, self.formats = headings, rows, formats

    def text(self) -> list[list[str]]:
        return [[_cell(v, f) for v, f in zip(row, self.formats)] for row in self.rows]

    def values(self) -> list[list]:
        """The rows with numbers rounded as they are shown (None where not measured, :data:`NOT_READ` where a
        rep's measure could not be read)."""
        return [[_rounded(v, f) for v, f in zip(row, self.formats)] for row in self.rows]


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and not math.isfinite(v))


#: a measure a rep could not be read for, where its analysis said so (a cell's words; a number's place is empty)
NOT_READ = "not read"
#: the note that says a rep's measure was not read (screening.words), by measure
UNREAD_NOTES = {"knee_valgus_fppa_deg": "fppa_unread"}


def _cell(v, fmt: str | None) -> str:
    if v is NOT_READ:
        return NOT_READ
    if _missing(v):
        return "-"
    return number(v, fmt) if fmt else str(v)


def _rounded(v, fmt: str | None):
    if v is NOT_READ:
        return NOT_READ
    if _missing(v):
        return None
    if fmt and fmt.endswith("f"):
        return round(float(v), int(fmt[1:-1] or 0))
    return v


def rep_table(screen: Screen) -> Table:
    """One row per rep: its number, bottom time, (lunges) front leg, the pattern's key measures that some rep
    has or could not be read for (:data:`NOT_READ` where the analysis said so), and its faults in words."""
    pattern = screen.pattern if screen.pattern in ("hinge", "lunge") else "hinge"
    shown = [m for m in key_metrics(pattern) if any(not _missing(r.metrics.get(m.name)) or _unread(r, m.name)
                                                    for r in screen.reps)]
    lunge = pattern == "lunge"
    headings = ["rep", "bottom (s)"] + (["front leg"] if lunge else []) + [m.heading(short=True) for m in shown] + ["faults"]
    formats = [None, ".2f"] + ([None] if lunge else []) + [m.shown_fmt for m in shown] + [None]
    rows = []
    for r in screen.reps:
        faults = "; ".join(f"{fault_words(f.code)} ({'possible, ' if f.possible else ''}{f.severity})"
                           for f in r.faults) or "none"
        rows.append([r.index + 1, r.bottom_s] + ([r.lead_leg or "?"] if lunge else [])
                    + [NOT_READ if _unread(r, m.name) else m.shown(r.metrics.get(m.name)) for m in shown] + [faults])
    return Table(headings, rows, formats)


def _unread(r: RepResult, name: str) -> bool:
    return name in UNREAD_NOTES and _missing(r.metrics.get(name)) and says(r.notes, UNREAD_NOTES[name])


def leg_table(screen: Screen) -> Table:
    """A lunge's per-leg means of the key measures (:data:`NOT_READ` where no rep of the leg could be read for
    it), and the asymmetry between legs (%)."""
    lu = screen.lunge
    legs = lu.legs if lu else {}

    def unread(leg: str, name: str) -> bool:
        reps = [r for r in screen.reps if r.lead_leg == leg]
        return bool(reps) and all(_unread(r, name) for r in reps)

    shown = [m for m in key_metrics("lunge") if any(not _missing(s.means.get(m.name)) or unread(leg, m.name)
                                                    for leg, s in legs.items())]
    headings = ["", "reps"] + [m.heading(short=True) for m in shown]
    formats = [None, None] + [m.shown_fmt for m in shown]
    rows = [[leg, s.reps] + [NOT_READ if _missing(s.means.get(m.name)) and unread(leg, m.name)
                             else m.shown(s.means.get(m.name)) for m in shown] for leg, s in legs.items()]
    if lu and lu.asymmetry_pct:
        # the percentages share the columns' formats
        rows.append(["asymmetry (%)", None] + [lu.asymmetry_pct.get(m.name) for m in shown])
    return Table(headings, rows, formats)


def fault_text(f: Fault, pattern: str | None = None) -> str:
    """A fault in words with its evidence: "knee caves in (knee valgus): knee valgus (FPPA) 12°, threshold 10°
    (minor)"; an asymmetry names its measure and the worse leg."""
    if f.code == "asymmetry":
        name = metric(f.metric, "lunge").label if f.metric else "a measure"
        return (f"{fault_words(f.code)} in {name}: {f.value:.0f}% between legs, threshold {f.threshold:.0f}% "
                f"({f.severity}), the {f.leg} leg worse")
    value, limit, what, m = evidence(f, pattern)
    return f"{fault_words(f.code)}: {what} {value}, threshold {limit} ({severity_words(f, m)})"


def evidence(f: Fault, pattern: str | None = None) -> tuple[str, str, str, Metric | None]:
    """A fault's value and threshold in its measure's unit, the measure's label, and its registry row (None,
    with plain numbers, for a measure the registry does not hold)."""
    try:
        m = metric(f.metric, pattern)
    except KeyError:
        return f"{f.value:.2f}", f"{f.threshold:.2f}", f.metric, None
    return m.show(f.value), m.show(f.threshold), m.label, m


def severity_words(f: Fault, m=None) -> str:
    """"major", "minor", or "possible, minor: within the measure's error of ±2.3°" for borderline evidence
    (the error the fault was judged with: the measure's, or the clip's own where it was larger)."""
    if not f.possible:
        return f.severity
    if m is None or (m.uncertainty is None and f.uncertainty is None):
        error = ""
    elif f.uncertainty is not None and f.uncertainty != m.uncertainty:  # the clip's own error
        error = f" of ±{m.show(f.uncertainty)}"
    else:
        error = f" of ±{m.show_uncertainty()}"
    return f"possible, {f.severity}: within the measure's error{error}"


def rep_line(rep: RepResult, pattern: str) -> str:
    """A rep in one line for the command line: bottom, front leg, key measures, faults."""
    shown = [f"{m.short} {m.show(rep.metrics.get(m.name))}" for m in key_metrics(pattern)
             if not _missing(rep.metrics.get(m.name))]
    if rep.lead_leg:
        shown.insert(0, f"{rep.lead_leg} leg")
    if says(rep.notes, "fppa_unread"):
        shown.append("knee valgus not read (thigh toward the camera)")
    faults = "; ".join(fault_text(f, pattern) for f in rep.faults) or "no fault"
    return f"rep {rep.index + 1}  bottom {rep.bottom_s:5.1f} s  " + "  ".join(shown) + f"  | {faults}"


def glossary(pattern: str) -> list[tuple[str, str, str]]:
    """(label with unit, definition with its uncertainty, source) of the pattern's key measures: the
    definition and source of any measure shown, on demand."""
    out = []
    for m in key_metrics(pattern):
        definition = m.definition
        if m.uncertainty is not None:
            definition += f" (measured to within about {m.show_uncertainty()}: {m.uncertainty_source})"
        out.append((m.heading(), definition, m.source))
    return out

#: the angles drawn over time, per camera view (each view shows only its own measures,
#: kinematics.ANGLES): name -> (label with unit, what it means)
CHART_ANGLES: dict[str, dict[str, tuple[str, str]]] = {
    "side": {
        "trunk_inclination_deg": ("trunk inclination (°)", "the trunk's forward lean from vertical"),
        "hip_flexion_deg": ("hip flexion (°)", "the angle between trunk and thigh; 0 standing tall"),
        "knee_flexion_deg": ("knee flexion (°)", "the bend of the knee nearest the camera; 0 straight"),
    },
    "front": {
        "knee_valgus_fppa_left_deg": ("knee valgus, left (FPPA, °)",
                                      "the left knee's inward angle seen from the front, knee in positive"),
        "knee_valgus_fppa_right_deg": ("knee valgus, right (FPPA, °)",
                                       "the right knee's inward angle seen from the front, knee in positive"),
        "pelvic_obliquity_deg": ("pelvic obliquity (°)", "the tilt of the line between the hips, left hip up positive"),
        "lateral_trunk_lean_deg": ("lateral trunk lean (°)",
                                   "the trunk's sideways lean from vertical, toward the person's left positive"),
    },
}


#: the side view's angles the reps table gives as the change from the person's standing: drawn the same way
#: when the standing values are known, so that a number means one thing on every surface (issue 26: the chart's
#: hip flexion near 140 deg beside the table's 31)
FROM_STANDING = {"trunk_inclination_deg": "trunk inclination from standing (°)",
                 "hip_flexion_deg": "hip flexion from standing (°)",
                 "knee_flexion_deg": "knee flexion from standing (°)"}


def chart_series(angles: dict[str, np.ndarray], view: str | None,
                 standing: dict[str, float] | None = None) -> dict[str, tuple[np.ndarray, str]]:
    """The angles to draw over time for a clip filmed from ``view``: label -> (values, meaning).

    The view's own measures, leaving out any with no measured frame; for an oblique or unknown view,
    whatever angle was measured. ``standing``: the person's standing values (the Screen's baseline): the
    angles the reps table gives as a change from standing (:data:`FROM_STANDING`) are drawn as that change."""
    standing = standing or {}
    chosen = {}
    for k, (label, meaning) in CHART_ANGLES.get(view or "", {}).items():
        if k not in angles or not np.isfinite(angles[k]).any():
            continue
        base = standing.get(k)
        if k in FROM_STANDING and base is not None and np.isfinite(base):
            chosen[FROM_STANDING[k]] = (np.asarray(angles[k], float) - base,
                                        meaning.split(";")[0] + ", from the person's own standing (as in the reps table)")
        else:
            chosen[label] = (angles[k], meaning)
    if chosen:
        return chosen
    return {k.removesuffix("_deg").replace("_", " ") + " (°)": (angles[k], "")
            for k in angles if k.endswith("_deg") and np.isfinite(angles[k]).any()}
