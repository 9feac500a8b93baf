"""Repetition segmentation on constructed signals with known reps (exact bottoms and counts)."""
from __future__ import annotations

import numpy as np
import pytest

from screening.reps import segment_reps

pytestmark = pytest.mark.fast  # the fast tier: no MediaPipe, no browser, no clip, no process

FPS = 30.0


def hinge_signal(bottoms_s, depth=70.0, half_width_s=1.0, duration_s=None, noise=0.0, seed=0):
    """A trunk-inclination change: standing 0, a smooth bell of ``depth`` deg around each bottom."""
    duration_s = duration_s or (max(bottoms_s) + 2.5)
    t = np.arange(0, duration_s, 1 / FPS)
    x = np.zeros_like(t)
    for b in bottoms_s:
        x += depth * np.exp(-0.5 * ((t - b) / (half_width_s / 2.5)) ** 2)
    x += np.random.default_rng(seed).normal(0, noise, len(t))
    return t, x


@pytest.mark.parametrize("bottoms", [[2.0], [2.0, 5.0, 8.0], [1.5, 3.5, 5.5, 7.5, 9.5, 11.5]])
def test_counts_and_bottoms(bottoms):
    t, x = hinge_signal(bottoms, noise=1.0)
    seg = segment_reps(t, x, prominence=10)
    assert len(seg.reps) == len(bottoms)
    np.testing.assert_allclose([r.bottom_s for r in seg.reps], bottoms, atol=0.1)
    for r in seg.reps:
        assert r.start_s < r.bottom_s < r.end_s
        assert not r.starts_at_bottom and not r.ends_at_bottom


def test_a_clip_that_starts_at_the_bottom_keeps_that_rep():
    """A deadlift from the floor: the clip opens bent over the bar."""
    t, x = hinge_signal([0.0, 4.0])
    seg = segment_reps(t, x, prominence=10)
    assert len(seg.reps) == 2
    assert seg.reps[0].starts_at_bottom and seg.reps[0].bottom_s == pytest.approx(0.0, abs=0.05)


def test_a_rep_cut_off_by_the_end_is_not_counted():
    t, x = hinge_signal([2.0, 5.0, 8.0], duration_s=7.6)  # ends on the way down into the third
    seg = segment_reps(t, x, prominence=10)
    assert len(seg.reps) == 2 and seg.cut_off == 1


def test_a_gap_at_the_bottom_is_bridged_and_a_long_gap_splits():
    t, x = hinge_signal([2.0, 5.0])
    hidden = x.copy()
    hidden[(t > 1.8) & (t < 2.3)] = np.nan  # the bottom of rep 1 hidden for half a second
    assert len(segment_reps(t, hidden, prominence=10).reps) == 2
    title = x.copy()
    title[t < 1.0] = np.nan  # a title card: nobody in view at the start
    assert len(segment_reps(t, title, prominence=10).reps) == 2


def test_a_dip_within_one_rep_is_not_a_second_rep():
    """A deadlift's trunk angle dips and rises again as the bar passes the knees."""
    t, x = hinge_signal([2.0])
    x += 15 * np.exp(-0.5 * ((t - 2.6) / 0.12) ** 2) - 12 * np.exp(-0.5 * ((t - 2.35) / 0.1) ** 2)
    seg = segment_reps(t, x, prominence=10)
    assert len(seg.reps) == 1


def test_small_wobbles_and_a_pause_are_not_reps():
    t, x = hinge_signal([2.0, 5.0], noise=1.0, seed=3)
    x += 4 * np.sin(2 * np.pi * 1.3 * t)  # sway below the prominence
    pause = (t > 4.8) & (t < 5.6)
    x[pause] = x[pause].max()  # a pause at the bottom of rep 2
    seg = segment_reps(t, x, prominence=10)
    assert len(seg.reps) == 2
