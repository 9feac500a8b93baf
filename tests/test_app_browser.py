"""The Streamlit page, driven in a real headless Chromium (Debian's /usr/bin/chromium) with Playwright.

Needs: ``apt-get install -y chromium chromium-driver`` and ``pip install playwright`` (never
``playwright install``: the system Chromium is used). Locally the tests skip, with the reason, when the
browser, Playwright or ../shared/videos is missing; with CI=true they fail instead.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO.parent / "shared" / "videos"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium keeps calling Google services, which floods a closed network.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ANALYSIS_TIMEOUT_MS = 180_000


def _unavailable(reason: str) -> None:
    """Skip locally; fail on CI, which always has the browser and the videos."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(request, tmp_path_factory):
    """Start ``streamlit run app.py`` on a free port; stop it when the module's tests are done."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
         "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
    )

    def stop():
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()

    request.addfinalizer(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with code {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return url
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"streamlit did not answer on {url} within 60 s:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing: pip install playwright")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(app_url)
    pg.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(state="attached")
    yield pg
    context.close()


def _upload(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))


def _body_text(page) -> str:
    return page.locator("body").inner_text()


def _assert_video_plays(page, timeout_s: float = 30) -> None:
    """The browser fetched and decoded the annotated video (H.264): it knows the picture size."""
    state = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => { const v = document.querySelector('video');
                       return {width: v.videoWidth, error: v.error && v.error.message, src: v.src}; }""")
        if state["width"] > 0 or state["error"]:
            break
        page.wait_for_timeout(250)
    assert state.get("width", 0) > 0, (
        f"the browser cannot play the annotated video: {state}. If the server log shows \"Expected ASGI "
        f"message 'http.response.start'\", Streamlit's /media route is broken by the installed Starlette "
        f"(streamlit 1.60 needs starlette<1.5)."
    )


def test_upload_shows_video_summary_and_chart(page, tmp_path):
    clip = VIDEOS / "jeffchen_good.mp4"
    if not clip.exists():
        _unavailable(f"{clip} is missing (the shared test videos live in ../shared/videos)")
    _upload(page, clip)

    page.wait_for_selector("video[src]", timeout=ANALYSIS_TIMEOUT_MS)
    video = page.locator("video").first
    assert video.get_attribute("src"), "the annotated video has no src"

    _assert_video_plays(page)

    view = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(r"^\s*View\s*$")))
    assert view.locator('[data-testid="stMetricValue"]').inner_text().strip() == "side"

    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("canvas, svg").first.wait_for()
    box = chart.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, f"chart not drawn: {box}"

    # the hinge analysis: its one pull, the per-rep table and the rhythm plot
    page.get_by_text("Repetitions").first.wait_for()
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for()
    assert table.bounding_box()["height"] > 30
    image = page.locator('[data-testid="stImage"] img').first
    image.wait_for()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 100

    assert page.get_by_text("Download result.json").count() == 1
    assert page.get_by_text("Download angles CSV").count() == 1
    assert "Traceback" not in _body_text(page)

    # Streamlit scrolls inside its own container, so a "full page" shot is the viewport: make it tall.
    page.set_viewport_size({"width": 1280, "height": 2200})
    page.wait_for_timeout(500)
    shot = Path(os.environ.get("APP_SCREENSHOT", tmp_path / "app.png"))
    page.screenshot(path=str(shot))
    from PIL import Image, ImageStat

    with Image.open(shot) as img:
        stat = ImageStat.Stat(img.convert("L"))
    assert stat.stddev[0] > 10, f"the screenshot looks blank (grey-level stddev {stat.stddev[0]:.1f})"


def test_lunge_shows_reps_per_leg_and_asymmetry(page):
    """A rendered alternating lunge (both legs lead): the reps table, the per-leg table and its caption."""
    clip = REPO / "sample_videos" / "lunge_front_alternating.mp4"
    _upload(page, clip)
    page.get_by_text("Repetitions").first.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    page.get_by_text("Per leg").first.wait_for()
    assert page.get_by_text("split lunge").count() >= 1
    tables = page.locator('[data-testid="stDataFrame"]')
    tables.nth(1).wait_for()
    assert tables.count() == 2
    assert all(tables.nth(i).bounding_box()["height"] > 30 for i in range(2))
    # its place on the continuum (clean; from the front the step is not seen: a split squat, unloaded: progress), the next step and the reports
    page.get_by_text("Where on the continuum").first.wait_for()
    assert re.search(r"PROGRESS: lunge level 2 \(split squat\), unloaded", _body_text(page))
    assert page.get_by_text("Next step.").count() >= 1
    assert page.get_by_text("Download the report (PDF)").count() == 1
    # pain reported: the same analysis, re-placed at once: refer to a clinician
    page.get_by_text("Pain reported during the movement").click()
    page.get_by_text(re.compile("REFER")).first.wait_for(timeout=30_000)
    assert "clinician" in _body_text(page)
    assert "Traceback" not in _body_text(page)


def test_not_a_video_shows_the_error_without_traceback(page, tmp_path):
    fake = tmp_path / "not_a_video.mp4"
    fake.write_text("These are session notes, not a video.\n" * 20)
    _upload(page, fake)

    alert = page.locator('[data-testid="stAlert"]').filter(has_text="could not be read as a video")
    alert.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    text = alert.inner_text()
    assert "not_a_video.mp4" in text  # the user's file name, not the temporary path
    assert "Check that it is a video file" in text  # the "what to do" sentence
    body = _body_text(page)
    assert "Traceback" not in body
    assert page.locator('[data-testid="stException"]').count() == 0
