"""Per-rep results and faults with their evidence, shared by the hinge and lunge analyses."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .registry import FaultRule, metric, rules_of
from .signals import rounded


@dataclass(frozen=True)
class Fault:
    """One fault in one rep: what, how bad, and the evidence (value against threshold, at a time)."""

    code: str  # result-contract.md fault codes
    severity: str  # "minor" | "major"
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
        return cls(d["code"], d["severity"], d["value"], d["threshold"], d.get("time_s", 0.0), d.get("metric", ""),
                   d.get("source", ""), d.get("leg"), bool(d.get("possible", False)), d.get("uncertainty"))


@dataclass
class RepResult:
    index: int
    start_s: float
    bottom_s: float
    end_s: float
    lead_leg: str | None
    metrics: dict[str, float | None]
    faults: list[Fault] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: (start, bottom, end) frame indices in the clip's series; None for a rep merged from two clips
    frames: tuple[int, int, int] | None = None

    def as_dict(self) -> dict:
        d = {"index": self.index, "start_s": round(self.start_s, 3), "bottom_s": round(self.bottom_s, 3),
             "end_s": round(self.end_s, 3), "lead_leg": self.lead_leg,
             "metrics": {k: rounded(v) for k, v in self.metrics.items()},
             "faults": [f.as_dict() for f in self.faults], "notes": list(self.notes)}
        if self.frames is not None:
            d["frames"] = dict(zip(("start", "bottom", "end"), map(int, self.frames)))
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RepResult":
        frames = d.get("frames")
        return cls(d["index"], d["start_s"], d["bottom_s"], d["end_s"], d.get("lead_leg"),
                   {k: (float("nan") if v is None else v) for k, v in d["metrics"].items()},
                   [Fault.from_dict(f) for f in d["faults"]], list(d.get("notes", [])),
                   (frames["start"], frames["bottom"], frames["end"]) if frames else None)


@dataclass
class PatternResult:
    """What one movement analysis found in one clip."""

    pattern: str  # "hinge" | "lunge"
    measurable: bool  # False: the view cannot show this pattern's measures
    reps: list[RepResult]
    score: int | None
    notes: list[str] = field(default_factory=list)
    series: dict[str, np.ndarray] = field(default_factory=dict)  # extra per-frame series (e.g. spinal flexion)
    extras: object | None = None  # pattern-specific summaries (the lunge's per-leg means and asymmetry)


def graded(code: str, value: float, rule: dict, metric: str, time_s: float, above: bool = True,
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
        return Fault(code, "major", float(value), float(rule["major"]), time_s, metric, source, None, False, uncertainty)
    if "minor" in rule and past(rule["minor"]) > 0:
        return Fault(code, "minor", float(value), float(rule["minor"]), time_s, metric, source, None,
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


def pattern_score(reps: list[RepResult], set_faults: list[Fault] = ()) -> int | None:
    """metrics.md, as the FMS scores a pattern (Cook 2014): 3 = every rep free of faults; 2 = any minor
    fault, or a compensation over the set (a lunge's asymmetry between legs); 1 = a major fault, a balance
    loss or an unfinished rep. (0, pain, is the clinician's call.) The one place a score is decided."""
    if not reps:
        return None
    faults = scored_faults(reps)
    if any(f.severity == "major" or f.code in ("balance_loss", "unfinished_rep") for f in faults):
        return 1
    return 2 if faults or set_faults else 3


def scored_faults(reps: list[RepResult]) -> list[Fault]:
    """The faults the score counts: all, except a *possible* fault (within its measure's uncertainty of
    the threshold) seen in one rep only of a set of several. A single borderline rep does not regress an
    otherwise controlled set, as the FMS scores the best of the repetitions (Cook 2014); a fault that
    recurs counts, borderline or not. The faults left out are still reported, as possible."""
    reps_with = Counter(f.code for r in reps for f in {x.code: x for x in r.faults}.values())
    return [f for r in reps for f in r.faults if not (f.possible and reps_with[f.code] < 2 and len(reps) > 1)]


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
