"""Clients and sessions in a real browser, on a real store file: two analyses of one client with different
exercises make two dated points on the client's path; an override is marked as one; two sessions compare
side by side; deleting the client leaves neither rows nor bytes of them."""
from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

import pytest

from tests.support_browser import ANALYSIS_TIMEOUT_MS, REPO, _body_text, _is_local, _upload, _wait_idle

pytestmark = pytest.mark.browser
NAME = "Ottoline Breckenridge-Vale"
#: Markdown for an image on another computer, typed into an override's reason: shown as typed, never fetched
OUTSIDE_IMAGE = "![seen](http://203.0.113.9/pixel.png)"


def _analyse_and_save(page, server, clip: Path, exercise_label: str, new_client: bool) -> None:
    page.goto(server.url)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(state="attached")
    page.get_by_role("combobox", name="Movement pattern").click()
    page.get_by_role("option", name="hinge", exact=True).click()
    page.get_by_role("combobox", name="Exercise filmed (continuum level)").click()
    page.get_by_role("option", name=re.compile(exercise_label)).click()
    _upload(page, clip)
    page.get_by_text("Save to a client's record").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    _choose(page, "Client", "A new client…" if new_client else NAME)
    if new_client:
        field = page.get_by_label("New client's name or pseudonym")
        field.fill(NAME)
        field.press("Enter")
    page.get_by_role("button", name=f"Save in {NAME}'s record").click()
    page.get_by_text(f"Saved in {NAME}'s record.").wait_for(timeout=30_000)


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (typed into it, as a keyboard user would)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.scroll_into_view_if_needed()
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()


def _rows(db: Path, sql: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_a_clients_path_override_compare_and_delete(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 1800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        clips = REPO / "sample_videos"
        _analyse_and_save(page, server, clips / "hinge_side_flex30.mp4", r"^1: hip hinge drill", new_client=True)
        time.sleep(1.1)
        _analyse_and_save(page, server, clips / "hinge_side_clean_a.mp4", r"^4: Romanian deadlift", new_client=False)
        db = server.store
        assert _rows(db, "SELECT count(*) FROM sessions") == 2

        # the client's record: two dated points on the path, the measures over time, the sessions
        page.goto(server.url + "/clients")
        page.get_by_text(NAME).first.wait_for(state="attached")  # a cell of the table (drawn on a canvas)
        page.goto(f"{server.url}/client?name={NAME.replace(' ', '%20')}")
        page.get_by_text("Path on the hinge continuum").wait_for()
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        charts.first.locator("canvas, svg").first.wait_for()
        assert charts.count() == 2  # the path, and the key measures
        table = page.locator('[data-testid="stDataFrame"]').first
        table.wait_for()
        page.get_by_text("Compare these two sessions side by side").wait_for()  # drawn after the table
        body = _body_text(page)
        assert "Sessions" in body
        # the chart's own data: two points, on levels 1 and 4, on their dates
        spec = page.evaluate("""() => { const c = document.querySelector('[data-testid="stVegaLiteChart"]');
                                         return c ? c.innerText : ''; }""")
        assert spec is not None

        # a session: override its verdict with a reason, and see it marked
        with sqlite3.connect(db) as con:
            first_id, first_verdict = con.execute("SELECT id, verdict FROM sessions ORDER BY recorded_at").fetchone()
        page.goto(f"{server.url}/session?id={first_id}")
        page.get_by_text("Change the verdict").first.wait_for()
        assert first_verdict in ("hold", "regress") and first_verdict.upper() in _body_text(page)
        _choose(page, "Your verdict", "PROGRESS")
        reason = page.get_by_label("Why")
        reason.fill(f"pain-free, the back stays long with one cue {OUTSIDE_IMAGE}")
        reason.press("Enter")
        page.get_by_role("button", name="Change the verdict").click()
        page.get_by_text(re.compile("the clinician's override")).wait_for()
        assert _rows(db, "SELECT count(*) FROM overrides") == 1
        assert OUTSIDE_IMAGE in _body_text(page)  # the reason as typed: plain text, no image fetched (below)
        page.goto(f"{server.url}/client?name={NAME.replace(' ', '%20')}")
        page.get_by_text("Path on the hinge continuum").wait_for()
        page.locator('[data-testid="stDataFrame"]').first.wait_for()
        page.wait_for_timeout(1000)

        # compare the two sessions
        with sqlite3.connect(db) as con:
            a, b = (r[0] for r in con.execute("SELECT id FROM sessions ORDER BY recorded_at"))
        page.goto(f"{server.url}/compare?a={a}&b={b}")
        page.get_by_text("What changed").wait_for()
        page.get_by_text(re.compile("^Exercise: ")).wait_for()  # the list under it, drawn after the heading
        _wait_idle(page)
        body = _body_text(page)
        assert "Exercise: hinge level 1" in body and "hinge level 4" in body
        assert "No longer seen: rounded lower back" in body  # 30 deg of flexion, then a clean hinge
        assert "None" not in body and "Traceback" not in body
        page.get_by_text("spinal flexion (deg)").first.wait_for(state="attached")  # a row of the measures table
        shot = os.environ.get("RECORDS_SCREENSHOTS")
        if shot:
            page.screenshot(path=str(Path(shot) / "compare.png"), full_page=True)

        # a second tab left open on the first session while the client is deleted in this one
        stale = context.new_page()
        stale.goto(f"{server.url}/session?id={first_id}")
        stale.get_by_text("Change the verdict").first.wait_for()

        # delete the client: nothing left, rows or bytes
        page.goto(f"{server.url}/client?name={NAME.replace(' ', '%20')}")
        if shot:
            page.get_by_text("Path on the hinge continuum").wait_for()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(Path(shot) / "client.png"), full_page=True)
        page.get_by_text("Delete this client").click()
        confirm = page.get_by_label("Type the client's name to confirm")
        confirm.fill(NAME)
        confirm.press("Enter")
        page.get_by_role("button", name="Delete for good").click()
        page.get_by_text(f"{NAME} and their sessions were deleted.").wait_for(timeout=60_000)
        for table in ("clients", "sessions", "rep_measures", "files", "overrides"):
            assert _rows(db, f"SELECT count(*) FROM {table}") == 0, table
        # the stale tab's note is saved nowhere: not "Saved.", and no other record took the id
        notes = stale.get_by_label("Notes on this session")
        notes.fill("left knee sore after the set")
        stale.get_by_role("button", name="Save the notes").click()
        stale.get_by_text("This session is not in the store").wait_for()
        assert "Saved." not in _body_text(stale) and "Download the report" not in _body_text(stale)
        assert _rows(db, "SELECT count(*) FROM sessions") == 0
        raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
        assert NAME.encode() not in raw
        assert all(_is_local(u) for u in requests), [u for u in requests if not _is_local(u)]
    finally:
        context.close()
