"""Per-rep results and faults with their evidence, shared by the hinge and lunge analyses."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .registry import FaultRule, metric, rules_of
from .signals import rounded
from .values import Note, Pattern, Severity, Side
from .words import note_text


@dataclass(frozen=True)
class Fault:
    """One fault in one rep: what, how bad, and the evidence (value against threshold, at a time)."""

    code: str  # result-contract.md fault codes
    severity: Severity
    value: float
    threshold: float
    time_s: float
    metric: str  # the metric the value is
    source: str  # where the threshold comes from
    leg: str | None = None  # set-level lunge faults (asymmetry): the leg that did worse
    #: past its threshold by less than the measure's measured uncertainty: the evidence is borderline
    possible: bool = False
    uncertainty: float | None = None  # the measure's (screening.registry), in its unit

    def as_dict(self) -> dict:
        d = {"code": self.code, "severity": self.severity, "value": rounded(self.value),
             "threshold": rounded(self.threshold), "time_s": round(self.time_s, 3), "metric": self.metric,
             "source": self.source}
        if self.leg:
            d["leg"] = self.leg
        if self.uncertainty is not None:
            d["uncertainty"] = rounded(self.uncertainty)
        if self.possible:
            d["possible"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Fault":
        return cls(d["code"], Severity(d["severity"]), d["value"], d["threshold"], d.get("time_s", 0.0), d.get("metric", ""),
                   d.get("source", ""), d.get("leg"), bool(d.get("possible", False)), d.get("uncertainty"))


@dataclass
class RepResult:
    index: int
    start_s: float
    bottom_s: float
    end_s: float
    lead_leg: Side | None
    metrics: dict[str, float | None]
    faults: list[Fault] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # in words in result.json (read back as Note.said)
    #: (start, bottom, end) frame indices in the clip's series; None for a rep merged from two clips
    frames: tuple[int, int, int] | None = None

    def as_dict(self) -> dict:
        d = {"index": self.index, "start_s": round(self.start_s, 3), "bottom_s": round(self.bottom_s, 3),
             "end_s": round(self.end_s, 3), "lead_leg": self.lead_leg,
             "metrics": {k: rounded(v) for k, v in self.metrics.items()},
             "faults": [f.as_dict() for f in self.faults], "notes": [note_text(n) for n in self.notes]}
        if self.frames is not None:
            d["frames"] = dict(zip(("start", "bottom", "end"), map(int, self.frames)))
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RepResult":
        frames = d.get("frames")
        return cls(d["index"], d["start_s"], d["bottom_s"], d["end_s"], Side(d["lead_leg"]) if d.get("lead_leg") else None,
                   {k: (float("nan") if v is None else v) for k, v in d["metrics"].items()},
                   [Fault.from_dict(f) for f in d["faults"]], [Note.said(n) for n in d.get("notes", [])],
                   (frames["start"], frames["bottom"], frames["end"]) if frames else None)


@dataclass
class PatternResult:
    """What one movement analysis found in one clip."""

    pattern: Pattern
    measurable: bool  # False: the view cannot show this pattern's measures
    reps: list[RepResult]
    score: int | None
    notes: list[Note] = field(default_factory=list)
    series: dict[str, np.ndarray] = field(default_factory=dict)  # extra per-frame series (e.g. spinal flexion)
    extras: object | None = None  # pattern-specific summaries (the lunge's per-leg means and asymmetry)


def graded(code: str, value: float | None, rule: dict, metric: str, time_s: float, above: bool = True,
           uncertainty: float | None = None) -> Fault | None:
    """A fault when ``value`` passes the rule's ``minor`` (or ``major``) threshold; ``above=False`` for
    rules where too little is the fault (short hip range).

    The measure's ``uncertainty`` (its measured error, screening.registry) is respected: a fault is major
    only when the value is past the major threshold by more than it, and a value past the minor threshold
    by no more than it is a *possible* fault (the evidence is borderline: it cannot be told from the
    threshold)."""
    if value is None or not np.isfinite(value):
        return None
    u = float(uncertainty or 0.0)
    past = (lambda lim: value - lim) if above else (lambda lim: lim - value)
    source = rule.get("source", "")
    if "major" in rule and past(rule["major"]) > u:
        return Fault(code, Severity.MAJOR, float(value), float(rule["major"]), time_s, metric, source, None, False,
                     uncertainty)
    if "minor" in rule and past(rule["minor"]) > 0:
        return Fault(code, Severity.MINOR, float(value), float(rule["minor"]), time_s, metric, source, None,
                     past(rule["minor"]) <= u, uncertainty)
    return None


def rule_limits(rule: FaultRule, th: dict) -> dict:
    """A rule's thresholds from screening/data/thresholds.toml: ``minor`` (and ``major``) and their ``source``."""
    cfg = th[rule.pattern][rule.config]
    return {"minor": cfg[rule.key], "source": cfg.get("source", "")} if rule.key else cfg


def judge(metrics: dict, th: dict, pattern: str, bottom_s: float, start_s: float | None = None,
          variant: str | None = None, uncertainty: dict[str, float] | None = None) -> list[Fault]:
    """The faults a rep's metrics pass, by the pattern's rules (:data:`screening.registry.FAULT_RULES`; a
    lunge's by those of its ``variant``), one of each code at most, at the rep's bottom (an onset's fault
    at its start). Each measure is judged with its registry uncertainty, or with ``uncertainty[name]``
    where the clip showed its own error larger."""
    faults: list[Fault] = []
    own = uncertainty or {}
    for rule in rules_of(pattern, variant):
        when = start_s if rule.at_start and start_s is not None else bottom_s
        u = own.get(rule.metric, metric(rule.metric, rule.pattern).uncertainty)
        f = graded(rule.code, metrics.get(rule.metric), rule_limits(rule, th), rule.metric, when, above=rule.above,
                   uncertainty=u)
        if f is not None and not any(x.code == f.code for x in faults):
            faults.append(f)
    return faults


#: a fault counts toward the score and the placement when it is clear (past its threshold by more than its
#: measure's uncertainty) in at least this many reps (or every rep of a shorter set) and at least this share of
#: the set, or major beyond doubt in any rep: the FMS scores the best of the repetitions (Cook 2014), so a
#: one-off does not decide a set, and a borderline reading is not evidence (issue 24)
RECUR_MIN_REPS = 2
RECUR_MIN_SHARE = 0.2
#: why a fault seen in a set counts or not (codes; screening.present writes the words)
COUNTED_WHY = ("major", "recurs", "whole_set", "once", "rare", "borderline")
#: a set whose quality falls off: a fault's measure moves toward the fault over the reps by more than this many
#: times its uncertainty, steadily (correlation with the rep's order at least TREND_MIN_R), over TREND_MIN_REPS
#: reps or more
TREND_MIN_REPS = 4
TREND_TIMES_UNCERTAINTY = 2.0
TREND_MIN_R = 0.7
#: faults that score 1 whatever their size (metrics.md, FMS)
SCORE_ONE = ("balance_loss", "unfinished_rep")


@dataclass(frozen=True)
class SetFinding:
    """One fault code over a set: the reps it was seen in (0-based), those where it was clear of its measure's
    uncertainty, those where it was major beyond doubt, and whether it counts toward the score (``why``: one
    of :data:`COUNTED_WHY`)."""

    code: str
    seen: tuple[int, ...]
    clear: tuple[int, ...]
    major: tuple[int, ...]
    counted: bool
    why: str
    set_reps: int

    @property
    def severity(self) -> str:
        return "major" if self.major else "minor"

    def as_dict(self) -> dict:
        return {"code": self.code, "reps": [i + 1 for i in self.seen], "clear_reps": [i + 1 for i in self.clear],
                "major_reps": [i + 1 for i in self.major], "counted": self.counted, "why": self.why}


@dataclass(frozen=True)
class Trend:
    """A set whose quality falls off: a fault's measure moving toward the fault rep by rep."""

    code: str
    metric: str
    first: float  # the fitted value at the first and the last measured rep
    last: float
    reps: int  # reps measured
    r: float  # correlation of the measure with the rep's order (toward the fault positive)

    def as_dict(self) -> dict:
        return {"code": self.code, "metric": self.metric, "first": rounded(self.first), "last": rounded(self.last),
                "reps": self.reps, "r": rounded(self.r, 2)}


def recurs(clear: int, n_reps: int) -> bool:
    """Whether a fault clear in ``clear`` reps of a set of ``n_reps`` recurs: in at least
    :data:`RECUR_MIN_REPS` reps (every rep of a shorter set) and at least :data:`RECUR_MIN_SHARE` of the set."""
    return clear >= min(RECUR_MIN_REPS, n_reps) and clear >= RECUR_MIN_SHARE * n_reps


def set_findings(reps: list[RepResult]) -> list[SetFinding]:
    """Each fault code of a set, in the order first seen, with whether it counts (:data:`RECUR_MIN_REPS`)."""
    n = len(reps)
    by_code: dict[str, dict[str, list[int]]] = {}
    for k, r in enumerate(reps):
        for f in {x.code: x for x in sorted(r.faults, key=lambda x: (x.possible, x.severity != "major"))}.values():
            d = by_code.setdefault(f.code, {"seen": [], "clear": [], "major": []})
            d["seen"].append(k)
            if not f.possible:
                d["clear"].append(k)
                if f.severity == "major":
                    d["major"].append(k)
    out = []
    for code, d in by_code.items():
        clear = len(d["clear"])
        if d["major"]:
            counted, why = True, "major"
        elif clear and recurs(clear, n):
            counted, why = True, "whole_set" if n < RECUR_MIN_REPS else "recurs"
        elif clear == 1:
            counted, why = False, "once"
        elif clear:
            counted, why = False, "rare"
        else:
            counted, why = False, "borderline"
        out.append(SetFinding(code, tuple(d["seen"]), tuple(d["clear"]), tuple(d["major"]), counted, why, n))
    return out


def pattern_score(reps: list[RepResult], set_faults: Sequence[Fault] = ()) -> int | None:
    """metrics.md, as the FMS scores a pattern (Cook 2014): 3 = every rep free of faults; 2 = any minor
    fault, or a compensation over the set (a lunge's asymmetry between legs); 1 = a major fault, a balance
    loss or an unfinished rep. (0, pain, is the clinician's call.) Only the faults that count are scored
    (:func:`set_findings`: clear and recurring, or major beyond doubt). The one place a score is decided."""
    if not reps:
        return None
    counted = [sf for sf in set_findings(reps) if sf.counted]
    if any(sf.severity == "major" or sf.code in SCORE_ONE for sf in counted):
        return 1
    return 2 if counted or set_faults else 3


def scored_faults(reps: list[RepResult]) -> list[Fault]:
    """The faults the score counts, rep by rep (:func:`set_findings`); the rest are still reported, as seen
    once, seen rarely or possible."""
    counted = {sf.code for sf in set_findings(reps) if sf.counted}
    return [f for r in reps for f in r.faults if f.code in counted and not f.possible]


def cue_worthy(reps: list[RepResult]) -> list[Fault]:
    """The last rep's faults that count so far (the live cue's rule, the analysis's rule applied to the reps
    seen up to now): clear in this rep, and recurring or major beyond doubt. Worst first."""
    if not reps:
        return []
    counted = {sf.code for sf in set_findings(reps) if sf.counted}
    last = [f for f in reps[-1].faults if f.code in counted and not f.possible]
    return sorted(last, key=lambda f: f.severity != "major")


def trends(reps: list[RepResult], pattern: str, variant: str | None = None,
           uncertainty: dict[str, float] | None = None) -> list[Trend]:
    """Faults whose measure moves toward the fault rep by rep (fatigue: a back that rounds more with every
    rep), by the pattern's fault rules; each measure judged with its registry uncertainty, or
    ``uncertainty[name]`` where the clip showed its own."""
    out = []
    own = uncertainty or {}
    rules = {(r.code, r.metric): r for r in rules_of(pattern, variant)}
    for (code, name), rule in rules.items():
        above = rule.above
        u = own.get(name, metric(name, rule.pattern).uncertainty)
        vals = np.array([finite_or_nan(r.metrics.get(name)) for r in reps], float)
        ok = np.isfinite(vals)
        if ok.sum() < TREND_MIN_REPS or not u:
            continue
        x, y = np.flatnonzero(ok).astype(float), vals[ok] * (1 if above else -1)
        if np.ptp(y) == 0:
            continue
        r = float(np.corrcoef(x, y)[0, 1])
        slope, icpt = np.polyfit(x, y, 1)
        change = slope * (x[-1] - x[0])
        if r >= TREND_MIN_R and change > TREND_TIMES_UNCERTAINTY * u:
            sign = 1 if above else -1
            out.append(Trend(code, name, float(sign * (icpt + slope * x[0])), float(sign * (icpt + slope * x[-1])),
                             int(ok.sum()), r))
    return out


def finite_or_nan(v) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return v if np.isfinite(v) else float("nan")


def sparc(speed: np.ndarray, fs: float, padlevel: int = 4, fc: float = 10.0, amp_th: float = 0.05) -> float:
    """Spectral arc length of a speed profile (Balasubramanian 2015): closer to 0 is smoother; ~ -1.6 for
    a single smooth bell, lower for jerky or multi-peaked movement."""
    speed = np.asarray(speed, float)
    speed = speed[np.isfinite(speed)]
    if len(speed) < 8 or not np.any(speed):
        return float("nan")
    nfft = int(2 ** (np.ceil(np.log2(len(speed))) + padlevel))
    f = np.arange(0, fs, fs / nfft)
    mag = np.abs(np.fft.fft(speed, nfft))
    mag = mag / mag.max()
    sel = f <= fc
    f, mag = f[sel], mag[sel]
    above = np.flatnonzero(mag >= amp_th)
    end = above[-1] + 1 if len(above) else len(f)
    f, mag = f[:end], mag[:end]
    df = np.diff(f) / (f[-1] - f[0]) if f[-1] > f[0] else np.diff(f)
    return float(-np.sum(np.sqrt(df ** 2 + np.diff(mag) ** 2)))
