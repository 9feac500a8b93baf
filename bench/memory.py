"""Peak memory of `screening analyze` against clip length, in one run: the same real clip repeated to about
30 s, 3 min and 10 min (packets copied, not re-encoded), each analysed by a fresh `screening analyze`
process whose peak resident memory (ru_maxrss of that child) is reported.

    python bench/memory.py [CLIP] [--lengths 30,180,600]

The last line printed is one JSON object: {"30": {"seconds", "frames", "peak_rss_mb", "wall_s"}, ...,
"growth": peak of the longest / peak of the shortest, "target_met": bool}.
Target (issue 18): peak under 1.2 GB for a 10-minute clip, flat in clip length (growth at most 1.25 from 30 s
to 10 min: the models and libraries are most of the peak, and a few frames' buffers more are noise).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "videos" / "nowva_lunge.mp4"
MAX_PEAK_MB_10MIN = 1200
MAX_GROWTH = 1.25


def repeat(src: Path, out: Path, seconds: float) -> Path:
    """``src`` repeated until it lasts ``seconds`` (its packets copied, timestamps shifted)."""
    import av

    with av.open(str(src)) as inp:
        vs = inp.streams.video[0]
        with av.open(str(out), "w") as o:
            ostream = o.add_stream_from_template(vs)
            offset, end = 0, 0
            while end * vs.time_base < seconds:
                inp.seek(0)
                last = 0
                for pkt in inp.demux(vs):
                    if pkt.dts is None:
                        continue
                    pkt.pts += offset
                    pkt.dts += offset
                    pkt.stream = ostream
                    last = max(last, pkt.pts + (pkt.duration or 0))
                    if pkt.pts * vs.time_base <= seconds:
                        o.mux(pkt)
                    end = last
                offset = last
    return out


def peak_of(args: list[str], env: dict) -> tuple[float, float]:
    """Peak RSS (MB) and wall time (s) of one command run as a child."""
    t0 = time.monotonic()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed with exit code {proc.returncode}")
    return usage.ru_maxrss / 1024, time.monotonic() - t0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--lengths", default="30,180,600", help="clip lengths in seconds")
    a = ap.parse_args(argv)
    screening = str(Path(sys.executable).with_name("screening"))
    results = {}
    with tempfile.TemporaryDirectory(prefix="screening-bench-") as tmp:
        env = {**os.environ, "TMPDIR": tmp, "GLOG_minloglevel": "2"}
        for seconds in (float(s) for s in a.lengths.split(",")):
            clip = repeat(Path(a.clip), Path(tmp) / f"clip_{seconds:.0f}.mp4", seconds)
            from screening.video import probe

            info = probe(clip, max_duration_s=24 * 3600)
            peak, wall = peak_of([screening, "analyze", str(clip), "--out", str(Path(tmp) / f"out_{seconds:.0f}"),
                                  "--quiet", "--max-duration", "3600"], env)
            results[f"{seconds:.0f}"] = r = {"seconds": round(info.duration_s, 1), "frames": info.frame_count,
                                             "peak_rss_mb": round(peak), "wall_s": round(wall, 1)}
            print(f"{r['seconds']:7.1f} s ({r['frames']} frames): peak {r['peak_rss_mb']} MB, {r['wall_s']} s",
                  file=sys.stderr)
    peaks = [r["peak_rss_mb"] for r in results.values()]
    longest = max(results.values(), key=lambda r: r["seconds"])
    results["growth"] = round(peaks[-1] / peaks[0], 2)
    results["target_met"] = bool(results["growth"] <= MAX_GROWTH and
                                 (longest["seconds"] < 590 or longest["peak_rss_mb"] < MAX_PEAK_MB_10MIN))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
