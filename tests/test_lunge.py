"""The lunge analysis (screening/lunge.py) from the clean-series stage on, fed the rendered corpus's exact
joint centres (no MediaPipe: these tests check the analysis's own logic and definitions; the measured
accuracy with MediaPipe is tests/test_accuracy.py), and its set-level parts on hand-made reps."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from screening.clean import clean
from screening.config import load_thresholds
from screening.findings import RepResult
from screening.kinematics import kinematics
from screening import lunge as lunge_module
from screening.lunge import (REP_METRICS, analyze_lunge, merge_views, rep_faults,
                             summarise_legs)
from screening.values import Note

from bench import accuracy

ROOT = Path(__file__).resolve().parents[1]

TH = load_thresholds()


def from_truth(name: str):
    t = accuracy.load_truth(name)
    cs = clean(accuracy.series_from_truth(t))
    kin = kinematics(cs)
    return t, cs, kin, analyze_lunge(cs, kin, TH)


@pytest.mark.fast
@pytest.mark.parametrize("name", ["lunge_front_alternating", "lunge_front_pelvic_drop", "lunge_front_trunk_lean",
                                  "lunge_side_split_shallow", "lunge_side_forward_clean", "lunge_side_reverse_clean"])
def test_true_joints_give_the_true_reps_legs_and_metrics(name):
    # true joint centres get none of the corrections for MediaPipe's landmarks (its hip off the joint, its
    # valgus read small, its hip line): the FPPA and pelvic drop are the truth's by the tool's own definitions
    t, cs, kin, res = from_truth(name)
    assert res.measurable and res.extras.variant == "split"
    assert len(res.reps) == len(t["reps"])
    for rep, tr in zip(res.reps, t["reps"]):
        assert abs(rep.bottom_s - tr["bottom_s"]) < 0.35, (rep.bottom_s, tr["bottom_s"])
        assert rep.lead_leg == tr["lead_leg"]
        used = res.series["fppa_frames"] & (kin.time_s >= rep.start_s) & (kin.time_s <= rep.end_s)
        true = accuracy.lunge_rep_truth(t, tr, kin.time_s[used])
        m = rep.metrics
        assert m["hip_drop_leg_lengths"] == pytest.approx(true["hip_drop_leg_lengths"], abs=0.03)
        if t["view"] == "front":
            if any(n.code == "fppa_unread" for n in rep.notes):
                # the thigh pointed at the camera at the bottom: unread, not none
                seen = lunge_module.thigh_seen(cs, kin, rep.lead_leg)[rep.frames[1]]
                assert seen < lunge_module.THIGH_SEEN_MIN and not np.isfinite(m["knee_valgus_fppa_deg"])
            else:
                assert m["knee_valgus_fppa_deg"] == pytest.approx(true["knee_valgus_fppa_deg"], abs=1.0)
            assert m["pelvic_obliquity_change_deg"] == pytest.approx(true["pelvic_obliquity_change_deg"], abs=1.5)
            assert m["lateral_trunk_lean_deg"] == pytest.approx(true["lateral_trunk_lean_deg"], abs=1.5)
            assert m["rear_knee_height_shanks"] is None or not np.isfinite(m["rear_knee_height_shanks"])
        else:
            assert m["rear_knee_height_shanks"] == pytest.approx(true["rear_knee_height_shanks"], abs=0.06)
            assert m["step_length_tibias"] == pytest.approx(true["step_length_tibias"], abs=0.1)
            assert m["knee_past_toe_foot_lengths"] == pytest.approx(true["knee_past_toe_foot_lengths"], abs=0.15)
            assert not np.isfinite(m["knee_valgus_fppa_deg"])  # a side view cannot show it: null, with a note
    assert any(n.code == "lunge_view_hidden_measures" for n in res.notes)


def test_rendered_faults_come_out_of_the_true_joints():
    for name, code in [("lunge_front_trunk_lean", "lateral_trunk_lean"), ("lunge_side_split_shallow", "shallow")]:
        _, _, _, res = from_truth(name)
        assert all(code in {f.code for f in r.faults} for r in res.reps), name
        assert res.score == 2
    _, _, _, clean_res = from_truth("lunge_front_alternating")
    assert clean_res.score == 3 and not any(r.faults for r in clean_res.reps)
    # both legs led in the alternating set: per-leg means and the asymmetry between them
    assert set(clean_res.extras.legs) == {"left", "right"}
    assert clean_res.extras.legs["left"].reps == 2 and clean_res.extras.legs["right"].reps == 1
    assert clean_res.extras.asymmetry_pct["hip_drop_leg_lengths"] < 5


def rep(i: int, lead: str, **metrics) -> RepResult:
    full = {m.name: np.nan for m in REP_METRICS} | metrics
    return RepResult(i, i * 3.0, i * 3.0 + 1, i * 3.0 + 2, lead, full, rep_faults(full, TH["lunge"], i * 3.0 + 1))


@pytest.mark.fast
def test_asymmetry_names_the_worse_leg_and_ignores_differences_within_noise():
    reps = [rep(0, "left", rear_knee_height_shanks=0.30, knee_valgus_fppa_deg=2.0),
            rep(1, "right", rear_knee_height_shanks=0.45, knee_valgus_fppa_deg=4.0),
            rep(2, "left", rear_knee_height_shanks=0.32, knee_valgus_fppa_deg=2.0),
            rep(3, "right", rear_knee_height_shanks=0.47, knee_valgus_fppa_deg=4.0)]
    ex = summarise_legs(reps, TH["lunge"])
    assert ex.legs["left"].means["rear_knee_height_shanks"] == pytest.approx(0.31)
    assert ex.asymmetry_pct["rear_knee_height_shanks"] == pytest.approx(100 * 0.15 / 0.46)
    # FPPA 2 vs 4 deg is 50% apart, but within 2D FPPA's smallest detectable change: no fault
    assert ex.asymmetry_pct["knee_valgus_fppa_deg"] == pytest.approx(50.0)
    (fault,) = ex.set_faults
    assert fault.code == "asymmetry" and fault.metric == "rear_knee_height_shanks"
    assert fault.leg == "right"  # the right leg's rear knee stayed higher: the shallower side
    # one leg only: nothing to compare
    assert summarise_legs(reps[::2], TH["lunge"]).set_faults == []


@pytest.mark.fast
def test_thresholds_come_from_the_configuration_file():
    m = {x.name: np.nan for x in REP_METRICS} | {"knee_valgus_fppa_deg": 12.0}
    (f,) = rep_faults(m, TH["lunge"], 1.0)
    assert (f.code, f.severity, f.threshold) == ("knee_valgus", "minor", 10.0)
    stricter = {**TH["lunge"], "knee_valgus": {**TH["lunge"]["knee_valgus"], "minor": 6.0, "major": 11.0}}
    (f,) = rep_faults({**m, "knee_valgus_fppa_deg": 14.5}, stricter, 1.0)
    assert (f.severity, f.threshold) == ("major", 11.0)
    # past the major threshold by less than FPPA's measured error (3.0 deg): minor, not major
    (f,) = rep_faults(m, stricter, 1.0)
    assert (f.severity, f.threshold, f.possible) == ("minor", 6.0, False)
    assert rep_faults({**m, "knee_valgus_fppa_deg": 8.0}, TH["lunge"], 1.0) == []


@pytest.mark.fast
def test_two_views_merge_each_measure_from_the_view_that_shows_it():
    _, _, _, side = from_truth("lunge_side_split_clean")
    _, _, _, front = from_truth("lunge_front_clean_left")
    merged = merge_views(side, front, TH)
    assert len(merged.reps) == 2 and [r.lead_leg for r in merged.reps] == ["left", "left"]
    for r, s, f in zip(merged.reps, side.reps, front.reps):
        assert r.metrics["rear_knee_height_shanks"] == s.metrics["rear_knee_height_shanks"]
        assert r.metrics["pelvic_obliquity_change_deg"] == f.metrics["pelvic_obliquity_change_deg"]
        assert r.bottom_s == s.bottom_s  # the side clip's time axis
    # a front clip that missed the first rep: paired by order and lead leg, the unpaired rep says so
    front.reps = front.reps[1:]
    merged = merge_views(side, front, TH)
    assert len(merged.reps) == 2
    assert not np.isfinite(merged.reps[0].metrics["pelvic_obliquity_change_deg"])
    assert Note.of("one_clip_only", clip="side") in merged.reps[0].notes
    assert merged.reps[1].metrics["pelvic_obliquity_change_deg"] == front.reps[0].metrics["pelvic_obliquity_change_deg"]
