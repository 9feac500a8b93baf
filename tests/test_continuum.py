"""The continuum's decision rule (../shared/spec/continuum.md) as a table: every score at the bottom, the
middle and the top of each ladder and at every load position; asymmetry holding a 3; pain referring; and
the exercise inferred from the movement."""
from __future__ import annotations

import pytest

from screening.continuum import Finding, infer_exercise, load_continuum, place, placement_for
from screening.errors import ScreeningError
from screening.findings import RepResult
from screening.lunge import LungeExtras
from screening.screen import Filmed, Screen
from screening.words import notes_text

pytestmark = pytest.mark.fast  # the fast tier: no MediaPipe, no browser, no clip, no process

C = load_continuum()
LOADS = ["unloaded", "bear_hug", "front_loaded", "offset", "overhead"]

#: (score, level, load) -> (verdict, next level, next load); levels 0 / 4 / 7 are the floor, a middle and
#: the ceiling of both ladders (each has levels 0-7). Written out, not computed.
TABLE = {
    # score 3: the next load position; after the last one, the next body position from unloaded
    (3, 0, "unloaded"): ("progress", 0, "bear_hug"),
    (3, 0, "bear_hug"): ("progress", 0, "front_loaded"),
    (3, 0, "front_loaded"): ("progress", 0, "offset"),
    (3, 0, "offset"): ("progress", 0, "overhead"),
    (3, 0, "overhead"): ("progress", 1, "unloaded"),
    (3, 4, "unloaded"): ("progress", 4, "bear_hug"),
    (3, 4, "bear_hug"): ("progress", 4, "front_loaded"),
    (3, 4, "front_loaded"): ("progress", 4, "offset"),
    (3, 4, "offset"): ("progress", 4, "overhead"),
    (3, 4, "overhead"): ("progress", 5, "unloaded"),
    (3, 7, "unloaded"): ("progress", 7, "bear_hug"),
    (3, 7, "bear_hug"): ("progress", 7, "front_loaded"),
    (3, 7, "front_loaded"): ("progress", 7, "offset"),
    (3, 7, "offset"): ("progress", 7, "overhead"),
    (3, 7, "overhead"): ("hold", 7, "overhead"),  # the ceiling: nowhere further to go
    # score 2: hold where they are
    **{(2, lv, ld): ("hold", lv, ld) for lv in (0, 4, 7) for ld in LOADS},
    # score 1: back one load position; unloaded, back one body position (unloaded)
    (1, 0, "unloaded"): ("regress", 0, "unloaded"),  # the floor
    (1, 0, "bear_hug"): ("regress", 0, "unloaded"),
    (1, 0, "front_loaded"): ("regress", 0, "bear_hug"),
    (1, 0, "offset"): ("regress", 0, "front_loaded"),
    (1, 0, "overhead"): ("regress", 0, "offset"),
    (1, 4, "unloaded"): ("regress", 3, "unloaded"),
    (1, 4, "bear_hug"): ("regress", 4, "unloaded"),
    (1, 4, "front_loaded"): ("regress", 4, "bear_hug"),
    (1, 4, "offset"): ("regress", 4, "front_loaded"),
    (1, 4, "overhead"): ("regress", 4, "offset"),
    (1, 7, "unloaded"): ("regress", 6, "unloaded"),
    (1, 7, "bear_hug"): ("regress", 7, "unloaded"),
    (1, 7, "front_loaded"): ("regress", 7, "bear_hug"),
    (1, 7, "offset"): ("regress", 7, "front_loaded"),
    (1, 7, "overhead"): ("regress", 7, "offset"),
}
FAULTS = {3: [], 2: [Finding("knee_valgus", "minor", (1, 2))], 1: [Finding("lumbar_flexion", "major", (2,))]}


@pytest.mark.parametrize("pattern", ["hinge", "lunge"])
@pytest.mark.parametrize("key", sorted(TABLE), ids=lambda k: f"score{k[0]}-level{k[1]}-{k[2]}")
def test_the_decision_rule(pattern, key):
    score, level, load = key
    verdict, next_level, next_load = TABLE[key]
    p = place(C, pattern, level, load, score, FAULTS[score])
    assert (p.verdict, p.next_level, p.next_load_position) == (verdict, next_level, next_load)
    assert (p.pattern, p.level, p.load_position) == (pattern, level, load)
    assert p.level_name == C.level(pattern, level).name and p.next_level_name == C.level(pattern, next_level).name
    assert p.reasons and p.next_step
    if score < 3:  # the cues for what was found
        assert p.cues == [C.cues[FAULTS[score][0].code]]
        assert any(FAULTS[score][0].code.replace("_", " ") in r for r in p.reasons)


@pytest.mark.parametrize("pattern", ["hinge", "lunge"])
@pytest.mark.parametrize("level", [0, 4, 7])
@pytest.mark.parametrize("load", LOADS)
def test_pain_refers_and_asymmetry_holds_a_three(pattern, level, load):
    p = place(C, pattern, level, load, 3, [], pain=True)
    assert p.verdict == "refer" and (p.next_level, p.next_load_position) == (level, load)
    assert "clinician" in p.next_step and "pain" in " ".join(p.reasons).lower()
    asym = [Finding("asymmetry", "minor", (), "left", "rear knee height shanks 24% (threshold 15%)")]
    p = place(C, pattern, level, load, 3, asym)
    assert p.verdict == "hold" and (p.next_level, p.next_load_position) == (level, load)
    assert "left" in p.next_step and any("left leg worse" in r for r in p.reasons)


def test_levels_and_loads_by_name_and_clear_errors():
    assert C.find("hinge", "rdl").level == 4 and C.find("hinge", "4").key == "rdl"
    assert C.find("lunge", "split squat").level == 2 and C.find("lunge", "reverse lunge").key == "reverse_lunge"
    with pytest.raises(ScreeningError, match="did you mean reverse_lunge"):  # a part of a name is never taken
        C.find("lunge", "reverse")
    with pytest.raises(ScreeningError, match="not a level of the lunge ladder"):
        C.find("lunge", "deadlift")
    with pytest.raises(ScreeningError, match="not a load position"):
        C.load("on the head")
    # an exercise names its pattern (a number is in both ladders)
    assert (C.pattern_of("rdl"), C.pattern_of("lateral_lunge"), C.pattern_of("4")) == ("hinge", "lunge", None)


def test_a_wrong_exercise_is_refused_before_any_tracking(tmp_path, capsys):
    from screening import cli

    missing = tmp_path / "no_such_clip.mp4"  # never opened: the exercise is checked first
    assert cli.main(["analyze", str(missing), "--pattern", "hinge", "--exercise", "split_squat"]) == 2
    assert "not a level of the hinge ladder" in capsys.readouterr().err
    assert cli.main(["analyze", str(missing), "--exercise", "4"]) == 2
    assert "no single level" in capsys.readouterr().err


def screen_of(result: dict) -> Screen:
    """A Screen holding just what the continuum reads: the pattern, the reps, the score, the lunge's kind."""
    lunge = result.get("lunge")
    return Screen(pattern=result["pattern"], reps=[RepResult.from_dict(r) for r in result["reps"]],
                  score=result.get("score"), lunge=LungeExtras.from_json(lunge) if lunge else None)


def rep(**metrics) -> dict:
    return {"index": 0, "start_s": 0.0, "bottom_s": 1.0, "end_s": 2.0, "faults": [], "metrics": metrics}


@pytest.mark.parametrize("result, level", [
    ({"pattern": "hinge", "reps": [rep(knee_hip_ratio=0.2, ankle_rise_leg_lengths=0.35)]}, "hip_hinge_drill"),
    ({"pattern": "hinge", "reps": [{**rep(knee_hip_ratio=0.3), "end_s": 0.8}]}, "ballistic_hinge"),
    ({"pattern": "hinge", "reps": [rep(knee_hip_ratio=0.2, ankle_rise_leg_lengths=0.9)]}, "single_leg_rdl"),
    ({"pattern": "hinge", "reps": [rep(knee_hip_ratio=0.7, ankle_rise_leg_lengths=0.0)]}, "deadlift"),
    ({"pattern": "lunge", "lunge": {"variant": "lateral"}, "reps": [rep()]}, "lateral_lunge"),
    ({"pattern": "lunge", "lunge": {"variant": "split"},
      "reps": [rep(step_forward_shanks=0.9, step_back_shanks=-0.1)] * 2}, "forward_lunge"),
    ({"pattern": "lunge", "lunge": {"variant": "split"},
      "reps": [rep(step_forward_shanks=0.0, step_back_shanks=1.0)] * 2}, "reverse_lunge"),
    ({"pattern": "lunge", "lunge": {"variant": "split"},
      "reps": [rep(step_forward_shanks=0.0, step_back_shanks=1.8), rep(step_forward_shanks=0.0, step_back_shanks=0.0),
               rep(step_forward_shanks=0.0, step_back_shanks=0.1)]}, "split_squat"),  # the step into the stance
])
def test_the_exercise_is_inferred_from_the_movement(result, level):
    found, why = infer_exercise(C, screen_of(result))
    assert found.key == level and why


def test_placement_from_a_result_says_what_it_assumed():
    """(screening.continuum.placed keeps these notes in the Screen: result.json's placement_notes.)"""
    result = {"pattern": "lunge", "score": 2, "lunge": {"variant": "lateral", "faults": []},
              "reps": [{**rep(), "faults": [{"code": "lateral_trunk_lean", "severity": "minor", "value": 12.0,
                                             "threshold": 10.0, "metric": "lateral_trunk_lean_deg"}]}]}
    p, notes = placement_for(screen_of(result))
    assert (p.level, p.load_position, p.verdict, p.exercise_source) == (5, "unloaded", "hold", "inferred")
    assert [n.code for n in notes] == ["exercise_inferred", "load_not_given"]
    assert any("inferred" in n for n in notes_text(notes)) and any("load position was not given" in n
                                                                   for n in notes_text(notes))
    p, notes = placement_for(screen_of(result), Filmed("lateral_lunge", "offset"))
    assert (p.exercise_source, p.load_position) == ("given", "offset") and not notes
    assert placement_for(screen_of({"pattern": "lunge", "reps": [], "score": None}))[0] is None
    p, _ = placement_for(screen_of({"pattern": "hinge", "reps": [], "score": None}), Filmed(pain=True))
    assert p.verdict == "refer"


def test_a_hinge_with_no_spine_reading_gets_no_verdict():
    """Hip-spine dissociation is what a hinge's verdict turns on: with spinal flexion read in no rep (a
    camera off the side), no verdict, and the note says why and what to do; one rep read is enough; pain
    still refers."""
    unread = {"pattern": "hinge", "score": 3, "reps": [rep(knee_hip_ratio=0.2, spinal_flexion_deg=None)] * 3}
    p, notes = placement_for(screen_of(unread))
    assert p is None and notes[-1].code == "unplaced_no_spine"
    assert any("not measured in any rep" in n and "side-on" in n for n in notes_text(notes))
    read = {**unread, "reps": unread["reps"][:2] + [rep(knee_hip_ratio=0.2, spinal_flexion_deg=4.0)]}
    assert placement_for(screen_of(read))[0].verdict == "progress"
    assert placement_for(screen_of(unread), Filmed(pain=True))[0].verdict == "refer"


def test_a_front_view_lunge_says_which_reps_had_no_valgus_reading():
    """Knee valgus unread at the bottom (the front thigh pointed at the camera) is not counted as none: the
    placement's reasons name the reps and what to do; a side view (which cannot show it) and a lateral lunge
    (which does not define it) say nothing of it."""
    from screening.screen import ViewMeta
    from screening.values import Note, View
    from screening.words import note_text

    result = {"pattern": "lunge", "score": 3, "lunge": {"variant": "split", "faults": []},
              "reps": [{**rep(knee_valgus_fppa_deg=None), "lead_leg": "left"},
                       {**rep(knee_valgus_fppa_deg=4.0), "lead_leg": "left", "index": 1},
                       {**rep(knee_valgus_fppa_deg=None), "lead_leg": "right", "index": 2}]}
    # as the analysis leaves it, read back from result.json: the note in words on the reps it could not read
    unread = note_text(Note.of("fppa_unread"))
    said = {**result, "reps": [{**r, "notes": [unread] if r["index"] != 1 else []} for r in result["reps"]]}
    front = screen_of(said).replace(view=ViewMeta(kind=View.FRONT))
    p, _ = placement_for(front)
    said = [r for r in p.reasons if r.startswith("Not checked: knee valgus")]
    assert len(said) == 1 and "reps 1, 3" in said[0] and "not counted as none" in said[0] and "chest height" in said[0]
    # the score's reason, the report's recommendation and its reps table say it too: not "free of faults"
    assert p.verdict == "progress" and not any("every rep free of faults" in r for r in p.reasons)
    assert any("free of the faults that could be read" in r for r in p.reasons)
    from dataclasses import replace

    from screening.present import leg_table, rep_table
    from screening.report import build_report

    from screening.continuum import placed

    placed_front = placed(front)
    table = rep_table(placed_front)
    col = table.headings.index(next(h for h in table.headings if "valgus" in h))
    assert [row[col] for row in table.text()] == ["not read", "4", "not read"]
    assert [row[col] for row in table.values()] == ["not read", 4, "not read"]
    from screening.lunge import LegSummary

    legs = {"left": LegSummary("left", 2, {"knee_valgus_fppa_deg": 4.0}),
            "right": LegSummary("right", 1, {"knee_valgus_fppa_deg": float("nan")})}
    both = placed_front.replace(lunge=replace(placed_front.lunge, legs=legs))
    per_leg = leg_table(both)
    col = per_leg.headings.index(next(h for h in per_leg.headings if "valgus" in h))
    assert [row[col] for row in per_leg.text()] == ["4", "not read"]
    words = " ".join(build_report([placed_front]).recommendation)
    assert "some were not checked" in words and "free of faults" not in words
    side = screen_of(result).replace(view=ViewMeta(kind=View.SIDE))
    assert not any("knee valgus" in r for r in placement_for(side)[0].reasons)
    lateral = screen_of({**result, "lunge": {"variant": "lateral", "faults": []}}).replace(view=ViewMeta(kind=View.FRONT))
    assert not any("knee valgus" in r for r in placement_for(lateral)[0].reasons)
