"""The live path without the browser: a clip fed at its own frame rate, as a camera would, at 640x480 and
1280x720, while recording.

    python bench/live.py [CLIP] [--pattern hinge|lunge] [--seconds S] [--sizes 640x480,1280x720]

A camera thread delivers the clip's frames (letterboxed to the size: a webcam's picture) at the clip's
frame rate into a one-frame slot; the processing thread takes the newest frame, runs
:meth:`screening.live.LiveSession.process` (pose, camera check, skeleton, and the recording once the check
has passed) and returns it. A frame still in the slot when the next arrives is dropped, as
streamlit-webrtc drops frames its callback has not reached. Latency: from a frame's arrival to its
annotated picture. The check and the countdown run as on the page, so the recording starts a few
seconds into the clip; the live rep count at the end is compared with the full analysis of the recording.

The last line printed is one JSON object: {"640x480": {"fps", "dropped", "p50_ms", "p95_ms", "frames",
"live_reps", "analysis_reps"}, "1280x720": {...}}.
Targets (issue 16), on this 2-core machine: at 640x480, >= 25 frames/s processed and p95 latency under
100 ms, while recording.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "videos" / "nowva_lunge.mp4"  # 30 frames/s, as a webcam


def letterbox(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """The picture fitted inside width x height, centred, black bars around (a webcam's frame)."""
    h, w = rgb.shape[:2]
    s = min(width / w, height / h)
    nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    out = np.zeros((height, width, 3), np.uint8)
    x0, y0 = (width - nw) // 2, (height - nh) // 2
    out[y0:y0 + nh, x0:x0 + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    return out


def write_y4m(clip: str | Path, out: str | Path, width: int = 640, height: int = 480,
              seconds: float | None = None, keep_top: float = 1.0, fps: int = 30) -> Path:
    """A clip as a raw Y4M file (Chromium's fake camera: ``--use-file-for-fake-video-capture``), letterboxed
    to width x height at ``fps``. ``keep_top`` < 1 keeps only the top of the picture, scaled back up (the feet
    cut off, as a badly placed camera would)."""
    from screening.video import probe, read_frames

    info = probe(clip)
    out = Path(out)
    step = 1.0 / fps
    with open(out, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        t_next = 0.0
        for fr in read_frames(clip, info):
            if seconds is not None and fr.time_s > seconds:
                break
            rgb = fr.rgb
            if keep_top < 1.0:
                rgb = rgb[: int(rgb.shape[0] * keep_top)]
            pic = letterbox(rgb, width, height)
            i420 = cv2.cvtColor(pic, cv2.COLOR_RGB2YUV_I420).tobytes()
            while t_next <= fr.time_s + 1e-6:  # the clip's frames at the camera's rate
                f.write(b"FRAME\n" + i420)
                t_next += step
    return out


def clip_frames(clip: str | Path, width: int, height: int, seconds: float | None):
    """(time_s, rgb) of the clip, letterboxed, decoded beforehand (the camera does not decode)."""
    from screening.video import probe, read_frames

    info = probe(clip)
    out = []
    for fr in read_frames(clip, info):
        if seconds is not None and fr.time_s > seconds:
            break
        out.append((fr.time_s, letterbox(fr.rgb, width, height)))
    return info, out


def run(clip: str | Path, pattern: str, width: int, height: int, seconds: float | None = None,
        analyse: bool = True) -> dict:
    from screening import analyze
    from screening.live import LiveSession

    info, frames = clip_frames(clip, width, height, seconds)
    session = LiveSession(pattern)
    session.process(frames[0][1], 0.0)  # the pose graph starts (once per set, before the camera runs)
    slot: list = []
    lock = threading.Condition()
    done = threading.Event()
    dropped = 0
    fps = info.fps or 30.0

    def camera():
        nonlocal dropped
        t0 = time.perf_counter()
        for k, (t, rgb) in enumerate(frames):
            wait = t0 + k / fps - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            with lock:
                if slot:
                    dropped += 1
                    slot.clear()
                slot.append((t, rgb, time.perf_counter()))
                lock.notify()
        done.set()
        with lock:
            lock.notify()

    latencies, processed = [], 0
    cam = threading.Thread(target=camera, daemon=True)
    start = time.perf_counter()
    cam.start()
    while True:
        with lock:
            while not slot and not done.is_set():
                lock.wait(0.1)
            if not slot:
                break
            t, rgb, arrived = slot.pop()
        session.process(rgb, t)
        latencies.append((time.perf_counter() - arrived) * 1000)
        processed += 1
    wall = time.perf_counter() - start
    session.count_now()
    status = session.status()
    recording = session.finish()
    analysis_reps = None
    try:
        if analyse and recording is not None:
            analysis_reps = len(analyze(recording, pattern=pattern, keep_frames=False).reps)
    finally:
        session.close()
    return {"fps": round(processed / wall, 1), "dropped": dropped, "frames": len(frames),
            "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p95_ms": round(float(np.percentile(latencies, 95)), 1),
            "recorded_s": round(status.recorded_s, 1), "live_reps": status.reps, "analysis_reps": analysis_reps}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--pattern", default="lunge", choices=["hinge", "lunge"])
    ap.add_argument("--seconds", type=float, default=None, help="feed only the clip's first seconds")
    ap.add_argument("--sizes", default="640x480,1280x720")
    ap.add_argument("--markdown", help="also write the results as a Markdown table to this file")
    a = ap.parse_args(argv)
    from screening.allocator import limit_arenas

    limit_arenas()
    results = {}
    for size in a.sizes.split(","):
        w, h = (int(v) for v in size.split("x"))
        results[size] = r = run(a.clip, a.pattern, w, h, a.seconds)
        print(f"{size}: {r['fps']} frames/s processed, {r['dropped']} of {r['frames']} dropped, latency "
              f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms; recorded {r['recorded_s']} s; reps live "
              f"{r['live_reps']}, analysis {r['analysis_reps']}", file=sys.stderr)
    if a.markdown:
        rows = [f"| {size} | {r['fps']} | {r['dropped']} of {r['frames']} | {r['p50_ms']} | {r['p95_ms']} | "
                f"{r['recorded_s']} | {r['live_reps']} | {r['analysis_reps']} |" for size, r in results.items()]
        Path(a.markdown).write_text(
            f"# The live path\n\nGenerated by `python bench/live.py {Path(a.clip).name} --pattern {a.pattern}` on "
            f"this machine ({os.cpu_count()} cores): the clip fed at its frame rate as a camera, the camera check, "
            "the countdown, then the set recorded while the reps are counted.\n\n"
            "| size | frames/s processed | dropped | latency p50 (ms) | p95 (ms) | recorded (s) | reps live | "
            "reps in the analysis |\n|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
            "Targets (issue 16): at 640x480, >= 25 frames/s processed and p95 latency under 100 ms while recording.\n")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
