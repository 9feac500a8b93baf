"""Issue 26 (points 7 and 9) in a real browser, on a real store file the page reads: the path drawn with the
session that has no verdict (grey), its date axis written as the sessions table writes it (never ":50 :55
06:31"), compare's default pair and its words about two movements, and a server log free of Streamlit's
deprecation warnings after every Records page was shown. The same is checked without a browser, on the
charts' specs, in tests/test_records_issue26.py."""
from __future__ import annotations

import re

import pytest

from screening.present import local_time
from screening.screen import Filmed
from screening.store import Store
from tests.support_browser import _body_text, _wait_idle
from tests.support_records import NAME, TIMES, _screen

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: the split squat, filmed after the three hinges: the latest session, of another movement
LATER = "2024-12-06T17:31:20+00:00"


def _svg_texts(chart) -> list[str]:
    return chart.evaluate("e => Array.from(e.querySelectorAll('svg text')).map(t => t.textContent)")


def test_the_path_its_dates_compare_and_a_quiet_server_log(browser, server, results):
    store = Store(server.store)  # the store the page was started with (SCREENING_STORE)
    ids = [store.save_session(NAME, _screen(results["hinge"], TIMES[0])),
           store.save_session(NAME, _screen(results["unplaced"], TIMES[1], Filmed("rdl", None, False))),
           store.save_session(NAME, _screen(results["hinge"], TIMES[2])),
           store.save_session(NAME, _screen(results["lunge"], LATER))]
    client_id = store.client(NAME).id
    hinge_times = [local_time(t) for t in TIMES]
    context = browser.new_context(viewport={"width": 1280, "height": 2200})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{server.url}/clients")
        page.get_by_text(NAME).first.wait_for(state="attached")

        page.goto(f"{server.url}/client?id={client_id}")
        page.get_by_text("Path on the hinge continuum").wait_for()
        page.locator('[data-testid="stDataFrame"]').first.wait_for()
        _wait_idle(page)
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        charts.first.locator("svg text").first.wait_for()
        hinge_path = _svg_texts(charts.first)
        # the date axis: each session's time as the table writes it, no second ticks, no 12-hour clock
        assert all(t in hinge_path for t in hinge_times), hinge_path
        assert not [t for t in hinge_path if re.fullmatch(r":\d\d|\d\d:\d\d|\d\d? [AP]M", t)], hinge_path
        # the session without a verdict is a grey point (the legend's grey swatch is the other)
        grey = charts.first.evaluate(
            "e => Array.from(e.querySelectorAll('svg path')).filter(p => p.getAttribute('fill') === '#999999').length")
        assert grey >= 2
        for i in range(charts.count()):  # the key measures' axes too
            texts = _svg_texts(charts.nth(i))
            assert not [t for t in texts if re.fullmatch(r":\d\d", t)], texts

        # compare: the two latest hinges by default (not the split squat against an RDL), and said so
        body = _body_text(page)
        assert "the two latest hinge sessions" in body
        link = page.get_by_role("link", name="Compare these two sessions side by side")
        assert link.get_attribute("href").endswith(f"compare?a={ids[1]}&b={ids[2]}")

        page.goto(f"{server.url}/compare?a={ids[2]}&b={ids[3]}")
        page.get_by_text("What changed").wait_for()
        _wait_idle(page)
        body = _body_text(page)
        assert "different movements" in body and "cannot be compared" in body
        assert "Traceback" not in body

        page.goto(f"{server.url}/session?id={ids[1]}")
        page.get_by_text("Change the verdict").first.wait_for()
        _wait_idle(page)
        assert "hinge level 4" in _body_text(page)  # the exercise it was filmed at, without a verdict
    finally:
        context.close()
    log = server.log_path.read_text(errors="replace")
    assert not re.search(r"deprecat|will be removed", log, re.I), log
