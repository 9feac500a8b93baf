"""Where each per-rep measure is defined, judged and shown: the table in docs/architecture.md.

    python tools/metric_map.py            # prints the table (markdown)
    python tools/metric_map.py --write    # writes it between the markers in docs/architecture.md

Read from the code itself (the registry's rows, the fault rules, the angle table, the analyses' sources), so
that tests/test_architecture.py can check the page says what the code does.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.angles import ANGLES  # noqa: E402
from screening.registry import FAULT_RULES, METRICS  # noqa: E402

DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- metric map: begin (tools/metric_map.py --write) -->", "<!-- metric map: end -->"


def _where_computed(name: str, pattern: str) -> str:
    """``module.function`` of the line that puts the measure into a rep's metrics: an assignment to
    ``metrics[...]``/``out[...]``, or a key of a dict built inside a function (8 spaces in or more)."""
    q = rf"""["']{re.escape(name)}["']"""
    tries = (rf"\b(metrics|out)\[{q}\]", rf"\b(metrics|out) = \{{{q}", rf"^ {{8,}}.*{q}\s*:",
             rf"^ {{8,}}(metrics\.update\()?.*\b{re.escape(name)}=")
    for pat in tries:
        for module in (f"screening/{pattern}.py", "screening/findings.py"):
            lines = (ROOT / module).read_text(encoding="utf-8").splitlines()
            for i, line in enumerate(lines, 1):
                if re.search(pat, line):
                    # the function it is in (line numbers move with every edit; function names seldom do)
                    defs = [m.group(1) for m in (re.match(r"\s*def (\w+)", x) for x in lines[:i]) if m]
                    return f"`{module.removeprefix('screening/').removesuffix('.py')}.{defs[-1]}`"
    return "(not found)"


def rows() -> list[str]:
    angles = {a.name for a in ANGLES}
    out = ["| measure (pattern) | defined | judged | shown |", "|---|---|---|---|"]
    for m in METRICS:
        base = re.sub(r"_(change|left|right)(?=_)", "", m.name)
        angle = next((a for a in (m.name, base, m.name.replace("_change", "")) if a in angles), None)
        defined = f"registry `{m.name}`; computed {_where_computed(m.name, m.pattern)}"
        if angle:
            defined += f" from angles `{angle}`"
        rules = [r for r in FAULT_RULES if r.metric == m.name and r.pattern == m.pattern]
        judged = "; ".join(f"`{r.code}` (thresholds.toml [{m.pattern}.{r.config}])" for r in rules) or "not judged"
        shown = (["the per-rep table (command line, page, report) and the key frame"] if m.key else []) + (
            ["a fault's evidence (command line, page, report)"] if rules else []) + ["result.json and the reps CSV"]
        shown = "; ".join(shown)
        out.append(f"| {m.label} ({m.pattern}) | {defined} | {judged} | {shown} |")
    return out


def main(argv: list[str]) -> int:
    table = "\n".join(rows())
    if "--write" in argv:
        text = DOC.read_text(encoding="utf-8")
        a, b = text.index(BEGIN) + len(BEGIN), text.index(END)
        DOC.write_text(text[:a] + "\n" + table + "\n" + text[b:], encoding="utf-8")
    else:
        print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
