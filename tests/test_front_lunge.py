"""Knee valgus from the front on rendered bodies the corrections were not fitted on (issue 29; bench/front_lunge.py,
bench/front_lunge.md).

The per-rep rows of 144 rendered front-view lunge reps (36 bodies, sample_videos/lunges/) are kept in
bench/data/front_lunge_reps.json, written by `python bench/front_lunge.py --table` from real MediaPipe runs of the
tool: the fast tests re-fit the shipped corrections from them, score them with whole bodies held out, and score
what the tool reported; one rendered test checks that the table is what the tool reads today.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from bench import front_lunge as fl
from screening import lunge
from screening.registry import metric


@pytest.fixture(scope="module")
def reps() -> list[dict]:
    return json.loads(fl.TABLE.read_text())


@pytest.fixture(scope="module")
def cv(reps) -> list[dict]:
    return fl.cross_validated(reps)


@pytest.mark.fast
def test_the_population_is_wide_and_whole_bodies_are_held_out(reps):
    bodies = {r["body"] for r in reps}
    assert len(bodies) >= 30 and len(reps) >= 140
    assert len({fl.fold_of(b) for b in bodies}) == fl.FOLDS
    fppa = np.array([r["fppa_true"] for r in reps])
    assert ((fppa >= 0) & (fppa < 5)).sum() >= 10 and ((fppa >= 20) & (fppa <= 30)).sum() >= 10  # 0-25 deg and past
    drops = np.array([r["drop_true"] for r in reps])
    assert (drops >= 4).sum() >= 30 and drops.max() >= 11
    seen = np.array([r["seen_true"] for r in reps])
    assert seen.min() < 0.2 and seen.max() > 0.8  # shallow to deep, the thigh pointing at the camera
    heights = np.array([r["camera_h"] for r in reps])
    assert heights.min() < 0.85 and heights.max() > 1.25
    assert {r["portrait"] for r in reps} == {True, False}
    assert {r["motion"] for r in reps} == {"split_squat", "reverse_lunge", "forward_lunge"}


@pytest.mark.fast
def test_the_shipped_corrections_are_the_fit_on_the_population(reps):
    c = fl.fit(reps)
    np.testing.assert_allclose(c["hip"], lunge.HIP_LANDMARK_OFFSET, atol=2e-4)
    np.testing.assert_allclose(c["fppa_scale"], lunge.FPPA_SCALE, atol=2e-3)
    np.testing.assert_allclose(c["drop_line"], lunge.THIGH_TILT_OF_HIP_LINE, atol=2e-3)


@pytest.mark.fast
def test_the_hip_landmark_is_where_the_reading_was_lost(reps):
    """bench/front_lunge.md: with the tracker's hip alone (knee and ankle true) the FPPA at the bottom reads
    3-5 deg small at every depth; the ankle alone stays under 1 deg; the smoothing changes nothing."""
    where = fl.evaluate(reps)["where_lost"]
    for i in range(1, len(fl.SEEN_BINS)):  # from a third of the thigh seen
        hip, ankle = where["fppa_hip_only"][i], where["fppa_ankle_only"][i]
        assert hip["bias"] < -2.5 and ankle["mae"] < 1.0, (hip, ankle)
        assert abs(where["fppa_raw"][i]["mae"] - where["fppa_clean"][i]["mae"]) < 0.3


@pytest.mark.fast
def test_held_out_bodies_read_within_four_degrees_where_the_thigh_is_seen(cv):
    """Whole bodies out of both fits: where the tool reads the FPPA at the bottom (the thigh seen at half its
    length or more there), MAE within the target's 4 deg and within the registry's stated error; the landmarks
    as tracked, on the same reps, read it 2 deg worse and several degrees small."""
    read = [r for r in cv if r["seen_read"] >= lunge.THIGH_SEEN_MIN and r["lead_read"] == r["leg"]]
    assert len(read) >= 90
    e = np.array([r["fppa_cv"] - r["fppa_true"] for r in read])
    plain = np.array([r["fppa_plain"] - r["fppa_true"] for r in read])
    assert np.abs(e).mean() <= 4.0 and abs(e.mean()) < 1.0, (np.abs(e).mean(), e.mean())
    assert np.abs(e).mean() <= metric("knee_valgus_fppa_deg", "lunge").uncertainty + 0.3
    assert np.abs(plain).mean() > np.abs(e).mean() + 1.5 and plain.mean() < -3.0


@pytest.mark.fast
def test_the_tool_finds_knee_valgus_from_ten_degrees_where_it_can_read_it(reps):
    """What the tool reported for each rendered rep: knee valgus (a fault, possible or not) against the true
    image FPPA at the bottom, >= 10 deg positive, < 7.5 negative. Where it read the bottom, sensitivity and
    specificity >= 0.9 and the reading within 4 deg; a rep it could not read is said so (a note), never a
    valgus read as none."""
    at_bottom = [r for r in reps if r.get("fppa_reported") is not None and "fppa_above_bottom" not in r["notes"]]
    d = fl.detection(at_bottom, "fppa_true", fl.VALGUS_POS, fl.VALGUS_NEG, lambda r: "knee_valgus" in r["faults"])
    assert d["sensitivity"] >= 0.9 and d["specificity"] >= 0.9 and d["positives"] >= 30, d
    right = [r for r in at_bottom if r["lead_read"] == r["leg"]]
    # against the truth at the bottom, and against the truth read the same way at the same frames
    e = np.array([r["fppa_reported"] - r["fppa_true"] for r in right])
    assert len(right) >= 90 and np.abs(e).mean() <= 4.0, (len(right), np.abs(e).mean())
    e = np.array([r["fppa_reported"] - r["fppa_true_read"] for r in right])
    assert np.abs(e).mean() <= 4.0, np.abs(e).mean()
    # 2 wide-stance split squats of 72 clips read as lateral lunges (feet 2.9 hip widths apart at the bottom, as
    # far as 5% of UI-PRMD's side lunges): a lateral lunge's knee valgus is not read, and its view note says so
    lateral = [r for r in reps if r.get("variant") == "lateral"]
    assert len({r["clip"] for r in lateral}) <= 2, [r["clip"] for r in lateral]
    for r in reps:
        if r.get("lead_read") and r.get("fppa_reported") is None and r.get("variant") != "lateral":
            assert "fppa_unread" in r["notes"], r["clip"]
        if "fppa_above_bottom" in r.get("notes", []):  # a lower bound past the threshold: the fault, and small
            assert "knee_valgus" in r["faults"] and r["fppa_reported"] <= r["fppa_true"] + 3.0
    # no false valgus on the population's reps rendered without it and read at the bottom
    clean = [r for r in at_bottom if r["fppa_true"] < 5.0]
    assert len(clean) >= 20 and not any("knee_valgus" in r["faults"] for r in clean)


@pytest.mark.fast
def test_pelvic_drop_follows_the_pelvis_on_bodies_left_out(reps, cv):
    """Issue 29 item 3, bench/front_lunge.md: the landmarks' hip line less the tilt the thighs give it, fitted
    with whole bodies held out, against the rendered drop of 0 or 3-12 deg at the bottom: MAE within the
    registry's stated error and unbiased, better than the fixed offset it replaced and than the hips moved to
    the joints; a drop of 4-12 deg is read within 3 deg on average, and a drop of 6 deg or more read over 5
    in most reps. What the tool reported agrees, and it finds no drop where the pelvis stayed level."""
    e = np.array([r["drop_cv"] - r["drop_true"] for r in cv])
    old = np.array([r["drop_plain"] - fl.OLD_DROP_OFFSET - r["drop_true"] for r in cv])
    hips = np.array([r["drop_hips"] - r["drop_true"] for r in cv])
    assert len(e) >= 140 and np.abs(e).mean() <= metric("pelvic_obliquity_change_deg", "lunge").uncertainty + 0.2
    assert abs(e.mean()) < 0.5 and np.abs(e).mean() < np.abs(old).mean() - 0.5
    assert np.abs(e).mean() < np.abs(hips).mean() - 0.3
    dropped = np.array([r["drop_true"] >= 4 for r in cv])
    assert dropped.sum() >= 30 and np.abs(e[dropped]).mean() <= 3.0
    d = fl.detection(cv, "drop_true", 6.0, 3.5, lambda r: r["drop_cv"] > 5.0)
    assert d["sensitivity"] >= 0.7 and d["specificity"] >= 0.9, d
    told = np.array([r["drop_reported"] - r["drop_true"] for r in reps if r.get("drop_reported") is not None])
    assert len(told) >= 140 and np.abs(told).mean() <= 2.5
    level = [r for r in reps if r["drop_true"] < 0.5 and r.get("variant") == "split"]
    assert len(level) >= 60 and not any("pelvic_drop" in r["faults"] for r in level)


@pytest.mark.fast
def test_every_rep_is_found_with_its_lead_leg(reps):
    """Every rep found; its lead leg right, or unknown where the view read oblique (never wrong); cameras up to 8
    deg off square read as front views, tall narrow bodies included (one 1.94 m body filmed 6 deg off reads
    oblique: its face's turn reads 0.24 against 0.2)."""
    assert all(r["read"] for r in reps)
    assert all(r["lead_read"] in (r["leg"], None) for r in reps)
    assert sum(r["lead_read"] == r["leg"] for r in reps) >= 0.97 * len(reps)
    assert sum(r["view_kind"] == "front" for r in reps) >= 0.97 * len(reps)


@pytest.mark.rendered
def test_the_table_is_what_the_tool_reads_today(repo):
    """Two clips of the population run through the tool now give the rows of the table (a deep reverse lunge
    with valgus and pelvic drop, a shallow split squat without)."""
    table = {(r["clip"], i): r for i, r in enumerate(json.loads(fl.TABLE.read_text()))}
    names = ["lunge_l04_1_reverse_v13_d10", "lunge_l05_0_split_v02_d00"]
    rows = [c for c in fl.clips() if c["clip"] in names]
    assert len(rows) == 2
    for clip in rows:
        now = fl.measure(clip)
        then = [r for (name, _), r in table.items() if name == clip["clip"]]
        assert len(now) == len(then) == 2
        for a, b in zip(now, then):
            assert a["lead_read"] == b["lead_read"] and a["faults"] == b["faults"]
            assert a["fppa_reported"] == pytest.approx(b["fppa_reported"], abs=0.5)
            assert a["drop_reported"] == pytest.approx(b["drop_reported"], abs=0.5)


def _face(nose_x: float, n: int = 20) -> np.ndarray:
    """Frames of a head seen from the front: ears 60 px apart, the nose at ``nose_x`` px from their middle."""
    from screening.landmarks import LM

    xy = np.full((n, 33, 2), np.nan)
    xy[:, LM.LEFT_EAR] = (330.0, 100.0)
    xy[:, LM.RIGHT_EAR] = (270.0, 100.0)
    xy[:, LM.NOSE] = (300.0 + nose_x, 110.0)
    return xy


@pytest.mark.fast
def test_a_square_face_makes_a_narrow_front_view_a_front_view():
    """A tall, narrow body square to the camera reads 0.69-0.70 of shoulder spread over trunk height (front
    needs 0.7): its face, square on (the nose within 0.2 of the ears' spread from their middle), makes it a
    front view; a face turned 30 deg (0.32) or a spread of 0.55 (a camera 45 deg round) stays oblique."""
    from screening.clean import face_turn, view_of

    assert face_turn(_face(3.0)) == pytest.approx(0.05)
    assert view_of(0.69, _face(3.0)) == "front"
    assert view_of(0.69, _face(19.0)) == "oblique"
    assert view_of(0.55, _face(0.0)) == "oblique"
    assert view_of(0.75, _face(40.0)) == "front" and view_of(0.3, _face(0.0)) == "side"
    assert view_of(0.69, np.full((5, 33, 2), np.nan)) == "oblique"  # no face seen: the spread alone


@pytest.mark.fast
def test_the_command_line_says_a_rep_whose_valgus_was_not_read():
    """The rep's line says it (the analysis's note, and the same note read back from result.json), rather than
    leaving knee valgus out as if it were none."""
    from screening.findings import RepResult
    from screening.present import rep_line
    from screening.values import Note

    r = RepResult(0, 0.0, 1.0, 2.0, "left", {"hip_drop_leg_lengths": 0.4}, [], [Note.of("fppa_unread")])
    for rep in (r, RepResult.from_dict(r.as_dict())):
        assert "knee valgus not read (thigh toward the camera)" in rep_line(rep, "lunge")
    read = RepResult(0, 0.0, 1.0, 2.0, "left", {"hip_drop_leg_lengths": 0.4, "knee_valgus_fppa_deg": 4.0}, [], [])
    assert "not read" not in rep_line(read, "lunge") and "knee valgus 4°" in rep_line(read, "lunge")


@pytest.mark.fast
def test_the_heavier_model_is_not_shipped_because_it_does_not_help():
    """Issue 29 item 4, bench/front_lunge.md: the legacy heavy landmark model on the same 144 reps. As tracked it
    reads valgus nearer the truth; with each model's corrections fitted on its own table (held out by body)
    it is no better where the thigh is seen at half its length or more, nor for the pelvic drop, at about
    a third of the speed: the full model stays. If a re-run shows otherwise, the decision is to be made again."""
    m = json.loads(fl.MODELS.read_text())
    full, heavy = m["shipped"], m["other"]
    readable = [i for i, b in enumerate(full["fppa_cv"]) if float(b["seen"].split("-")[0]) >= 0.5]
    mae = lambda rows: np.mean([rows[i]["mae"] for i in readable])  # noqa: E731
    assert mae(heavy["fppa_raw"]) < mae(full["fppa_raw"])  # nearer as tracked ...
    assert mae(heavy["fppa_cv"]) >= mae(full["fppa_cv"]) - 0.3  # ... not once corrected
    assert heavy["drop_cv"]["mae"] >= full["drop_cv"]["mae"] - 0.3
    assert m["speed"]["model_ratio"] < 0.6
