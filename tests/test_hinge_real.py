"""The hinge analysis on real clips of real people (../shared/videos), against rep counts and bottom
times read off the frames by eye (contact sheets every 0.1-0.25 s; the labels and how they were made are
in the closing note of issue 4). Real MediaPipe, no mocks.

- tomnotch_good_mornings: 5 reps, bottoms 7.76 / 11.14 / 14.8 / 18.5 / 21.9 s (+-0.15); a title card
  (0-3.9 s) and close-ups from 18.5 s (cropped at mid-thigh).
- tomnotch_one_legged_dead_lift: 6 reps and a 7th cut off by the end; reps 2, 3 and 5 fall in close-ups
  (bottoms ~5.5, ~8.6, ~13.9 +-0.4, not all visible); wide-shot bottoms 2.1 / 10.95 / 17.0.
- barbell deadlifts: one pull each; bichraix lowers the bar at the very end (cut off, not a rep);
  jeffchen_bad opens part-way up its only pull.
- kovi_kettlebell_swings: filmed front-oblique: the hinge is not measurable from there.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from screening import cli


def analyse(shared, name, tmp_path, capsys) -> dict:
    code = cli.main(["analyze", str(shared / name), "--out", str(tmp_path), "--no-video", "--quiet"])
    capsys.readouterr()
    assert code == 0
    return json.loads((tmp_path / "result.json").read_text())


def bottoms(result: dict) -> np.ndarray:
    return np.array([r["bottom_s"] for r in result["reps"]])


@pytest.mark.real_video
def test_good_mornings_five_reps_at_the_right_times(shared_videos, tmp_path, capsys):
    r = analyse(shared_videos, "tomnotch_good_mornings.mp4", tmp_path, capsys)
    assert r["pattern"] == "hinge" and r["pattern_source"] == "inferred"
    np.testing.assert_allclose(bottoms(r), [7.76, 11.14, 14.8, 18.5, 21.9], atol=0.4)
    assert not (tmp_path / "rhythm.png").exists()  # filmed at ~45 deg: no spine measured, nothing to plot
    for rep in r["reps"][:4]:  # the wide shot: the trunk goes well forward, the knees stay nearly straight
        assert rep["metrics"]["trunk_inclination_deg"] > 45
        assert rep["metrics"]["knee_flexion_deg"] < 25
    # a two-footed, soft-kneed hinge, inferred as the hinge drill; but filmed ~45 deg off the side, so the
    # spine is read in no rep, and a hinge's verdict turns on it: no verdict, and the note says why
    assert r["placement"] is None
    assert any("inferred from the movement" in n for n in r["placement_notes"])
    assert any("not measured in any rep" in n for n in r["placement_notes"])


@pytest.mark.real_video
def test_single_leg_rdl_six_reps_despite_close_ups(shared_videos, tmp_path, capsys):
    r = analyse(shared_videos, "tomnotch_one_legged_dead_lift.mp4", tmp_path, capsys)
    assert r["pattern"] == "hinge"
    b = bottoms(r)
    assert len(b) == 6, b
    for seen in (2.1, 10.95, 17.0):  # the bottoms seen in the wide shot
        assert np.min(np.abs(b - seen)) < 0.4, (seen, b)
    assert any("cut off by the end" in n for n in r["analysis_notes"])
    assert any("upside down" in n for n in r["person"]["notes"])  # close-ups of the lower legs left out
    # the free foot off the floor behind: a single-leg RDL, not a good morning
    assert r["placement"]["level"] == 6 and r["placement"]["exercise_source"] == "inferred"


@pytest.mark.real_video
@pytest.mark.parametrize("clip", ["jeffchen_good.mp4", "jeffchen_bad.mp4", "jeffchen_nico_unblocked.mp4",
                                  "jeffchen_nico_blocked.mp4", "bichraix_deadlift_bad014.mp4"])
def test_each_deadlift_is_one_pull(shared_videos, tmp_path, capsys, clip):
    r = analyse(shared_videos, clip, tmp_path, capsys)
    assert r["pattern"] == "hinge"
    assert len(r["reps"]) == 1, bottoms(r)
    if clip == "jeffchen_good.mp4":  # the knees bend as much as the hips: a deadlift from the floor
        assert r["placement"]["level"] == 3 and r["placement"]["exercise_source"] == "inferred"


@pytest.mark.real_video
def test_a_front_oblique_swing_is_not_measured_as_a_hinge(shared_videos, tmp_path, capsys):
    r = analyse(shared_videos, "kovi_kettlebell_swings.mp4", tmp_path, capsys)
    assert r["view"]["kind"] == "oblique"
    r2 = json.loads(json.dumps(r))
    code = cli.main(["analyze", str(shared_videos / "kovi_kettlebell_swings.mp4"), "--pattern", "hinge",
                     "--out", str(tmp_path / "h"), "--no-video", "--quiet"])
    assert code == 0
    r2 = json.loads((tmp_path / "h" / "result.json").read_text())
    assert r2["measurable"] is False and r2["reps"] == [] and r2["score"] is None
    assert any("measured from the side" in n for n in r2["analysis_notes"])


@pytest.mark.real_video
def test_legs_hidden_behind_the_plate_are_said_not_invented(shared_videos, tmp_path, capsys):
    """jeffchen_nico_blocked: the plate hides knees, shins and feet for the first 3.5 s, yet MediaPipe gives
    them visibility ~0.9. The silhouette across the shins (over a shank length wide: the plate) tells; the
    knee is then not the tracker's guess but estimated from the hips' place over the ankle where it stood, and
    the rep says so."""
    r = analyse(shared_videos, "jeffchen_nico_blocked.mp4", tmp_path, capsys)
    assert any("in front of the lower legs" in n for n in r["person"]["notes"]), r["person"]["notes"]
    rep = r["reps"][0]
    assert rep["metrics"]["hip_shift_leg_lengths"] is None  # needs the ankles themselves
    assert any("knee flexion is estimated from how far the hips came down" in n for n in rep["notes"]), rep["notes"]
    assert not any(f["code"] == "squatted_hinge" and not f.get("possible") for f in rep["faults"])


@pytest.mark.real_video
def test_clear_legs_are_not_called_hidden(shared_videos, tmp_path, capsys):
    r = analyse(shared_videos, "tomnotch_good_mornings.mp4", tmp_path, capsys)
    assert not any("in front of the lower legs" in n for n in r["person"]["notes"])
    # filmed at about 45 degrees (shoulder spread ratio ~0.48): the back outline is not the spine's there
    assert all(rep["metrics"]["spinal_flexion_deg"] is None for rep in r["reps"])
    assert any("filmed at an angle" in n for n in r["analysis_notes"])


@pytest.mark.rendered
def test_rhythm_plot_beside_the_result(tmp_path, capsys):
    """A rendered side-view hinge (sample_videos/, 30 deg of spinal flexion): the plot is written, named in
    result.json, and is a real picture."""
    import cv2
    from pathlib import Path

    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "hinge_side_flex30.mp4"
    r = analyse(clip.parent, clip.name, tmp_path, capsys)
    assert r["files"]["rhythm_plot"] == "rhythm.png"
    img = cv2.imread(str(tmp_path / "rhythm.png"))
    assert img is not None and img.shape[0] > 300 and img.std() > 20
