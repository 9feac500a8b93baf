"""What the records tests share (tests/test_records_issue26.py and its browser twin): real analyses of the
rendered clips in sample_videos/ (the ``results`` fixture, registered by tests/conftest.py), a client's name
and session times, a saved Screen, and app.py's pages run in Streamlit's test runner. Not a test module."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from screening import cli
from screening.screen import Filmed, Screen

REPO = Path(__file__).resolve().parents[1]
CLIPS = REPO / "sample_videos"
NAME = "Wilhelmina Ashgrove-Teague"  # a name no other file here contains
#: three sessions seconds apart, as a clinic films a set again at once (Vega then ticks seconds: ":50 :55")
TIMES = ("2024-12-06T17:30:50+00:00", "2024-12-06T17:30:55+00:00", "2024-12-06T17:31:05+00:00")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Path]:
    """Real analyses (MediaPipe on rendered clips), their result.json: a clean side-on hinge (placed), a hinge
    filmed at 45 degrees (nothing can be scored: no verdict) and a side-on split squat (a lunge)."""
    base = tmp_path_factory.mktemp("analyses")
    out = {}
    for key, clip, exercise in (("hinge", "hinge_side_clean_a.mp4", "rdl"),
                                ("unplaced", "hinge_oblique45_clean.mp4", "rdl"),
                                ("lunge", "lunge_side_split_clean.mp4", "split_squat")):
        assert cli.main(["analyze", str(CLIPS / clip), "--out", str(base / key), "--quiet", "--no-video",
                         "--exercise", exercise]) == 0
        out[key] = base / key / "result.json"
    return out


def _screen(path: Path, when: str, filmed: Filmed | None = None) -> Screen:
    """The analysed Screen as the page or the command line holds it when saving (what was filmed included)."""
    screen = Screen.from_json(json.loads(path.read_text())).replace(analysed_at=when)
    return screen.replace(filmed=filmed) if filmed is not None else screen


# -------------------------------------------------------------- the page's functions, in Streamlit's test runner
def _run_page(module: str, page: str, *args) -> None:
    """One of the page's functions (``page`` of screening.app.``module``), without app.py's main() (nor the
    process-wide set-up: fd 2 and the allocator stay the test's). Runs inside AppTest: self-contained."""
    import importlib

    getattr(importlib.import_module(f"screening.app.{module}"), page)(*args)
