"""The Screen (screening.screen): one typed value for a screen, result.json both ways, placed again
without editing anything, and the public API that exports it."""
from __future__ import annotations

import json

import jsonschema
import pytest

import screening
from screening.continuum import placed
from screening.errors import ScreeningError
from screening.findings import Fault, RepResult
from screening.lunge import LegSummary, LungeExtras
from screening.result import SCHEMA_PATH
from screening.screen import Baseline, Filmed, PersonMeta, Screen, VideoMeta, ViewMeta, load_screen

pytestmark = pytest.mark.fast  # the fast tier: no MediaPipe, no browser, no clip, no process

SCHEMA = json.loads(SCHEMA_PATH.read_text())


def lunge_screen() -> Screen:
    """A lateral lunge, two reps to the right, both with a lean toward the working leg (a fault that recurs)."""
    lean = Fault("lateral_trunk_lean", "minor", 12.5, 10.0, 2.0, "lateral_trunk_lean_deg", "metrics.md Lunge")
    lean2 = Fault("lateral_trunk_lean", "minor", 11.5, 10.0, 5.0, "lateral_trunk_lean_deg", "metrics.md Lunge")
    reps = [RepResult(0, 0.5, 2.0, 3.1, "right", {"hip_drop_leg_lengths": 0.33, "lateral_trunk_lean_deg": 12.5,
                                                  "knee_valgus_fppa_deg": float("nan")}, [lean], [], (15, 60, 93)),
            RepResult(1, 3.4, 5.0, 6.2, "right", {"hip_drop_leg_lengths": 0.35, "lateral_trunk_lean_deg": 11.5,
                                                  "knee_valgus_fppa_deg": float("nan")}, [lean2], ["a note"],
                      (102, 150, 186))]
    return Screen(video=VideoMeta("clip.mp4", 30.0, 200, 6.6, 1280, 720, 0),
                  person=PersonMeta(0.98, ("a person note",), 1),
                  view=ViewMeta("front", "camera", None, 0.93, 0.4), pattern="lunge", pattern_source="inferred",
                  measurable=True, analysis_notes=["an analysis note"], reps=reps, score=2,
                  lunge=LungeExtras("lateral", {"right": LegSummary("right", 2, {"hip_drop_leg_lengths": 0.34})}),
                  baseline=Baseline("standing at the start", (0.0, 0.5), {"trunk_inclination_deg": 1.25}),
                  pose_backend="mediapipe-legacy-full", analysed_at="2026-11-25T10:00:00+00:00")


def test_a_placed_screen_goes_to_result_json_and_back_unchanged():
    screen = placed(lunge_screen())
    data = json.loads(screen.to_json_text())
    jsonschema.validate(data, SCHEMA)
    assert data["placement"]["verdict"] == "hold" and data["placement"]["level"] == 5
    assert data["reps"][0]["frames"] == {"start": 15, "bottom": 60, "end": 93}
    assert data["reps"][0]["metrics"]["knee_valgus_fppa_deg"] is None  # not measured: null, never NaN
    again = Screen.from_json(data)
    assert again.to_json() == data
    assert again.reps[1].frames == (102, 150, 186) and again.placement == screen.placement


def test_placing_again_changes_nothing_in_place():
    screen = placed(lunge_screen())
    referred = placed(screen, Filmed(pain=True))
    assert (referred.verdict, referred.reported_score, referred.to_json()["score"]) == ("refer", 0, 0)
    assert (screen.verdict, screen.reported_score) == ("hold", 2)  # the first placement is untouched
    # pain back off: the movement's own score comes back, also from the JSON where it read 0
    back = placed(Screen.from_json(referred.to_json()), Filmed())
    assert (back.verdict, back.score) == ("hold", 2)
    given = placed(screen, Filmed("lateral_lunge", "offset"))
    assert (given.placement.exercise_source, given.placement.load_position) == ("given", "offset")
    assert not any("inferred" in n for n in given.placement_notes)


def test_a_result_of_another_version_or_a_damaged_one_is_refused():
    data = placed(lunge_screen()).to_json()
    with pytest.raises(ScreeningError, match="schema_version 2"):
        Screen.from_json({**data, "schema_version": 2})
    broken = json.loads(json.dumps(data))
    del broken["reps"][0]["metrics"]
    with pytest.raises(ScreeningError, match="damaged"):
        Screen.from_json(broken)


def test_load_screen_reads_only_files_inside_its_folder(tmp_path):
    (tmp_path / "secret.txt").write_text("not for a report")
    folder = tmp_path / "result"
    folder.mkdir()
    (folder / "key_frame.jpg").write_bytes(b"\xff\xd8 a picture")
    data = placed(lunge_screen()).to_json()
    data["files"] = {"key_frame": "key_frame.jpg", "rhythm_plot": "../secret.txt", "threshold_plot": "/etc/passwd"}
    (folder / "result.json").write_text(json.dumps(data))
    screen = load_screen(folder)
    assert screen.attachments == {"key_frame": b"\xff\xd8 a picture"}
    assert screen.folder == folder


def test_the_public_api_is_held():
    assert set(screening.__all__) == {
        "analyze", "analyze_two_views", "write_outputs", "probe", "track", "clean", "kinematics",
        "Screen", "Filmed", "load_screen", "VideoInfo", "PoseSeries", "CleanSeries", "Kinematics",
        "PatternResult", "RepResult", "Fault", "placed", "placement_for", "load_continuum", "Placement",
        "build_report", "to_html", "to_pdf", "write_report", "METRICS", "FAULT_RULES", "metric",
        "ScreeningError", "VideoError", "NoPersonError", "ModelError", "__version__",
        # what the web page uses (issue 28: the pages use the public API only)
        "rep_table", "leg_table", "fault_text", "chart_series", "glossary_words", "local_time", "sentence",
        "VERDICT_COLOURS", "short_name", "guess_exercise", "fault_words", "reps_csv_text", "rejudge",
        "analysis_depends_on", "WITHHELD", "run_with_progress", "ProgressValue", "Store", "StoreError",
        "default_store_path", "name_key", "KEY_MEASURES", "VERDICTS", "LiveHolder", "LIVE_IDLE_S", "private_tmp",
        "sweep", "limit_arenas", "filter_native_logs", "attempt", "password_is_set", "note_text",
        # the closed sets and the coded note (screening.values)
        "Pattern", "View", "Verdict", "Severity", "Note"}
    for name in screening.__all__:
        assert getattr(screening, name) is not None, name
    with pytest.raises(AttributeError):
        screening.analyze_video  # noqa: B018 - the old name is gone


def test_explain_says_what_a_measure_and_a_fault_are(capsys):
    from screening import cli

    assert cli.main(["explain", "knee valgus (FPPA)"]) == 0
    out = capsys.readouterr().out
    assert "frontal plane projection angle" in out and "Herrington 2014" in out and "about 3°" in out
    assert cli.main(["explain", "lumbar_flexion"]) == 0
    assert "spinal flexion (rounding of the back) (°) above its threshold" in capsys.readouterr().out
    assert cli.main(["explain"]) == 0
    listing = capsys.readouterr().out
    assert "depth (hips lowered) (% of leg length)" in listing and "trunk flexion (forward lean) (°)" in listing
    assert cli.main(["explain", "hip drop"]) == 2  # the old, confusing name is no measure
    assert "neither a measure nor a fault" in capsys.readouterr().err
