"""The home page's live screen (issue 26, point 8): what a person filming themselves at home expects.

- after "I have finished" the camera is off (its component leaves the page) until "Do another set";
- a lunge is filmed facing the camera at home, so the home check asks for the front view and tells a person
  standing side-on to turn and face the camera (the clinician's live page still takes either view);
- the load choices include a weight in each hand at the sides, placed on the continuum's own positions;
- the set-up drawing's labels each have a place of their own (no label over another, or over the drawing);
- the home check speaks in everyday words: no "knee valgus", "pelvic drop" or other clinical terms.

The page runs in Streamlit's test runner (AppTest) with a stand-in for streamlit-webrtc's component, which
notes each time the page draws the camera and hands over the page's own live set (the camera's frame
callback is the set's holder); frames reach that set from a stand-in tracker (tests/test_live.py). The same
flow with a real browser and a camera playing a clip: tests/test_live_browser.py (marked browser).
"""
from __future__ import annotations

import itertools
import re
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from screening.landmarks import LM
from screening.live import CHECK_WINDOW, camera_check
from tests.support_live import H, W, Clock, FakeBackend, standing

REPO = Path(__file__).resolve().parents[1]


def _app() -> dict:
    """The home page's names (screening.app.home), without app.py's main() and process set-up."""
    from screening.app import home

    return vars(home)


# ------------------------------------------------------------------------- the home page in the test runner
class Camera:
    """Stands in for streamlit_webrtc: records each drawing of the camera component (its arguments)."""

    def __init__(self):
        self.drawn: list[dict] = []
        self.module = types.ModuleType("streamlit_webrtc")
        self.module.WebRtcMode = types.SimpleNamespace(SENDRECV="SENDRECV")
        self.module.webrtc_streamer = self.webrtc_streamer

    def webrtc_streamer(self, **kwargs):
        self.drawn.append(kwargs)
        return types.SimpleNamespace(state=types.SimpleNamespace(playing=False, signalling=False))

    @property
    def holder(self):
        """The page's live set: the holder whose callback the camera was given."""
        return self.drawn[-1]["video_frame_callback"].__self__


class Home:
    """The home page after "No, it does not hurt", for ``pattern``."""

    def __init__(self, monkeypatch, tmp_path, pattern: str):
        from streamlit.testing.v1 import AppTest

        from tests.support_records import _run_page

        self.camera = Camera()
        monkeypatch.setitem(sys.modules, "streamlit_webrtc", self.camera.module)
        monkeypatch.setenv("SCREENING_STORE", str(tmp_path / "store.sqlite"))
        self.at = AppTest.from_function(_run_page, args=("home", "home_page"), default_timeout=120)
        self.run()
        self.at.radio(key="home_pattern").set_value(pattern)
        self.at.radio(key="home_pain").set_value("No, it does not hurt")
        self.run()

    def run(self) -> None:
        self.at.run()
        assert not self.at.exception, [e.message for e in self.at.exception]

    def press(self, label: str) -> None:
        next(b for b in self.at.button if b.label == label).click()
        self.run()

    def check(self, pts: np.ndarray, brightness: int = 120):
        """What the page's own set says of a person standing as ``pts`` (a second of frames, a fresh set)."""
        holder = self.camera.holder
        holder.renew()
        session = holder.session
        session._held.backend, session._clock = FakeBackend(), Clock()
        session._held.backend.person = pts
        frame = np.full((H, W, 3), brightness, np.uint8)
        for k in range(CHECK_WINDOW):
            session._clock.t = k / 30
            session.process(frame, k / 30)
        return session.status()


@pytest.fixture
def home(monkeypatch, tmp_path):
    pages = []

    def make(pattern: str) -> Home:
        pages.append(Home(monkeypatch, tmp_path, pattern))
        return pages[-1]

    yield make
    for page in pages:  # the test's frames made a set with a recording folder: a fresh set in its place
        for drawn in page.camera.drawn[-1:]:  # (closed, the test runner's next page would find it ended)
            drawn["video_frame_callback"].__self__.renew()


def oblique() -> np.ndarray:
    """A person standing at about 45 degrees to the camera: shoulders and hips half as wide as from the front."""
    pts = standing("front")
    for left, right in ((LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), (LM.LEFT_HIP, LM.RIGHT_HIP)):
        pts[left, 0], pts[right, 0] = 320 - 36, 320 + 36
    return pts


# ------------------------------------------------------------------------- 1. the camera stops after the set
def test_after_i_have_finished_the_camera_is_off_until_another_set_is_asked_for(home):
    """The finish press used to end the set after the camera had been drawn again, and the camera went on
    (a new check and countdown above the result)."""
    page = home("hinge")
    assert len(page.camera.drawn) >= 1
    before = len(page.camera.drawn)
    page.press("I have finished")
    assert len(page.camera.drawn) == before, "the camera was drawn again in the run that ended the set"
    labels = [b.label for b in page.at.button]
    assert "I have finished" not in labels and "Do another set" in labels, labels
    page.at.toggle(key="home_sound").set_value(True)  # anything else the person does: the camera stays off
    page.run()
    assert len(page.camera.drawn) == before
    page.press("Do another set")
    assert len(page.camera.drawn) == before + 1 and "I have finished" in [b.label for b in page.at.button]
    # a set that reached its time limit (screening.live.MAX_SET_S) ends the same way
    session = page.camera.holder.session
    with session._lock:
        session._state = "finished"
    page.run()
    assert len(page.camera.drawn) == before + 1 and "Do another set" in [b.label for b in page.at.button]


# ------------------------------------------------------------------------- 2. a lunge faces the camera at home
def test_at_home_a_side_on_lunge_is_told_to_face_the_camera(home):
    """Step 3 says "Face the camera" for a lunge; a side-on lunge passed the home check all the same."""
    page = home("lunge")
    assert any("Face the camera" in m.value for m in page.at.markdown)  # step 3's words
    side = page.check(standing("side"))
    assert side.state == "checking" and not side.check.ok, side
    assert any("face the camera" in a.lower() for a in side.check.advice), side.check.advice
    askew = page.check(oblique())
    assert not askew.check.ok and any("face the camera" in a.lower() for a in askew.check.advice), askew.check
    front = page.check(standing("front"))
    assert front.check.ok and front.check.view == "front", front.check


@pytest.mark.fast
def test_the_clinicians_live_page_still_measures_a_lunge_from_either_view():
    both = [camera_check(np.repeat(standing(v)[None], CHECK_WINDOW, axis=0), W, H, "lunge", 120.0)
            for v in ("side", "front")]
    assert all(c.ok for c in both), both


# ------------------------------------------------------------------------- 3. the load choices
def test_the_load_choices_offer_a_weight_in_each_hand_at_the_sides_on_the_continuums_positions(home):
    """The home page's own select box, and each answer's load position."""
    from screening.continuum import load_continuum

    page = home("hinge")
    box = page.at.selectbox(key="home_load")
    assert "A weight in each hand, at your sides" in box.options, box.options
    continuum = load_continuum()
    choices = _app()["HOME_LOAD_CHOICES"]
    assert list(choices) == list(box.options)
    assert all(position in continuum.loads for position in choices.values()), choices
    # the continuum has no position of its own for weights at the sides: both hands, at the hips
    assert choices["A weight in each hand, at your sides"] == "front_loaded"
    assert "at the hips" in continuum.load_names["front_loaded"]


# ------------------------------------------------------------------------- 4. the set-up drawing
def _boxes(svg: str) -> tuple[list[tuple[str, tuple]], list[tuple[str, tuple]], tuple]:
    """The drawing's text boxes (x0, y0, x1, y1; a character taken as 0.6 of the font size wide, the text from
    0.8 of the size above its baseline to 0.2 below), its shapes' boxes, and its view box."""
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    view = tuple(float(v) for v in root.get("viewBox").split())
    texts, shapes = [], []
    for t in root.iter(f"{ns}text"):
        x, y, size = float(t.get("x")), float(t.get("y")), float(t.get("font-size"))
        words = "".join(t.itertext())
        w = len(words) * 0.6 * size
        x0 = {"start": x, "middle": x - w / 2, "end": x - w}[t.get("text-anchor", "start")]
        texts.append((words, (x0, y - 0.8 * size, x0 + w, y + 0.2 * size)))
    for c in root.iter(f"{ns}circle"):
        cx, cy, r = (float(c.get(k)) for k in ("cx", "cy", "r"))
        shapes.append(("circle", (cx - r, cy - r, cx + r, cy + r)))
    for r in root.iter(f"{ns}rect"):
        x, y, w, h = (float(r.get(k, 0)) for k in ("x", "y", "width", "height"))
        if (w, h) != (view[2], view[3]):  # not the background
            shapes.append(("rect", (x, y, x + w, y + h)))
    for line in root.iter(f"{ns}line"):
        x1, y1, x2, y2 = (float(line.get(k)) for k in ("x1", "y1", "x2", "y2"))
        half = float(line.get("stroke-width", 1)) / 2
        shapes.append(("line", (min(x1, x2) - half, min(y1, y2) - half, max(x1, x2) + half, max(y1, y2) + half)))
    for poly in root.iter(f"{ns}polygon"):
        xy = np.array([float(v) for v in re.split(r"[ ,]+", poly.get("points").strip())]).reshape(-1, 2)
        shapes.append(("arrowhead", (*xy.min(axis=0), *xy.max(axis=0))))
    return texts, shapes, view


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.fast
@pytest.mark.parametrize("pattern", ["hinge", "lunge"])
def test_the_set_up_drawings_labels_overlap_nothing(pattern):
    """The lunge's drawing had "2-3 m" over "you face this way" and over the arrow, and "you" under it."""
    svg = _app()["placement_picture"](pattern)
    texts, shapes, (vx, vy, vw, vh) = _boxes(svg)
    assert {w for w, _ in texts} >= {"you", "phone", "you face this way", "2-3 m"}
    crossed = [(a, b) for (a, ba), (b, bb) in itertools.combinations(texts, 2) if _overlap(ba, bb)]
    assert not crossed, f"labels over each other in the {pattern} drawing: {crossed}"
    over = [(a, s) for a, ba in texts for s, bs in shapes if _overlap(ba, bs)]
    assert not over, f"labels over the drawing in the {pattern} drawing: {over}"
    outside = [a for a, (x0, y0, x1, y1) in texts if x0 < vx or y0 < vy or x1 > vx + vw or y1 > vy + vh]
    assert not outside, f"labels cut off at the drawing's edge: {outside}"
    assert "<marker" not in svg, "an arrowhead drawn as a marker has no box to measure"


# ------------------------------------------------------------------------- 5. plain words at home
CLINICAL = re.compile(r"valgus|varus|pelvi|FPPA|frontal|sagittal|transverse|flexion|lumbar|trunk|obliquity|"
                      r"Trendelenburg|lateral|medial", re.IGNORECASE)


@pytest.mark.parametrize("pattern", ["hinge", "lunge"])
def test_the_home_check_speaks_in_everyday_words(home, pattern):
    """Everything the home page's check can say (its advice and what the view shows) for bodies that pass and
    bodies that fail: no clinical term. The front view of a lunge says what the camera sees in plain words."""
    page = home(pattern)
    bent = standing("side")
    bent[[LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER], 0] += 150
    bodies = [standing("side"), standing("front"), oblique(), bent, standing(top=40, height=470),
              standing(x=5), standing(height=120, top=200), standing(lean_deg=15, top=70, height=350),
              standing(visibility=0.3), np.full((33, 3), np.nan)]
    said = []
    for pts in bodies:
        check = page.check(pts).check
        said += list(check.advice) + [check.view_note]
    clinical = sorted({m.group(0) for line in said for m in [CLINICAL.search(line)] if m})
    assert not clinical, (clinical, [line for line in said if CLINICAL.search(line)])
    if pattern == "lunge":
        note = page.check(standing("front")).check.view_note
        assert "your knees and hips from the front" in note, note
    # the clinician's live page keeps the clinical words
    clinic = camera_check(np.repeat(standing("front")[None], CHECK_WINDOW, axis=0), W, H, "lunge", 120.0)
    assert "valgus" in clinic.view_note
