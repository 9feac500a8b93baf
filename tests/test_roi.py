"""The tracker's crop (screening.roi) against mediapipe 0.10.21's legacy pose graph, which it rebuilds.

tests/data/legacy_tracking_0.10.21.npz was recorded from the legacy solution (``mp.solutions.pose``, full model,
``smooth_landmarks=False``, segmentation off) on the 62 frames of jeffchen_good.mp4 as the tool decodes them, with
the graph's internal streams observed: the alignment points before and after its filter (``aux``, ``auxf``),
the crop it cut on each frame (``rect``: centre x, y and side in px, rotation in rad) and its 33 landmarks
(``image``). Made by bench/roi.py --record in a Python 3.11 environment with mediapipe==0.10.21, which newer
Pythons cannot install; so these tests run everywhere.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from screening import roi

LEGACY = Path(__file__).parent / "data" / "legacy_tracking_0.10.21.npz"
CLIP = "jeffchen_good.mp4"
BODY = [0, 7, 8] + list(range(11, 33))  # the landmarks the tool reads (not the eyes' inner points or the mouth)


@pytest.fixture(scope="module")
def legacy():
    return dict(np.load(LEGACY))


# ------------------------------------------------------------------------------------------ no MediaPipe
@pytest.mark.fast
def test_the_filter_is_the_legacy_graphs(legacy):
    """The legacy graph's own filtered points, from its unfiltered ones: the same to 0.001 px on every frame
    (measured 5e-5); with beta 1 (the value an older note gave) they are px off within 3 frames."""
    f = roi.AlignmentFilter()
    got = np.array([f.apply(points) for points in legacy["aux"]])
    assert np.abs(got - legacy["auxf"]).max() < 1e-3
    g = roi.AlignmentFilter()
    g._filters = [roi.OneEuro(beta=1.0) for _ in range(4)]
    other = np.array([g.apply(points) for points in legacy["aux"]])
    assert np.abs(other - legacy["auxf"])[:4].max() > 1.0


@pytest.mark.fast
def test_the_crop_follows_the_filtered_points_as_the_legacy_graph_cut_it(legacy):
    """Frame i+1's crop from frame i's filtered points: centre, side and rotation as the legacy graph's."""
    for points, rect in zip(legacy["auxf"][:-1], legacy["rect"][1:]):
        r = roi.roi_from_points(points)
        assert abs(r.cx - rect[0]) < 1e-3 and abs(r.cy - rect[1]) < 1e-3 and abs(r.side - rect[2]) < 1e-2
        assert abs(math.remainder(r.rotation - rect[3], 2 * math.pi)) < 1e-5


@pytest.mark.fast
def test_a_filter_reset_starts_from_the_next_reading():
    f = roi.AlignmentFilter()
    f.apply(np.array([[100.0, 100.0], [100.0, 20.0]]))
    f.reset()
    moved = np.array([[300.0, 200.0], [300.0, 120.0]])
    assert np.allclose(f.apply(moved), moved)


@pytest.mark.fast
def test_crop_and_back_are_inverse():
    r = roi.Roi(320.0, 240.0, 300.0, 0.7)
    pts = np.array([[10.0, 20.0], [128.0, 128.0], [250.0, 3.0]])
    there = roi.to_frame(pts, r)
    back = np.asarray(__import__("cv2").perspectiveTransform(there.reshape(-1, 1, 2), r.matrix().astype(float)))
    assert np.allclose(back.reshape(-1, 2), pts, atol=1e-6)
    assert np.allclose(roi.to_frame(np.array([[128.0, 128.0]]), r), [[320.0, 240.0]], atol=1e-6)
    # the crop's up points along the rotation: with 90 deg, the crop's top middle is right of the centre
    up = roi.to_frame(np.array([[128.0, 0.0]]), roi.Roi(320.0, 240.0, 300.0, math.pi / 2))[0]
    assert np.allclose(up, [470.0, 240.0], atol=1e-3)
    assert not roi.Roi(float("nan"), 1.0, 10.0, 0.0).usable() and not roi.Roi(1.0, 1.0, 0.5, 0.0).usable()


@pytest.mark.fast
def test_a_mask_laid_back_on_the_frame_lands_where_the_crop_was():
    r = roi.Roi(200.0, 150.0, 128.0, 0.0)
    mask = np.zeros((256, 256), np.float32)
    mask[96:160, 96:160] = 1.0  # the crop's middle quarter
    frame = roi.mask_to_frame(mask, r, 400, 300)
    ys, xs = np.nonzero(frame > 0.5)
    assert abs(xs.mean() - 200) < 1.0 and abs(ys.mean() - 150) < 1.0
    assert frame[:, :100].max() == 0.0  # nothing outside the crop


# ------------------------------------------------------------------------------------------ real MediaPipe
def _frames(path: Path, n: int) -> list[np.ndarray]:
    """The clip's first ``n`` frames as the tool decodes them (and as the reference was recorded)."""
    from bench.roi import frames

    return list(frames(path, n))


@pytest.mark.real_video
def test_the_landmark_model_on_the_legacy_graphs_own_crops(shared_videos, legacy):
    """The Tasks API's landmark model on each crop the legacy graph cut: its landmarks within 0.5 px (median of
    the body's, over the clip; measured 0.23 on Python 3.11 and 3.13; on the very same crop the two runtimes agree
    exactly, so what is left is the crop's pixels, cut by two OpenCV versions), the alignment points within 2.5 px
    (90th percentile; measured 1.4; before their heatmaps followed them, up to 18), the mouth within 10 px
    (measured 6.7: read from the model without the heatmap refinement the legacy graph gave it)."""
    from screening import bundle
    from screening.pose import raw_landmarks, shipped_bundle, task_landmarker

    tracker, _, mp = task_landmarker(bundle.tracker(shipped_bundle()), False, 1, False, shipped=True)
    medians, point_err = [], []
    try:
        for i, rgb in enumerate(_frames(shared_videos / CLIP, len(legacy["rect"]))):
            r = roi.Roi(*legacy["rect"][i])
            result = tracker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=roi.crop(rgb, r)))
            assert result.pose_landmarks, f"frame {i}"
            landmarks, points = bundle.unpack(raw_landmarks(result.pose_landmarks[0]), mouth_known=True)
            xy = roi.to_frame(landmarks[:, :2] * roi.CROP_SIDE, r)
            medians.append(np.median(np.linalg.norm(xy[BODY] - legacy["image"][i, BODY, :2], axis=1)))
            point_err.append(np.abs(roi.to_frame(points * roi.CROP_SIDE, r) - legacy["aux"][i]).max())
            mouth = np.linalg.norm(xy[[9, 10]] - legacy["image"][i, [9, 10], :2], axis=1)
            assert mouth.max() < 10.0 and (landmarks[[9, 10], 3] > 0.5).all(), f"frame {i}: the mouth {mouth}"
    finally:
        tracker.close()
    assert np.median(medians) < 0.5, np.round(medians, 2)
    assert np.percentile(point_err, 90) < 2.5, np.round(point_err, 2)


@pytest.mark.real_video
def test_tracking_follows_the_legacy_graph(shared_videos, legacy):
    """The whole tracker (:class:`screening.pose.RoiPose`) against the legacy graph, frame by frame: median 1.8
    px, 95th percentile 7.7 px over the body's landmarks (measured; the Tasks API's own video-mode tracking, with
    no filter on its crop, was 2.8 and 12.5). Most of it starts on the first frame: the Tasks graph's person
    detection there gives landmarks 1.8 px from the legacy graph's (median), so the first crop differs a little,
    and the slow filter carries that on."""
    from screening.pose import RoiPose

    backend = RoiPose(segmentation=False)
    d = []
    try:
        for i, rgb in enumerate(_frames(shared_videos / CLIP, len(legacy["rect"]))):
            people = backend.process(rgb, i / 30)
            assert people, f"frame {i}"
            d.append(np.linalg.norm(people[0].image[BODY, :2] - legacy["image"][i, BODY, :2], axis=1))
    finally:
        backend.close()
    d = np.concatenate(d)
    assert np.median(d) < 2.5 and np.percentile(d, 95) < 10.0, (np.median(d), np.percentile(d, 95))


@pytest.mark.real_video
def test_a_crop_turned_past_upright_is_dropped_and_the_person_found_afresh(shared_videos):
    """Where the crop the alignment points give turns past MAX_TURN_RAD (the person read upside down), the tracker
    forgets it and the next frame runs the detector (tomnotch_one_legged_dead_lift: the legacy graph kept such a
    crop for a second after a close-up and read a standing woman's trunk at 60 deg)."""
    from screening.pose import RoiPose

    rgb = _frames(shared_videos / CLIP, 1)[0]
    backend = RoiPose(segmentation=False)
    try:
        assert backend.process(rgb, 0.0)
        assert backend._roi is not None and abs(backend._roi.rotation) < math.radians(60)
        backend._lost()
        found = backend.process(np.ascontiguousarray(rgb[::-1, ::-1]), 1 / 30)  # the same person, upside down
        assert found, "the detector finds a person upside down"
        assert backend._roi is None, "a crop turned upside down was kept"
    finally:
        backend.close()
