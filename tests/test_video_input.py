"""Video input: rotation, timestamps, and bad input refused with a message (never a traceback)."""
from __future__ import annotations

import subprocess
import sys

import av
import numpy as np
import pytest

from screening import cli
from screening.errors import VideoError
from screening.video import VideoWriter, _opencv_converts, keyframe_times, probe, read_frames
from tests.support_clips import pattern_frame, write_clip


@pytest.mark.fast
@pytest.mark.parametrize("rotation", [90, 270])
def test_portrait_phone_clip_comes_out_upright(tmp_path, rotation):
    upright = [pattern_frame(640, 368, i) for i in range(12)]
    # a phone stores the sensor's landscape picture and a flag saying how to turn it for display
    stored = [np.rot90(f, -rotation // 90) for f in upright]
    path = write_clip(tmp_path / "portrait.mp4", stored, rotation=rotation)
    info = probe(path)
    assert (info.width, info.height, info.rotation_deg) == (368, 640, rotation)
    frames = list(read_frames(path, info))
    assert len(frames) == 12
    for got, want in zip(frames, upright):
        assert got.rgb.shape == want.shape
        assert np.abs(got.rgb.astype(int) - want).mean() < 6


@pytest.mark.fast
def test_variable_frame_rate_timestamps_are_kept(tmp_path):
    times = np.cumsum([0.0] + [0.033, 0.041, 0.025, 0.050, 0.033, 0.033, 0.060, 0.020, 0.033])
    path = write_clip(tmp_path / "vfr.mp4", [pattern_frame(240, 320, i) for i in range(10)], times=times)
    got = np.array([f.time_s for f in read_frames(path)])
    np.testing.assert_allclose(got, times - times[0], atol=0.0015)


@pytest.mark.fast
def test_frames_are_scaled_while_decoding(tmp_path):
    path = write_clip(tmp_path / "big.mp4", [pattern_frame(720, 1280, i) for i in range(3)])
    f = next(read_frames(path, max_side=640))
    assert f.rgb.shape == (360, 640, 3)


COLOURS = [(230, 30, 30), (30, 200, 30), (40, 60, 220), (240, 240, 240), (20, 20, 20), (200, 160, 40)]


@pytest.mark.fast
def test_colours_survive_writing_and_reading(tmp_path):
    """The writer's RGB -> YUV and the reader's YUV -> RGB (OpenCV's, for BT.601 video-range frames) are each
    other's inverse: flat patches of saturated colour come back within a few levels, at full size and scaled
    while decoding (a wrong matrix or range moves saturated colours by 15-50 levels)."""
    img = np.zeros((480, 720, 3), np.uint8)
    for k, c in enumerate(COLOURS):
        img[:, k * 120:(k + 1) * 120] = c
    with VideoWriter(tmp_path / "c.mp4", 30, 720, 480, crf=12, preset="ultrafast") as w:
        for i in range(3):
            w.write(img, i / 30)
    for max_side, scale in ((None, 1.0), (360, 0.5)):
        got = next(read_frames(tmp_path / "c.mp4", max_side=max_side)).rgb.astype(int)
        for k, c in enumerate(COLOURS):
            x0, x1 = int((k * 120 + 20) * scale), int(((k + 1) * 120 - 20) * scale)
            patch = got[int(100 * scale):int(380 * scale), x0:x1].reshape(-1, 3)
            assert np.abs(patch.mean(0) - c).max() <= 4, (max_side, c, patch.mean(0))


@pytest.mark.fast
def test_only_bt601_video_range_goes_through_opencv():
    """OpenCV's conversion knows one matrix (BT.601) and one range (video): frames marked otherwise (BT.709,
    as most phones mark theirs; full range) go through swscale, which follows the marking."""
    f = av.VideoFrame.from_ndarray(np.full((72, 64), 128, np.uint8), format="yuv420p")
    assert _opencv_converts(f)
    f.colorspace = 1  # BT.709
    assert not _opencv_converts(f)
    f.colorspace, f.color_range = 2, 2  # unmarked matrix, full range
    assert not _opencv_converts(f)
    assert not _opencv_converts(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24"))


@pytest.mark.real_video
@pytest.mark.parametrize("clip", ["tomnotch_one_legged_dead_lift.mp4", "tomnotch_good_mornings.mp4"])
def test_scaled_decoding_matches_swscale_rgb(shared_videos, clip):
    """A 1080p phone clip (one marked BT.709, one unmarked) scaled while decoding gives the picture swscale's
    direct scale-to-RGB gives, to within its chroma rounding."""
    path = shared_videos / clip
    with av.open(str(path)) as c:
        frame = next(c.decode(video=0))
        ref = frame.reformat(width=1280, height=720, format="rgb24", interpolation="AREA").to_ndarray().astype(int)
    got = next(read_frames(path, max_side=1280)).rgb.astype(int)
    diff = np.abs(got - ref)
    assert diff.mean() < 3.0 and np.percentile(diff, 99) <= 6, (diff.mean(), np.percentile(diff, 99))


@pytest.mark.real_video
def test_rotated_real_clip_measures_like_the_original(tmp_path, shared_videos):
    """A real person filmed 'sideways' with a rotation flag gives the same angles as the upright clip."""
    from screening import analyze

    src = shared_videos / "jeffchen_good.mp4"
    frames = [f.rgb for f in read_frames(src)]
    rotated = write_clip(tmp_path / "rotated.mp4", [np.rot90(f, -1) for f in frames], rotation=90)
    a = analyze(src, keep_frames=False).measured
    b = analyze(rotated, keep_frames=False).measured
    assert b.info.rotation_deg == 90
    assert b.clean.view.kind == "side"
    # upright: the nose is above the hips in the picture the analysis saw
    assert np.nanmedian(b.series.image[:, 0, 1]) < np.nanmedian(b.series.image[:, 23, 1])
    ta, tb = a.kinematics.values["trunk_inclination_deg"], b.kinematics.values["trunk_inclination_deg"]
    assert np.nanmean(np.abs(ta - tb)) < 3.0


# ------------------------------------------------------------------------------------------ bad input
def run_cli(args, capsys):
    code = cli.main(["analyze", *map(str, args)])
    err = capsys.readouterr().err
    return code, err


def assert_refused(code, err, phrase):
    assert code == 2, err
    assert phrase in err
    assert "what to do:" in err
    assert "Traceback" not in err


@pytest.mark.fast
def test_text_file_renamed_mp4(tmp_path, capsys):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is a shopping list, not a video\n" * 20)
    assert_refused(*run_cli([bad, "--out", tmp_path / "o"], capsys), "could not be read as a video")
    assert not (tmp_path / "o" / "result.json").exists()


@pytest.mark.fast
def test_empty_file(tmp_path, capsys):
    bad = tmp_path / "empty.mp4"
    bad.write_bytes(b"")
    assert_refused(*run_cli([bad, "--out", tmp_path / "o"], capsys), "is empty")


@pytest.mark.fast
def test_missing_file(tmp_path, capsys):
    assert_refused(*run_cli([tmp_path / "nope.mp4"], capsys), "does not exist")


@pytest.mark.fast
def test_truncated_mp4_without_its_index(tmp_path, capsys):
    clip = write_clip(tmp_path / "whole.mp4", [pattern_frame(240, 320, i) for i in range(60)])
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the index ('moov') sits at the end: gone
    assert_refused(*run_cli([cut, "--out", tmp_path / "o"], capsys), "could not be read as a video")


@pytest.mark.fast
def test_audio_only_file(tmp_path, capsys):
    path = tmp_path / "voice.mp4"
    c = av.open(str(path), "w")
    s = c.add_stream("aac", rate=16000)
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
    frame.sample_rate = 16000
    for i in range(20):
        frame.pts = i * 1024
        for p in s.encode(frame):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    assert_refused(*run_cli([path], capsys), "no video stream")


def test_video_without_a_person(tmp_path, capsys):
    clip = write_clip(tmp_path / "empty_room.mp4", [pattern_frame(360, 480, i) for i in range(45)])
    assert_refused(*run_cli([clip, "--out", tmp_path / "o"], capsys), "No person was found")
    assert not (tmp_path / "o" / "result.json").exists()


@pytest.mark.fast
def test_too_long_and_too_big_are_refused(tmp_path, capsys):
    clip = write_clip(tmp_path / "clip.mp4", [pattern_frame(240, 320, i) for i in range(90)])
    assert_refused(*run_cli([clip, "--max-duration", "1"], capsys), "lasts 3 s, over the 1 s limit")
    with pytest.raises(VideoError, match="GB limit"):
        probe(clip, max_bytes=1000)


def test_missing_webcam(capsys):
    assert_refused(*run_cli(["9"], capsys), "No webcam could be opened at index 9")


def test_console_script_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    proc = subprocess.run([sys.executable, "-m", "screening.cli", "analyze", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "could not be read as a video" in proc.stderr


def test_the_command_shows_no_mediapipe_chatter(tmp_path):
    """MediaPipe's C++ code logs "GPU suport is not available: INTERNAL: RET_CHECK failure ..." and a dozen
    lines more at start-up (absl logging, which ignores GLOG_minloglevel): the command keeps them off the
    terminal, and its own progress, messages and errors still reach it."""
    import os
    from pathlib import Path

    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "hinge_side_clean_a.mp4"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLOG_", "TF_CPP_"))}
    proc = subprocess.run([sys.executable, "-m", "screening.cli", "analyze", str(clip), "--out", str(tmp_path / "r"),
                           "--no-video"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "tracking pose" in proc.stderr and "Pattern    hinge" in proc.stdout
    assert not [line for line in proc.stderr.splitlines() if cli.NATIVE_CHATTER.match(line.encode())]
    assert "RET_CHECK" not in proc.stderr and "XNNPACK" not in proc.stderr and "absl" not in proc.stderr


def test_help_reads_well():
    proc = subprocess.run([sys.executable, "-m", "screening.cli", "analyze", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for word in ("result.json", "angles.csv", "annotated.mp4", "--pattern", "--model-file", "webcam"):
        assert word in proc.stdout


# --------------------------------------------------------------------------------------------- stretches
@pytest.mark.fast
def test_consecutive_stretches_read_every_frame_once(tmp_path):
    """Parallel tracking reads a file in stretches: together they must be the whole file, frame for
    frame, whether a stretch starts on a keyframe or between two (keyframes here every 12 frames)."""
    path = tmp_path / "gop.mp4"
    frames = [pattern_frame(96, 128, i) for i in range(90)]
    c = av.open(str(path), "w")
    s = c.add_stream("libx264", rate=30)
    s.width, s.height, s.pix_fmt = 128, 96, "yuv420p"
    s.options = {"g": "12", "keyint_min": "12", "sc_threshold": "0", "crf": "10"}
    for img in frames:
        for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    keys = keyframe_times(path)
    np.testing.assert_allclose(keys, np.arange(0, 3, 0.4), atol=1e-6)
    whole = [(f.time_s, f.rgb) for f in read_frames(path)]
    for cuts in ([0.0, 1.2, 2.0], [0.0, 0.45, 1.7, 2.95]):  # on keyframes / between keyframes
        bounds = cuts + [None]
        parts = [(f.time_s, f.rgb) for a, b in zip(bounds[:-1], bounds[1:])
                 for f in read_frames(path, start_s=a, end_s=b)]
        assert [t for t, _ in parts] == pytest.approx([t for t, _ in whole], abs=1e-9)
        assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(parts, whole))


@pytest.mark.fast
def test_text_sprites_draw_what_puttext_draws():
    """The annotated video pastes its labels from sprites drawn once: the picture is the one two
    anti-aliased putText calls (black outline, then the colour) give, to within rounding, also where the
    text runs off the picture's edge (putText clips its strokes there its own way: the outermost two pixels
    are left out of the comparison)."""
    import cv2

    from screening.annotate import draw_text

    rng = np.random.default_rng(1)
    base = rng.integers(0, 256, (120, 200, 3), dtype=np.uint8)
    for org in ((10, 40), (150, 115), (-20, 8)):
        direct, pasted = base.copy(), base.copy()
        draw_text(direct, "hip 47", org, 0.7, (255, 255, 120), once=True)
        draw_text(pasted, "hip 47", org, 0.7, (255, 255, 120))
        assert (direct != base).any()
        inner = (slice(2, -2), slice(2, -2))
        assert np.abs(direct[inner].astype(int) - pasted[inner].astype(int)).max() <= 3, org
    assert cv2.FONT_HERSHEY_SIMPLEX == 0  # the font both draw with


@pytest.mark.fast
def test_a_stopped_annotated_video_drops_its_queued_frames(tmp_path, monkeypatch):
    """The annotated video is encoded on its own thread behind a queue; a stopped run (abort) does not
    encode the frames still queued, nor flush the encoder; a finished one (close) encodes every frame."""
    import time

    from screening.video import BackgroundWriter

    real_write = VideoWriter.write
    written = []

    def slow_write(self, rgb, time_s):
        time.sleep(0.05)
        written.append(time_s)
        real_write(self, rgb, time_s)

    monkeypatch.setattr(VideoWriter, "write", slow_write)
    for stop, expected in (("close", 8), ("abort", None)):
        written.clear()
        w = BackgroundWriter(tmp_path / f"{stop}.mp4", 30, 64, 48)
        for i in range(8):
            w.write(np.zeros((48, 64, 3), np.uint8), i / 30)
        getattr(w, stop)()
        if expected:
            assert len(written) == expected and len(list(read_frames(tmp_path / f"{stop}.mp4"))) == expected
        else:
            assert len(written) <= 2, written


def test_a_reader_that_goes_away_stops_the_command_quietly():
    """`screening explain | head -1`: the command's output has no reader (here from the start, so that the
    test does not depend on how much fits in the pipe). It stops as a command killed by SIGPIPE does (141),
    with no "unexpected failure" and no traceback."""
    import os

    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    try:
        proc = subprocess.run([sys.executable, "-m", "screening.cli", "explain"], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert "unexpected failure" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "BrokenPipe" not in proc.stderr, proc.stderr
