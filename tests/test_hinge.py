"""The hinge's metrics and fault rules, one by one, on constructed series (no video): each small function
of screening.hinge against a value worked out by hand, each rule of the registry on both sides of its
threshold, and the whole analysis on a constructed body whose head leaves the trunk line, or does not."""
from __future__ import annotations

import numpy as np
import pytest

from screening.clean import clean
from screening.config import load_thresholds
from screening.findings import judge
from screening.hinge import (SPINE_MAX_DEG, analyze_hinge, ankle_rise, bottom_frames, head_angle_change,
                             hip_spine_ratio, hips_rise, knee_flexion_from_hips, knee_hip_ratio, onset, smoothness,
                             spinal_flexion_at_bottom, spine_lead)
from screening.kinematics import kinematics
from screening.landmarks import LM
from screening.registry import metrics_of, rules_of
from tests.support_bodies import series_of, side_frame

pytestmark = pytest.mark.fast  # the fast tier: no MediaPipe, no browser, no clip, no process

TH = load_thresholds()


def test_the_bottom_is_within_a_tenth_of_the_peak():
    trunk = np.array([0, 10, 50, 58, 60, 59, 53, 20, 0, 70.0])
    b = bottom_frames(trunk, slice(0, 9))
    assert b.tolist() == [False, False, False, True, True, True, False, False, False, False]


def test_spinal_flexion_beyond_what_a_spine_bends_is_not_reported():
    spine = np.array([5, 12, 14, 13, 140, 150, 145.0])
    assert spinal_flexion_at_bottom(spine, np.array([0, 1, 1, 1, 0, 0, 0], bool)) == (13.0, 13.0)
    value, read = spinal_flexion_at_bottom(spine, np.array([0, 0, 0, 0, 1, 1, 1], bool))
    assert np.isnan(value) and read == 145.0 > SPINE_MAX_DEG


def test_hip_spine_ratio_is_the_share_made_at_the_hips():
    assert hip_spine_ratio(40.0, 0.0) == 1.0  # all hips
    # chord 40 with a 20-deg spine: pelvis 40 - 20/2 = 30, thorax 30 + 20 = 50: 30/50 of it at the hips
    assert hip_spine_ratio(40.0, 20.0) == pytest.approx(0.6)
    assert hip_spine_ratio(10.0, 40.0) == 0.0  # clipped: all spine
    assert np.isnan(hip_spine_ratio(40.0, np.nan)) and np.isnan(hip_spine_ratio(0.5, 0.0))


def test_spine_lead_is_positive_when_the_back_rounds_first():
    t = np.arange(0, 2.0, 0.01)
    pelvis = np.clip((t - 0.6) / 1.0, 0, 1) * 40  # the pelvis starts turning at 0.6 s
    bend = np.clip((t - 0.3) / 1.0, 0, 1) * 20  # the back starts rounding at 0.3 s
    bottom = t > 1.7
    # onsets at 20% of the way to the bottom: 0.6 + 0.2 = 0.8 s and 0.3 + 0.2 = 0.5 s
    assert spine_lead(t, pelvis, bend, bottom, 0.2) == pytest.approx(0.3, abs=0.02)
    assert spine_lead(t, bend, pelvis, bottom, 0.2) == pytest.approx(-0.3, abs=0.02)
    assert np.isnan(spine_lead(t, pelvis, bend, np.zeros_like(bottom), 0.2))
    assert onset(t, pelvis, 8.0) == pytest.approx(0.8, abs=0.01)


def _lift(trunk_off_floor: float, n: int = 120):
    """A deadlift from the floor sampled at 30 frames/s: the hips come up from their lowest point (0.45 leg
    lengths down) to standing; the trunk starts at 60 deg and, in the first third of the way up, leans a further
    ``trunk_off_floor`` deg (the hips rising first) before coming up to 0. The shoulders: 0.7 leg lengths above
    the hips along the trunk."""
    u = np.linspace(0, 1, n)
    hip_height = -0.45 * (1 - u)  # up positive, leg lengths, from standing 0
    first = np.clip(u / 0.3, 0, 1)
    trunk = 60 + trunk_off_floor * np.sin(np.pi * first / 2) * (u < 0.3) \
        + np.where(u >= 0.3, trunk_off_floor - (60 + trunk_off_floor) * (u - 0.3) / 0.7, 0)
    trunk, hip_height = np.concatenate([np.full(10, 60.0), trunk]), np.concatenate([np.full(10, -0.45), hip_height])
    return trunk, hip_height, hip_height + 0.7 * np.cos(np.radians(trunk))


@pytest.mark.parametrize("extra", [0.0, 6.0, 12.0, 25.0])
def test_hips_rising_first_is_the_back_going_horizontal_off_the_floor(extra):
    trunk, height, shoulders = _lift(extra)
    # the first half of the way up (hips 0.225 leg lengths risen) falls past the extra lean's peak at u = 0.3
    assert hips_rise(trunk, height, slice(0, len(trunk))) == pytest.approx(extra, abs=0.05)


def test_hips_rising_first_is_read_off_the_bottom_only():
    trunk = np.linspace(60, 0, 90)
    up = np.linspace(-0.4, 0, 90)
    assert hips_rise(trunk, up, slice(0, 90)) == 0.0  # the back angle coming up at once: a good pull
    assert np.isnan(hips_rise(trunk, np.linspace(-0.05, 0, 90), slice(0, 90)))  # the hips barely move
    # the way down of an RDL whose landmark hip rides up as the trunk folds: lowest near standing, not a lift
    assert np.isnan(hips_rise(np.linspace(20, 90, 90), np.linspace(-0.3, -0.15, 90), slice(0, 90)))
    # the clip's first frames (a tracker's start) are not used when marked unusable
    trunk, height, _ = _lift(0.0)
    height[:3], trunk[:3] = -0.6, 30.0
    usable = np.ones(len(trunk), bool)
    usable[:5] = False
    assert hips_rise(trunk, height, slice(0, len(trunk)), usable) == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize("knee", [0.0, 30.0, 75.0, 110.0])
def test_knee_flexion_from_the_hips_place_over_the_planted_ankle(knee):
    """Shins hidden behind plates: the knee angle from the hip-ankle distance and the segment lengths."""
    thigh, shank = 110.0, 100.0
    ankle = np.array([400.0, 600.0])
    # a knee bent by ``knee`` with the shank tilted 10 deg forward: where the hip then is
    k = ankle + shank * np.array([np.sin(np.radians(10)), -np.cos(np.radians(10))])
    a = np.radians(10 - knee)  # the thigh's direction from vertical, backward as the knee bends
    hip = k + thigh * np.array([np.sin(a), -np.cos(a)])
    got = knee_flexion_from_hips(hip[None, :], ankle, thigh, shank)
    assert got[0] == pytest.approx(knee, abs=0.01)


def test_knee_hip_ratio_tells_a_squat_from_a_hinge():
    assert knee_hip_ratio(15.0, 60.0) == 0.25
    assert knee_hip_ratio(50.0, 60.0) == pytest.approx(0.833, abs=0.001)
    assert np.isnan(knee_hip_ratio(5.0, 8.0))  # too little hip flexion to divide by


def test_ankle_rise_reads_a_lifted_foot():
    xy = np.zeros((4, 33, 2))
    xy[:, LM.LEFT_ANKLE, 1] = 600.0
    xy[:, LM.RIGHT_ANKLE, 1] = [600, 600, 300, 300]  # the right foot lifted by 300 px at the bottom
    bottom = np.array([0, 0, 1, 1], bool)
    assert ankle_rise(xy, bottom, 400.0) == 0.75
    assert ankle_rise(xy, ~bottom, 400.0) == 0.0


def test_head_angle_change_is_how_far_the_head_came_forward():
    head = np.array([0, 5, -25, 10, 40.0])
    assert head_angle_change(head, slice(0, 4)) == 10.0  # forward; the head tipped back 25 is not a fault
    assert head_angle_change(np.array([0, -10, -40.0]), slice(0, 3)) == 0.0
    assert head_angle_change(np.array([-5, -10, -40.0]), slice(0, 3)) == -5.0
    assert np.isnan(head_angle_change(np.full(4, np.nan), slice(0, 4)))


def test_a_jerky_rep_is_less_smooth():
    t = np.arange(0, 2, 1 / 30)
    smooth = 60 * np.sin(np.pi * t / 2) ** 2
    jerky = smooth + 6 * np.sin(2 * np.pi * 4 * t)
    sl = slice(0, len(t))
    assert smoothness(jerky, t, sl, 30.0) < smoothness(smooth, t, sl, 30.0) < 0


# ---------------------------------------------------------------------------------------------- rules
HINGE_RULES = {r.code: r for r in rules_of("hinge")}


def _rep(**over):
    """A clean rep's metrics (no fault), with ``over`` changed."""
    m = {"trunk_inclination_deg": 60.0, "hip_flexion_deg": 70.0, "knee_flexion_deg": 15.0,
         "spinal_flexion_deg": 3.0, "hip_spine_ratio": 0.95, "spine_lead_s": -0.05, "knee_hip_ratio": 0.2,
         "hip_shift_leg_lengths": 0.2, "ankle_rise_leg_lengths": 0.0, "head_angle_change_deg": 5.0}
    return m | over


def test_a_clean_rep_has_no_fault():
    assert judge(_rep(), TH, "hinge", 2.0, 1.0) == []


@pytest.mark.parametrize("code,metric,fine,minor,major", [
    ("lumbar_flexion", "spinal_flexion_deg", 8.0, 15.0, 30.0),
    ("squatted_hinge", "knee_hip_ratio", 0.4, 0.6, 0.9),
    ("short_hip_range", "hip_flexion_deg", 55.0, 40.0, None),
    ("no_posterior_shift", "hip_shift_leg_lengths", 0.15, 0.05, None),
    ("head_out_of_line", "head_angle_change_deg", 15.0, 25.0, None),
    ("spine_first", "spine_lead_s", 0.05, 0.2, None),
])
def test_each_hinge_rule_on_both_sides_of_its_threshold(code, metric, fine, minor, major):
    rule = HINGE_RULES[code]
    assert rule.metric == metric
    assert judge(_rep(**{metric: fine}), TH, "hinge", 2.0, 1.0) == []
    (f,) = judge(_rep(**{metric: minor}), TH, "hinge", 2.0, 1.0)
    assert (f.code, f.severity, f.value, f.metric) == (code, "minor", minor, metric)
    assert f.time_s == (1.0 if code == "spine_first" else 2.0)  # an onset's fault is dated at the rep's start
    assert f.source  # every fault carries the source of its threshold
    if major is not None:
        (f,) = judge(_rep(**{metric: major}), TH, "hinge", 2.0, 1.0)
        assert f.severity == "major"


def test_every_hinge_rule_judges_a_metric_of_the_registry():
    names = {m.name for m in metrics_of("hinge")}
    assert HINGE_RULES and all(r.metric in names for r in HINGE_RULES.values())


# ---------------------------------------------------------------------------------------------- whole
def hinge_reps(head_deg: float, reps: int = 3, fps: float = 30.0):
    """A constructed side-view hinge: 1 s standing, then ``reps`` reps of 2 s down to a 60-deg trunk, the
    head turning ``head_deg`` against the trunk at the bottom."""
    frames = [side_frame(1) for _ in range(int(fps))]
    for _ in range(reps):
        for k in range(int(2 * fps)):
            s = np.sin(np.pi * k / (2 * fps)) ** 2
            frames.append(side_frame(1, trunk=60 * s, thigh=15 * s, shank=8 * s, head=head_deg * s))
    frames += [side_frame(1) for _ in range(int(fps))]
    return series_of(frames, fps)


@pytest.mark.parametrize("head,fault", [(5.0, False), (35.0, True), (-35.0, False)])
def test_head_out_of_line_on_a_constructed_hinge(head, fault):
    """A head that comes 35 deg forward of the trunk line is out of line (the dowel's contact is lost);
    5 deg forward, or 35 deg back (it presses into the dowel), is not."""
    cs = clean(hinge_reps(head))
    result = analyze_hinge(cs, kinematics(cs), TH)
    assert len(result.reps) == 3
    for rep in result.reps:
        if head > 0:
            assert rep.metrics["head_angle_change_deg"] == pytest.approx(head, abs=2.0)
        else:  # it never came forward: the most forward it was in the rep is behind its standing place
            assert rep.metrics["head_angle_change_deg"] < 0
        assert rep.metrics["trunk_inclination_deg"] == pytest.approx(60.0, abs=2.0)
        assert rep.metrics["hip_flexion_deg"] == pytest.approx(75.0, abs=2.0)
        assert ("head_out_of_line" in {f.code for f in rep.faults}) is fault
        assert rep.frames is not None and rep.frames[0] < rep.frames[1] < rep.frames[2]
        assert cs.time_s[rep.frames[1]] == pytest.approx(rep.bottom_s)


def test_every_measure_and_fault_has_words_in_the_registry():
    """What the analyses write is what the registry describes: every hinge metric a rep carries has a row
    (label, unit, definition, source), and every fault code of the contract has words."""
    import json

    from screening.registry import FAULT_WORDS, metric
    from screening.result import SCHEMA_PATH

    cs = clean(hinge_reps(5.0, reps=1))
    rep = analyze_hinge(cs, kinematics(cs), TH).reps[0]
    assert set(rep.metrics) == {m.name for m in metrics_of("hinge")}
    for name in rep.metrics:
        m = metric(name, "hinge")
        assert m.label and m.definition and m.source and m.fmt
    codes = json.loads(SCHEMA_PATH.read_text())["properties"]["reps"]["items"]["properties"]["faults"]["items"][
        "properties"]["code"]["enum"]
    assert set(codes) == set(FAULT_WORDS)


def test_the_thresholds_follow_how_the_spine_was_read():
    """Read against the person's own upright back, spinal flexion is held to the waiter's bow's thresholds; read
    against the average back (the person's was hidden or unseen), to those set on labelled real deadlifts; a lift
    from the floor's squatted hinge is the knees bending as much as the hips. The analysis hands the thresholds
    it judged by to the plot that draws them."""
    from screening.hinge import thresholds_for

    own = thresholds_for(TH, average_back=False, from_floor=False)["hinge"]
    avg = thresholds_for(TH, average_back=True, from_floor=True)["hinge"]
    assert (own["lumbar_flexion"]["minor"], own["lumbar_flexion"]["major"]) == (10.0, 20.0)
    lf = TH["hinge"]["lumbar_flexion"]
    assert (avg["lumbar_flexion"]["minor"], avg["lumbar_flexion"]["major"]) == (lf["average_back_minor"],
                                                                                lf["average_back_major"])
    assert avg["squatted_hinge"]["minor"] == TH["hinge"]["squatted_hinge"]["from_floor_minor"] == 1.0
    assert own["squatted_hinge"]["minor"] == 0.5
    # a constructed body has no silhouette: its spine would be read against the average back
    cs = clean(hinge_reps(5.0, reps=1))
    assert analyze_hinge(cs, kinematics(cs), TH).extras["lumbar_flexion"] == (lf["average_back_minor"],
                                                                            lf["average_back_major"])
