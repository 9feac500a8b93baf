"""Verdicts withheld only for the right reason (issue 24): brightness read over the picture, not a letterboxed
clip's black bars; joints hidden behind a barbell's plates in the middle of the picture are not "out of the
picture"; and the camera's view read where the body is whole (constructed frames and series, no MediaPipe)."""
from __future__ import annotations

import numpy as np
import pytest

from screening.clean import clean, detect_view, upright_frames
from screening.findings import RepResult
from screening.quality import DARK_BELOW, out_of_picture, picture_brightness

from tests.support_bodies import H, W, series_of, side_frame

pytestmark = pytest.mark.fast  # the fast tier: no MediaPipe, no browser, no clip, no process


def test_brightness_is_read_over_the_picture_not_its_black_bars():
    # a portrait phone clip put in a 16:9 frame: bars left and right, a well-lit picture between
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[:, 436:844] = 62
    assert picture_brightness(frame) == pytest.approx(62, abs=0.5)
    assert frame[::8, ::8].mean() < DARK_BELOW  # the whole frame's mean would have called it too dark
    # bars above and below (a wide clip in a tall frame) too, and a dim picture stays dim
    frame = np.zeros((1280, 720, 3), np.uint8)
    frame[400:880] = 25
    assert picture_brightness(frame) == pytest.approx(25, abs=0.5)
    assert picture_brightness(np.zeros((480, 640, 3), np.uint8)) == 0.0  # a black frame is dark
    dim = np.full((480, 640, 3), 30, np.uint8)
    assert picture_brightness(dim) == pytest.approx(30)  # no bars: the whole picture


def _rep(n: int) -> list[RepResult]:
    return [RepResult(0, 0.0, n / 60, n / 30, None, {}, [], [], (0, n // 2, n - 1))]


def _ankles(frame: np.ndarray, y: float, visibility: float) -> np.ndarray:
    f = frame.copy()
    for i in (27, 28, 29, 30, 31, 32):
        f[i, 1], f[i, 2] = y, visibility
    return f


def test_ankles_hidden_behind_plates_are_not_out_of_the_picture():
    base = side_frame(1)
    # both ankles unseen (visibility 0.1) where they are: in the middle of the picture, behind a plate
    hidden = series_of([_ankles(base, H - 100, 0.1) for _ in range(60)])
    assert out_of_picture(hidden, _rep(60)) == []
    # unseen at the picture's bottom edge: the feet are cut off
    cut = series_of([_ankles(base, H - 5, 0.1) for _ in range(60)])
    assert out_of_picture(cut, _rep(60)) == [1]
    # placed outside the picture: cut off whatever the visibility
    outside = series_of([_ankles(base, H + 40, 0.9) for _ in range(60)])
    assert out_of_picture(outside, _rep(60)) == [1]


def _front_frame(spread: float) -> np.ndarray:
    """A standing body seen at an angle: the shoulders and hips ``spread`` trunk lengths apart in x."""
    f = side_frame(1)
    trunk = np.hypot(*(f[11, :2] - f[23, :2]))
    for left, right, k in ((11, 12, 1.0), (23, 24, 0.7)):
        mid = (f[left, :2] + f[right, :2]) / 2
        f[left, 0], f[right, 0] = mid[0] + k * spread * trunk / 2, mid[0] - k * spread * trunk / 2
    return f


def test_the_view_is_read_from_every_frame_when_few_are_upright():
    """A deadlift from the floor is upright only at lockout, where a close camera cuts the head off and the
    tracker guesses the shoulders far apart: those few frames must not make a side view a front one."""
    lean = [side_frame(1, trunk=65.0, thigh=40.0, shank=15.0) for _ in range(140)]
    guessed = [_front_frame(1.4) for _ in range(5)]  # 5 upright frames of 145, shoulders guessed wide apart
    xy = np.stack(lean + guessed)[:, :, :2]
    vis = np.stack(lean + guessed)[:, :, 2]
    up = upright_frames(xy)
    assert up.sum() == 5
    view = detect_view(xy, vis, up)
    assert view.kind == "side" and view.spread_ratio < 0.2
    # with a standing phase long enough, the upright frames decide, as metrics.md says
    xy2 = np.stack([_front_frame(0.8)] * 60 + lean)[:, :, :2]
    view2 = detect_view(xy2, np.ones(xy2.shape[:2]), upright_frames(xy2))
    assert view2.kind == "front"


@pytest.mark.parametrize("spread,hips", [(0.0, 0.0), (0.6, 0.42)])
def test_the_hips_spread_is_a_second_reading_of_the_camera_angle(spread, hips):
    cs = clean(series_of([_front_frame(spread) for _ in range(60)]))
    assert cs.view.hip_spread_ratio == pytest.approx(hips, abs=0.02)
