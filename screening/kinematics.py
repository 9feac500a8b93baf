"""Kinematics: clean series -> per-frame angles and lengths, every definition in one table.

Each row of :data:`ANGLES` is data: a name a physiotherapist recognises, the landmarks it uses, how it is
computed, the views it is valid in, and its source in ../shared/spec/metrics.md. All of them are computed
vectorised over the whole series.

Side-view angles are computed in a body frame whose x axis points where the person faces, so a person
facing left and a person facing right give the same numbers (angle flips with facing direction are the
top complaint users raise against Sports2D: issues #30, #31, #35, #39). Front-view angles use the
person's own left and right, so facing the camera or facing away gives the same numbers too.

A metric that the clip's view cannot show is NaN for every frame ("not measurable from this view").
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .angles import (
    ANGLES,
    Segments,
    angle_def,
    compute,
    picture_angle,
)
from .clean import FRONT_ABOVE, SIDE_BELOW, CleanSeries, spread_ratio, upright_frames
from .landmarks import LM
from .signals import frame_step, quiet, runs
from .values import BaselineSource, Note, View

#: silhouette width across the mid-shank (shank lengths) above which the lower legs count as hidden: a leg
#: reads 0.28-0.45 (good mornings, deadlifts with the shins clear), a plate in front of them 0.9-1.7
LEGS_HIDDEN_WIDTH = 0.7


def legs_hidden(cs: CleanSeries) -> np.ndarray:
    """(N,) side view: frames where the near leg's shank is behind something (see ``LEGS_HIDDEN_WIDTH``),
    widened by 0.2 s either side and with gaps under 1 s between such frames closed: the width is read
    once a frame, and a plate's edges come and go as the legs move behind it."""
    n = len(cs.time_s)
    if cs.shank_width is None or cs.view.kind != "side" or cs.view.near_side is None or n == 0:
        return np.zeros(n, bool)
    wide = cs.shank_width[:, 0 if cs.view.near_side == "left" else 1] > LEGS_HIDDEN_WIDTH
    if not wide.any():
        return wide
    dt = frame_step(cs.time_s)
    k = max(1, int(round(0.2 / dt)))
    hidden = np.convolve(wide.astype(float), np.ones(2 * k + 1), mode="same") > 0
    idx = np.flatnonzero(hidden)
    for a, b in zip(idx[:-1], idx[1:]):
        if b - a > 1 and cs.time_s[b] - cs.time_s[a] < 1.0:
            hidden[a:b] = True
    return hidden


#: trunk inclinations (deg) a standing exercise can reach: beyond, the detection is wrong (a toe touch is
#: ~120-130, a single-leg RDL ~90-100; the tracker's inverted bodies in close-ups read 160-180)
PLAUSIBLE_TRUNK_DEG = (-60.0, 140.0)

#: a knee does not bend backwards further than this (deg): its extension is 0-10 deg, a genu recurvatum
#: 15-20 (Norkin & White, Measurement of Joint Motion). Beyond it the tracker has swapped the legs or a joint
#: has jumped (the real reverse lunge clip: the near knee jumped onto the rear leg and read -72 to -86 deg)
KNEE_HYPEREXTENSION_DEG = -25.0
#: ... and the low-pass filter smears such a jump over this much time on either side (s)
JUMP_SMEAR_S = 0.1


def implausible_knee(knee_flexion: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """(N,) frames where a knee reads bent backwards beyond :data:`KNEE_HYPEREXTENSION_DEG`, widened by
    :data:`JUMP_SMEAR_S` either side."""
    with np.errstate(invalid="ignore"):
        bad = knee_flexion < KNEE_HYPEREXTENSION_DEG
    if bad.any() and len(time_s) > 1:
        k = max(1, int(round(JUMP_SMEAR_S / frame_step(time_s))))
        bad = np.convolve(bad.astype(float), np.ones(2 * k + 1), mode="same") > 0
    return bad


#: a knee's FPPA is an angle of the picture only where its thigh is seen at this share of its standing length or
#: more: pointing at the camera (a deep lunge filmed from hip height), the hip and knee nearly meet in the
#: picture and the angle of even the true joints swings by tens of degrees for a few pixels (rendered
#: front-view lunges, bench/front_lunge.md). Where less is seen the frame's FPPA is not measured (the annotated
#: video and the angle table read -130 to -160 deg there); screening.lunge reads a rep's valgus with the same
#: guard. Likewise a shank pointing away (the rear leg of a split lunge, its foot behind the knee)
THIGH_SEEN_MIN = 0.5


def _unreadable_fppa(values: dict[str, np.ndarray], xy: np.ndarray, seg: Segments) -> None:
    """Each knee's FPPA left out (NaN) in the frames where its thigh or its shank is seen at under
    :data:`THIGH_SEEN_MIN` of its standing length."""
    for leg in ("left", "right"):
        h, k, a = (LM[f"{leg.upper()}_{j}"] for j in ("HIP", "KNEE", "ANKLE"))
        with np.errstate(invalid="ignore"):
            short = (_dist(xy, h, k) / seg.thigh < THIGH_SEEN_MIN) | (_dist(xy, k, a) / seg.shank < THIGH_SEEN_MIN)
        values[f"knee_valgus_fppa_{leg}_deg"][short] = np.nan


@dataclass
class Kinematics:
    time_s: np.ndarray
    values: dict[str, np.ndarray]  # name -> (N,), NaN where missing or not measurable
    baseline: dict[str, float]  # name -> standing value
    baseline_window_s: tuple[float, float] | None
    baseline_source: BaselineSource
    segments: Segments
    view_kind: View
    notes: list[Note] = field(default_factory=list)

    def change(self, name: str) -> np.ndarray:
        """The measure relative to the person's standing baseline."""
        b = self.baseline.get(name, np.nan)
        return self.values[name] - (b if np.isfinite(b) else np.nan)


def _dist(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.linalg.norm(xy[:, a] - xy[:, b], axis=1)


def segments(xy: np.ndarray, rows: np.ndarray) -> Segments:
    sel = xy[rows] if rows.any() else xy

    def med(*pairs):
        with np.errstate(all="ignore"):
            vals = np.concatenate([_dist(sel, a, b) for a, b in pairs])
        vals = vals[np.isfinite(vals)]
        return float(np.median(vals)) if len(vals) else float("nan")

    hip = (sel[:, LM.LEFT_HIP] + sel[:, LM.RIGHT_HIP]) / 2
    sh = (sel[:, LM.LEFT_SHOULDER] + sel[:, LM.RIGHT_SHOULDER]) / 2
    trunk = np.linalg.norm(sh - hip, axis=1)
    trunk = trunk[np.isfinite(trunk)]
    return Segments(
        leg=med((LM.LEFT_HIP, LM.LEFT_ANKLE), (LM.RIGHT_HIP, LM.RIGHT_ANKLE)),
        shank=med((LM.LEFT_KNEE, LM.LEFT_ANKLE), (LM.RIGHT_KNEE, LM.RIGHT_ANKLE)),
        thigh=med((LM.LEFT_HIP, LM.LEFT_KNEE), (LM.RIGHT_HIP, LM.RIGHT_KNEE)),
        trunk=float(np.median(trunk)) if len(trunk) else float("nan"),
        hip_width=med((LM.LEFT_HIP, LM.RIGHT_HIP)),
        foot=med((LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX), (LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX)),
    )


# ---------------------------------------------------------------------------------------------- baseline
STAND_TRUNK_DEG = 15.0
STAND_KNEE_DEG = 20.0
STAND_MIN_S = 0.5
STAND_MAX_S = 1.5


def standing_window(t: np.ndarray, standing: np.ndarray) -> tuple[int, int] | None:
    """The first run of standing frames lasting at least 0.5 s (capped at 1.5 s)."""
    v = np.concatenate([[False], standing, [False]])
    d = np.diff(v.astype(np.int8))
    for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
        if t[b - 1] - t[a] >= STAND_MIN_S:
            stop = a + int(np.searchsorted(t[a:b], t[a] + STAND_MAX_S))
            return int(a), int(max(stop, a + 1))
    return None


# ---------------------------------------------------------------------------------------------- the stage
def kinematics(cs: CleanSeries) -> Kinematics:
    """Every angle of :data:`ANGLES`, with the person's standing baseline."""
    xy, view = cs.xy, cs.view
    facing = view.facing_sign or 1
    near = view.near_side
    up = upright_frames(xy, STAND_TRUNK_DEG)
    # knees straight too, in any view: hip-knee-ankle nearly in line on both legs
    with np.errstate(all="ignore"), quiet():
        knee_bend = np.nanmax(np.stack([
            np.degrees(np.arccos(np.clip(((xy[:, k] - xy[:, h]) * (xy[:, a] - xy[:, k])).sum(1)
                                         / (_dist(xy, h, k) * _dist(xy, k, a)), -1, 1)))
            for h, k, a in [(LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE),
                            (LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE)]]), axis=0)
    standing = up & (np.nan_to_num(knee_bend, nan=180) < STAND_KNEE_DEG)
    win = standing_window(cs.time_s, standing)
    notes = []
    if win is not None:
        rows = np.zeros(len(xy), bool)
        rows[win[0]:win[1]] = True
        source = "standing at the start" if win[0] <= np.searchsorted(cs.time_s, cs.time_s[0] + 0.25 * (
            cs.time_s[-1] - cs.time_s[0])) else "first standing frames"
        window = (float(cs.time_s[win[0]]), float(cs.time_s[win[1] - 1]))
    else:
        # no standing still at all: the most upright tenth of the frames with a person
        trunk = picture_angle("trunk_from_vertical_deg", xy) if len(xy) else np.zeros(0)
        ok = np.isfinite(trunk)
        rows = np.zeros(len(xy), bool)
        if ok.any():
            cut = np.percentile(trunk[ok], 10)
            rows = ok & (trunk <= cut)
            source = "most upright frames"
            notes.append(Note.of("baseline_most_upright"))
        else:
            source = "none"
        window = None
    seg = segments(xy, rows)
    # single frames that clearly belong to the other view (the person turned toward the camera mid-clip).
    # The other view's own threshold, not the boundary between the two: a side view filmed a little
    # obliquely reads ~0.45-0.5 standing and goes past 0.5 at the bottom of every rep, when the leaning
    # trunk turns toward the camera (the good mornings clip lost every bottom that way).
    r = spread_ratio(xy, over_trunk_length=True)
    frame_ok = {"side": ~(r > FRONT_ABOVE), "front": ~(r < SIDE_BELOW)}
    if view.kind in frame_ok:
        off = cs.detected & ~frame_ok[view.kind]
        if off.mean() > 0.05:
            notes.append(Note.of("turned_away", share=float(off.mean()), view=view.kind))
    if view.kind == "side":
        # a body upside down is a wrong detection, not a pose (close-ups of the lower legs only: MediaPipe
        # drew the whole body inverted, shoulders below hips, in the single-leg RDL clip)
        trunk = compute(angle_def("trunk_inclination_deg"), xy, facing, near, seg)
        with np.errstate(invalid="ignore"):
            wrong = (trunk < PLAUSIBLE_TRUNK_DEG[0]) | (trunk > PLAUSIBLE_TRUNK_DEG[1])
        frame_ok["side"] &= ~wrong
        if wrong.mean() > 0.02:
            notes.append(Note.of("upside_down", share=float(wrong.mean()), limit_deg=PLAUSIBLE_TRUNK_DEG[1]))
    hidden = legs_hidden(cs)
    if hidden.mean() > 0.02:
        ts = cs.time_s[hidden]
        notes.append(Note.of("legs_blocked", share=float(hidden.mean()), from_s=float(ts[0]), to_s=float(ts[-1])))
    jumped: dict[str, np.ndarray] = {}  # leg -> frames where its knee is not where a knee can be
    if view.kind == "side":
        for leg in ("left", "right"):
            d = angle_def(f"knee_flexion_{leg}_deg")
            bad = implausible_knee(compute(d, xy, facing, near, seg) + d.offset_deg, cs.time_s) & frame_ok["side"]
            if bad.any():
                jumped[leg] = bad
                notes.append(Note.of("knee_hyperextended", starts_s=tuple(_run_starts(cs.time_s, bad)[:5]), leg=leg,
                                     limit_deg=KNEE_HYPEREXTENSION_DEG, frames=int(bad.sum())))
    values: dict[str, np.ndarray] = {}
    baseline: dict[str, float] = {}
    for d in ANGLES:
        if view.kind in d.views:
            v = compute(d, xy, facing, near, seg) + d.offset_deg
            v[~frame_ok[view.kind]] = np.nan
            if any(p.split("_", 1)[1] in ("ankle", "heel", "toe") for p in d.points):
                v[hidden] = np.nan  # measures that need the lower legs
            for leg, bad in jumped.items():
                if f"{leg}_knee" in d.points or (near == leg and "near_knee" in d.points):
                    v[bad] = np.nan
        else:
            v = np.full(len(xy), np.nan)
        values[d.name] = v
        with np.errstate(all="ignore"):
            b = v[rows] if rows.any() else np.zeros(0)
            b = b[np.isfinite(b)]
        baseline[d.name] = float(np.median(b)) if len(b) else float("nan")
    if view.kind == "front":
        _unreadable_fppa(values, xy, seg)
    if view.kind != "side":
        notes.append(Note.of("side_measures_not_measurable", view=view.kind))
    if view.kind != "front":
        notes.append(Note.of("front_measures_not_measurable", view=view.kind))
    return Kinematics(cs.time_s, values, baseline, window, BaselineSource(source), seg, view.kind, notes)


def _run_starts(time_s: np.ndarray, mask: np.ndarray) -> list[float]:
    return [float(time_s[a]) for a, _ in runs(mask)]

