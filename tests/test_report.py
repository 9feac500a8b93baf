"""The screening report (screening report RESULT.json ... --out report.html / .pdf, --csv): built from a
rendered-corpus clip analysed by the real pipeline, and checked for what a clinician needs in it."""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import unicodedata

import numpy as np
import pytest

from screening import annotate, cli

#: every text the analysis below drew onto its pictures (the key frame's labels among them)
DRAWN: list[str] = []
#: a client and a clinician whose names are not ASCII
CLIENT, CLINICIAN = "Émile Durand", "Anna Straße"
#: what a report handed to a client must never show: the repository's files, or Python's empty value
NOT_FOR_READERS = ("metrics.md", "continuum.md", "bench/", ".toml", ".py", "screening/", "None")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory, repo):
    """A rendered lunge with knee valgus in both reps (the lunge population's l00 body, left leg in front; the
    corpus's valgus40 clip, used before issue 29, reads its valgus clear of the measure's error in one rep
    only now), filmed as a split squat, front loaded."""
    out = tmp_path_factory.mktemp("valgus")
    with pytest.MonkeyPatch.context() as mp:
        drawn = annotate.draw_text
        mp.setattr(annotate, "draw_text", lambda img, s, *a, **kw: (DRAWN.append(s), drawn(img, s, *a, **kw))[1])
        code = cli.main(["analyze", str(repo / "sample_videos" / "lunges" / "lunge_l00_1_forward_v07_d07.mp4"), "--out", str(out),
                         "--no-video", "--quiet", "--exercise", "split_squat", "--load", "front_loaded"])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def stored(analysed, tmp_path_factory):
    """That result saved in a new store as a session of :data:`CLIENT`, recorded on 1 September 2026."""
    from screening.screen import load_screen
    from screening.store import Store

    screen = load_screen(analysed / "result.json")
    screen.analysed_at = "2026-09-01T10:00:00+00:00"
    db = tmp_path_factory.mktemp("store") / "screening.db"
    Store(db).save_session(CLIENT, screen)
    return db


def pdf_text(path) -> str:
    """The text a PDF reader finds in every page (what search, copy and a screen reader get), white space
    made single spaces."""
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(str(path))
    text = " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def report_of(stored, out) -> tuple[str, set[str]]:
    """`screening report --client --clinician` of the stored session into ``out``; the session's date (this
    computer's local date, as every surface shows it) and the report's (either side of midnight)."""
    from screening.present import local_time

    made = {dt.date.today().isoformat()}
    assert cli.main(["report", "--client", CLIENT, "--store", str(stored), "--clinician", CLINICIAN,
                     "--out", str(out)]) == 0
    made.add(dt.date.today().isoformat())
    return local_time("2026-09-01T10:00:00+00:00", False), made


@pytest.mark.rendered
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


@pytest.mark.rendered
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


@pytest.mark.rendered
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


@pytest.mark.rendered
def test_bad_input_gets_a_message_not_a_traceback(analysed, tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert cli.main(["report", str(junk), "--out", str(tmp_path / "r.html")]) == 2
    assert "not a result file" in capsys.readouterr().err
    assert cli.main(["report", str(analysed), "--out", str(tmp_path / "r.docx")]) == 2
    assert ".html or .pdf" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "r.docx").exists()


def _chars(pdf_bytes: bytes) -> tuple[str, list[tuple[float, float, float, float]], float]:
    """The first page's text, each character's box (left, bottom, right, top, in points) and the page width."""
    pdfium = pytest.importorskip("pypdfium2")
    page = pdfium.PdfDocument(pdf_bytes)[0]
    tp = page.get_textpage()
    n = tp.count_chars()
    return tp.get_text_range(), [tp.get_charbox(i) for i in range(n)], page.get_width()


def test_a_pdf_table_wider_than_the_page_is_split_not_endless():
    """A rep table too wide for the page even in the smallest type (a single-leg RDL's measures and fault
    names: `screening report` recursed until Python gave up) continues in a second table below, the rep's
    column repeated, every cell set once, nothing past the margin."""
    from screening.report import MARGIN, _pdf_class

    head = ["rep"] + [f"a long measure heading {k}" for k in range(14)]
    rows = [[str(r)] + [f"{r * 100 + k}.5 deg or so" for k in range(14)] for r in range(1, 7)]
    pdf = _pdf_class()()
    y0 = pdf.y
    pdf.grid(head, rows)
    assert pdf.y - y0 > 2 * (len(rows) + 1) * 3  # two tables, one under the other
    text, boxes, width = _chars(bytes(pdf.output()))
    words = " ".join(text.split())
    assert all(len(re.findall(re.escape(h) + r"(?!\d)", words)) == 1 for h in head[1:]) and words.count("rep ") >= 2
    assert all(words.count(f"{r * 100 + k}.5 deg or so") == 1 for r in range(1, 7) for k in range(14))
    assert max(b[2] for b in boxes) <= width - MARGIN * 72 / 25.4 + 1


@pytest.mark.fast
def test_a_pdf_table_of_long_sentences_wraps_inside_the_page():
    """Two columns, the second a long sentence (what changed between sessions, a fault's cue): the second
    column's cells wrap onto more lines, every line ends inside the margin, and every word is set."""
    from screening.report import MARGIN, _pdf_class

    sentence = ("the knee moved inward past the second toe on the way down and again at the bottom of the lunge, "
                "more on the left than on the right, in four of the six repetitions filmed today, and the pelvis dropped "
                "on the side of the back leg while the trunk leaned toward the front leg to keep the balance")
    pdf = _pdf_class()()
    pdf.grid(["rep", "what was seen"], [["rep 1", sentence], ["rep 2", "no fault"]])
    text, boxes, width = _chars(bytes(pdf.output()))
    assert max(b[2] for b in boxes) <= width - MARGIN * 72 / 25.4 + 1
    assert len(text.splitlines()) >= 5  # wrapped
    words = " ".join(text.split())
    assert words.split().count("repetitions") == 1 and sentence in words and "no fault" in words


@pytest.mark.rendered
def test_pdf_report_is_real_text_naming_the_client_the_clinician_and_the_dates(stored, tmp_path, capsys):
    """Issue 26: the PDF's words are text a reader can search, copy and hear (not pictures of text), with the
    client's and the clinician's names (not ASCII) and the dates, the verdict first, sources named as
    published (never the repository's files), and the key frame's evidence in units."""
    out = tmp_path / "report.pdf"
    session, made = report_of(stored, out)
    capsys.readouterr()
    text = pdf_text(out)
    assert "Hold: lunge level 2 (split squat), front loaded" in text
    assert text.index("Hold:") < text.index("Recommendation") < text.index("Why")  # the verdict first
    assert CLIENT in text and CLINICIAN in text and session in text and any(d in text for d in made)
    assert text.index(CLIENT) < text.index("Hold:")  # in the header
    for bad in NOT_FOR_READERS:
        assert bad not in text, bad
    assert "Herrington 2014" in text and "push it gently out" in text  # the fault's source and its cue
    assert not re.search(r"\d+\.\d\d vs", text)
    # the key frame's caption says what is drawn on it, in words and units
    assert re.search(r"knee valgus \(FPPA\) 1[34]° \(limit 10°", text), text


@pytest.mark.rendered
def test_html_report_names_the_client_the_clinician_the_dates_and_no_files(stored, tmp_path, capsys):
    out = tmp_path / "report.html"
    session, made = report_of(stored, out)
    capsys.readouterr()
    page = re.sub(r'src="data:[^"]+"', "", out.read_text(encoding="utf-8"))  # the words, not the pictures' bytes
    assert CLIENT in page and CLINICIAN in page and session in page and any(d in page for d in made)
    for bad in NOT_FOR_READERS:
        assert bad not in page, bad
    assert "Herrington 2014" in page
    assert re.search(r"knee valgus \(FPPA\) 1[34]° \(limit 10°", page)


@pytest.mark.rendered
def test_the_key_frame_says_its_faults_in_units_not_in_raw_numbers(analysed):
    """The key frame's label read "77.57 vs 20.00": now the measure, its value and its limit in units."""
    assert DRAWN, "the analysis drew nothing"
    assert not [s for s in DRAWN if re.search(r"\d+\.\d\d vs", s)]
    assert any(re.fullmatch(r"knee caves in \(knee valgus\), (possible )?minor: knee valgus 1[34] deg \(limit 10 deg\)", s)
               for s in DRAWN), DRAWN


@pytest.mark.fast
def test_every_source_is_named_in_words_not_as_a_file():
    """Every source a report can cite (each measure's, its accuracy's, each threshold's) is said as its
    published source or as the tool's own measurement, never as one of the repository's files."""
    from screening.config import load_thresholds
    from screening.registry import METRICS
    from screening.report import in_words

    th = load_thresholds()
    texts = [m.source for m in METRICS] + [m.uncertainty_source for m in METRICS if m.uncertainty_source]
    texts += [v for section in th.values() for rule in section.values() if isinstance(rule, dict)
              for k, v in rule.items() if k.endswith("source")]
    assert len(texts) > 40
    for source in texts:
        words = in_words(source)
        assert words and not re.search(r"\.md\b|\.toml|\.py\b|bench/|screening/", words), (source, words)
    assert in_words("metrics.md Lunge; Herrington 2014") == "Herrington 2014"
    assert "Functional Movement Screen" in in_words("metrics.md Lunge; FMS in-line lunge")
    own = in_words("my clinic's values (my_thresholds.toml, see notes.md)")  # a user's own files go too
    assert own == "my clinic's values", own
