"""The lunge analysis on real clips of real people (../shared/videos), against labels read off the frames
by eye (contact sheets every 0.1-0.2 s). Real MediaPipe, no mocks.

- nowva_lunge: a stationary dumbbell split squat filmed side-on, facing image-right; 11 reps, bottoms
  1.8 / 4.67 / 7.47 / 10.47 / 13.33 / 16.53 / 19.6 / 22.6 / 25.4 / 28.33 / 31.2 s; the feet never move
  and the same leg is in front at every bottom (not alternating): the person's right, see
  ``NOWVA_LUNGE_LEAD`` for how that was read.
- nowva_side_lunge: lateral lunges filmed face-on; 10 reps, bottoms 2.0 / 5.0 / 8.13 / 11.27 / 14.53 /
  17.67 / 20.87 / 24.2 / 27.33 / 30.53 s; every rep out to the person's right (image-left); at the
  bottoms (read at 5.0, 8.13, 17.67 and 30.53 s) the shoulders' middle is image-left of the hips' middle:
  the trunk leans over the working leg.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from screening import cli
from tests.support_clips import NOWVA_LUNGE_LEAD


def analyse(shared, name, tmp_path, capsys, *extra) -> dict:
    code = cli.main(["analyze", str(shared / name), "--out", str(tmp_path), "--no-video", "--quiet", *extra])
    out = capsys.readouterr().out
    assert code == 0
    assert "Lunge" in out
    return json.loads((tmp_path / "result.json").read_text())


@pytest.mark.real_video
def test_split_squat_from_the_side(shared_videos, tmp_path, capsys):
    r = analyse(shared_videos, "nowva_lunge.mp4", tmp_path, capsys)
    assert r["pattern"] == "lunge" and r["pattern_source"] == "inferred"
    assert r["view"]["kind"] == "side" and r["lunge"]["variant"] == "split"
    bottoms = [x["bottom_s"] for x in r["reps"]]
    np.testing.assert_allclose(bottoms, [b for b, _ in NOWVA_LUNGE_LEAD], atol=0.4)
    assert [x["lead_leg"] for x in r["reps"]] == [leg for _, leg in NOWVA_LUNGE_LEAD]
    for rep in r["reps"]:
        m = rep["metrics"]
        # a deep split squat: front knee ~90-110 deg, rear knee a quarter shank off the floor, a step of
        # about 1.5-2 tibia lengths; front-view measures are null from the side
        assert 85 <= m["front_knee_flexion_deg"] <= 125
        assert 0.1 <= m["rear_knee_height_shanks"] <= 0.5
        assert 1.2 <= m["step_length_tibias"] <= 2.2
        assert m["knee_valgus_fppa_deg"] is None and m["pelvic_obliquity_change_deg"] is None
        assert "shallow" not in {f["code"] for f in rep["faults"]}
    assert r["lunge"]["legs"]["right"]["reps"] == 11 and "left" not in r["lunge"]["legs"]


@pytest.mark.real_video
def test_lateral_lunge_from_the_front(shared_videos, tmp_path, capsys):
    r = analyse(shared_videos, "nowva_side_lunge.mp4", tmp_path, capsys)
    assert r["pattern"] == "lunge"
    assert r["view"]["kind"] == "front" and r["lunge"]["variant"] == "lateral"
    bottoms = [x["bottom_s"] for x in r["reps"]]
    np.testing.assert_allclose(bottoms, [2.0, 5.0, 8.13, 11.27, 14.53, 17.67, 20.87, 24.2, 27.33, 30.53], atol=0.4)
    assert [x["lead_leg"] for x in r["reps"]] == ["right"] * 10
    for rep in r["reps"]:
        # a lateral lunge has no rear knee and moves the hips sideways by design: null, not a fault
        assert rep["metrics"]["rear_knee_height_shanks"] is None and rep["metrics"]["ml_sway_hip_widths"] is None
        assert "balance_loss" not in {f["code"] for f in rep["faults"]}
        # a lateral lunge's lean is signed, toward the working leg positive
        assert rep["metrics"]["lateral_trunk_lean_deg"] > 0


@pytest.mark.rendered
def test_two_views_of_one_set_merge_into_one_result(repo, tmp_path, capsys):
    """`--side A --front B`: each clip analysed into its own folder, one merged result with the side
    view's depth and the front view's valgus, valid against the JSON Schema."""
    import jsonschema

    from screening.result import SCHEMA_PATH

    side, front = repo / "sample_videos" / "lunge_side_split_clean.mp4", repo / "sample_videos" / "lunge_front_clean_left.mp4"
    code = cli.main(["analyze", "--side", str(side), "--front", str(front), "--out", str(tmp_path), "--no-video", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "Two views" in out
    r = json.loads((tmp_path / "result.json").read_text())
    jsonschema.validate(r, json.loads(SCHEMA_PATH.read_text()))
    assert (tmp_path / "side" / "result.json").exists() and (tmp_path / "front" / "result.json").exists()
    assert set(r["views"]) == {"side", "front"} and r["views"]["front"]["view"]["kind"] == "front"
    assert len(r["reps"]) == 2 and all(x["lead_leg"] == "left" for x in r["reps"])
    from screening.words import says

    for rep in r["reps"]:
        assert rep["metrics"]["rear_knee_height_shanks"] is not None
        assert rep["metrics"]["pelvic_obliquity_change_deg"] is not None
        # this clip's front thigh is seen at 0.28 of its length at the bottom: its valgus is unread, and said
        # so in the merged result (it read -9 deg while the split stance was taken for a 22-deg camera roll)
        assert rep["metrics"]["knee_valgus_fppa_deg"] is not None or says(rep["notes"], "fppa_unread"), rep
    assert r["score"] == 3
    # the clips the wrong way round: a clear message, exit code 2, no merged result
    code = cli.main(["analyze", "--side", str(front), "--front", str(side), "--out", str(tmp_path / "swapped"),
                     "--no-video", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "which clip is which" in err
    assert not (tmp_path / "swapped" / "result.json").exists()
