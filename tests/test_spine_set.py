"""Spinal flexion on bodies and bends the estimate was not fitted on: the rendered spine set
(sample_videos/spine/, bench/spine.py). Real MediaPipe on every clip (~3 min).

Issue 15's targets, scored only on the held-out bodies (s4-s7): MAE <= 6 deg, and no flexion level
(0-40 deg) biased by more than 3 deg. The shipped constants are the fit bench/spine.py makes on the
fitting half, and the registry's uncertainty is the held-out error.
"""
from __future__ import annotations

import numpy as np
import pytest

from bench import spine as bench_spine
from screening.registry import metric
from screening.spine import COEF

pytestmark = pytest.mark.real_video


@pytest.fixture(scope="module")
def spine_run():
    return bench_spine.run()


def test_the_shipped_fit_is_the_fitting_half_fit(spine_run):
    np.testing.assert_allclose(spine_run["coef"], COEF, rtol=0.05, atol=0.5)


def test_held_out_bodies_within_the_targets(spine_run):
    h = spine_run["held_out_shipped"]
    assert h["read"] == h["reps"] >= 25, h  # every rep found and read, lifts from the floor included
    assert h["mae"] <= 6.0, h
    for level, s in h["levels"].items():
        assert abs(s["bias"]) <= 3.0, (level, s)


def test_each_kind_of_bend_and_load_is_read_within_its_error(spine_run):
    """No condition of the set (bend low, high or even; a barbell; a lift from the floor; a loose shirt;
    shoulders rounded; a camera off the side) is off by more than 1.5 times the overall error."""
    h = spine_run["held_out_shipped"]
    assert len(h["conditions"]) >= 8
    for tag, s in h["conditions"].items():
        assert s["mae"] <= 1.5 * h["mae"] + 1.0, (tag, s, h["mae"])


def test_the_registry_states_the_held_out_error(spine_run):
    assert metric("spinal_flexion_deg", "hinge").uncertainty == pytest.approx(spine_run["held_out_shipped"]["mae"],
                                                                              abs=0.5)


def test_lumbar_flexion_on_the_held_out_bodies(spine_run):
    """The fault as the tool says it (thresholds 10 / 20 deg; a value within the measure's error of the
    threshold is possible, counted as not said) on the held-out bodies' reps: sensitivity and specificity
    >= 0.8, leaving out reps within 2.5 deg of the threshold."""
    from screening.config import load_thresholds

    minor = load_thresholds()["hinge"]["lumbar_flexion"]["minor"]
    u = metric("spinal_flexion_deg", "hinge").uncertainty
    held = [p for p in spine_run["per_rep_shipped"] if p["held_out"] and abs(p["truth"] - minor) >= 2.5]
    pos = [p for p in held if p["truth"] > minor]
    neg = [p for p in held if p["truth"] < minor]
    said = lambda p: p["estimate"] is not None and p["estimate"] > minor + u  # noqa: E731
    assert len(pos) >= 15 and len(neg) >= 4
    assert sum(map(said, pos)) / len(pos) >= 0.8
    assert sum(not said(p) for p in neg) / len(neg) >= 0.8
