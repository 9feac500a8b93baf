"""Run the app (`screening analyze`, MediaPipe) on rendered clips and compare with the truth files.

    /work/venv/bin/python tools/render/check_mediapipe.py [NAME ...]    (needs the app's venv; writes to /tmp/chk)
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "sample_videos"
SCREENING = Path(sys.executable).parent / "screening"


def main(names):
    for n in names:
        d = json.loads((OUT / f"{n}.truth.json").read_text())
        out = Path("/tmp/chk") / n
        p = subprocess.run([str(SCREENING), "analyze", str(OUT / f"{n}.mp4"), "--out", str(out), "--no-video", "--quiet"],
                           capture_output=True, text=True, cwd=ROOT)
        if p.returncode != 0:
            print(f"{n:30s} FAILED rc={p.returncode}: {p.stderr.strip()[-300:]}")
            continue
        r = json.loads((out / "result.json").read_text())
        v = r["view"]
        AI = {k: np.array(x) for k, x in d["frames"]["angles_image"].items()}
        t = np.array(d["frames"]["time_s"])
        faults = sorted({f["code"] for rep in r["reps"] for f in rep["faults"]})
        line = (f"{n:30s} det {r['person']['detected_fraction']:.2f} view {v['kind']}/{v.get('facing')} "
                f"(truth {d['view']}/{d['facing']}) pattern {r['pattern']} reps {len(r['reps'])}/{len(d['reps'])} "
                f"faults {faults} (truth {d['faults']})")
        print(line)
        for rep in r["reps"]:
            i = int(np.argmin(np.abs(t - rep["bottom_s"])))
            m = rep["metrics"]
            cmp = []
            for k in ("trunk_inclination_deg", "hip_flexion_deg", "knee_flexion_deg", "knee_valgus_fppa_deg",
                      "spinal_flexion_deg", "pelvic_obliquity_deg", "lateral_trunk_lean_deg"):
                if k in m and m[k] is not None:
                    cmp.append(f"{k.replace('_deg', '')} {m[k]:.1f}")
            print("     rep", rep["index"], f"bottom {rep['bottom_s']:.2f}s", ", ".join(cmp))
        near = d["near_side"] or "left"
        for k in ("trunk_inclination_deg", f"hip_flexion_{near}_deg", f"knee_flexion_{near}_deg",
                  "knee_valgus_fppa_left_deg", "knee_valgus_fppa_right_deg"):
            if k in AI:
                print(f"     truth(image) peak {k}: {AI[k].max():.1f}")
        print(f"     truth 3D peak spinal_flexion {np.max(d['frames']['angles']['spinal_flexion_deg']):.1f}")


if __name__ == "__main__":
    main(sys.argv[1:] or [p.name[:-11] for p in sorted(OUT.glob("*.truth.json"))])
