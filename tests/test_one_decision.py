"""One decision path (issue 26): the page (an upload, or a live set's recording: both go through
screening.app.analysis.analyse_file) and the command line give the same verdict, score and faults on the same frames, with the
same exercise named. Before, the page analysed without what was filmed and only placed it afterwards, so a
deadlift named on the page did not get the squatted hinge's from-the-floor thresholds the command line applies:
on mattioli_deadlift_Bad_03 the page found a squatted hinge the command line did not."""
from __future__ import annotations

import json

import pytest

from screening import Filmed, cli, placed
from screening.progress import ProgressValue

pytestmark = [pytest.mark.real_video, pytest.mark.slow]


def counted(screen_or_doc) -> dict:
    """Verdict, score and each rep's faults, from a Screen or a result.json."""
    if isinstance(screen_or_doc, dict):
        d = screen_or_doc
        return {"verdict": (d.get("placement") or {}).get("verdict"), "score": d.get("score"),
                "faults": [sorted(f["code"] for f in r["faults"]) for r in d["reps"]]}
    s = screen_or_doc
    return {"verdict": s.placement.verdict if s.placement else None, "score": s.score,
            "faults": [sorted(f.code for f in r.faults) for r in s.reps]}


def test_the_page_and_the_command_line_give_one_answer_on_a_named_deadlift(shared_videos, tmp_path):
    from screening.app import analysis as app

    clip = shared_videos / "mattioli_deadlift_Bad_03.mp4"
    filmed = Filmed("3", "front_loaded", False)  # the page's "3: deadlift from the floor", weight in front
    output = app.analyse_file(clip, clip.name, "hinge", ProgressValue(), blur_faces=False, filmed=filmed)
    page = counted(placed(output["screen"], filmed))
    code = cli.main(["analyze", str(clip), "--pattern", "hinge", "--exercise", "3", "--load", "front_loaded",
                     "--out", str(tmp_path / "cli"), "--quiet", "--no-video"])
    assert code == 0
    command_line = counted(json.loads((tmp_path / "cli" / "result.json").read_text()))
    assert page == command_line
    assert page["verdict"] == "regress" and not any("squatted_hinge" in f for f in page["faults"])


def test_an_exercise_confirmed_after_a_live_set_gets_the_command_lines_answer(shared_videos, tmp_path):
    """A live set's recording is deleted once analysed, so a deadlift confirmed after it (the page asks when its
    guess is unsure) cannot be tracked again: the same frames are judged for it instead, and the answer is the
    command line's with ``--exercise`` (before: the live page kept the guess's analysis, a squatted hinge the
    command line does not find on mattioli_deadlift_Bad_03)."""
    import shutil

    from screening.app import analysis as app

    clip = tmp_path / "set.mp4"  # the live set's recording, gone after the analysis as on the live page
    shutil.copy(shared_videos / "mattioli_deadlift_Bad_03.mp4", clip)
    before = Filmed(None, "front_loaded", False)  # nothing named before the set
    output = app.analyse_file(clip, "live set.mp4", "hinge", ProgressValue(), blur_faces=False, filmed=before)
    clip.unlink()
    confirmed = Filmed("3", "front_loaded", False)  # then "3: deadlift from the floor" confirmed
    page = app.judged_for(output, before, confirmed)
    code = cli.main(["analyze", str(shared_videos / "mattioli_deadlift_Bad_03.mp4"), "--pattern", "hinge",
                     "--exercise", "3", "--load", "front_loaded", "--out", str(tmp_path / "cli"), "--quiet",
                     "--no-video"])
    assert code == 0
    command_line = counted(json.loads((tmp_path / "cli" / "result.json").read_text()))
    assert counted(page) == command_line
    assert counted(placed(output["screen"], confirmed)) != command_line  # what the page showed before
    assert "key_frame" in page.attachments  # the report's picture is of the verdict given
