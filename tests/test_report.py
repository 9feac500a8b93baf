"""The screening report (screening report RESULT.json ... --out report.html / .pdf, --csv): built from a
rendered-corpus clip analysed by the real pipeline, and checked for what a clinician needs in it."""
from __future__ import annotations

import csv
import datetime as dt
import json
import re

import numpy as np
import pytest

from screening import cli


@pytest.fixture(scope="module")
def analysed(tmp_path_factory, repo):
    """A rendered lunge with knee valgus (2 reps, left leg in front), filmed as a split squat, front loaded."""
    out = tmp_path_factory.mktemp("valgus")
    code = cli.main(["analyze", str(repo / "sample_videos" / "lunge_front_valgus40.mp4"), "--out", str(out),
                     "--no-video", "--quiet", "--exercise", "split_squat", "--load", "front_loaded"])
    assert code == 0
    return out


def test_html_report_has_the_position_next_step_evidence_and_key_frame(analysed, tmp_path, capsys):
    result = json.loads((analysed / "result.json").read_text())
    p = result["placement"]
    assert (p["pattern"], p["level"], p["load_position"], p["verdict"]) == ("lunge", 2, "front_loaded", "hold")
    assert p["exercise_source"] == "given" and result["score"] == 2
    out = tmp_path / "report.html"
    assert cli.main(["report", str(analysed / "result.json"), "--out", str(out)]) == 0
    capsys.readouterr()
    page = out.read_text()
    assert "Hold: lunge level 2 (split squat), front loaded" in page
    assert "{{" not in page and ".verdict{color:#fff" in page  # a style sheet the browser can read
    assert "Next step." in page and "push it gently out" in page  # the cue for knee valgus, in plain words
    # the ladder: every rung, today's cell filled, no path (one session)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    for name in ("tall kneeling", "half-kneeling", "split squat", "lateral lunge", "rotational"):
        assert name in svg
    assert svg.count('fill="#1f6feb"') == 1 and "today" in svg
    # the worst rep's key frame, embedded, and the per-rep table with one row per rep
    m = re.search(r'src="data:image/jpeg;base64,([^"]+)"', page)
    assert m and len(m.group(1)) > 10_000
    assert page.count("<tr><td>") >= 2 + 2  # reps table + fault table
    # each fault with its evidence and the source of its threshold
    assert "knee valgus" in page and "Herrington 2014" in page
    assert re.search(r"<td>1[34]°</td><td>10°</td><td>knee valgus \(FPPA\)</td>", page), "the FPPA against its threshold"
    assert "What the measures mean" in page and "frontal plane projection angle" in page  # definitions on demand


def test_pdf_report_is_a_real_pdf_whose_pages_are_not_blank(analysed, tmp_path, capsys):
    pdfium = pytest.importorskip("pypdfium2")
    out = tmp_path / "report.pdf"
    assert cli.main(["report", str(analysed), "--out", str(out)]) == 0
    capsys.readouterr()
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(str(out))
    assert 1 <= len(doc) <= 6
    inked = []
    for i in range(len(doc)):
        grey = np.asarray(doc[i].render(scale=0.5).to_pil().convert("L"), float)
        assert grey.std() > 8, f"page {i + 1} looks blank"
        inked.append((grey < 200).mean())
    assert max(inked) > 0.05, "no page carries a picture (the ladder, the key frame)"


def test_several_sessions_draw_the_path_and_export_csv(analysed, tmp_path, capsys):
    """Three sessions of one person: the report draws the path along the ladder, oldest first; the CSV has
    every rep of every session."""
    base = json.loads((analysed / "result.json").read_text())
    paths = []
    for k, (level, load, verdict) in enumerate([(1, "offset", "progress"), (1, "overhead", "progress"),
                                                (2, "front_loaded", "hold")]):
        r = json.loads(json.dumps(base))
        r["analysed_at"] = (dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc) + dt.timedelta(weeks=3 * k)).isoformat()
        r["placement"].update(level=level, load_position=load, verdict=verdict)
        d = tmp_path / f"s{k}"
        d.mkdir()
        (d / "result.json").write_text(json.dumps(r))
        paths.append(str(d / "result.json"))
    out, table = tmp_path / "path.html", tmp_path / "reps.csv"
    assert cli.main(["report", *reversed(paths), "--out", str(out), "--csv", str(table)]) == 0
    capsys.readouterr()
    page = out.read_text()
    assert "<polyline" in page and "3 sessions" in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert all(f'font-weight="bold" fill="#d29922">{n}</text>' in svg for n in ("1", "2"))
    rows = list(csv.DictReader(table.open()))
    assert len(rows) == 3 * len(base["reps"])
    assert rows[0]["knee_valgus_fppa_deg"] and "knee_valgus" in rows[0]["faults"]
    assert rows[0]["placement"].startswith("lunge level 1")  # oldest first


def test_bad_input_gets_a_message_not_a_traceback(analysed, tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert cli.main(["report", str(junk), "--out", str(tmp_path / "r.html")]) == 2
    assert "not a result file" in capsys.readouterr().err
    assert cli.main(["report", str(analysed), "--out", str(tmp_path / "r.docx")]) == 2
    assert ".html or .pdf" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "r.docx").exists()


def test_a_pdf_table_wider_than_the_page_is_split_not_endless():
    """A rep table too wide for the page even in the smallest type (a single-leg RDL's measures and fault
    names: `screening report` recursed until Python gave up) continues in a second table below, the rep's
    column repeated, every cell drawn once."""
    from screening.report import PAGE, TABLE_MIN_SIZE, _Pages

    head = ["rep"] + [f"a long measure heading {k}" for k in range(14)]
    rows = [[str(r)] + [f"{r * 10 + k}.5 deg or so" for k in range(14)] for r in range(1, 7)]
    pg = _Pages()
    drawn = []
    text = pg.draw.text
    pg.draw.text = lambda xy, s, **kw: (drawn.append((xy, s)), text(xy, s, **kw))[1]
    y0 = pg.y
    pg.table(head, rows)
    cells = [s for _, s in drawn]
    assert all(cells.count(h) == 1 for h in head[1:]) and cells.count("rep") >= 2
    assert all(x < PAGE[0] for (x, _), _ in drawn)
    assert pg.y - y0 >= 2 * len(rows) * (TABLE_MIN_SIZE + 8)  # two tables, one under the other


def test_a_pdf_table_of_long_sentences_wraps_inside_the_page():
    """Two columns, the second a long sentence (what changed between sessions, a fault's cue): the second
    column's cells wrap onto more lines, every line ends inside the margin, and every word is drawn."""
    from screening.report import MARGIN, PAGE, _Pages

    sentence = ("the knee moved inward past the second toe on the way down and again at the bottom of the lunge, "
                "more on the left than on the right, in four of the six repetitions filmed today, and the pelvis dropped "
                "on the side of the back leg while the trunk leaned toward the front leg to keep the balance")
    rows = [["rep 1", sentence], ["rep 2", "no fault"]]
    pg = _Pages()
    drawn = []
    text = pg.draw.text
    pg.draw.text = lambda xy, s, **kw: (drawn.append((xy, s, kw["font"])), text(xy, s, **kw))[1]
    pg.table(["rep", "what was seen"], rows)
    right = [xy[0] + pg.draw.textlength(s, font=f) for xy, s, f in drawn]
    assert max(right) <= PAGE[0] - MARGIN, max(right)
    words = " ".join(s for _, s, _ in drawn).split()
    assert words.count("repetitions") == 1 and len([s for _, s, _ in drawn if s != "rep 1"]) >= 4  # wrapped
    assert "no fault" in [s for _, s, _ in drawn]
