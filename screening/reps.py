"""Repetitions: start, bottom and end of each rep of a movement signal, with a clear time axis.

The signal is a change from standing that grows toward the bottom of a rep (trunk inclination for a
hinge, front-knee flexion for a lunge). Reps are its peaks with a prominence of ~10 deg, at least 0.5 s
apart (metrics.md: OpenCap's squat analysis and MediaPipe's hysteresis counter are the anchors). A rep
starts and ends where the signal comes back within ``return_fraction`` of its excursion.

Robust to:
- gaps (title cards, nobody in view, a view the metric cannot be read from): peaks are found on runs of
  valid samples; short gaps were already filled by the cleaning stage;
- a clip that starts or ends at the bottom (a deadlift from the floor): the rep is kept, with the side
  it has, and flagged ``starts_at_bottom`` / ``ends_at_bottom``;
- partial reps at either end that never reach the prominence: left out, and counted in ``partial``;
- pauses at the bottom or top: a plateau is one peak (find_peaks takes a plateau's middle).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from .signals import frame_step, runs
from .values import Note


@dataclass(frozen=True)
class Rep:
    index: int
    start_i: int
    bottom_i: int
    end_i: int
    start_s: float
    bottom_s: float
    end_s: float
    depth: float  # the signal's value at the bottom
    starts_at_bottom: bool = False  # the clip (or the valid run) begins in the rep's bottom half
    ends_at_bottom: bool = False  # ... or ends there: an unfinished rep

    @property
    def complete(self) -> bool:
        return not self.ends_at_bottom


@dataclass(frozen=True)
class RepSegmentation:
    reps: list[Rep]
    partial: int  # excursions at either end too small to count
    cut_off: int = 0  # reps cut off by the end of the clip (it ends on the way down): not counted

    def notes(self) -> list[Note]:
        """What was left out, as notes for the result."""
        out = []
        if self.cut_off:
            out.append(Note.of("reps_cut_off", count=self.cut_off))
        if self.partial:
            out.append(Note.of("partial_movements", count=self.partial))
        return out


def bridge_gaps(time_s: np.ndarray, x: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linear interpolation across NaN gaps no longer than ``max_gap_s`` that have values on both sides
    (for finding reps only: a rep's bottom hidden for half a second is still one rep, not two)."""
    out = x.copy()
    for a, b in runs(~np.isfinite(x)):
        if a == 0 or b == len(x) or time_s[b] - time_s[a - 1] > max_gap_s:
            continue
        out[a:b] = np.interp(time_s[a:b], [time_s[a - 1], time_s[b]], [x[a - 1], x[b]])
    return out


def segment_reps(time_s: np.ndarray, signal: np.ndarray, prominence: float, min_separation_s: float = 0.5,
                 return_fraction: float = 0.25, min_run_s: float = 0.5, bridge_s: float = 1.0,
                 valley_fraction: float = 0.5) -> RepSegmentation:
    """Reps of ``signal`` (a change from standing, larger toward the bottom), NaN = not measured.

    Gaps up to ``bridge_s`` are bridged for segmentation only (the rep's metrics stay NaN there). Two
    peaks whose valley stays above ``valley_fraction`` of the smaller one's height are one rep (a
    deadlift's trunk angle dips and rises again as the bar passes the knees)."""
    t = np.asarray(time_s, float)
    x = bridge_gaps(t, np.asarray(signal, float), bridge_s) if len(t) else np.asarray(signal, float)
    reps: list[Rep] = []
    partial = 0
    cut_off = 0
    if len(t) < 3:
        return RepSegmentation([], 0)
    dt = frame_step(t)
    distance = max(1, int(round(min_separation_s / dt)))
    for a, b in runs(np.isfinite(x)):
        if t[b - 1] - t[a] < min_run_s:
            continue
        seg = x[a:b]
        # pad with the run's standing level (a low percentile: noise and sway dip below it) so a run that
        # starts or ends at the bottom still has a peak there
        floor = float(np.nanpercentile(seg, 10))
        padded = np.concatenate([[floor], seg, [floor]])
        peaks, props = find_peaks(padded, prominence=prominence, distance=distance)
        peaks = peaks - 1
        ok = (peaks >= 0) & (peaks < len(seg))
        peaks = np.clip(peaks[ok], 0, len(seg) - 1)
        peaks = peaks[seg[peaks] - floor >= prominence]  # a rep rises by the prominence from standing
        peaks = _merge_shallow_valleys(seg, peaks, floor, valley_fraction)
        # (measured from the level the last rep started from: a split squat's stance stays split, below
        # the run's standing level, to the end)
        last_base = (float(np.min(seg[peaks[-2]:peaks[-1] + 1] if len(peaks) > 1 else seg[:peaks[-1] + 1]))
                     if len(peaks) else floor)
        if len(peaks) and b == len(x) and seg[-1] - last_base > 0.5 * (seg[peaks[-1]] - last_base):
            # the clip ends in the bottom half of its last rep: nobody can see whether it was finished
            cut_off += 1
            peaks = peaks[:-1]
        for j, p in enumerate(peaks):
            lo = peaks[j - 1] if j > 0 else 0
            hi = peaks[j + 1] if j + 1 < len(peaks) else len(seg) - 1
            before, after = seg[lo:p + 1], seg[p:hi + 1]
            base_before = float(np.min(before))
            base_after = float(np.min(after))
            level_b = base_before + return_fraction * (seg[p] - base_before)
            level_a = base_after + return_fraction * (seg[p] - base_after)
            below_b = np.flatnonzero(before <= level_b)
            below_a = np.flatnonzero(after <= level_a)
            start = lo + int(below_b[-1]) if len(below_b) else lo
            end = p + int(below_a[0]) if len(below_a) else hi
            # the excursion from the run's own standing level decides whether the edges are the bottom
            excursion = seg[p] - floor
            starts_at_bottom = j == 0 and seg[0] - floor > 0.5 * excursion
            # the run breaks off (the person leaves the view) before the rep comes back up
            ends_at_bottom = j == len(peaks) - 1 and b < len(x) and seg[-1] - base_before > 0.5 * (seg[p] - base_before)
            reps.append(Rep(0, a + start, a + p, a + end, float(t[a + start]), float(t[a + p]), float(t[a + end]),
                            float(seg[p]), bool(starts_at_bottom), bool(ends_at_bottom)))
        # an excursion at either end of the run that rises but never reaches the prominence
        if len(peaks) == 0 and np.nanmax(seg) - floor > 0.5 * prominence:
            partial += 1
    reps.sort(key=lambda r: r.bottom_i)
    return RepSegmentation([Rep(i, *(getattr(r, f) for f in Rep.__dataclass_fields__ if f != "index"))
                            for i, r in enumerate(reps)], partial, cut_off)


def _merge_shallow_valleys(seg: np.ndarray, peaks: np.ndarray, floor: float, fraction: float) -> np.ndarray:
    """Keep the higher of two neighbouring peaks when the signal between them never comes down to
    ``fraction`` of the smaller peak's height above ``floor``."""
    kept: list[int] = []
    for p in peaks:
        if kept:
            q = kept[-1]
            valley = float(np.min(seg[q:p + 1]))
            if valley - floor > fraction * (min(seg[p], seg[q]) - floor):
                if seg[p] > seg[q]:
                    kept[-1] = int(p)
                continue
        kept.append(int(p))
    return np.asarray(kept, dtype=int)
