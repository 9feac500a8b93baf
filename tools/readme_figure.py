"""Make docs/output.png, the picture of what `screening analyze` measures (docs/how-it-measures.md).

    python tools/readme_figure.py ../shared/videos/tomnotch_good_mornings.mp4

The clips in ../shared may not be redistributed, so the figure holds none of their pixels: only the
skeleton the tool tracked (drawn on a blank canvas, as the annotated video draws it) and the angle
curves it measured.
"""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from screening.annotate import LABELS, draw
from screening.landmarks import LM
from screening.clean import rotate
from screening import analyze

CURVES = [("trunk_inclination_deg", "trunk inclination", (200, 60, 40)),
          ("hip_flexion_deg", "hip flexion", (40, 110, 200)),
          ("knee_flexion_deg", "knee flexion", (40, 160, 70))]


def skeleton_panel(a, frames, size=360):
    cs, kin = a.clean, a.kinematics
    pts = rotate(cs.xy, cs.roll_deg, (cs.width / 2, cs.height / 2))
    panels = []
    for i in frames:
        p = pts[i]
        ok = np.isfinite(p).all(axis=1)
        lo, hi = p[ok].min(0), p[ok].max(0)
        scale = 0.8 * size / max(hi - lo)
        q = (p - (lo + hi) / 2) * scale + size / 2
        img = np.full((size, size, 3), 250, np.uint8)
        values = {n: float(kin.values[n][i]) for n, _, _ in LABELS["side"]}
        draw(img, q, values, "side", cs.view.near_side, float(cs.time_s[i]), "")
        panels.append(img)
    return np.hstack(panels)


def plot_panel(a, width, height=300):
    kin = a.kinematics
    t = kin.time_s
    img = np.full((height, width, 3), 255, np.uint8)
    x0, x1, y0, y1 = 60, width - 20, 20, height - 40
    vmin, vmax = -20, 120
    fx = lambda s: x0 + (s - t[0]) / (t[-1] - t[0]) * (x1 - x0)  # noqa: E731
    fy = lambda v: y1 - (v - vmin) / (vmax - vmin) * (y1 - y0)  # noqa: E731
    for v in range(vmin, vmax + 1, 20):
        cv2.line(img, (x0, int(fy(v))), (x1, int(fy(v))), (225, 225, 225), 1)
        cv2.putText(img, f"{v}", (10, int(fy(v)) + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (90, 90, 90), 1, cv2.LINE_AA)
    for s in range(int(t[0]), int(t[-1]) + 1, 2):
        cv2.putText(img, f"{s}s", (int(fx(s)) - 8, height - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (90, 90, 90), 1,
                    cv2.LINE_AA)
    for k, (name, label, colour) in enumerate(CURVES):
        v = kin.values[name]
        ok = np.isfinite(v)
        runs = np.split(np.flatnonzero(ok), np.flatnonzero(np.diff(np.flatnonzero(ok)) > 1) + 1)
        for r in runs:
            if len(r) > 1:
                poly = np.stack([fx(t[r]), fy(np.clip(v[r], vmin, vmax))], 1).astype(np.int32)
                cv2.polylines(img, [poly], False, colour, 2, cv2.LINE_AA)
        cv2.putText(img, label + " (deg)", (x0 + 10 + 220 * k, y0 + 15), cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour, 2,
                    cv2.LINE_AA)
    return img


def main(video: str, out: str = "docs/output.png") -> None:
    a = analyze(video, keep_frames=False).measured
    trunk = a.kinematics.values["trunk_inclination_deg"]
    whole = np.isfinite(a.kinematics.values["knee_flexion_deg"]) & np.isfinite(a.clean.xy[:, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE], 0]).all(1)
    ok = np.flatnonzero(np.isfinite(trunk) & whole)  # frames with the whole body in view
    base = a.kinematics.baseline["trunk_inclination_deg"]
    stand = ok[np.argmin(np.abs(trunk[ok] - base))]
    bottom = ok[np.argmax(trunk[ok])]
    mid = ok[np.argmin(np.abs(trunk[ok] - (trunk[bottom] + base) / 2))]
    top = skeleton_panel(a, [stand, mid, bottom])
    fig = np.vstack([top, plot_panel(a, top.shape[1])])
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(out, cv2.cvtColor(fig, cv2.COLOR_RGB2BGR))
    print(out, fig.shape)


if __name__ == "__main__":
    main(*sys.argv[1:])
