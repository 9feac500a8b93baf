"""Throughput of the whole `screening analyze` pipeline against a bare MediaPipe loop, in one run.

    python bench/throughput.py ../shared/videos/tomnotch_good_mornings.mp4

- pipeline: `analyze_video` in a child process (decode, pose, census, cleaning, kinematics, result.json,
  angles.csv and the annotated MP4), wall time from the call to its return; the child's peak RSS.
- bare: the same MediaPipe configuration (legacy full model, segmentation on) over the same frames
  (decoded at the same analysis size beforehand, in chunks, outside the timed region): MediaPipe alone.

The last line printed is one JSON object: {"pipeline_fps", "bare_fps", "ratio", "peak_rss_mb", ...}.
Targets (issue 2): ratio >= 0.85 on tomnotch_good_mornings.mp4, peak RSS < 1.5 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def child(video: str, out: str) -> None:
    from screening.pipeline import analyze_video

    t0 = time.perf_counter()
    a = analyze_video(video, out)
    dt = time.perf_counter() - t0
    print(json.dumps({"frames": len(a.series), "seconds": dt}))


def bare(video: str, chunk: int = 64) -> tuple[int, float]:
    from screening.pose import ANALYSIS_MAX_SIDE, LegacyPose
    from screening.video import probe, read_frames

    info = probe(video)
    frames = read_frames(video, info, max_side=ANALYSIS_MAX_SIDE)
    t0 = time.perf_counter()
    backend = LegacyPose()
    spent = time.perf_counter() - t0
    n = 0
    while True:
        batch = [f for _, f in zip(range(chunk), frames)]
        if not batch:
            break
        t0 = time.perf_counter()
        for f in batch:
            backend.process(f.rgb, f.time_s)
        spent += time.perf_counter() - t0
        n += len(batch)
    backend.close()
    return n, spent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("video")
    p.add_argument("--child", metavar="OUT", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.video, args.child)
        return
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, __file__, args.video, "--child", out], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        sys.exit(proc.returncode)
    piped = json.loads(proc.stdout.strip().splitlines()[-1])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: kilobytes
    n, spent = bare(args.video)
    pipeline_fps = piped["frames"] / piped["seconds"]
    bare_fps = n / spent
    print(f"pipeline: {piped['frames']} frames in {piped['seconds']:.1f} s = {pipeline_fps:.1f} frames/s "
          f"(peak RSS {peak_mb:.0f} MB)")
    print(f"bare MediaPipe loop: {n} frames in {spent:.1f} s = {bare_fps:.1f} frames/s")
    print(json.dumps({"pipeline_fps": round(pipeline_fps, 2), "bare_fps": round(bare_fps, 2),
                      "ratio": round(pipeline_fps / bare_fps, 3), "peak_rss_mb": round(peak_mb, 1),
                      "video": os.path.basename(args.video), "frames": n}))


if __name__ == "__main__":
    main()
