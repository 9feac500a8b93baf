"""The screening report a clinician can hand over: Screens (one, or several of one person over time) ->
HTML or PDF.

One content model (:class:`Report`, built by :func:`build_report` from the Screens) and two renderers:
:func:`to_html` (one self-contained file: images and the ladder are inside it) and :func:`to_pdf` (A4, set
with fpdf2: real text a reader can search, copy and have read aloud, in DejaVu Sans for names in any
European script). What it shows:

- who and when: the client's name (when known), the clinician's, the dates of the session(s) and of the report;
- the recommendation in plain words, and the exact next step;
- the continuum drawn as a ladder, today's position marked and the next step highlighted; with several
  results of one person, the path along the ladder session by session;
- the worst rep's key frame with its measures drawn on it;
- a per-rep table, the plots, each fault with its evidence (value against threshold, rep, time) and the
  source of its threshold, named as published (:func:`in_words`: never one of this repository's files);
  the notes that qualify the numbers.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from .continuum import NOT_CHECKED
from .errors import ScreeningError
from .ladder import Continuum, load_continuum, short_name
from .present import VERDICT_COLOURS, evidence, fault_text, glossary, rep_table, sentence, severity_words
from .registry import fault_words, key_metrics, metric
from .screen import Screen

VERDICT_WORDS = {
    "progress": "Progress",
    "hold": "Hold",
    "regress": "Step back",
    "refer": "Refer to a clinician",
}


@dataclass
class Report:
    title: str
    subtitle: str
    pattern: str
    verdict: str | None
    headline: str
    recommendation: list[str]
    next_step: str
    reasons: list[str]
    ladder: list[tuple[int, str, str]]  # (level, short name, what it asks), floor first
    path: list[tuple[int, int, str, str]]  # (level, load index, date, verdict) per session, oldest first
    next_position: tuple[int, int] | None  # (level, load index)
    loads: list[str]
    key_frame: bytes | None
    key_frame_caption: str
    key_frame_title: str
    table_head: list[str]
    table_rows: list[list[str]]
    faults: list[dict]
    plots: list[tuple[str, bytes]]
    notes: list[str] = field(default_factory=list)
    glossary: list[tuple[str, str, str]] = field(default_factory=list)  # (measure, definition, source)
    client: str = ""  # the client's name, as stored ("" when not known: a report of result files)
    clinician: str = ""  # the clinician's name ("" when not given)
    session_dates: str = ""  # "2026-09-01", or "2026-09-01 to 2026-10-13 (3 sessions)"
    made: str = ""  # the date the report was made
    load_words: list[str] = field(default_factory=list)  # each load position in the continuum's words
    load_labels: list[str] = field(default_factory=list)  # ... and in a word or two (the ladder's columns)

    def who_and_when(self) -> list[tuple[str, str]]:
        """The header's (label, value) pairs: client, clinician, session(s), report; unknown names left out."""
        out = [("Client", self.client), ("Clinician", self.clinician),
               ("Sessions" if " to " in self.session_dates else "Session", self.session_dates),
               ("Report made", self.made)]
        return [(k, v) for k, v in out if v]


# ------------------------------------------------------------------------------ sources, in words
#: the abbreviations the sources use, as a reader who has not met them finds them
_ABBREVIATIONS = [
    (r"\bFMS\b( in-line lunge)?", r"Functional Movement Screen\1 (Cook et al. 2014)"),
    (r"\bSFMA\b:?\s*", "Selective Functional Movement Assessment (SFMA): "),
    (r"\(SSI\)", "(Stoop-Squat Index)"),
    (r"; SSI\b", "; Stoop-Squat Index"),
]
#: the specification's topics that cite their published source there, not beside the topic
_SPEC_TOPICS = {
    "depth": "depth: the rear knee near the floor (Kritz 2009)",
    "mixes hip, pelvis and spine flexion": "trunk against thigh, which mixes hip, pelvis and spine flexion",
    "depth, thigh parallel": "depth: the thigh parallel to the floor (Kritz 2009)",
    "waiter's bow: hips 50-70 deg": "waiter's bow: hips 50-70° without lumbar flexion (Luomajoki 2007, Monnier 2012)",
}
#: how the tool's own measurements are said (they were measured with this repository's benchmarks)
_OWN_WORDS = [
    (r"^labelled real barbell deadlifts", "this tool's own measurement on labelled real barbell deadlifts"),
    (r"mean absolute error on the rendered corpus", "mean absolute error measured on rendered clips of bodies "
                                                    "with known angles"),
    (r"\brendered corpus\b", "rendered clips of bodies with known angles"),
    (r"^rendered population\b", "measured on rendered test bodies"),
    (r"\b(?:the )?rendered population\b", "rendered test bodies"),
    (r"\bthis project's\b", "this tool's"),
    (r"\bthis project\b", "this tool"),
]
#: a file of this repository (or a user's), named in a text: "bench/accuracy.md", "thresholds.toml", "../x.py"
_FILE = r"(?:\.\./)*(?:[\w.-]+/)*[\w.-]+\.(?:md|toml|py|json|csv)\b"
_SPEC = re.compile(r"^(?:\.\./)*(?:shared/spec/)?(metrics|continuum|result-contract)\.md"
                   r"(?:\s+(Hinge|Lunge|Both|Score|View))?\s*([;:,]?)\s*(.*)$", re.S)
_CITES = re.compile(r"\b(1[89]|20)\d\d\b|Functional Movement Screen|Selective Functional|coaching norm|this tool")


def _words(text: str) -> str:
    """``text`` with the tool's own measurements said in words and no file of this repository named in it
    (a parenthesis that only named a file goes with it); degrees as °."""
    for pattern, words in _OWN_WORDS:
        text = re.sub(pattern, words, text)
    text = re.sub(r"\s*\((?:see\s+)?" + _FILE + r"(?:[,;][^()]*)?\)", "", text)
    text = re.sub(r"\s*\b(?:see\s+)?" + _FILE, "", text)
    text = re.sub(r"(?<![\w/])(?:bench|screening|tools|tests|docs)/\S*", "", text)
    text = re.sub(r"(\d)\s?deg\b", "\\1°", text)
    text = re.sub(r"~\s*", "about ", text).replace(" +- ", " ± ")
    text = re.sub(r"\(\s*[,;:]?\s*\)", "", text)
    text = re.sub(r"\s+([,;:.)])", r"\1", re.sub(r"\s{2,}", " ", text))
    return text.strip().strip(",;:").strip()


def in_words(source: str, unsourced: str = "this tool's starting point (no published value)") -> str:
    """A source as a reader can look it up: the published work it names (the specification's file name
    and section dropped: "metrics.md Lunge; Herrington 2014" -> "Herrington 2014"; abbreviations spelt
    out: FMS -> Functional Movement Screen (Cook et al. 2014)), or the tool's own measurement in words
    ("measured on rendered clips of bodies with known angles"); never one of the repository's files.
    ``unsourced``: what a source that names nothing but the specification says."""
    text = " ".join(str(source or "").split())
    m = _SPEC.match(text)
    if m:
        kind, section, sep, rest = m.groups()
        if rest.startswith("(") and rest.endswith(")") and rest.count("(") == 1:
            rest = rest[1:-1]
        rest = _SPEC_TOPICS.get(rest, rest)
        for pattern, words in _ABBREVIATIONS:
            rest = re.sub(pattern, words, rest, count=1)
        if kind == "continuum":
            text = f"the movement continuum ({(section or '').lower() or 'both patterns'})" + (f": {rest}" if rest else "")
        elif section == "Score":
            text = "Functional Movement Screen scoring (Cook et al. 2014)" + (f": {rest}" if rest else "")
        elif rest and sep != ";" and not _CITES.search(rest):
            text = f"this tool's definition: {rest}"
        else:
            text = rest
    else:
        for pattern, words in _ABBREVIATIONS:
            text = re.sub(pattern, words, text, count=1)
    text = _words(text)
    return text or unsourced


def glossary_words(pattern: str) -> list[tuple[str, str, str]]:
    """What each measure of ``pattern`` means and where its threshold comes from, as every surface a person
    reads says it (:func:`in_words`: no file of this repository named)."""
    return [(label, _words(definition), in_words(source, "this tool's own measure"))
            for label, definition, source in (glossary(pattern) if pattern in ("hinge", "lunge") else [])]


def _clean_name(name: str | None) -> str:
    """A person's name as a report prints it: NFC, one space between words, no control or invisible
    characters ("" for none)."""
    text = unicodedata.normalize("NFC", " ".join(str(name or "").split()))
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"))


def _plain(verdict: str | None, placement: dict | None, cues: list[str], c: Continuum) -> list[str]:
    if placement is None:
        return ["No position on the continuum: no repetition could be scored in this clip. Film again (the whole "
                "body in view, side-on for a hinge, side-on or face-on for a lunge) or give the exercise."]
    nxt = placement.get("next", {})
    where = (f"level {nxt.get('level')} ({short_name(nxt.get('level_name', ''))}), "
             f"{c.load_name(nxt.get('load_position'))}")
    if verdict == "refer":
        return ["Pain was reported: stop here. See a clinician before loading this pattern again."]
    if verdict == "progress":
        unchecked = any(r.startswith(NOT_CHECKED) for r in placement.get("reasons", []))
        return ["Every repetition was free of the faults that could be measured; some were not checked (see why)."
                if unchecked else "Every repetition was free of faults: the pattern is organised at this level.",
                f"Next time, move on one step: {where}. Change one thing at a time (the load position before the "
                "body position)."]
    if verdict == "hold":
        out = ["Stay at this level for now."]
        if cues:
            out.append("Work on: " + "; ".join(cues) + ".")
        return out
    out = [f"Step back to {where} until the pattern is organised, then build up again."]
    if cues:
        out.append("Focus on: " + "; ".join(cues) + ".")
    return out


#: how a placement's reasons begin when a clinician changed its verdict (screening.store's override)
OVERRIDE_REASON = "Verdict changed by the clinician"


def _placement_dict(screen: Screen) -> dict | None:
    return screen.placement.as_dict() if screen.placement else None


def _local(when: dt.datetime) -> dt.datetime:
    """A Screen's time on this computer's clock (as every surface shows it)."""
    try:
        return when.astimezone()
    except (OverflowError, OSError, ValueError):
        return when


def _key_frame_caption(screen: Screen, rep_index: int, pattern: str) -> str:
    """What the key frame shows, in words: the rep, its measures and its faults against their limits (the
    picture's text, for a reader who cannot see it)."""
    rep = next((r for r in screen.reps if r.index == rep_index), None)
    head = f"Rep {rep_index + 1} at its bottom" + (", the rep with the most serious faults" if rep and rep.faults else "")
    if rep is None:
        return head + "."
    shown = [f"{m.label.split(' (')[0]} {m.show(rep.metrics.get(m.name))}" for m in key_metrics(pattern)
             if m.unit and rep.metrics.get(m.name) is not None and m.show(rep.metrics.get(m.name)) != "-"]
    faults = []
    for f in rep.faults:
        if f.code == "asymmetry":
            faults.append(f"{fault_words(f.code)}, {f.severity}: {f.value:.0f}% between legs (limit {f.threshold:.0f}%)")
            continue
        value, limit, what, _ = evidence(f, pattern)
        faults.append(f"{fault_words(f.code)}, {'possible ' if f.possible else ''}{f.severity}: {what} {value} "
                      f"(limit {limit})")
    said = "; ".join(shown + faults)
    return head + (f". Drawn on it: {said}." if said else ".")


def build_report(screens: list[Screen], continuum: Continuum | None = None, *, client: str | None = None,
                 clinician: str | None = None, made: dt.datetime | None = None) -> Report:
    """The report of one or several Screens of one person (the newest is reported in detail; the older
    ones draw the path along the continuum). Pictures come from each Screen's attachments. ``client`` and
    ``clinician``: their names for the header (left out when not given); ``made``: when the report is
    made (now)."""
    if not screens:
        raise ScreeningError("No result was given.", "Run: screening report RESULT.json [MORE.json ...] --out report.html")
    c = continuum or load_continuum()
    sessions = sorted(screens, key=lambda s: s.when)
    patterns = {s.pattern for s in sessions}
    if len(patterns) > 1:
        raise ScreeningError(f"The results are of different patterns ({', '.join(sorted(map(str, patterns)))}).",
                             "Make one report per pattern: the continuum is the pattern's.")
    now = sessions[-1]
    pattern = now.pattern or "unknown"
    placement = _placement_dict(now)
    verdict = now.verdict
    cues = list(now.placement.cues) if now.placement else []
    ladder = [(lv.level, short_name(lv.name), lv.asks) for lv in c.ladders.get(pattern, ())]
    loads = list(c.loads)
    path = [(s.placement.level, loads.index(s.placement.load_position), _local(s.when).strftime("%Y-%m-%d"),
             s.placement.verdict + (" (the clinician's)" if s.placement.measured_verdict is not None
                                    else "")) for s in sessions if s.placement]
    nxt = placement.get("next") if placement else None
    next_position = (nxt["level"], loads.index(nxt["load_position"])) if nxt else None
    table = rep_table(now)
    faults = [{"rep": rep.index + 1, "fault": f} for rep in now.reps for f in rep.faults]
    faults += [{"rep": "set", "fault": f} for f in (now.lunge.set_faults if now.lunge else [])]
    key = now.attachments.get("key_frame")
    key_rep = now.files.get("key_frame_rep")
    plots = [(caption, now.attachments[k]) for caption, k in
             [("Hip flexion against spinal flexion through each rep (hinge rhythm)", "rhythm_plot"),
              ("Each rep's measures against their fault thresholds", "threshold_plot")] if k in now.attachments]
    score = now.reported_score
    video = Path(now.video.path).name
    title = f"Movement screen: {pattern}"
    subtitle = (f"{video} - {_local(now.when).strftime('%Y-%m-%d %H:%M')} - {len(now.reps)} reps - score "
                f"{score if score is not None else 'none'}" + (f" - {len(sessions)} sessions" if len(sessions) > 1 else ""))
    if placement:
        assert verdict is not None  # a placement has a verdict
        headline = (f"{VERDICT_WORDS[verdict]}: {pattern} level {placement['level']} "
                    f"({short_name(placement['level_name'])}), {c.load_name(placement['load_position'])}")
    else:
        headline = "No placement"
    notes = [_words(n) for n in list(now.placement_notes) + list(now.analysis_notes) + list(now.person.notes)]
    days = sorted({_local(s.when).strftime("%Y-%m-%d") for s in sessions})
    dates = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]} ({len(sessions)} sessions)"
    terms = glossary_words(pattern)
    return Report(title, subtitle, pattern, verdict, headline, [_words(x) for x in _plain(verdict, placement, cues, c)],
                  _words(placement["next_step"]) if placement else "",
                  [sentence(_words(x)) for x in placement["reasons"]] if placement else [],
                  ladder, path, next_position, loads, key,
                  _key_frame_caption(now, key_rep, pattern) if key and key_rep is not None else "",
                  "The worst rep" if any(rep.faults for rep in now.reps) else "A rep at its bottom",
                  table.headings, table.text(), faults, plots, notes, terms,
                  client=_clean_name(client), clinician=_clean_name(clinician), session_dates=dates,
                  made=(made or dt.datetime.now()).astimezone().strftime("%Y-%m-%d"),
                  load_words=[c.load_name(k) for k in loads], load_labels=[c.load_label(k) for k in loads])


def _fault_rows(rep: Report) -> list[tuple]:
    """(rep, fault, severity, measured, threshold, measure, source) per fault, in words and units."""
    rows = []
    for item in rep.faults:
        f = item["fault"]
        if f.code == "asymmetry":
            what = metric(f.metric, "lunge").label if f.metric else ""
            rows.append((item["rep"], f"{fault_words(f.code)} ({f.leg} leg worse)", f.severity, f"{f.value:.0f}%",
                         f"{f.threshold:.0f}%", what, in_words(f.source)))
            continue
        value, limit, what, m = evidence(f, rep.pattern)
        rows.append((item["rep"], fault_words(f.code), severity_words(f, m), value, limit, what, in_words(f.source)))
    return rows


# ---------------------------------------------------------------------------------------------- HTML
def ladder_svg(rep: Report, width: int = 640) -> str:
    """The ladder, floor at the bottom: a rung per level with its load positions as cells; today's
    position filled, the next step outlined in green, earlier sessions numbered along the path."""
    n = len(rep.ladder)
    rung_h, name_w, cell_w = 34, 250, (width - 250 - 10) / max(1, len(rep.loads))
    h = n * rung_h + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}" '
           f'font-family="sans-serif" font-size="12" role="img" aria-label="the {rep.pattern} continuum">']
    for i in range(len(rep.loads)):
        x = name_w + i * cell_w + cell_w / 2
        out.append(f'<text x="{x:.0f}" y="14" text-anchor="middle" fill="#555">{html.escape(rep.load_labels[i])}</text>')
    current = (rep.path[-1][0], rep.path[-1][1]) if rep.path else None

    def xy(level: int, load: int) -> tuple[float, float]:
        return name_w + load * cell_w, 24 + (n - 1 - level) * rung_h

    for level, name, _ in rep.ladder:
        _, y = xy(level, 0)
        out.append(f'<text x="4" y="{y + 21:.0f}" fill="#222">{level}  {html.escape(name)}</text>')
        for j in range(len(rep.loads)):
            x, _ = xy(level, j)
            fill = "#1f6feb" if current == (level, j) else "#f2f2f2"
            stroke, sw = ("#2da44e", 4) if rep.next_position == (level, j) and current != (level, j) else ("#ccc", 1)
            out.append(f'<rect x="{x + 2:.0f}" y="{y + 3:.0f}" width="{cell_w - 4:.0f}" height="{rung_h - 6}" '
                       f'rx="4" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>')
    pts = [xy(lv, ld) for lv, ld, _, _ in rep.path]
    if len(pts) > 1:
        # the path runs low in the cells, under their labels
        poly = " ".join(f"{x + cell_w / 2:.0f},{y + rung_h - 9:.0f}" for x, y in pts)
        out.append(f'<polyline points="{poly}" fill="none" stroke="#d29922" stroke-width="2" stroke-dasharray="4 3"/>')
    for (level, load), label, last in _cell_labels(rep):
        x, y = xy(level, load)
        out.append(f'<text x="{x + cell_w / 2:.0f}" y="{y + rung_h / 2 + 4:.0f}" text-anchor="middle" '
                   f'font-weight="bold" fill="{"#fff" if last else "#d29922"}">{label}</text>')
    out.append("</svg>")
    return "".join(out)


def _cell_labels(rep: Report) -> list[tuple[tuple[int, int], str, bool]]:
    """The sessions' numbers per ladder cell ("1, 2" where two sessions stood at the same place; "today"
    with a single session), and whether the cell is today's."""
    cells: dict[tuple[int, int], list[int]] = {}
    for k, (level, load, _, _) in enumerate(rep.path):
        cells.setdefault((level, load), []).append(k + 1)
    last = (rep.path[-1][0], rep.path[-1][1]) if rep.path else None
    if len(rep.path) == 1:
        assert last is not None  # the one session's cell
        return [(last, "today", True)]
    return [(cell, ", ".join(map(str, ks)), cell == last) for cell, ks in cells.items()]


def _img(data: bytes, mime: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:{mime};base64,{base64.b64encode(data).decode()}">'


#: the report's last words: where it was made, what it holds, where its numbers come from
FOOTER = ("Made by screening on this computer; nothing was uploaded. It holds a frame of the video: keep it as you "
          "keep the video. Each threshold is a starting point the clinician can change; its published source is "
          "named beside it.")

CSS = ("body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222;line-height:1.4}"
       "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
       "th{background:#f6f8fa}td:last-child,th:last-child{text-align:left}"
       ".verdict{color:#fff;padding:10px 14px;border-radius:6px;font-size:20px}"
       ".next{border:3px solid #2da44e;padding:8px 12px;border-radius:6px;margin:10px 0}img{max-width:100%}"
       "small{color:#57606a}.who{margin:0}")


def to_html(rep: Report) -> str:
    e = html.escape
    colour = VERDICT_COLOURS.get(rep.verdict or "no verdict", VERDICT_COLOURS["no verdict"])
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{e(rep.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(rep.title)}</h1>",
        '<p class="who">' + " · ".join(f"<b>{e(k)}:</b> {e(v)}" for k, v in rep.who_and_when()) + "</p>",
        f"<p><small>{e(rep.subtitle)}</small></p>",
        f'<div class="verdict" style="background:{colour}">{e(rep.headline)}</div>',
        "<h2>Recommendation</h2>", *(f"<p>{e(p)}</p>" for p in rep.recommendation),
    ]
    if rep.next_step:
        parts.append(f'<div class="next"><b>Next step.</b> {e(rep.next_step)}</div>')
    if rep.ladder:
        parts += [f"<h2>Where on the {e(rep.pattern)} continuum</h2>", ladder_svg(rep),
                  "<p><small>Rungs from the floor (rehab) to the ceiling (performance); cells are the load positions, "
                  "easiest first. Blue: today. Green outline: the next step."
                  + (" Numbers: the sessions, oldest first." if len(rep.path) > 1 else "") + "</small></p>"]
    if len(rep.path) > 1:
        parts += ["<p><small>Sessions: "
                  + "; ".join(f"{k + 1}. {e(d)}: level {lv}, {e(rep.load_words[ld])}, {e(v)}"
                              for k, (lv, ld, d, v) in enumerate(rep.path)) + ".</small></p>"]
    if rep.reasons:
        parts += ["<h2>Why</h2><ul>", *(f"<li>{e(x)}</li>" for x in rep.reasons), "</ul>"]
    if rep.key_frame:
        parts += [f"<h2>{e(rep.key_frame_title)}</h2>", _img(rep.key_frame, "image/jpeg", rep.key_frame_caption),
                  f"<p><small>{e(rep.key_frame_caption)}</small></p>"]
    if rep.table_rows:
        parts += ["<h2>Repetitions</h2><table><tr>", *(f"<th>{e(h)}</th>" for h in rep.table_head), "</tr>"]
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rep.table_rows]
        parts.append("</table>")
    if rep.faults:
        parts += ["<h2>Faults, with their evidence</h2><table><tr><th>rep</th><th>fault</th><th>severity</th>"
                  "<th>measured</th><th>threshold</th><th>measure</th><th>source of the threshold</th></tr>"]
        for row in _fault_rows(rep):
            parts.append("<tr>" + "".join(f"<td>{e(str(x))}</td>" for x in row) + "</tr>")
        parts.append("</table>")
    if rep.glossary:
        parts += ["<h2>What the measures mean</h2><table><tr><th>measure</th><th>definition</th><th>source</th></tr>"]
        parts += ["<tr>" + "".join(f"<td>{e(x)}</td>" for x in row) + "</tr>" for row in rep.glossary]
        parts.append("</table>")
    for caption, data in rep.plots:
        parts += [f"<h2>{e(caption)}</h2>", _img(data, "image/png", caption)]
    if rep.notes:
        parts += ["<h2>Notes on the measurement</h2><ul>", *(f"<li><small>{e(n)}</small></li>" for n in rep.notes), "</ul>"]
    parts.append(f"<p><small>{e(FOOTER)}</small></p></body></html>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------- PDF
#: A4, in millimetres, and the margins
PAGE = (210.0, 297.0)
MARGIN = 18.0
#: the smallest type a PDF table is set in (pt); a table wider than the page in it is split
TABLE_MIN_SIZE = 7.0
#: the text's colours (RGB)
INK, GREY = (34, 34, 34), (87, 96, 106)
NBSP = "\u00a0"
#: the verdicts' colours (screening.present.VERDICT_COLOURS, the page's) as the PDF sets them (RGB)
VERDICT_RGB = {verdict: tuple(int(hex_[i:i + 2], 16) for i in (1, 3, 5)) for verdict, hex_ in VERDICT_COLOURS.items()}
#: fonts a computer may have for the scripts DejaVu Sans lacks (Chinese, Japanese, Korean names): used when
#: present, nothing is ever downloaded
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/Library/Fonts/Arial Unicode.ttf", "C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/malgun.ttf")


def _font_files() -> tuple[Path, Path] | None:
    """DejaVu Sans, regular and bold, as matplotlib ships it (a dependency: mediapipe's, and the
    project's own for this): Latin, Greek and Cyrillic with every accent, and the degree sign. Found
    without importing matplotlib."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        ttf = Path(folder) / "mpl-data" / "fonts" / "ttf"
        regular, bold = ttf / "DejaVuSans.ttf", ttf / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _pdf_class():
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class Pdf(FPDF):
        """An A4 document with a cursor (fpdf2 breaks pages): headings kept with what follows them, text
        that wraps, tables split when too wide, pictures with their alternative text, and a footer naming
        the client, the date and the page on every page."""

        def __init__(self, footer: str = ""):
            super().__init__(orientation="P", unit="mm", format="A4")
            self.footer_text = footer
            self.set_margins(MARGIN, 16, MARGIN)
            self.set_auto_page_break(True, margin=16)
            fonts = _font_files()
            if fonts:
                self.add_font("DejaVu", "", str(fonts[0]))
                self.add_font("DejaVu", "B", str(fonts[1]))
                self.family_name, self.unicode = "DejaVu", True
                fallback = []
                for k, path in enumerate(p for p in CJK_FONTS if Path(p).is_file()):
                    try:
                        self.add_font(f"CJK{k}", "", path)
                        fallback.append(f"CJK{k}")
                    except Exception:  # a font fpdf2 cannot read: without it, as before
                        continue
                    break
                if fallback:
                    self.set_fallback_fonts(fallback, exact_match=False)
            else:  # no DejaVu Sans: the PDF's own Helvetica, in Latin-1 (an accent outside it becomes "?")
                self.family_name, self.unicode = "Helvetica", False
            self.add_page()

        @property
        def width(self) -> float:
            return self.w - self.l_margin - self.r_margin

        def t(self, s) -> str:
            """Text the font can set (all of it with DejaVu Sans)."""
            s = str(s)
            if self.unicode:
                return s
            s = s.replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-").replace("\u2026", "...")
            return s.encode("latin-1", "replace").decode("latin-1")

        def can_set(self, s: str) -> bool:
            """Whether the fonts have a glyph for every character of ``s`` (a Chinese name needs a CJK font
            on this computer)."""
            if not self.unicode:
                return all(ord(ch) < 256 for ch in s)
            fonts = [self.fonts[k] for k in ("dejavu", *(f.lower() for f in self._cjk_fonts()))
                     if k in self.fonts]
            return all(ch.isspace() or any(ord(ch) in getattr(f, "cmap", {}) for f in fonts) for ch in s)

        def _cjk_fonts(self) -> list[str]:
            return [f for f in self.fonts if f.startswith("cjk")]

        def style(self, size: float, bold: bool = False, colour=INK):
            self.set_font(self.family_name, "B" if bold else "", size)
            self.set_text_color(*colour)

        def footer(self):
            self.set_y(-11)
            self.style(7.5, colour=GREY)
            self.cell(0, 4, self.t(f"{self.footer_text}   page {self.page_no()} of {{nb}}".strip()), align="C")

        def para(self, s: str, size: float = 10.5, colour=INK, bold: bool = False, gap: float = 1.6,
                 indent: float = 0.0, bullet: bool = False):
            self.style(size, bold, colour)
            h = size * 0.47
            if bullet:
                self.set_x(self.l_margin + indent)
                self.cell(4, h, "\u2022" if self.unicode else "-")
                indent += 4
            self.set_x(self.l_margin + indent)
            self.multi_cell(self.width - indent, h, self.t(s), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(gap)

        def heading(self, s: str, keep: float = 25.0):
            """A section heading kept on the page with the first ``keep`` mm of what follows it."""
            if self.will_page_break(10 + keep):
                self.add_page()
            self.ln(2)
            self.start_section(self.t(s))  # the PDF's outline (bookmarks): a reader can jump to it
            self.para(s, 13.5, bold=True, gap=1.0)

        def band(self, s: str, colour):
            """The verdict: white bold text on a rounded band of the verdict's colour."""
            self.style(14, True, (255, 255, 255))
            # fpdf's multi_cell is typed as every output= it can give: "LINES" gives the lines
            lines = cast(list[str], self.multi_cell(self.width - 8, 6.6, self.t(s), dry_run=True, output="LINES"))
            h = len(lines) * 6.6 + 6
            if self.will_page_break(h + 2):
                self.add_page()
            self.set_fill_color(*colour)
            self.rect(self.l_margin, self.y, self.width, h, style="F", round_corners=True, corner_radius=2.0)
            self.set_xy(self.l_margin + 4, self.y + 3)
            self.multi_cell(self.width - 8, 6.6, self.t(s), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(5)

        def boxed(self, label: str, s: str, colour=(45, 164, 78)):
            """A paragraph in a rounded frame of ``colour`` (the next step), its label in bold."""
            self.style(10.5)
            text = self.t(f"{label} {s}")
            lines = cast(list[str], self.multi_cell(self.width - 8, 5, text, dry_run=True, output="LINES"))  # as in band()
            h = len(lines) * 5 + 5
            if self.will_page_break(h + 2):
                self.add_page()
            self.set_draw_color(*colour)
            self.set_line_width(0.8)
            self.rect(self.l_margin, self.y, self.width, h, style="D", round_corners=True, corner_radius=2.0)
            self.set_xy(self.l_margin + 4, self.y + 2.5)
            self.multi_cell(self.width - 8, 5, f"**{self.t(label)}** {self.t(s)}", align="L", markdown=True,
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_line_width(0.2)
            self.ln(4)

        def picture(self, data: bytes, alt: str, max_h: float = 110.0, title: str | None = None):
            """A picture as wide as the text (at most ``max_h`` mm high), with its heading on its page and
            ``alt`` as its alternative text (what a screen reader says)."""
            from PIL import Image

            with Image.open(io.BytesIO(data)) as im:
                iw, ih = im.size
            w = min(self.width, max_h * iw / ih)
            h = w * ih / iw
            if title:
                self.heading(title, h + 4)
            elif self.will_page_break(h + 2):
                self.add_page()
            self.image(io.BytesIO(data), x=self.l_margin + (self.width - w) / 2, y=self.y, w=w, h=h,
                       alt_text=self.t(alt))
            self.set_y(self.y + h + 2)

        def grid(self, head: list[str], rows: list[list[str]], size: float = 9.0, last_wraps: bool = True):
            """A table as wide as it needs (the last column takes what is left and wraps); one wider than the
            page in the smallest type continues in a second table below, the first column (the rep) repeated."""
            from fpdf.fonts import FontFace

            self.style(size)
            pad = 2.4
            cols = [max(self.get_string_width(self.t(r[j])) for r in [head, *rows]) + 2 * pad for j in range(len(head))]
            if sum(cols) > self.width and size > TABLE_MIN_SIZE:
                return self.grid(head, rows, max(TABLE_MIN_SIZE, size * self.width / sum(cols)), last_wraps)
            if sum(cols) > self.width and len(head) > 2:
                fit = max(2, sum(1 for k in range(len(cols)) if sum(cols[:k + 1]) <= self.width))
                if fit < len(head) or not last_wraps:
                    self.grid(head[:fit], [r[:fit] for r in rows], size, last_wraps=False)
                    return self.grid([head[0], *head[fit:]], [[r[0], *r[fit:]] for r in rows], size, last_wraps)
            if sum(cols) > self.width:  # the last column wraps in what is left of the page
                cols[-1] = max(self.width - sum(cols[:-1]), 6 * size * 0.35)
            width = min(self.width, sum(cols))
            if self.will_page_break(3 * size * 0.6):
                self.add_page()
            with self.table(width=width, col_widths=cols, align="LEFT", text_align="LEFT", padding=(0.8, pad / 2),
                            borders_layout="HORIZONTAL_LINES", line_height=size * 0.5,
                            headings_style=FontFace(emphasis="", color=GREY, fill_color=(246, 248, 250))) as table:
                for row in [head, *rows]:
                    cells = table.row()
                    for cell in row:
                        cells.cell(self.t(cell))
            self.ln(3)

        def ladder(self, rep: Report):
            """The ladder of :func:`ladder_svg` in the PDF's own drawing: rungs floor at the bottom, the load
            positions as cells, today's cell filled, the next step outlined in green; every word real text."""
            n, cols = len(rep.ladder), len(rep.loads)
            name_w, rung_h, top = 58.0, 7.4, 6.0
            cell_w = (self.width - name_w) / cols
            h = top + n * rung_h + 2
            if self.will_page_break(h):
                self.add_page()
            x0, y0 = self.l_margin, self.y
            self.style(7.5, colour=(85, 85, 85))
            for j in range(len(rep.loads)):
                self.set_xy(x0 + name_w + j * cell_w, y0)
                self.cell(cell_w, top - 1, self.t(rep.load_labels[j]), align="C")
            current = (rep.path[-1][0], rep.path[-1][1]) if rep.path else None
            labels = {cell: (label, last) for cell, label, last in _cell_labels(rep)} if rep.path else {}

            def xy(level: int, load: int) -> tuple[float, float]:
                return x0 + name_w + load * cell_w, y0 + top + (n - 1 - level) * rung_h

            for level, name, _ in rep.ladder:
                _, y = xy(level, 0)
                self.style(8.5)
                self.set_xy(x0, y)
                self.cell(name_w, rung_h, self.t(f"{level}  {name}"))
                for j in range(cols):
                    x, _ = xy(level, j)
                    nxt = rep.next_position == (level, j) and current != (level, j)
                    self.set_fill_color(*((31, 111, 235) if current == (level, j) else (242, 242, 242)))
                    self.set_draw_color(*((45, 164, 78) if nxt else (204, 204, 204)))
                    self.set_line_width(0.9 if nxt else 0.2)
                    self.rect(x + 0.8, y + 0.8, cell_w - 1.6, rung_h - 1.6, style="DF", round_corners=True,
                              corner_radius=1.2)
            self.set_line_width(0.2)
            pts = [xy(lv, ld) for lv, ld, _, _ in rep.path]
            if len(pts) > 1:  # the path, low in the cells under their labels
                self.set_draw_color(210, 153, 34)
                self.set_line_width(0.5)
                with self.local_context(dash_pattern=dict(dash=1.2, gap=0.9)):
                    for (xa, ya), (xb, yb) in zip(pts, pts[1:]):
                        self.line(xa + cell_w / 2, ya + rung_h - 2, xb + cell_w / 2, yb + rung_h - 2)
                self.set_line_width(0.2)
            for (level, load), (label, last) in labels.items():
                x, y = xy(level, load)
                self.style(8.5, True, (255, 255, 255) if last else (210, 153, 34))
                self.set_xy(x, y)
                self.cell(cell_w, rung_h - 0.6, self.t(label), align="C")
            self.set_xy(x0, y0 + h)
            self.ln(1)

    return Pdf


def to_pdf(rep: Report) -> bytes:
    """The report as an A4 PDF of real text (fpdf2; DejaVu Sans): the verdict first, then the
    recommendation and the next step, the ladder, the reasons, the key frame, the tables and the sources.
    Headings are the PDF's outline; pictures carry their alternative text."""
    pdf = _pdf_class()(" · ".join(v for k, v in rep.who_and_when() if k in ("Client", "Session", "Sessions")))
    pdf.set_title(pdf.t(rep.title + (f": {rep.client}" if rep.client else "")))
    pdf.set_author(pdf.t(rep.clinician or "screening"))
    pdf.set_subject(pdf.t(rep.headline))
    pdf.set_creator("screening")
    pdf.set_lang("en")
    pdf.para(rep.title, 20, bold=True, gap=1.0)
    who = rep.who_and_when()
    if who:
        pdf.style(10.5)
        # each label kept on its line with its value (no-break spaces)
        pdf.multi_cell(pdf.width, 5.2, "   ".join(
            f"**{pdf.t(k).replace(' ', NBSP)}:**{NBSP}{pdf.t(v if k in ('Client', 'Clinician') else v.replace(' ', NBSP))}"
            for k, v in who), align="L", markdown=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.6)
        unset = [k.lower() for k, v in who if not pdf.can_set(v)]
        if unset:
            pdf.para(f"Part of the {' and the '.join(unset)}'s name is in a script this computer has no font for: "
                     "the name is in full in the document's title (its properties).", 8.5, GREY, gap=0.6)
    pdf.para(rep.subtitle, 8.5, GREY, gap=3)
    pdf.band(rep.headline, VERDICT_RGB.get(rep.verdict or "no verdict", VERDICT_RGB["no verdict"]))
    pdf.heading("Recommendation", 12)
    for p in rep.recommendation:
        pdf.para(p)
    if rep.next_step:
        pdf.boxed("Next step.", rep.next_step)
    if rep.ladder:
        pdf.heading(f"Where on the {rep.pattern} continuum", 8 + 7.4 * len(rep.ladder))
        pdf.ladder(rep)
        pdf.para("Rungs from the floor (rehab) to the ceiling (performance); cells are the load positions, easiest "
                 "first. Blue: today. Green outline: the next step." +
                 (" Numbers: the sessions, oldest first." if len(rep.path) > 1 else ""), 8.5, GREY)
    if len(rep.path) > 1:
        pdf.para("Sessions: " + "; ".join(f"{k + 1}. {d}: level {lv}, {rep.load_words[ld]}, {v}"
                                          for k, (lv, ld, d, v) in enumerate(rep.path)) + ".", 9, GREY)
    if rep.reasons:
        pdf.heading("Why")
        for x in rep.reasons:
            pdf.para(x, 10, bullet=True, gap=0.8)
    if rep.key_frame:
        pdf.picture(rep.key_frame, rep.key_frame_caption, 105, title=rep.key_frame_title)
        pdf.para(rep.key_frame_caption, 9, GREY)
    if rep.table_rows:
        pdf.heading("Repetitions")
        pdf.grid(rep.table_head, rep.table_rows)
    if rep.faults:
        pdf.heading("Faults, with their evidence")
        for row, item in zip(_fault_rows(rep), rep.faults):
            pdf.para(f"Rep {item['rep']}: {fault_text(item['fault'], rep.pattern)}. Source: {row[-1]}.", 9.5,
                     bullet=True, gap=0.8)
    if rep.glossary:
        pdf.heading("What the measures mean")
        for label, definition, source in rep.glossary:
            pdf.para(f"{label}: {definition}. Source: {source}.", 8.5, GREY, gap=0.8)
    for caption, data in rep.plots:
        pdf.picture(data, caption, 90, title=caption)
    if rep.notes:
        pdf.heading("Notes on the measurement")
        for n in rep.notes:
            pdf.para(n, 8.5, GREY, bullet=True, gap=0.6)
    pdf.ln(2)
    pdf.para(FOOTER, 8, GREY)
    return bytes(pdf.output())


def write_report(screens: list[Screen], out: str | Path, *, client: str | None = None,
                 clinician: str | None = None) -> Report:
    """Build the report of ``screens`` (of ``client``, by ``clinician``, where given) and write it to
    ``out`` (.html or .pdf, by its suffix)."""
    from .result import atomic_path

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise ScreeningError(f"The report must be .html or .pdf, not '{out.suffix or out.name}'.",
                             "Give --out report.html or --out report.pdf.")
    rep = build_report(screens, client=client, clinician=clinician)
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".pdf":
            tmp.write_bytes(to_pdf(rep))
        else:
            tmp.write_text(to_html(rep), encoding="utf-8")
    return rep
