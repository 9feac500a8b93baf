"""Small charts drawn with OpenCV (no plotting library to install): the lumbopelvic rhythm picture."""
from __future__ import annotations

import cv2
import numpy as np

REP_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
               (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]  # RGB


def _png(rgb: np.ndarray) -> bytes:
    ok, png = cv2.imencode(".png", rgb[..., ::-1])
    return png.tobytes()


def _nice_ticks(lo: float, hi: float, n: int = 5) -> np.ndarray:
    span = max(hi - lo, 1e-6)
    step = 10 ** np.floor(np.log10(span / n))
    for m in (1, 2, 5, 10):
        if span / (m * step) <= n:
            step *= m
            break
    return np.arange(np.ceil(lo / step) * step, hi + step / 2, step)


def rhythm_plot(hip: np.ndarray, spine: np.ndarray, reps: list, time_s: np.ndarray,
                minor: float, major: float, size=(720, 540)) -> bytes:
    """Hip flexion (x) against spinal flexion (y) through each rep, both from standing: a clean hinge
    runs flat along the x axis; a back that bends draws a curve that climbs. The lumbar-flexion
    thresholds are drawn as dashed lines."""
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    left, right, top, bottom = 70, 30, 40, 60
    xs, ys = [], []
    for r in reps:
        sl = slice(np.searchsorted(time_s, r.start_s), np.searchsorted(time_s, r.end_s) + 1)
        xs.append(hip[sl])
        ys.append(spine[sl])
    allx = np.concatenate(xs) if xs else np.array([0.0])
    ally = np.concatenate(ys) if ys else np.array([0.0])
    x0 = min(0.0, np.nanmin(allx) if np.isfinite(allx).any() else 0)
    x1 = max(90.0, np.nanmax(allx) if np.isfinite(allx).any() else 90)
    y0 = min(-10.0, np.nanmin(ally) if np.isfinite(ally).any() else -10)
    y1 = max(major + 10, np.nanmax(ally) if np.isfinite(ally).any() else 30)

    def px(x, y):
        return (int(left + (x - x0) / (x1 - x0) * (w - left - right)),
                int(h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom)))

    grey, dark = (225, 225, 225), (60, 60, 60)
    for tx in _nice_ticks(x0, x1):
        cv2.line(img, px(tx, y0), px(tx, y1), grey, 1)
        cv2.putText(img, f"{tx + 0.0:.0f}", (px(tx, y0)[0] - 10, h - bottom + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, dark, 1,
                    cv2.LINE_AA)
    for ty in _nice_ticks(y0, y1):
        cv2.line(img, px(x0, ty), px(x1, ty), grey, 1)
        cv2.putText(img, f"{ty + 0.0:.0f}", (left - 40, px(x0, ty)[1] + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, dark, 1,
                    cv2.LINE_AA)
    lines = ((minor, "minor"), (major, "major")) if major != minor else ((major, "threshold"),)
    for level, label in lines:
        a, b = px(x0, level), px(x1, level)
        for s in range(a[0], b[0], 12):
            cv2.line(img, (s, a[1]), (min(s + 6, b[0]), a[1]), (200, 60, 60), 1)
        cv2.putText(img, f"lumbar flexion {label} {level:.0f}", (b[0] - 200, a[1] - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (200, 60, 60), 1, cv2.LINE_AA)
    cv2.rectangle(img, px(x0, y1), px(x1, y0), dark, 1)
    for i, (x, y) in enumerate(zip(xs, ys)):
        ok = np.isfinite(x) & np.isfinite(y)
        pts = np.array([px(a, b) for a, b in zip(x[ok], y[ok])], np.int32)
        colour = REP_COLOURS[i % len(REP_COLOURS)]
        if len(pts) > 1:
            cv2.polylines(img, [pts], False, colour, 2, cv2.LINE_AA)
            cv2.circle(img, tuple(int(v) for v in pts[np.argmax(x[ok])]), 4, colour, -1, cv2.LINE_AA)
            cv2.putText(img, f"rep {i + 1}", (w - right - 70, top + 18 * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                        colour, 1, cv2.LINE_AA)
    cv2.putText(img, "Lumbopelvic rhythm: hip flexion vs spinal flexion, from standing (deg)", (left, 18),
                cv2.FONT_HERSHEY_SIMPLEX, 0.5, dark, 1, cv2.LINE_AA)
    cv2.putText(img, "hip flexion (deg)", (w // 2 - 60, h - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.5, dark, 1, cv2.LINE_AA)
    cv2.putText(img, "spine (deg)", (8, top - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45, dark, 1, cv2.LINE_AA)
    return _png(img)


def threshold_plot(measures: list[tuple[str, list[float]]], size=(720, 0)) -> bytes:
    """Each fault measure of each rep over its threshold, as horizontal bars grouped by measure (1 = at the
    threshold, drawn dashed): a rep's bar past the line is a fault. ``measures``: (label, one ratio per rep,
    NaN where not measured)."""
    n_reps = max((len(v) for _, v in measures), default=0)
    bar, gap, left, right, top, bottom = 12, 18, 230, 30, 40, 50
    w = size[0]
    h = top + bottom + len(measures) * (n_reps * bar + gap)
    img = np.full((h, w, 3), 255, np.uint8)
    vals = np.array([x for _, v in measures for x in v], float)
    x1 = max(2.0, float(np.nanmax(vals)) * 1.05 if np.isfinite(vals).any() else 2.0)
    grey, dark, red = (225, 225, 225), (60, 60, 60), (200, 60, 60)

    def px(x: float) -> int:
        return int(left + min(max(x, 0.0), x1) / x1 * (w - left - right))

    for tx in _nice_ticks(0, x1, 4):
        cv2.line(img, (px(tx), top), (px(tx), h - bottom), grey, 1)
        cv2.putText(img, f"{tx:g}", (px(tx) - 8, h - bottom + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, dark, 1, cv2.LINE_AA)
    y = top
    for label, ratios in measures:
        cv2.putText(img, label, (8, y + n_reps * bar // 2 + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, dark, 1, cv2.LINE_AA)
        for i, r in enumerate(ratios):
            if np.isfinite(r):
                cv2.rectangle(img, (px(0), y + i * bar + 1), (px(r), y + (i + 1) * bar - 1),
                              REP_COLOURS[i % len(REP_COLOURS)], -1)
        y += n_reps * bar + gap
    for s in range(top, h - bottom, 10):
        cv2.line(img, (px(1.0), s), (px(1.0), min(s + 5, h - bottom)), red, 2)
    cv2.putText(img, "threshold", (px(1.0) + 4, top - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.45, red, 1, cv2.LINE_AA)
    cv2.putText(img, "Each rep's measures over their fault thresholds (bars: reps 1, 2, ...)", (8, 18),
                cv2.FONT_HERSHEY_SIMPLEX, 0.5, dark, 1, cv2.LINE_AA)
    cv2.putText(img, "measure / threshold", (w // 2 - 70, h - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.5, dark, 1, cv2.LINE_AA)
    return _png(img)
