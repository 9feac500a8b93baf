"""Where the anny templates put the leg skeleton inside the leg's surface, seen from the side.

    /work/render-venv/bin/python tools/render/check_leg_geometry.py

The corpus's truth is the skeleton (bone heads: upperleg01 = hip, lowerleg01 = knee, foot = ankle); a camera,
and MediaPipe, see the surface. For each body of make_corpus.BODIES, in anny's rest pose, in the sagittal
plane (the side camera's view), it prints:

- the knee angle between the bones, and between the surface's midlines (the middle of the left thigh's and
  shank's front-to-back extent, 30-75% down the thigh and 25-70% down the shank), and their difference;
- where the hip and knee joints sit between the front (0) and the back (1) of the body at their height.

bench/accuracy.md's clip breakdown shows the side-view hip and knee error to be mostly a constant of each clip,
positive for the female bodies and negative for the male ones; this shows the templates themselves differ in
the same way (the female legs' surface turned one way off the bones, the male legs' the other), so that part
of the error belongs to the body model, not to anything a camera could correct.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rig  # noqa: E402
from make_corpus import BODIES  # noqa: E402


def _signed_angle(u: np.ndarray, v: np.ndarray) -> float:
    """Angle from u to v in the (y, z) plane (deg); flexion of a leg that faces -y is positive."""
    return float(np.degrees(np.arctan2(u[0] * v[1] - u[1] * v[0], u @ v)))


def _section(points: np.ndarray, z: float, halfband: float = 0.01) -> tuple[float, float]:
    """Front (min y) and back (max y) of the points within ``halfband`` of height z (twice as wide where the
    mesh has no vertex that close)."""
    sel = points[np.abs(points[:, 2] - z) < halfband]
    if len(sel) < 3:
        sel = points[np.abs(points[:, 2] - z) < 2 * halfband]
    return float(sel[:, 1].min()), float(sel[:, 1].max())


def _midline(points: np.ndarray, z0: float, z1: float, n: int = 5) -> np.ndarray:
    """Unit (y, z) direction, pointing down, of the line through the section midpoints between z0 and z1."""
    mids = []
    for z in np.linspace(z0, z1, n):
        f, b = _section(points, z)
        mids.append([(f + b) / 2, z])
    mids = np.array(mids)
    _, _, vt = np.linalg.svd(mids - mids.mean(0))
    d = vt[0]
    return d if d[1] < 0 else -d


def leg_geometry(name: str, phenotype: dict) -> dict | None:
    b = rig.Body(phenotype)
    idx, heads, verts = b.idx, b.rest_heads, b.rest_verts
    hip, knee, ankle = (heads[idx[f"{n}.L"]] for n in ("upperleg01", "lowerleg01", "foot"))
    bones = [idx[n] for n in b.labels if n.endswith(".L") and n.startswith(("upperleg", "lowerleg"))]
    leg = verts[np.isin(b.vert_bone, bones)]
    pelvis = verts[np.abs(verts[:, 0] - hip[0]) < 0.06]  # a slab through the left hip joint, front to back
    try:
        thigh = _midline(leg, hip[2] - 0.3 * (hip[2] - knee[2]), hip[2] - 0.75 * (hip[2] - knee[2]))
        shank = _midline(leg, knee[2] - 0.25 * (knee[2] - ankle[2]), knee[2] - 0.7 * (knee[2] - ankle[2]))
        fk, bk = _section(leg, knee[2])
        fh, bh = _section(pelvis, hip[2])
    except ValueError:  # a section with no vertex (the slab misses the leg in this template's rest pose)
        return None
    bone_knee = _signed_angle((knee - hip)[[1, 2]], (ankle - knee)[[1, 2]])
    surface_knee = _signed_angle(thigh, shank)
    return {"body": name, "sex": "female" if phenotype["gender"] > 0.5 else "male", "bone_knee": bone_knee,
            "surface_knee": surface_knee, "difference": surface_knee - bone_knee,
            "hip_front_to_back": (hip[1] - fh) / (bh - fh), "knee_front_to_back": (knee[1] - fk) / (bk - fk)}


def main() -> None:
    print("| body | sex | knee angle, bones | knee angle, surface | surface - bones | hip joint front->back | "
          "knee joint front->back |")
    print("|---|---|---|---|---|---|---|")
    for name, phenotype in BODIES.items():
        g = leg_geometry(name, phenotype)
        if g is None:
            print(f"| {name} | - | no section through the leg in the rest pose | | | | |")
            continue
        print(f"| {name} | {g['sex']} | {g['bone_knee']:+.1f} | {g['surface_knee']:+.1f} | {g['difference']:+.1f} | "
              f"{g['hip_front_to_back']:.2f} | {g['knee_front_to_back']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
