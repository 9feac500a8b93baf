"""How the registry writes a measure for a person to read (issue 26, point 5): a length against the person's own
body as a percentage of it, the way physiotherapists read a normalised reach (Y-balance test), never "0.16 foot
lengths"; no minus sign on a value that rounds to zero; the same number in a table and in a sentence."""
from __future__ import annotations

import pytest

from screening.registry import METRICS, metric, number
from screening.present import Table

pytestmark = pytest.mark.fast  # the fast tier: no MediaPipe, no browser, no clip, no process


@pytest.mark.parametrize("name, pattern, value, shown", [
    ("front_foot_movement_foot_lengths", "lunge", 0.16, "16% of foot length"),
    ("hip_shift_leg_lengths", "hinge", -0.14, "-14% of leg length"),
    ("hip_shift_leg_lengths", "hinge", -0.004, "0% of leg length"),
    ("rear_knee_height_shanks", "lunge", 0.31, "31% of shank length"),
    ("step_length_tibias", "lunge", 1.72, "172% of shank length"),
    ("trunk_inclination_deg", "hinge", 42.4, "42°"),
    ("trunk_inclination_deg", "hinge", float("nan"), "-"),
])
def test_a_value_is_written_in_a_physiotherapists_units(name, pattern, value, shown):
    assert metric(name, pattern).show(value) == shown


def test_no_unit_a_person_reads_is_a_count_of_body_segments():
    for m in METRICS:
        assert "lengths" not in m.heading() and "lengths" not in m.heading(short=True), m.name
        if m.uncertainty is not None:
            assert "lengths" not in m.show_uncertainty(), m.name
    assert metric("front_foot_movement_foot_lengths", "lunge").show_uncertainty() == "4% of foot length"


def test_a_table_shows_the_number_the_sentence_says():
    m = metric("front_foot_movement_foot_lengths", "lunge")
    table = Table(["foot moved"], [[m.shown(0.16)], [m.shown(-0.001)]], [m.shown_fmt])
    assert table.text() == [["16"], ["0"]]
    assert m.show(0.16).startswith(table.text()[0][0])


def test_a_value_that_rounds_to_zero_has_no_sign():
    assert number(-0.004, ".0f") == "0" and number(-0.04, ".2f") == "-0.04" and number(-1.2, ".0f") == "-1"
