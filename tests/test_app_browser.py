"""The Streamlit page, driven in a real headless Chromium (Debian's /usr/bin/chromium) with Playwright.

Needs: ``apt-get install -y chromium chromium-driver`` and ``pip install playwright`` (never
``playwright install``: the system Chromium is used). Locally the tests skip, with the reason, when the
browser, Playwright or ../shared/videos is missing; with CI=true they fail instead. The server, browser and
page fixtures are in tests/support_browser.py (registered by tests/conftest.py).
"""
from __future__ import annotations

import csv
import io
import ipaddress
import json
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

from tests.support_browser import (ANALYSIS_TIMEOUT_MS, REPO, VIDEOS, _assert_video_plays, _body_text, _is_local,
                                   _unavailable, _upload, _wait_idle)

def test_upload_shows_video_summary_and_chart(page, tmp_path):
    clip = VIDEOS / "jeffchen_good.mp4"
    if not clip.exists():
        _unavailable(f"{clip} is missing (the shared test videos live in ../shared/videos)")
    _upload(page, clip)

    page.wait_for_selector("video[src]", timeout=ANALYSIS_TIMEOUT_MS)
    video = page.locator("video").first
    assert video.get_attribute("src"), "the annotated video has no src"

    _assert_video_plays(page)

    # the verdict first (issue 26): the only message above the video, with its reasons and the next step;
    # the notes folded under plain headings below
    alerts = page.locator('[data-testid="stAlert"]')
    verdict = alerts.first
    assert re.match(r"\s*(PROGRESS|HOLD|REGRESS|REFER|No verdict)", verdict.inner_text()), verdict.inner_text()
    top = video.bounding_box()["y"]
    above = [a for a in alerts.all() if a.bounding_box() and a.bounding_box()["y"] < top]
    assert len(above) == 1, [a.inner_text()[:80] for a in above]
    if "No verdict" not in verdict.inner_text():
        assert "Next step." in verdict.inner_text()
    page.get_by_text("The clip", exact=True).click()  # the clip's details, folded
    view = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(r"^\s*Camera view\s*$")))
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
    body = _body_text(page)
    assert "Traceback" not in body and "None" not in body
    # one definition per number: the chart draws the table's change from standing, and says so
    assert "hip flexion from standing (°)" in body

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
    # from the front the step is not seen: the split squat is a guess, asked before the verdict (issue 26); the
    # guess confirmed, its place on the continuum (clean, unloaded: progress), the next step and the reports
    page.get_by_text("Which exercise was filmed?").wait_for()
    page.get_by_role("button", name="Show the verdict for this exercise").click()
    page.get_by_text("PROGRESS", exact=True).wait_for()
    assert "Lunge level 2 (split squat), unloaded" in _body_text(page)
    assert page.get_by_text("Next step.").count() >= 1
    page.get_by_text("Download the report (PDF)").wait_for()  # made once the exercise is known
    assert page.get_by_text("Download the report (PDF)").count() == 1
    # a front-view clip charts its front-view measures over time, each with its meaning
    captions = page.locator('[data-testid="stCaptionContainer"]')
    chart_caption = captions.filter(has_text="knee valgus, left (FPPA, °)")
    chart_caption.first.wait_for()
    assert chart_caption.count() == 1 and "pelvic obliquity" in chart_caption.inner_text()
    assert "trunk inclination" not in chart_caption.inner_text()
    # pain reported: the same analysis, re-placed at once: refer to a clinician
    page.get_by_text("Pain reported during the movement").click()
    page.get_by_text(re.compile("REFER")).first.wait_for(timeout=30_000)
    assert "clinician" in _body_text(page)
    assert "Traceback" not in _body_text(page)


def test_not_a_video_shows_the_error_without_traceback(page, server, tmp_path):
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
    assert server.leftovers() == [], "a failed analysis left its temporary copy behind"


def test_a_file_name_is_shown_as_written_not_as_markdown(page, tmp_path):
    """A file called "**notes** [see](http://example.com)_v2.mp4" is named literally in the error: no bold
    type, no link to anywhere."""
    fake = tmp_path / "**notes** [see](http:__example.com)_v2.mp4"
    fake.write_text("not a video\n" * 20)
    _upload(page, fake)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="could not be read as a video")
    alert.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    assert fake.name in alert.inner_text()
    assert alert.locator("a, strong, b").count() == 0
def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on ``port`` on this machine (/proc/net/tcp, tcp6)."""
    found = set()
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        table = Path("/proc/net") / name
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) != port or fields[3] != "0A":  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
            found.add(socket.inet_ntop(family, b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))))
    return found


def _cli_seconds(clip: Path, out: Path) -> float:
    """Wall time of ``screening analyze CLIP --out DIR`` (a new process, as a user runs it)."""
    t0 = time.monotonic()
    proc = subprocess.run([str(Path(sys.executable).with_name("screening")), "analyze", str(clip), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr
    return seconds


def _page_seconds(page, clip: Path) -> float:
    """Time from upload to the whole result on a freshly loaded page (a new session: nothing cached)."""
    page.reload()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(state="attached")
    t0 = time.monotonic()
    _upload(page, clip)
    page.get_by_text("Download angles CSV").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    return time.monotonic() - t0


def _download(page, label: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_text(label).click()
    return Path(info.value.path()).read_bytes()


def test_the_page_keeps_to_this_machine(server, page):
    """The project's settings hold: served to this computer only, no deploy button or developer menu,
    and the page's own check of those settings is silent."""
    addresses = _listening_addresses(server.port)
    assert addresses, f"nothing listens on port {server.port}"
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses), f"reachable from the network: {addresses}"
    page.get_by_text("Movement screen").first.wait_for()
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
    assert page.locator('[data-testid="stMainMenu"]').count() == 0
    body = _body_text(page)
    assert "Deploy" not in body and "privacy settings" not in body


def test_a_real_clip_over_20_s_on_the_page(page, server, tmp_path):
    """A 32-s real clip, filmed from the front: the page shows the verdict, the reps and the annotated
    video within 1.5x the command line's time on the same clip; every request the page makes goes to the
    local server; the downloads carry what the page shows (the placement after the pain box is ticked,
    the user's file name); and no copy of the video is left in the server's temporary folder."""
    clip = VIDEOS / "nowva_side_lunge.mp4"
    if not clip.exists():
        _unavailable(f"{clip} is missing (the shared test videos live in ../shared/videos)")
    cli_s = _cli_seconds(clip, tmp_path / "cli")

    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    page.reload()  # from the page's first request on
    page.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(state="attached")
    t0 = time.monotonic()
    _upload(page, clip)
    page.get_by_text("Download angles CSV").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    page_s = time.monotonic() - t0
    print(f"\n{clip.name}: page {page_s:.1f} s from upload to result, command line {cli_s:.1f} s, "
          f"ratio {page_s / cli_s:.2f}")

    body = _body_text(page)
    assert re.search(r"\b(PROGRESS|HOLD|REGRESS|REFER)\s+Lunge level \d", body), body[:2000]  # the verdict first
    assert page.get_by_text("Repetitions").count() >= 1
    table = page.locator('[data-testid="stDataFrame"]').first
    assert table.bounding_box()["height"] > 100  # ten reps
    _assert_video_plays(page)
    chart = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="knee valgus, left (FPPA, °)")
    chart.first.wait_for()
    assert chart.count() == 1, "the front-view clip's chart does not draw the front-view measures"
    assert "Traceback" not in body and "Internal error" not in body
    if page_s > 1.5 * cli_s:
        # these shared machines vary by 15% and more from one minute to the next: a slow pass is timed
        # again (both, back to back; a fresh page has an empty cache) before it counts
        cli_s = _cli_seconds(clip, tmp_path / "cli2")
        page_s = _page_seconds(page, clip)
        print(f"timed again: page {page_s:.1f} s, command line {cli_s:.1f} s")
    assert page_s <= 1.5 * cli_s, f"the page took {page_s:.1f} s, the command line {cli_s:.1f} s"

    # what is downloaded is what is shown: tick the pain box, the page refers, and so do the files
    page.get_by_text("Pain reported during the movement").click()
    page.get_by_text("REFER", exact=True).first.wait_for(timeout=30_000)
    _wait_idle(page)
    result = json.loads(_download(page, "Download result.json"))
    assert result["placement"]["verdict"] == "refer" and result["score"] == 0
    assert result["video"]["path"] == clip.name
    reps_csv = _download(page, "Download reps CSV").decode()
    rows = list(csv.DictReader(io.StringIO(reps_csv)))
    assert len(rows) == len(result["reps"]) >= 8
    assert {r["video"] for r in rows} == {clip.name} and all(r["placement"].endswith("refer") for r in rows)
    html = _download(page, "Download the report (HTML)").decode()
    assert clip.name in html and not re.search(r"upload\.\w+", html) and str(server.tmpdir) not in html
    assert "refer" in html.lower()

    strays = [u for u in urls if not _is_local(u)]
    assert urls and not strays, f"the page reached beyond this machine: {strays}"
    assert server.leftovers() == [], f"left in the server's temporary folder: {server.leftovers()}"
    # the terminal that runs the page shows Streamlit's lines, not MediaPipe's C++ start-up chatter
    from screening.cli import NATIVE_CHATTER

    log = server.log_path.read_bytes().splitlines()
    assert any(b"localhost" in line for line in log), log[:20]
    chatter = [line for line in log if NATIVE_CHATTER.match(line) or b"RET_CHECK" in line]
    assert not chatter, chatter[:5]


def test_a_hinge_without_a_spine_reading_has_no_verdict_but_a_report(page, tmp_path):
    """A 24-s real hinge filmed ~45 deg off the side: its spine is read in no rep, so the page gives no
    verdict and says why, and the report (reps, measures, the reason) can still be downloaded."""
    clip = VIDEOS / "tomnotch_good_mornings.mp4"
    if not clip.exists():
        _unavailable(f"{clip} is missing (the shared test videos live in ../shared/videos)")
    page.reload()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(state="attached")
    _upload(page, clip)
    page.get_by_text("Download angles CSV").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    _wait_idle(page)
    body = _body_text(page)
    assert "not measured in any rep" in body and "side-on" in body, body[:3000]
    assert not re.search(r"\b(PROGRESS|HOLD|REGRESS|REFER)\b", body) and "No verdict" in body
    assert "Traceback" not in body and "None" not in body
    html = _download(page, "Download the report (HTML)").decode()
    assert "not measured in any rep" in html and clip.name in html
    assert "Clinician" not in html  # no name given, none printed
    # the clinician's name, typed once beside the downloads, is in the report's header (issue 26, point 6)
    field = page.get_by_role("textbox", name="Clinician's name on the report (optional)")
    field.fill("Dr Émile Kowalski")
    field.press("Enter")
    deadline = time.monotonic() + 30  # the rerun that takes the name may start a beat after Enter
    while True:
        page.wait_for_timeout(500)
        _wait_idle(page)
        html = _download(page, "Download the report (HTML)").decode()
        if "Dr Émile Kowalski" in html or time.monotonic() > deadline:
            break
    assert "Dr Émile Kowalski" in html and "Clinician" in html


def test_closing_the_tab_midway_leaves_no_copy_behind(browser, server):
    """The tab is closed while a 32-s clip is being tracked: the analysis stops and its temporary folder
    (the client's video and all derived from it) is gone within seconds; the server carries on."""
    clip = VIDEOS / "nowva_lunge.mp4"
    if not clip.exists():
        _unavailable(f"{clip} is missing (the shared test videos live in ../shared/videos)")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(server.url)
    _upload(pg, clip)
    pg.get_by_text(re.compile(r"Tracking pose… [1-9]")).first.wait_for(timeout=60_000)
    during = server.leftovers()
    assert any(p.suffix == ".mp4" for p in during), f"no copy of the upload while it is analysed: {during}"
    context.close()
    t0 = time.monotonic()
    while server.leftovers() and time.monotonic() - t0 < 10:
        time.sleep(0.2)
    assert server.leftovers() == [], f"left behind 10 s after the tab closed: {server.leftovers()}"
    print(f"\nthe temporary folder was gone {time.monotonic() - t0:.1f} s after the tab closed")
    with urllib.request.urlopen(server.url + "/_stcore/health", timeout=5) as r:
        assert r.status == 200


@pytest.mark.slow
def test_an_unsure_guess_of_the_exercise_is_asked_before_the_verdict(page):
    """A barbell deadlift (BichraiX bad014, a rounded back) with no exercise named: the movement alone cannot
    tell hinge levels 1, 2 and 4 (or a deadlift with its knees behind the plates), so the page asks which
    exercise was filmed, the guess chosen and marked, before any verdict (issue 26); once chosen, the verdict
    is for that exercise."""
    clip = VIDEOS / "bichraix_deadlift_bad014.mp4"
    if not clip.exists():
        _unavailable(f"{clip} is missing (the shared test videos live in ../shared/videos)")
    _upload(page, clip)
    page.get_by_text("Which exercise was filmed?").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    body = _body_text(page)
    assert not re.search(r"\b(PROGRESS|HOLD|REGRESS|REFER)\b", body) and "Download the report" not in body
    box = page.get_by_role("combobox", name=re.compile("^Exercise filmed \\(hinge\\)"))
    assert box.input_value() == "1: hip hinge drill  (the guess)"  # the guess chosen, and marked as one
    box.click()
    page.get_by_role("option", name=re.compile("^3: deadlift")).click()
    page.get_by_role("button", name="Show the verdict for this exercise").click()
    page.get_by_text("REGRESS", exact=True).wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    assert "Hinge level 3" in _body_text(page) and "Which exercise was filmed?" not in _body_text(page)
