"""Real MediaPipe on real clips of real people (../shared/videos, read in place)."""
from __future__ import annotations

import csv
import json

import av
import jsonschema
import numpy as np
import pytest

from screening import cli
from screening import analyze, write_outputs
from screening.result import SCHEMA_PATH

pytestmark = pytest.mark.real_video


@pytest.fixture(scope="module")
def deadlift(shared_videos, tmp_path_factory):
    """jeffchen_good.mp4: one barbell deadlift from the floor, filmed from the side, facing right."""
    return write_outputs(analyze(shared_videos / "jeffchen_good.mp4"), tmp_path_factory.mktemp("deadlift"))


def test_deadlift_is_seen_from_the_side(deadlift):
    v = deadlift.view
    assert (v.kind, v.facing, v.near_side) == ("side", "right", "right")
    assert deadlift.person.detected_fraction > 0.95


def test_deadlift_trunk_and_knee_ranges_are_plausible(deadlift):
    """From the floor the trunk leans about 40-60 deg and the knees bend about 100 deg
    (deadlift knee flexion 104-108 deg, Schellenberg 2013); at lockout both are near upright/straight."""
    trunk = deadlift.measured.kinematics.values["trunk_inclination_deg"]
    knee = deadlift.measured.kinematics.values["knee_flexion_deg"]
    lo, hi = np.nanpercentile(trunk, [2, 98])
    assert 35 <= hi <= 75, hi
    assert lo <= 15, lo
    k_lo, k_hi = np.nanpercentile(knee, [2, 98])
    assert 80 <= k_hi <= 135, k_hi
    assert k_lo <= 20, k_lo
    # the bar leaves the floor at the start: the deepest knee bend comes before the most upright trunk
    assert np.nanargmax(knee) < np.nanargmin(trunk)


def test_result_json_follows_the_contract(deadlift):
    result = json.loads((deadlift.folder / "result.json").read_text())
    jsonschema.validate(result, json.loads(SCHEMA_PATH.read_text()))
    assert result["schema_version"] == 1
    assert result["video"]["width"] == 600 and result["video"]["rotation_deg"] == 0
    assert result["video"]["frame_count"] == len(deadlift.measured.series)


def test_csv_and_annotated_video(deadlift):
    with open(deadlift.folder / "angles.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(deadlift.measured.series)
    assert float(rows[-1]["time_s"]) == pytest.approx(deadlift.measured.series.time_s[-1], abs=1e-3)
    trunk = np.array([float(r["trunk_inclination_deg"] or "nan") for r in rows])
    np.testing.assert_allclose(trunk, deadlift.measured.kinematics.values["trunk_inclination_deg"], atol=0.01)
    with av.open(str(deadlift.folder / "annotated.mp4")) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert sum(1 for _ in c.decode(s)) == len(deadlift.measured.series)


def test_cli_on_the_good_mornings_writes_three_outputs(shared_videos, tmp_path, capsys):
    """The issue's 'done when': a 24 s 1080p clip with a title card (nobody in view) at the start."""
    code = cli.main(["analyze", str(shared_videos / "tomnotch_good_mornings.mp4"), "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    for name in ("result.json", "angles.csv", "annotated.mp4"):
        assert (tmp_path / name).stat().st_size > 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["view"]["kind"] == "side"
    assert 0.6 < result["person"]["detected_fraction"] < 0.95  # the title card has nobody in it
    assert "View       side" in out
    trunk = [float(r["trunk_inclination_deg"]) for r in csv.DictReader(open(tmp_path / "angles.csv"))
             if r["trunk_inclination_deg"]]
    # good mornings: the trunk goes well forward of its standing position
    assert max(trunk) - result["baseline"]["values"]["trunk_inclination_deg"] > 45
    # tracked in parallel stretches, drawn from one recorded part per stretch: one annotated frame per CSV
    # row, at the CSV's times
    with av.open(str(tmp_path / "annotated.mp4")) as c:
        s = c.streams.video[0]
        times = [float(f.pts * s.time_base) for f in c.decode(s)]
    rows = list(csv.DictReader(open(tmp_path / "angles.csv")))
    assert len(times) == len(rows)
    np.testing.assert_allclose(times, [float(r["time_s"]) for r in rows], atol=0.002)
