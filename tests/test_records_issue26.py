"""Records and the command line, issue 26 (points 7 and 9), on real store files and real analyses of the
rendered clips in sample_videos/:

- a session saved without a verdict keeps the exercise it was filmed at and is drawn on the client's path
  (grey: no verdict);
- the charts' date axis reads the sessions' times as the tables write them (present.local_time), never
  Vega's own second ticks (":50 :55 06:31" beside a table saying 18:30);
- compare's default pair is the two latest sessions of one movement, and says so; two movements compared are
  said, in plain words, to have measures that cannot be compared;
- ``--exercise`` takes a level's key, number or full name exactly (any case) and refuses anything else before
  any analysis, with the valid keys (``s`` had become a split squat after a 47-s run);
- the Records pages and the spoken cue make no deprecated Streamlit call (the server log repeated
  ``use_container_width`` and ``st.components.v1.html`` warnings).

The page's functions run in Streamlit's own test runner (AppTest): the page modules (screening.app) as they
are, without app.py's ``main()``; the browser test of the same (tests/test_records_issue26_browser.py) reads the drawn axis.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from pathlib import Path

import pytest

from screening import cli
from screening.continuum import load_continuum
from screening.present import local_time
from screening.screen import Filmed
from screening.store import Store
from tests.support_records import CLIPS, NAME, TIMES, _run_page, _screen

pytestmark = pytest.mark.slow  # the slow tier (pyproject.toml)


#: the module of screening.app that holds each page function the tests run
WHERE = {"clients_page": "clients", "client_page": "client", "session_page": "session", "compare_page": "compare",
         "home_page": "home", "speak": "camera"}


class Deprecations(logging.Handler):
    """Streamlit's deprecation warnings, as its server logs them."""

    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def deprecations():
    handler = Deprecations()
    logger = logging.getLogger("streamlit.deprecation_util")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def page(monkeypatch, store: Path, name: str, *args, **params):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SCREENING_STORE", str(store))
    at = AppTest.from_function(_run_page, args=(WHERE[name], name, *args), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = str(value)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def charts(at) -> list[tuple[dict, list[dict]]]:
    """Each Vega-Lite chart on the page: its spec and the rows of its data."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    out = []
    for e in at.main:
        if getattr(e, "type", "") in ("arrow_vega_lite_chart", "vega_lite_chart"):
            rows = [r for ds in e.proto.datasets
                    for r in convert_arrow_bytes_to_pandas_df(ds.data.data).to_dict("records")]
            out.append((json.loads(e.proto.spec), rows))
    return out


def x_axes(spec: dict) -> list[dict]:
    """Every x encoding of the spec (layers, facets)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            x = (node.get("encoding") or {}).get("x")
            if x:
                found.append(x)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return found


def labels_drawn(x: dict) -> list[str]:
    """The labels the axis draws: at its explicit ticks (instants), through its labelExpr (a lookup by the tick's
    epoch milliseconds, as Vega evaluates ``{...}[toString(time(datum.value))]``)."""
    axis = x.get("axis") or {}
    values, expr = axis.get("values"), axis.get("labelExpr", "")
    assert values, f"no ticks of its own: Vega picks time ticks and formats them itself (':50 :55 06:31'): {axis}"
    lookup, _, key = expr.rpartition("[")
    assert key == "toString(time(datum.value))]", expr
    table = json.loads(lookup)
    return [table[str(int(datetime(v["year"], v["month"], v["date"], v["hours"], v["minutes"], v["seconds"],
                                   tzinfo=__import__("datetime").timezone.utc).timestamp() * 1000))]
            if isinstance(v, dict) else table[str(int(v))] for v in values]


@pytest.fixture
def store_of_three(tmp_path, results) -> tuple[Path, list[int]]:
    """A client with three hinge sessions seconds apart: placed, not placed (filmed as an RDL), placed."""
    db = tmp_path / "clinic.db"
    store = Store(db)
    ids = [store.save_session(NAME, _screen(results["hinge"], TIMES[0])),
           store.save_session(NAME, _screen(results["unplaced"], TIMES[1], Filmed("rdl", None, False))),
           store.save_session(NAME, _screen(results["hinge"], TIMES[2]))]
    return db, ids


# -------------------------------------------------------------- point 7: a session without a verdict
@pytest.mark.rendered
def test_a_session_without_a_verdict_keeps_the_exercise_it_was_filmed_at(tmp_path, capsys):
    db = tmp_path / "clinic.db"
    code = cli.main(["analyze", str(CLIPS / "hinge_oblique45_clean.mp4"), "--out", str(tmp_path / "out"), "--quiet",
                     "--no-video", "--exercise", "rdl", "--load", "bear_hug", "--client", NAME, "--store", str(db)])
    assert code == 0
    assert "No continuum placement" in capsys.readouterr().out  # nothing could be scored from 45 degrees
    [s] = Store(db).sessions(NAME)
    assert s.verdict is None and s.score is None
    rdl = load_continuum().find("hinge", "rdl")
    assert (s.pattern, s.level, s.level_name, s.load_position) == ("hinge", rdl.level, rdl.name, "bear_hug")
    assert cli.main(["history", NAME, "--store", str(db)]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    assert "hinge level 4 (Romanian deadlift), bear hug  NO VERDICT" in line


@pytest.mark.rendered
def test_a_session_without_a_verdict_is_on_the_path_in_grey(monkeypatch, store_of_three):
    db, ids = store_of_three
    at = page(monkeypatch, db, "client_page", id=Store(db).client(NAME).id)
    assert any("Path on the hinge continuum" in h.value for h in at.subheader)
    spec, rows = charts(at)[0]
    points = {r["session"]: r for r in rows}
    assert sorted(points) == ids  # all three, the one without a verdict too
    unplaced = points[ids[1]]
    assert (unplaced["level"], unplaced["verdict"]) == (4, "no verdict")
    scale = next(layer["encoding"]["color"]["scale"] for layer in spec["layer"] if "color" in layer["encoding"])
    assert dict(zip(scale["domain"], scale["range"]))["no verdict"] == "#999999"  # grey


# -------------------------------------------------------------- point 7: the charts' date axis
@pytest.mark.rendered
def test_the_charts_date_axis_reads_as_the_tables_do(monkeypatch, store_of_three):
    db, ids = store_of_three
    at = page(monkeypatch, db, "client_page", id=Store(db).client(NAME).id)
    found = charts(at)
    assert len(found) == 2  # the path, and the key measures over time
    tables = [local_time(t) for t in TIMES]  # what the sessions table says
    table_column = list(at.dataframe[0].value["date"])
    assert sorted(table_column) == sorted(tables)
    for spec, rows in found:
        for x in x_axes(spec):
            drawn = labels_drawn(x)
            assert set(drawn) <= set(tables) and drawn, (drawn, tables)
            assert not any(label.startswith(":") for label in drawn)
        # the points sit at the sessions' instants (epoch milliseconds), whatever the browser's time zone
        instants = {int(datetime.fromisoformat(t).timestamp() * 1000) for t in TIMES}
        assert {int(r["date"]) for r in rows} <= instants
    path_spec, path_rows = found[0]
    assert labels_drawn(x_axes(path_spec)[0]) == tables  # one tick per session, in order
    assert {r["when"] for r in path_rows} == set(tables)  # the tooltip says it the same way


# -------------------------------------------------------------- point 7: compare
@pytest.fixture
def hinge_hinge_lunge(tmp_path, results) -> tuple[Path, list[int]]:
    """A deadlift filmed hinge, an RDL, then (latest) a split squat: the two latest are two movements."""
    db = tmp_path / "clinic.db"
    store = Store(db)
    ids = [store.save_session(NAME, _screen(results["hinge"], TIMES[0])),
           store.save_session(NAME, _screen(results["hinge"], TIMES[1])),
           store.save_session(NAME, _screen(results["lunge"], TIMES[2]))]
    return db, ids


@pytest.mark.rendered
def test_compare_offers_the_two_latest_sessions_of_one_movement_and_says_so(monkeypatch, hinge_hinge_lunge):
    db, (hinge_1, hinge_2, lunge) = hinge_hinge_lunge
    at = page(monkeypatch, db, "client_page", id=Store(db).client(NAME).id)
    boxes = {box.label: box.value for box in at.selectbox}
    assert (boxes["Compare"], boxes["with"]) == (hinge_1, hinge_2)  # not the split squat against an RDL
    said = " ".join(c.value for c in at.caption)
    assert "the two latest hinge sessions" in said
    link = next(m.value for m in at.markdown if "Compare these two sessions" in m.value)
    assert f"compare?a={hinge_1}&b={hinge_2}" in link


@pytest.mark.rendered
def test_comparing_two_movements_says_their_measures_cannot_be_compared(monkeypatch, hinge_hinge_lunge):
    db, (_, hinge_2, lunge) = hinge_hinge_lunge
    at = page(monkeypatch, db, "compare_page", a=hinge_2, b=lunge)
    said = " ".join(w.value for w in at.warning)
    assert "different movements" in said and "cannot be compared" in said
    assert "hinge" in said and "lunge" in said
    text = " ".join(m.value for m in at.markdown)
    assert "No longer seen" not in text and "New: " not in text  # a hinge's faults are not a lunge's
    same = page(monkeypatch, db, "compare_page", a=hinge_2 - 1, b=hinge_2)
    assert not [w.value for w in same.warning if "cannot be compared" in w.value]


# -------------------------------------------------------------- point 9: --exercise matched exactly
@pytest.fixture
def no_analysis(monkeypatch):
    """The analysis replaced by a stop: a name that passes the check reaches it, one refused never does."""
    from screening import pipeline
    from screening.errors import ScreeningError

    def stop(*args, **kwargs):
        raise ScreeningError("ANALYSIS REACHED", "-")

    monkeypatch.setattr(pipeline, "analyze", stop)
    monkeypatch.setattr(pipeline, "analyze_two_views", stop)


@pytest.mark.parametrize("argv", [["--exercise", "s"], ["--exercise", "S"], ["--exercise", "split"],
                                  ["--exercise", "reverse"], ["--exercise", "romanian"],
                                  ["--exercise", "s", "--pattern", "lunge"], ["--exercise", "dead", "--pattern", "hinge"],
                                  ["--exercise", "4"]])
def test_an_exercise_that_names_no_level_exactly_is_refused_before_any_analysis(tmp_path, capsys, no_analysis, argv):
    started = time.monotonic()
    code = cli.main(["analyze", str(CLIPS / "hinge_side_clean_a.mp4"), "--out", str(tmp_path / "out"), "--quiet",
                     "--no-video", *argv])
    out, err = capsys.readouterr()
    assert code == 2 and "ANALYSIS REACHED" not in err, err
    assert time.monotonic() - started < 10 and not (tmp_path / "out").exists()
    c = load_continuum()
    pattern = argv[argv.index("--pattern") + 1] if "--pattern" in argv else None
    keys = [lv.key for p in ([pattern] if pattern else c.ladders) for lv in c.ladders[p]]
    assert all(key in err for key in keys), err  # the list of valid keys


@pytest.mark.rendered
@pytest.mark.parametrize("argv", [["--exercise", "split_squat"], ["--exercise", "Split Squat"],
                                  ["--exercise", "SPLIT-SQUAT"], ["--exercise", "rdl"], ["--exercise", "RDL"],
                                  ["--exercise", "Romanian deadlift (load in the hands, knees soft)"],
                                  ["--exercise", "4", "--pattern", "hinge"], ["--exercise", "lateral_lunge"]])
def test_a_levels_key_number_or_full_name_in_any_case_is_taken(tmp_path, capsys, no_analysis, argv):
    code = cli.main(["analyze", str(CLIPS / "hinge_side_clean_a.mp4"), "--out", str(tmp_path / "out"), "--quiet",
                     "--no-video", *argv])
    assert code == 2 and "ANALYSIS REACHED" in capsys.readouterr().err  # the check let it through


# -------------------------------------------------------------- point 9: no deprecated Streamlit call
@pytest.mark.rendered
def test_the_records_pages_and_the_spoken_cue_make_no_deprecated_streamlit_call(monkeypatch, store_of_three,
                                                                                 deprecations):
    db, ids = store_of_three
    client_id = Store(db).client(NAME).id
    page(monkeypatch, db, "clients_page")
    page(monkeypatch, db, "client_page", id=client_id)
    page(monkeypatch, db, "session_page", id=ids[0])
    page(monkeypatch, db, "compare_page", a=ids[0], b=ids[2])
    spoken = page(monkeypatch, db, "speak", "Keep the back long", 3)
    frames = [e for e in spoken.main if getattr(e, "type", "") in ("iframe", "html", "components")]
    assert frames and "Keep the back long" in str(frames[0].proto)  # the cue still goes to the page, as a script
    assert deprecations == [], deprecations
