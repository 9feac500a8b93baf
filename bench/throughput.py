"""Throughput of the whole `screening analyze` pipeline against a bare MediaPipe loop, in one run.

    python bench/throughput.py ../shared/videos/tomnotch_good_mornings.mp4

- pipeline: `analyze` then `write_outputs` in a child process (decode, pose, census, cleaning, kinematics, the hinge or
  lunge analysis, result.json, angles.csv and the annotated MP4), wall time from the call to its return;
  the child's peak RSS (VmHWM). mediapipe is imported before either timer starts (a once-per-process cost).
- bare: the same MediaPipe configuration (the pose backend the pipeline makes: the shipped full model through the
  Tasks API, segmentation on) over the same frames
  (decoded at the same analysis size beforehand, in chunks, outside the timed region): MediaPipe alone.

The two are measured alternately ``--repeat`` times (default 5) and the medians reported: on these
shared 2-core virtual machines one pass of either can be 15% slower than the next for no reason of its own.

The last line printed is one JSON object: {"pipeline_fps", "bare_fps", "ratio", "peak_rss_mb", ...}
(``ratio`` = median pipeline fps / median bare fps; ``ratios`` = each round's own ratio).
Targets (issue 2): ratio >= 0.85 on tomnotch_good_mornings.mp4, peak RSS < 1.5 GB.

``--model FILE``: another pose model bundle's bare loop as well, each round (issue 29 tried the legacy heavy
landmark model, bundled by ``tools/build_pose_bundle.py --landmark-model``): ``model_ratio`` = its median
frames/s over the shipped model's.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def child(video: str, out: str) -> None:
    from screening.allocator import limit_arenas
    from screening import analyze, write_outputs

    limit_arenas()  # as `screening analyze` and the app do
    _import_mediapipe()

    t0 = time.perf_counter()
    screen = write_outputs(analyze(video), out)
    dt = time.perf_counter() - t0
    print(json.dumps({"frames": len(screen.measured.series), "seconds": dt, "peak_rss_mb": _peak_rss_mb()}))


def _peak_rss_mb() -> float:
    """This process's own peak resident memory: VmHWM belongs to the address space made at exec, while
    getrusage's maxrss also counts the forked copy of the parent (which has run the bare loop)."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import_mediapipe() -> None:
    """Import mediapipe (0.7 s) before either timer starts: a one-time cost of the process (the app and
    the command pay it once at start), not of processing a video. Without this the pipeline's fresh child
    paid it every round and the bare loop, in the parent, only in the first."""
    from screening.pose import load_mediapipe

    load_mediapipe()


def bare(video: str, chunk: int = 64, model_file: str | None = None) -> tuple[int, float]:
    from screening.pose import ANALYSIS_MAX_SIDE, make_backend
    from screening.video import probe, read_frames

    _import_mediapipe()
    info = probe(video)
    frames = read_frames(video, info, max_side=ANALYSIS_MAX_SIDE)
    t0 = time.perf_counter()
    backend = make_backend(model_file)
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
    p.add_argument("--repeat", type=int, default=5, help="rounds of pipeline + bare loop (default 5)")
    p.add_argument("--child", metavar="OUT", help=argparse.SUPPRESS)
    p.add_argument("--model", help="another pose model bundle (.task): its bare loop too, each round, and its speed "
                   "against the shipped model's (model_ratio)")
    args = p.parse_args()
    if args.child:
        child(args.video, args.child)
        return
    pipe, bares, peaks, frames, others = [], [], [], 0, []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            proc = subprocess.run([sys.executable, __file__, args.video, "--child", out], capture_output=True,
                                  text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-3000:])
            sys.exit(proc.returncode)
        piped = json.loads(proc.stdout.strip().splitlines()[-1])
        peaks.append(piped["peak_rss_mb"])
        n, spent = bare(args.video)
        pipe.append(piped["frames"] / piped["seconds"])
        bares.append(n / spent)
        frames = n
        if args.model:
            m, spent_m = bare(args.video, model_file=args.model)
            others.append(m / spent_m)
            print(f"bare loop, {os.path.basename(args.model)}: {others[-1]:.1f} frames/s", flush=True)
        print(f"pipeline: {piped['frames']} frames in {piped['seconds']:.1f} s = {pipe[-1]:.1f} frames/s; "
              f"bare MediaPipe loop: {n} frames in {spent:.1f} s = {bares[-1]:.1f} frames/s; "
              f"ratio {pipe[-1] / bares[-1]:.3f}", flush=True)
    pipeline_fps, bare_fps = statistics.median(pipe), statistics.median(bares)
    print(json.dumps({"pipeline_fps": round(pipeline_fps, 2), "bare_fps": round(bare_fps, 2),
                      "ratio": round(pipeline_fps / bare_fps, 3), "peak_rss_mb": round(max(peaks), 1),
                      "ratios": [round(p / b, 3) for p, b in zip(pipe, bares)],
                      "video": os.path.basename(args.video), "frames": frames,
                      **({"model": os.path.basename(args.model), "model_fps": round(statistics.median(others), 2),
                          "model_ratio": round(statistics.median(others) / bare_fps, 3)} if args.model else {})}))

if __name__ == "__main__":
    main()
