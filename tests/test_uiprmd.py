"""The lunge rules on real correct and incorrect lunges: UI-PRMD motion capture (Vakanski et al. 2018,
Data 3(1):2; public domain), ../shared/datasets/ui-prmd, through virtual side and front cameras and the
analysis from the pose-series stage on (bench/uiprmd.py; its table is bench/uiprmd.md).

Issue 5 asks for an AUC >= 0.85 of the per-rep fault severity, incorrect vs correct, for each movement.
The in-line lunge: 0.87 (trunk pitch, lateral trunk lean and a rear knee kept high drive it). The side
lunge: 0.87, within each person 0.88 (a lean of the trunk over the working leg, and depth from the working
thigh's angle). The side lunge's lean is signed (toward the working leg positive, the only side that is a
fault; screening/lunge.py says why): it is checked here against the motion capture's own lean, so the
sign the fault rests on is measured, not assumed. This test holds the numbers where they are so a change
that loses them fails.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED, need

from bench import uiprmd

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def summary():
    root = need(SHARED / "datasets" / "ui-prmd", "the UI-PRMD lunge motion capture")
    return uiprmd.summarise(uiprmd.analyse_all(root))


def test_every_rep_is_found_with_its_lead_leg_and_kind(summary):
    for mv, m in summary.items():
        assert m["reps"] == {"lunge_inline": 180, "side_lunge": 200}[mv]
        assert m["rep_found"] >= 0.97, (mv, m["rep_found"])
        assert m["lead_leg_agreement"] >= 0.97, (mv, m["lead_leg_agreement"])
    assert summary["lunge_inline"]["variant"].get("split", 0) >= 0.95 * 180
    assert summary["side_lunge"]["variant"].get("lateral", 0) >= 0.95 * 200


def test_incorrect_lunges_come_out_worse(summary):
    inline, side = summary["lunge_inline"], summary["side_lunge"]
    # issue 5's 0.85: 0.852 before issue 29, 0.843 after its valgus change, 0.882 since a split stance seen from
    # the front is no longer read as a 20-deg camera roll (the lean read against a turned picture)
    assert inline["severity_auc"] >= 0.85, inline["severity_auc"]
    assert inline["severity_auc_within_person"] >= 0.85
    assert side["severity_auc"] >= 0.85, side["severity_auc"]
    assert side["severity_auc_within_person"] >= 0.85
    # the faults that drive it, found far more often in the incorrect reps
    for mv, codes in {"lunge_inline": ("trunk_pitch", "lateral_trunk_lean", "shallow"),
                      "side_lunge": ("lateral_trunk_lean", "shallow")}.items():
        f = summary[mv]["faults"]
        for code in codes:
            inc, cor = f["incorrect"].get(code, 0), f["correct"].get(code, 0)
            assert inc >= 1.5 * cor and inc - cor >= 15, (mv, code, f)


def test_pelvic_drop_is_judged_beyond_a_correct_lunges_own_tilt(summary):
    """The hip joint centres of a correct in-line lunge tilt toward the rear leg at the bottom (median 3.9 deg):
    the fault is metrics.md's 5 deg beyond that tilt, which each person held out of the median keeps within
    a degree, and it faults far fewer correct reps than 5 deg from level does."""
    from screening.config import load_thresholds

    p = summary["lunge_inline"]["correct_pelvis"]
    minor = load_thresholds()["lunge"]["pelvic_drop"]["minor"]
    low, high = p["median_person_held_out_deg"]
    assert low - 1.0 <= minor - 5.0 <= high + 1.0, (minor, p)
    assert p["over_threshold"] <= 0.2 * p["reps"] < p["over_5_deg"], p


def test_lateral_trunk_lean_matches_the_motion_capture(summary):
    """The front camera's lean (mid-hip -> mid-shoulder, change from standing at the bottom) against the
    same line's frontal-plane angle in the 3D motion capture: a side lunge's trunk pitches forward ~35 deg,
    which the picture foreshortens, and its lean is signed, so the side it reads is what the fault rests on."""
    side = summary["side_lunge"]["lateral_trunk_lean_vs_truth"]
    assert side["reps"] >= 190 and side["mae_deg"] <= 3.0, side
    assert side["side_right"] >= 0.95, side
    inline = summary["lunge_inline"]["lateral_trunk_lean_vs_truth"]
    assert inline["reps"] >= 170 and inline["mae_deg"] <= 2.0, inline


def test_lunges_filmed_at_an_angle_give_reps_and_never_a_wrong_leg():
    """UI-PRMD through cameras 30 and 45 deg round from the front (bench/offaxis.py): every lunge is found as
    one rep; where the view reads oblique, an in-line lunge's front leg is the knee higher in the picture,
    and a lateral lunge (no knee near the floor) is left without a leg rather than given the wrong one.
    No score is given at an angle: nothing a fault rests on is seen there."""
    need(SHARED / "datasets" / "ui-prmd", "the UI-PRMD lunge motion capture")
    from bench import mocap
    from screening.clean import clean
    from screening.config import load_thresholds
    from screening.kinematics import kinematics
    from screening.lunge import analyze_lunge

    th = load_thresholds()
    counts = {"reps": 0, "one_rep": 0, "oblique": 0, "right": 0, "wrong": 0, "none": 0, "scored": 0,
              "inline": 0, "inline_right": 0}
    depth_errors = []
    for k, (row, t, joints) in enumerate(mocap.load_all()):
        if k % 4:
            continue
        for azimuth in (30.0, 45.0):
            series = mocap.to_pose_series(t, joints, azimuth, float(row["heading_deg"]))
            cs = clean(series)
            res = analyze_lunge(cs, kinematics(cs), th)
            counts["reps"] += 1
            counts["one_rep"] += len(res.reps) == 1
            if len(res.reps) == 1:  # depth against the motion capture's own: the hips' drop over leg length
                w = series.truth_3d
                hip_z = (w[:, 23, 2] + w[:, 24, 2]) / 2
                leg = np.nanmedian(np.linalg.norm(w[:30, [23, 24]] - w[:30, [27, 28]], axis=-1))
                depth_errors.append(res.reps[0].metrics["hip_drop_leg_lengths"] - (hip_z[0] - np.nanmin(hip_z)) / leg)
            if cs.view.kind != "oblique" or len(res.reps) != 1:
                continue
            counts["oblique"] += 1
            counts["scored"] += res.score is not None
            lead = res.reps[0].lead_leg
            counts["none" if lead is None else "right" if lead == row["lead_or_working_leg"] else "wrong"] += 1
            if row["folder"] == "lunge_inline":
                counts["inline"] += 1
                counts["inline_right"] += lead == row["lead_or_working_leg"]
    assert counts["one_rep"] >= 0.95 * counts["reps"], counts
    assert counts["oblique"] >= 0.5 * counts["reps"] and counts["wrong"] == 0 and counts["scored"] == 0, counts
    assert counts["inline_right"] >= 0.6 * counts["inline"], counts  # today 42 of 59 (71%); the rest: no leg
    # depth at an angle: MAE 0.11-0.12 leg lengths, 0.09 too deep (0 and 90 deg: 0.05-0.06), as the note says
    mae = float(np.mean(np.abs(depth_errors)))
    assert mae <= 0.15, (mae, np.mean(depth_errors))
