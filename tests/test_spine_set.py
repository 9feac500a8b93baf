"""Spinal flexion on rendered bodies the estimate was not fitted on (issue 24; bench/spine.py, bench/spine.md).

The per-rep features of 298 rendered reps (73 bodies) are kept in bench/data/spine_reps.json, written by
`python bench/spine.py --table` from real MediaPipe runs: the fast tests re-fit the shipped map from them and
score it with whole bodies held out; one real-video test checks that the table is what the tool reads today.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from bench import spine as bench_spine
from screening import spine
from screening.registry import metric


@pytest.fixture(scope="module")
def reps() -> list[dict]:
    return json.loads(bench_spine.TABLE.read_text())


@pytest.fixture(scope="module")
def evaluated(reps) -> dict:
    return bench_spine.evaluate(reps)


@pytest.mark.fast
def test_the_population_is_wide_and_whole_bodies_are_held_out(reps):
    bodies = {r["body"] for r in reps}
    assert len(bodies) >= 70 and len(reps) >= 280
    assert len({bench_spine.fold_of(b) for b in bodies}) == bench_spine.FOLDS
    levels = [r["truth"] for r in reps]
    assert min(levels) <= 1 and max(levels) >= 44  # 0-45 deg
    assert sum(r["bar"] for r in reps) >= 60 and sum(r["kettlebell"] for r in reps) >= 30
    assert sum(bool(r["spine_w"]) and len(r["spine_w"]) == 5 for r in reps) >= 30  # bends from spine05 up


@pytest.mark.fast
def test_the_shipped_map_is_the_fit_on_the_population(evaluated):
    np.testing.assert_allclose(evaluated["coef"], spine.COEF, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(evaluated["reference_default"], spine.REFERENCE_DEFAULT, atol=0.01)


@pytest.mark.fast
def test_reading_against_the_persons_own_back_beats_the_other_two(evaluated):
    """The choice of bench/spine.md, on bodies held out: the person's own upright back in the map lowers the
    error below reading the back as it is and below its plain change from upright."""
    e = evaluated["estimates"]
    own = e[bench_spine.SHIPPED]["without_bar"]["mae"]
    assert own < e["as it is"]["without_bar"]["mae"] - 1.0
    assert own < e["change from upright"]["without_bar"]["mae"]


@pytest.mark.fast
def test_held_out_bodies_within_the_measures_stated_error(evaluated):
    own, avg = evaluated["shipped"]["own_back"], evaluated["shipped"]["average_back"]
    # 6.00 deg on mediapipe 0.10.21's legacy tracker, 6.13 on the Tasks path that replaced it (issue 27: the same
    # model on crops placed the same way, within a px or two); the standard error of a 179-rep MAE is ~0.35 deg
    assert own["read"] >= 170 and own["mae"] <= 6.3, own
    assert metric("spinal_flexion_deg", "hinge").uncertainty == pytest.approx(own["mae"], abs=0.1)
    assert spine.UNCERTAINTY_OWN_BACK == pytest.approx(own["mae"], abs=0.1)
    assert spine.UNCERTAINTY_AVERAGE_BACK == pytest.approx(avg["mae"], abs=0.1)
    for level, s in own["levels"].items():
        assert abs(s["bias"]) <= 3.0, (level, s)  # calibrated: no level read more than 3 deg off
    for tag, s in own["conditions"].items():  # no bend, load, camera or clothing off by much more than the rest
        assert s["mae"] <= 1.5 * own["mae"] + 1.0, (tag, s)


@pytest.mark.fast
def test_a_load_over_the_hips_is_seen_and_read_against_the_average_back(evaluated):
    flagged = evaluated["shipped"]["load_flagged"]
    assert flagged["with_bar"] >= 0.95 and flagged["without_bar"] <= 0.05


@pytest.mark.fast
def test_the_spine_first_timing_states_its_error(evaluated):
    assert metric("spine_lead_s", "hinge").uncertainty == pytest.approx(evaluated["spine_lead"]["mae_s"], abs=0.01)


@pytest.mark.rendered
def test_the_table_is_what_the_tool_reads_today(reps):
    """Four clips measured again with real MediaPipe: their rows of the table, to a fraction of a degree."""
    clips = {c["clip"]: c for c in bench_spine.clips()}
    names = ["pop_p00_45_low", "pop_p11_30_whole", "pop_p37_25_low", "spine_s4_10_low"]
    for name in names:
        rows = [r for r in reps if r["clip"] == name]  # in the truth's rep order, as measure() gives them
        for row, old in zip(bench_spine.measure(clips[name]), rows, strict=True):
            for key in ("lumbar", "thoracic", "lumbar_ref", "thoracic_ref", "hip"):
                assert row[key] == pytest.approx(old[key], abs=1.0), (name, key, row[key], old[key])
            assert row["load_over_hips"] == old["load_over_hips"]
