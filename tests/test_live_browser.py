"""The live pages in a real headless Chromium whose camera is a clip (Chromium's fake camera, fed a Y4M file
made from a real clip in ../shared/videos or a rendered one in sample_videos/): the camera check, the live
count against the analysis, the result after the set, and nothing reaching beyond the local server."""
from __future__ import annotations

import re
import time

import pytest

from tests.support_browser import REPO, VIDEOS, WEBRTC_FRAME, Camera, _y4m

pytestmark = pytest.mark.browser


@pytest.fixture
def tmp_y4m(tmp_path):
    return tmp_path


def test_live_set_on_a_real_clip_counts_what_the_analysis_finds(server, tmp_y4m):
    """nowva_lunge (reverse lunges filmed from the side) as the camera: the check passes, the set is recorded,
    the reps counted live are the reps the analysis of the recording finds, a cue is spoken when sound is on,
    the result is shown as for an upload, and nothing leaves the machine."""
    cam = Camera(_y4m(VIDEOS / "nowva_lunge.mp4", tmp_y4m / "nowva.y4m", seconds=24))
    try:
        cam.open(server.url + "/live")
        cam.page.get_by_text("lunge (filmed from the side or the front)").click()
        cam.page.get_by_text("Speak the cues aloud").click()
        cam.page.wait_for_timeout(1500)
        cam.start(server)
        cam.wait_status("Camera check|Get ready", 30)
        cam.wait_status("Recording the set", 40)
        deadline = time.monotonic() + 60
        while cam.reps() < 4 and time.monotonic() < deadline:
            cam.page.wait_for_timeout(500)
        assert cam.reps() >= 4, cam.status()
        cue = re.search(r"Cue: (.+)", cam.status())
        cam.page.get_by_role("button", name="Finish the set and analyse it").click()
        cam.page.get_by_text("The set's analysis").wait_for(timeout=180_000)
        cam.page.get_by_text("Download angles CSV").wait_for(timeout=60_000)
        m = re.search(r"Repetitions counted live: (\d+); found by the analysis: (\d+)", cam.body())
        assert m, cam.body()[-2000:]
        assert int(m.group(1)) == int(m.group(2)) >= 4
        if "Which exercise was filmed?" in cam.body():
            # a guess the page is not sure of (a set recorded under load can drop frames): the clinician
            # confirms it, as on an upload, and the verdict and the report follow
            cam.page.get_by_role("button", name="Show the verdict for this exercise").click()
            cam.page.get_by_text("Download the report (PDF)").wait_for(timeout=60_000)
        body = cam.body()
        assert "Traceback" not in body and "None" not in body
        assert "lunge" in body and "Download the report (PDF)" in body
        spoken = cam.page.evaluate("() => window.__spoken")
        if cue:  # a cue was shown with sound on: the browser was given cues to say, in the cues' words
            from screening.continuum import load_continuum

            known = {c[:1].upper() + c[1:] + "." for c in load_continuum().cues.values()}
            assert spoken and set(spoken) <= known, spoken
        cam.shot("live_result")
        cam.assert_local()
        # the recording was analysed and deleted: what is left is the next set's empty folder
        left = [p for p in server.leftovers() if p.is_file()]
        assert left == [], f"files left in the server's temporary folder: {left}"
    finally:
        cam.close()


def test_the_check_refuses_a_camera_that_cuts_off_the_feet(server, tmp_y4m):
    """A rendered side-on hinge with the bottom fifth of the picture cut away: the check says to step back
    because the feet are out of the picture, and the set does not start."""
    cam = Camera(_y4m(REPO / "sample_videos" / "hinge_side_clean_a.mp4", tmp_y4m / "cut.y4m", keep_top=0.8))
    try:
        cam.open(server.url + "/live")
        cam.start(server)
        text = cam.wait_status("feet are out of the picture", 40)
        cam.shot("check_refused")
        assert "Step back" in text
        t0 = time.monotonic()
        while time.monotonic() - t0 < 8:
            assert "Recording the set" not in cam.status() and "Get ready" not in cam.status()
            cam.page.wait_for_timeout(500)
        cam.assert_local()
    finally:
        cam.close()


def test_self_screen_at_home_from_the_check_to_the_next_exercise(server, tmp_y4m):
    """The home flow on a rendered side-on hinge (looped): the movement and the exercise in plain words, no
    pain, the camera check, the set, and the result with the next exercise described, in plain words."""
    cam = Camera(_y4m(REPO / "sample_videos" / "hinge_side_clean_a.mp4", tmp_y4m / "hinge.y4m"))
    try:
        cam.page.goto(server.url + "/home")
        cam.page.get_by_text("No, it does not hurt").click()
        cam.page.get_by_role("button", name="I have finished").wait_for()
        picture = cam.page.locator('[data-testid="stImage"] img').first  # where to put the phone
        assert cam.page.evaluate("(img) => img.naturalWidth", picture.element_handle()) >= 300
        assert "Where to put the camera" in cam.body()
        cam.start(server)
        cam.wait_status("Recording the set", 40)
        deadline = time.monotonic() + 60
        while cam.reps() < 4 and time.monotonic() < deadline:
            cam.page.wait_for_timeout(500)
        live = cam.reps()
        assert live >= 4, cam.status()
        cam.page.get_by_role("button", name="I have finished").click()
        cam.page.get_by_text("5. Your result").wait_for(timeout=180_000)
        cam.page.get_by_text("Download the result for your physiotherapist (PDF)").wait_for(timeout=60_000)
        body = cam.body()
        found = int(re.search(r"Repetitions found: (\d+)", body).group(1))
        # read a moment before the set ended (the page counts twice a second), and tracked again from the
        # recorded video: within one of each other (the live page's own test compares them at one instant)
        assert abs(found - live) <= 1, (live, found)
        assert "Your next exercise" in body
        for raw in ("None", "Traceback", "_", "deg)", "lumbar_flexion", "--"):
            assert raw not in body.split("5. Your result")[1], raw
        cam.shot("home_result")
        cam.assert_local()
    finally:
        cam.close()


@pytest.mark.slow
def test_self_screen_at_home_stops_the_camera_after_the_set_until_another_is_asked_for(server, tmp_y4m):
    """Issue 26: after "I have finished" the camera went on, and a new check and countdown started above the
    result. Now the camera component leaves the page (the browser stops the camera) and nothing live is
    drawn above the result, which is in view; "Do another set", under the result, brings the camera back."""
    cam = Camera(_y4m(REPO / "sample_videos" / "hinge_side_clean_a.mp4", tmp_y4m / "hinge.y4m"))
    try:
        cam.page.goto(server.url + "/home")
        cam.page.get_by_text("No, it does not hurt").click()
        cam.page.get_by_role("button", name="I have finished").wait_for()
        cam.start(server)
        cam.wait_status("Recording the set", 40)
        deadline = time.monotonic() + 60
        while cam.reps() < 2 and time.monotonic() < deadline:
            cam.page.wait_for_timeout(500)
        cam.page.set_viewport_size({"width": 1280, "height": 800})  # a laptop's screen: the page scrolls
        cam.page.get_by_role("button", name="I have finished").click()  # scrolled into view to be pressed
        heading = cam.page.get_by_text("5. Your result")
        heading.wait_for(timeout=180_000)
        # the fake camera goes on playing the clip: a camera left on would pass the check again within seconds
        t0 = time.monotonic()
        while time.monotonic() - t0 < 10:
            above = cam.body().split("5. Your result")[0].split("Speak the tips aloud")[-1]  # the set's part
            assert cam.status() == "", f"the live status is still drawn after the set: {cam.status()!r}"
            for live in ("Camera check", "Get ready", "Starting in", "Recording the set", "Start the camera"):
                assert live not in above, f"{live!r} above the result after the set"
            assert cam.page.locator(WEBRTC_FRAME).count() == 0, "the camera component is still on the page"
            cam.page.wait_for_timeout(1000)
        assert heading.is_visible() and cam.page.evaluate(
            "(e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }",
            heading.element_handle()), "the result's heading is not in view after the set"
        cam.shot("home_camera_off")
        cam.page.get_by_role("button", name="Do another set").wait_for()
        # another set: the camera component comes back (its start button), the old result goes
        cam.page.get_by_role("button", name="Do another set").click()
        cam.page.frame_locator(WEBRTC_FRAME).get_by_role("button", name="Start the camera").wait_for(timeout=30_000)
        cam.page.get_by_role("button", name="I have finished").wait_for()
        assert "5. Your result" not in cam.body()
        cam.assert_local()
    finally:
        cam.close()


def test_self_screen_stops_when_the_movement_hurts(server, tmp_y4m):
    cam = Camera(_y4m(REPO / "sample_videos" / "hinge_side_clean_a.mp4", tmp_y4m / "pain.y4m", seconds=1))
    try:
        cam.page.goto(server.url + "/home")
        cam.page.get_by_text("Yes, it hurts").click()
        cam.page.get_by_text("Please stop here").wait_for()
        body = cam.body()
        assert "physiotherapist" in body and "Your next exercise" not in body
        assert cam.page.locator(WEBRTC_FRAME).count() == 0  # no camera, no recording
    finally:
        cam.close()
