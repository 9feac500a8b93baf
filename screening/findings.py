"""Per-rep results and faults with their evidence, shared by the hinge and lunge analyses."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .signals import nanmax, nanmedian, rounded


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

    def as_dict(self) -> dict:
        d = {"code": self.code, "severity": self.severity, "value": rounded(self.value),
             "threshold": rounded(self.threshold), "time_s": round(self.time_s, 3), "metric": self.metric,
             "source": self.source}
        if self.leg:
            d["leg"] = self.leg
        return d


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

    def as_dict(self) -> dict:
        return {"index": self.index, "start_s": round(self.start_s, 3), "bottom_s": round(self.bottom_s, 3),
                "end_s": round(self.end_s, 3), "lead_leg": self.lead_leg,
                "metrics": {k: rounded(v) for k, v in self.metrics.items()},
                "faults": [f.as_dict() for f in self.faults], "notes": list(self.notes)}


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


def graded(code: str, value: float, rule: dict, metric: str, time_s: float, above: bool = True) -> Fault | None:
    """A fault when ``value`` passes the rule's ``minor`` (or ``major``) threshold; ``above=False`` for
    rules where too little is the fault (short hip range)."""
    if value is None or not np.isfinite(value):
        return None
    passes = (lambda lim: value > lim) if above else (lambda lim: value < lim)
    if "major" in rule and passes(rule["major"]):
        return Fault(code, "major", float(value), float(rule["major"]), time_s, metric, rule.get("source", ""))
    if "minor" in rule and passes(rule["minor"]):
        return Fault(code, "minor", float(value), float(rule["minor"]), time_s, metric, rule.get("source", ""))
    return None


def pattern_score(reps: list[RepResult]) -> int | None:
    """metrics.md, as the FMS scores a pattern (Cook 2014): 3 = every rep free of faults; 2 = any minor
    fault; 1 = a major fault, a balance loss or an unfinished rep. (0, pain, is the clinician's call.)"""
    if not reps:
        return None
    faults = [f for r in reps for f in r.faults]
    if any(f.severity == "major" or f.code in ("balance_loss", "unfinished_rep") for f in faults):
        return 1
    return 2 if faults else 3


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
