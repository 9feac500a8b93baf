"""The tracker against mediapipe 0.10.21's legacy pose graph, frame by frame, on real clips.

    # 1. in a Python 3.10-3.12 environment with mediapipe==0.10.21 (the legacy graph: newer Pythons cannot
    #    install it), record what the legacy graph gives, its internal streams included:
    python bench/roi.py --record out/legacy [CLIP ...]
    # 2. in the project's environment, compare the tool's tracker (screening.pose.RoiPose) with it:
    python bench/roi.py --compare out/legacy [CLIP ...]

Frames are decoded as the tool decodes them (screening.video: PyAV, scaled to 1280 px at most), the same in both
runs where both environments have the same PyAV.
Printed per clip: frames where each found the person, and the distance between the two trackers' body landmarks
(nose, ears, shoulders to toes) in px: median, 95th percentile. tests/data/legacy_tracking_0.10.21.npz is the
first 62 frames of jeffchen_good.mp4 recorded by step 1 (tests/test_roi.py reads it).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VIDEOS = ROOT.parent / "shared" / "videos"
CLIPS = ["jeffchen_good.mp4", "tomnotch_good_mornings.mp4", "nowva_side_lunge.mp4", "mattioli_deadlift_Good_02.mp4",
         "bichraix_deadlift_bad005.mp4"]
BODY = [0, 7, 8] + list(range(11, 33))
MAX_SIDE = 1280


def frames(path: Path, limit: int | None = None):
    """The clip's frames as the tool decodes them (PyAV, scaled to 1280 px at most): the same in both runs where
    both environments have the same PyAV (OpenCV's decoders differ between its versions by up to 12 levels)."""
    sys.path.insert(0, str(ROOT))
    from screening.video import probe, read_frames

    for n, frame in enumerate(read_frames(path, probe(path), max_side=MAX_SIDE)):
        if limit is not None and n >= limit:
            break
        yield frame.rgb


def record(clip: Path, out: Path, limit: int | None) -> None:
    """The legacy solution's graph with its alignment points and crops observed (mediapipe 0.10.21 only)."""
    import os

    import mediapipe as mp
    from mediapipe.framework import calculator_pb2
    from mediapipe.python.solution_base import SolutionBase

    config = calculator_pb2.CalculatorGraphConfig()
    config.ParseFromString((Path(os.path.dirname(mp.__file__)) / "modules/pose_landmark/pose_landmark_cpu.binarypb")
                           .read_bytes())
    streams = ["unfiltered_auxiliary_landmarks", "auxiliary_landmarks", "pose_rect"]
    config.output_stream.extend(streams)
    graph = SolutionBase(
        graph_config=config,
        side_inputs={"model_complexity": 1, "smooth_landmarks": False, "enable_segmentation": False,
                     "smooth_segmentation": False, "use_prev_landmarks": True},
        calculator_params={"posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": 0.5,
                           "poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation__ThresholdingCalculator"
                           ".threshold": 0.5},
        outputs=["pose_landmarks"] + streams)
    image, aux, auxf, rect = [], [], [], []
    for rgb in frames(clip, limit):
        h, w = rgb.shape[:2]
        r = graph.process({"image": rgb})
        if r.pose_landmarks is None:
            image.append(np.full((33, 3), np.nan)), aux.append(np.full((2, 2), np.nan))
            auxf.append(np.full((2, 2), np.nan)), rect.append(np.full(4, np.nan))
            continue
        image.append([(p.x * w, p.y * h, p.visibility) for p in r.pose_landmarks.landmark])
        aux.append([(p.x * w, p.y * h) for p in r.unfiltered_auxiliary_landmarks.landmark])
        auxf.append([(p.x * w, p.y * h) for p in r.auxiliary_landmarks.landmark])
        pr = r.pose_rect
        rect.append((pr.x_center * w, pr.y_center * h, pr.width * w, pr.rotation))
    graph.close()
    np.savez_compressed(out, image=np.array(image, np.float32), aux=np.array(aux), auxf=np.array(auxf),
                        rect=np.array(rect))


def compare(clip: Path, recorded: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from screening.pose import RoiPose

    legacy = np.load(recorded)["image"]
    backend = RoiPose(segmentation=False)
    ours = []
    for i, rgb in enumerate(frames(clip, len(legacy))):
        people = backend.process(rgb, i / 30)
        ours.append(people[0].image if people else np.full((33, 3), np.nan))
    backend.close()
    ours = np.array(ours)
    both = ~np.isnan(legacy[:, 0, 0]) & ~np.isnan(ours[:, 0, 0])
    d = np.linalg.norm(ours[both][:, BODY, :2] - legacy[both][:, BODY, :2], axis=2)
    return {"frames": len(legacy), "legacy_found": int((~np.isnan(legacy[:, 0, 0])).sum()),
            "found": int((~np.isnan(ours[:, 0, 0])).sum()), "median_px": float(np.median(d)),
            "p95_px": float(np.percentile(d, 95))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--record", type=Path, metavar="DIR")
    mode.add_argument("--compare", type=Path, metavar="DIR")
    p.add_argument("clips", nargs="*", default=CLIPS)
    p.add_argument("--frames", type=int, default=None, help="only the first N frames of each clip")
    args = p.parse_args()
    for name in args.clips:
        clip = Path(name) if Path(name).is_file() else VIDEOS / name
        if args.record:
            args.record.mkdir(parents=True, exist_ok=True)
            record(clip, args.record / f"{clip.stem}.npz", args.frames)
            print(f"recorded {clip.name}")
        else:
            r = compare(clip, args.compare / f"{clip.stem}.npz")
            print(f"{clip.name:34s} frames {r['frames']:5d}  found: legacy {r['legacy_found']:5d}, tool "
                  f"{r['found']:5d}   body landmarks apart: median {r['median_px']:.2f} px, p95 {r['p95_px']:.1f} px")


if __name__ == "__main__":
    main()
