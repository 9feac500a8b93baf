"""The screening report a clinician can hand over: Screens (one, or several of one person over time) ->
HTML or PDF.

One content model (:class:`Report`, built by :func:`build_report` from the Screens) and two renderers:
:func:`to_html` (one self-contained file: images and the ladder are inside it) and :func:`to_pdf` (pages
drawn with Pillow, A4). What it shows:

- the recommendation in plain words, and the exact next step;
- the continuum drawn as a ladder, today's position marked and the next step highlighted; with several
  results of one person, the path along the ladder session by session;
- the worst rep's key frame with its measures drawn on it;
- a per-rep table, the plots, each fault with its evidence (value against threshold, rep, time) and the
  source of its threshold; the notes that qualify the numbers.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from .continuum import Continuum, load_continuum, short_name
from .errors import ScreeningError
from .present import evidence, fault_text, glossary, rep_table, severity_words
from .registry import fault_words, metric
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


def _plain(verdict: str | None, placement: dict | None, cues: list[str]) -> list[str]:
    if placement is None:
        return ["No position on the continuum: no repetition could be scored in this clip. Film again (the whole "
                "body in view, side-on for a hinge, side-on or face-on for a lunge) or give the exercise."]
    nxt = placement.get("next", {})
    where = f"level {nxt.get('level')} ({short_name(nxt.get('level_name', ''))}), {str(nxt.get('load_position', '')).replace('_', ' ')}"
    if verdict == "refer":
        return ["Pain was reported: stop here. See a clinician before loading this pattern again."]
    if verdict == "progress":
        return ["Every repetition was free of faults: the pattern is organised at this level.",
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


def build_report(screens: list[Screen], continuum: Continuum | None = None) -> Report:
    """The report of one or several Screens of one person (the newest is reported in detail; the older
    ones draw the path along the continuum). Pictures come from each Screen's attachments."""
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
    path = [(s.placement.level, loads.index(s.placement.load_position), s.when.strftime("%Y-%m-%d"),
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
    subtitle = (f"{video} - {now.when.strftime('%Y-%m-%d %H:%M')} UTC - {len(now.reps)} reps - score "
                f"{score if score is not None else 'none'}" + (f" - {len(sessions)} sessions" if len(sessions) > 1 else ""))
    if placement:
        headline = (f"{VERDICT_WORDS[verdict]}: {pattern} level {placement['level']} "
                    f"({short_name(placement['level_name'])}), {placement['load_position'].replace('_', ' ')}")
    else:
        headline = "No placement"
    notes = list(now.placement_notes) + list(now.analysis_notes) + list(now.person.notes)
    return Report(title, subtitle, pattern, verdict, headline, _plain(verdict, placement, cues),
                  placement["next_step"] if placement else "", list(placement["reasons"]) if placement else [],
                  ladder, path, next_position, loads, key,
                  f"Rep {key_rep + 1} at its bottom" + (", the rep with the most serious faults" if faults else "")
                  if key and key_rep is not None else "",
                  "The worst rep" if any(rep.faults for rep in now.reps) else "A rep at its bottom",
                  table.headings, table.text(), faults, plots, notes, glossary(pattern) if pattern in ("hinge", "lunge") else [])


def _fault_rows(rep: Report) -> list[tuple]:
    """(rep, fault, severity, measured, threshold, measure, source) per fault, in words and units."""
    rows = []
    for item in rep.faults:
        f = item["fault"]
        if f.code == "asymmetry":
            what = metric(f.metric, "lunge").label if f.metric else ""
            rows.append((item["rep"], f"{fault_words(f.code)} ({f.leg} leg worse)", f.severity, f"{f.value:.0f}%",
                         f"{f.threshold:.0f}%", what, f.source))
            continue
        value, limit, what, m = evidence(f, rep.pattern)
        rows.append((item["rep"], fault_words(f.code), severity_words(f, m), value, limit, what, f.source))
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
    for i, ld in enumerate(rep.loads):
        x = name_w + i * cell_w + cell_w / 2
        out.append(f'<text x="{x:.0f}" y="14" text-anchor="middle" fill="#555">{html.escape(ld.replace("_", " "))}</text>')
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
        return [(last, "today", True)]
    return [(cell, ", ".join(map(str, ks)), cell == last) for cell, ks in cells.items()]


def _img(data: bytes, mime: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:{mime};base64,{base64.b64encode(data).decode()}">'


CSS = ("body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222;line-height:1.4}"
       "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
       "th{background:#f6f8fa}td:last-child,th:last-child{text-align:left}"
       ".verdict{color:#fff;padding:10px 14px;border-radius:6px;font-size:20px}"
       ".next{border:3px solid #2da44e;padding:8px 12px;border-radius:6px;margin:10px 0}img{max-width:100%}"
       "small{color:#57606a}")


def to_html(rep: Report) -> str:
    e = html.escape
    colour = {"progress": "#2da44e", "hold": "#d29922", "regress": "#cf222e", "refer": "#8250df"}.get(rep.verdict or "", "#57606a")
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{e(rep.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(rep.title)}</h1><p><small>{e(rep.subtitle)}</small></p>",
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
        parts += ["<p><small>Sessions: " + "; ".join(f"{k + 1}. {e(d)}: level {lv}, {e(rep.loads[ld].replace('_', ' '))}, {e(v)}"
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
    parts.append("<p><small>Made by screening on this computer; nothing was uploaded. It holds a frame of the "
                 "video: keep it as you keep the video. Thresholds and their sources: screening/data/thresholds.toml; "
                 "the continuum: screening/data/continuum.toml.</small></p></body></html>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------- PDF
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 80


#: the smallest type a PDF table is set in (px); a table wider than the page in it is split
TABLE_MIN_SIZE = 12


class _Pages:
    """Pillow pages with a cursor: text wraps, blocks move to a new page when they do not fit."""

    def __init__(self):
        self._fonts: dict = {}
        self.pages = []
        self._new()

    def _new(self):
        from PIL import Image, ImageDraw

        self.img = Image.new("RGB", PAGE, "white")
        self.draw = ImageDraw.Draw(self.img)
        self.pages.append(self.img)
        self.y = MARGIN

    def font(self, size: int):
        from PIL import ImageFont

        if size not in self._fonts:
            self._fonts[size] = ImageFont.load_default(size=size)
        return self._fonts[size]

    def need(self, h: int):
        if self.y + h > PAGE[1] - MARGIN:
            self._new()

    def text(self, s: str, size: int = 22, colour=(34, 34, 34), gap: int = 8, indent: int = 0):
        font = self.font(size)
        for ln in self._wrap(s, font, PAGE[0] - 2 * MARGIN - indent):
            self.need(size + 6)
            self.draw.text((MARGIN + indent, self.y), ln, fill=colour, font=font)
            self.y += size + 6
        self.y += gap

    def heading(self, s: str, keep: int = 120):
        """A section heading kept on the page with the first ``keep`` pixels of what follows it."""
        self.need(40 + keep)
        self.text(s, 28, gap=6)

    def table(self, head: list[str], rows: list[list[str]], size: int = 18):
        font = self.font(size)
        cols = [max(self.draw.textlength(str(r[j]), font=font) for r in [head, *rows]) + 18 for j in range(len(head))]
        width = PAGE[0] - 2 * MARGIN
        if sum(cols) > width and size > TABLE_MIN_SIZE:  # too wide: a smaller type
            return self.table(head, rows, max(TABLE_MIN_SIZE, int(size * width / sum(cols))))
        if sum(cols) > width and len(head) > 2:
            # still too wide in the smallest type: the columns that fit, then the others beside the first
            # (the rep's number) in a table of their own below
            fit = max(2, sum(1 for k in range(len(cols)) if sum(cols[:k + 1]) <= width))
            self.table(head[:fit], [r[:fit] for r in rows], size)
            return self.table([head[0], *head[fit:]], [[r[0], *r[fit:]] for r in rows], size)
        # the last column takes what is left of the page, its cells wrapped onto more lines where needed
        # (a two-column table of long sentences is still too wide in the smallest type)
        last = max(width - sum(cols[:-1]), 4 * size)
        for k, row in enumerate([head, *rows]):
            cells = [[str(c)] for c in row[:-1]] + [self._wrap(str(row[-1]), font, last - 18)]
            lines = max(len(c) for c in cells)
            self.need(lines * (size + 8))
            x = MARGIN
            for j, cell in enumerate(cells):
                for i, ln in enumerate(cell):
                    self.draw.text((x, self.y + i * (size + 8)), ln, font=font,
                                   fill=(87, 96, 106) if k == 0 else (34, 34, 34))
                x += cols[j]
            self.y += lines * (size + 8)
        self.y += 10

    def _wrap(self, s: str, font, width: float) -> list[str]:
        """``s`` in lines no wider than ``width`` (a word longer than that keeps a line of its own)."""
        lines, line = [], ""
        for w in s.split():
            trial = f"{line} {w}" if line else w
            if line and self.draw.textlength(trial, font=font) > width:
                lines.append(line)
                line = w
            else:
                line = trial
        return lines + [line]

    def image(self, img, max_h: int = 700, title: str | None = None):
        """An image scaled to the page's width (at most ``max_h`` high), with its heading on the same page."""
        w = PAGE[0] - 2 * MARGIN
        scale = min(w / img.width, max_h / img.height, 1.5)
        img = img.resize((int(img.width * scale), int(img.height * scale)))
        if title:
            self.heading(title, img.height + 10)
        self.need(img.height + 10)
        self.img.paste(img, (MARGIN, self.y))
        self.y += img.height + 14


def _ladder_image(rep: Report):
    """The ladder of :func:`ladder_svg`, drawn with Pillow for the PDF."""
    from PIL import Image, ImageDraw, ImageFont

    n, cols = len(rep.ladder), len(rep.loads)
    width, name_w, rung_h = PAGE[0] - 2 * MARGIN, 430, 52
    cell_w = (width - name_w - 10) / cols
    img = Image.new("RGB", (width, n * rung_h + 40), "white")
    d = ImageDraw.Draw(img)
    f = ImageFont.load_default(size=18)
    for j, ld in enumerate(rep.loads):
        d.text((name_w + j * cell_w + cell_w / 2, 16), ld.replace("_", " "), fill=(85, 85, 85), font=f, anchor="mm")
    current = (rep.path[-1][0], rep.path[-1][1]) if rep.path else None
    for level, name, _ in rep.ladder:
        y = 32 + (n - 1 - level) * rung_h
        d.text((4, y + rung_h / 2), f"{level}  {name}", fill=(34, 34, 34), font=f, anchor="lm")
        for j in range(cols):
            x = name_w + j * cell_w
            fill = (31, 111, 235) if current == (level, j) else (242, 242, 242)
            nxt = rep.next_position == (level, j) and current != (level, j)
            d.rounded_rectangle([x + 3, y + 4, x + cell_w - 3, y + rung_h - 4], 6, fill=fill,
                                outline=(45, 164, 78) if nxt else (204, 204, 204), width=6 if nxt else 1)
    for (level, load), label, last in _cell_labels(rep):
        x, y = name_w + load * cell_w + cell_w / 2, 32 + (n - 1 - level) * rung_h + rung_h / 2
        d.text((x, y), label, anchor="mm", font=f, fill=(255, 255, 255) if last else (210, 153, 34))
    return img


def to_pdf(rep: Report) -> bytes:
    """The report as an A4 PDF (pages drawn with Pillow)."""
    from PIL import Image

    pg = _Pages()
    pg.text(rep.title, 40, gap=4)
    pg.text(rep.subtitle, 18, (87, 96, 106))
    colour = {"progress": (45, 164, 78), "hold": (210, 153, 34), "regress": (207, 34, 46), "refer": (130, 80, 223)}
    pg.need(70)
    pg.draw.rounded_rectangle([MARGIN, pg.y, PAGE[0] - MARGIN, pg.y + 60], 8, fill=colour.get(rep.verdict or "", (87, 96, 106)))
    pg.draw.text((MARGIN + 16, pg.y + 30), rep.headline, fill="white", font=pg.font(28), anchor="lm")
    pg.y += 76
    pg.heading("Recommendation")
    for p in rep.recommendation:
        pg.text(p)
    if rep.next_step:
        pg.text("Next step: " + rep.next_step, 22, (26, 127, 55))
    if rep.ladder:
        pg.image(_ladder_image(rep), title=f"Where on the {rep.pattern} continuum (blue: today; green outline: "
                 "the next step)")
    if len(rep.path) > 1:
        pg.text("Sessions: " + "; ".join(f"{k + 1}. {d}: level {lv}, {rep.loads[ld].replace('_', ' ')}, {v}"
                                         for k, (lv, ld, d, v) in enumerate(rep.path)) + ".", 18, (87, 96, 106))
    if rep.reasons:
        pg.heading("Why")
        for x in rep.reasons:
            pg.text("- " + x, 20, indent=10, gap=4)
    if rep.key_frame:
        pg.image(Image.open(io.BytesIO(rep.key_frame)).convert("RGB"), title=rep.key_frame_title)
        pg.text(rep.key_frame_caption, 18, (87, 96, 106))
    if rep.table_rows:
        pg.heading("Repetitions")
        pg.table(rep.table_head, rep.table_rows)
    if rep.faults:
        pg.heading("Faults, with their evidence")
        for f in rep.faults:
            pg.text(f"rep {f['rep']}: {fault_text(f['fault'], rep.pattern)}; source: {f['fault'].source}", 18, gap=4)
    if rep.glossary:
        pg.heading("What the measures mean")
        for label, definition, source in rep.glossary:
            pg.text(f"{label}: {definition}. Source: {source}.", 18, (87, 96, 106), gap=3)
    for caption, data in rep.plots:
        pg.image(Image.open(io.BytesIO(data)).convert("RGB"), 600, title=caption)
    if rep.notes:
        pg.heading("Notes on the measurement")
        for n in rep.notes:
            pg.text("- " + n, 18, (87, 96, 106), gap=3)
    buf = io.BytesIO()
    pg.pages[0].save(buf, "PDF", resolution=150.0, save_all=True, append_images=pg.pages[1:],
                     title=rep.title, author="screening")
    return buf.getvalue()


def write_report(screens: list[Screen], out: str | Path) -> Report:
    """Build the report of ``screens`` and write it to ``out`` (.html or .pdf, by its suffix)."""
    from .result import atomic_path

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise ScreeningError(f"The report must be .html or .pdf, not '{out.suffix or out.name}'.",
                             "Give --out report.html or --out report.pdf.")
    rep = build_report(screens)
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".pdf":
            tmp.write_bytes(to_pdf(rep))
        else:
            tmp.write_text(to_html(rep), encoding="utf-8")
    return rep
