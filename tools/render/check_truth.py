"""Self-check of the truth files: angles_image recomputed from joints_2d, standing frames near zero, reps sane.

    python tools/render/check_truth.py [NAME ...]      (plain numpy; no torch needed)
"""
import json
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent.parent / "sample_videos"


def ang(a, b):
    return np.degrees(np.arctan2(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], (a * b).sum(-1)))


def check(name):
    d = json.loads((OUT / f"{name}.truth.json").read_text())
    fr = d["frames"]
    J = {k: np.array(v) for k, v in fr["joints_2d"].items()}
    A = {k: np.array(v) for k, v in fr["angles"].items()}
    AI = {k: np.array(v) for k, v in fr["angles_image"].items()}
    problems = []
    n = len(fr["time_s"])
    dur = n / d["fps"]
    if not 3.0 <= dur <= 6.05:
        problems.append(f"duration {dur:.2f}s")
    for k, v in J.items():
        if v.shape != (n, 2):
            problems.append(f"{k} shape {v.shape}")
        if (v[:, 0] < 0).any() or (v[:, 0] > d["width"]).any() or (v[:, 1] < 0).any() or (v[:, 1] > d["height"]).any():
            problems.append(f"{k} leaves the image")
    if d["view"] in ("side", "oblique45"):
        sg = 1 if d["facing"] == "right" else -1
        fu = lambda p: np.stack([sg * p[:, 0], -p[:, 1]], -1)  # noqa: E731
        hip = 0.5 * (fu(J["left_hip"]) + fu(J["right_hip"]))
        sh = 0.5 * (fu(J["left_shoulder"]) + fu(J["right_shoulder"]))
        v = sh - hip
        rec = {"trunk_inclination_deg": np.degrees(np.arctan2(v[:, 0], v[:, 1]))}
        for s in ("left", "right"):
            H, K, An, S = (fu(J[f"{s}_{j}"]) for j in ("hip", "knee", "ankle", "shoulder"))
            # 180 - angle(shoulder, hip, knee), unsigned, compared in magnitude
            c = ((S - H) * (K - H)).sum(1) / np.linalg.norm(S - H, axis=1) / np.linalg.norm(K - H, axis=1)
            rec[f"hip_flexion_{s}_deg"] = 180 - np.degrees(np.arccos(np.clip(c, -1, 1)))
            c = ((H - K) * (An - K)).sum(1) / np.linalg.norm(H - K, axis=1) / np.linalg.norm(An - K, axis=1)
            rec[f"knee_flexion_{s}_deg"] = 180 - np.degrees(np.arccos(np.clip(c, -1, 1)))
        for k, v in rec.items():
            e = np.abs(np.abs(AI[k]) - np.abs(v)) if k != "trunk_inclination_deg" else np.abs(AI[k] - v)
            if e.max() > 0.05:
                problems.append(f"{k} image mismatch {e.max():.3f}")
    if d["view"] in ("front", "oblique45"):
        lu = lambda p: np.stack([p[:, 0], -p[:, 1]], -1)  # noqa: E731
        for s, sgn in (("left", 1), ("right", -1)):
            H, K, An = (lu(J[f"{s}_{j}"]) for j in ("hip", "knee", "ankle"))
            c = ((H - K) * (An - K)).sum(1) / np.linalg.norm(H - K, axis=1) / np.linalg.norm(An - K, axis=1)
            mag = 180 - np.degrees(np.arccos(np.clip(c, -1, 1)))
            # sign: knee medial of the hip-ankle line
            x_line = H[:, 0] + (An[:, 0] - H[:, 0]) * (K[:, 1] - H[:, 1]) / (An[:, 1] - H[:, 1])
            medial = np.where(sgn * (K[:, 0] - x_line) < 0, 1, -1)
            e = np.abs(AI[f"knee_valgus_fppa_{s}_deg"] - medial * mag)
            e = e[(mag > 0.5) & (mag < 60)]  # the rear leg of a lunge (shank near level) is ill-conditioned
            if e.size and e.max() > 0.05:
                problems.append(f"fppa {s} image mismatch {e.max():.3f}")
    # standing baseline: first 0.7 s
    m = np.array(fr["time_s"]) < 0.7
    for k in ("trunk_inclination_deg", "hip_flexion_left_deg", "hip_flexion_right_deg", "knee_flexion_left_deg",
              "knee_flexion_right_deg", "knee_valgus_fppa_left_deg", "knee_valgus_fppa_right_deg",
              "pelvic_obliquity_deg", "lateral_trunk_lean_deg", "spinal_flexion_deg", "pelvis_tilt_deg"):
        if np.abs(A[k][m]).max() > 4.0:
            problems.append(f"standing {k} = {np.abs(A[k][m]).max():.2f}")
        if np.ptp(A[k][m]) > 0.01:
            problems.append(f"standing {k} not still")
    summ = {k: round(float(np.max(np.abs(v))), 1) for k, v in A.items() if np.max(np.abs(v)) > 0.5}
    return d, problems, summ


if __name__ == "__main__":
    names = sys.argv[1:] or [p.name[:-11] for p in sorted(OUT.glob("*.truth.json"))]
    bad = 0
    for n in names:
        d, pr, summ = check(n)
        print(f"{n:32s} {'OK ' if not pr else 'BAD'} {d['view']:9s} {d['facing']:6s} {pr}")
        print("    peaks:", summ)
        bad += bool(pr)
    sys.exit(1 if bad else 0)
