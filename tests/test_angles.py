"""The angle table's picture checks on constructed bodies, against the angles they were drawn at (fast tier:
numpy only). The per-frame measures are checked in test_kinematics.py and, against rendered truth,
test_accuracy.py."""
from __future__ import annotations

import numpy as np
import pytest

from screening.angles import ANGLE_TABLE, ANGLES, PICTURE_ANGLES, angle_def, picture_angle
from screening.landmarks import LM

pytestmark = pytest.mark.fast


def body(lean_deg: float, legs_deg: float = 0.0, n: int = 3) -> np.ndarray:
    """(n, 33, 2) a body whose hip -> shoulder line leans ``lean_deg`` from the picture's vertical (to the
    right positive) and whose hip -> ankle line turns ``legs_deg`` from straight down (to the right positive);
    image y points down."""
    xy = np.full((n, 33, 2), np.nan)
    hip = np.array([300.0, 400.0])
    up = np.array([np.sin(np.radians(lean_deg)), -np.cos(np.radians(lean_deg))])
    down = np.array([np.sin(np.radians(legs_deg)), np.cos(np.radians(legs_deg))])
    for left, right in ((LM.LEFT_HIP, LM.RIGHT_HIP), (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
                        (LM.LEFT_ANKLE, LM.RIGHT_ANKLE)):
        centre = hip + (150 * up if left == LM.LEFT_SHOULDER else 200 * down if left == LM.LEFT_ANKLE else 0)
        xy[:, left], xy[:, right] = centre + [10, 0], centre - [10, 0]
    return xy


@pytest.mark.parametrize("lean", [0.0, 20.0, -35.0, 90.0])
def test_the_trunk_from_vertical_is_the_angle_drawn_either_way(lean):
    np.testing.assert_allclose(picture_angle("trunk_from_vertical_deg", body(lean)), abs(lean), atol=1e-9)


def test_a_missing_shoulder_is_read_from_the_other_and_none_is_missing():
    xy = body(30.0)
    xy[0, LM.LEFT_SHOULDER] = np.nan  # the other shoulder is 10 px to the side: the angle moves a little
    xy[1, [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]] = np.nan
    got = picture_angle("trunk_from_vertical_deg", xy)
    assert abs(got[0] - 30.0) < 5 and np.isnan(got[1]) and got[2] == pytest.approx(30.0)


@pytest.mark.parametrize("legs, tilt", [(0.0, 0.0), (10.0, 0.0)])
def test_the_body_tilt_and_the_legs_from_down_are_signed(legs, tilt):
    xy = body(tilt, legs)
    np.testing.assert_allclose(picture_angle("legs_from_down_deg", xy), legs, atol=1e-9)
    # ankles 200 px below the hip at `legs`, shoulders 150 px straight above it
    dx, dy = -200 * np.sin(np.radians(legs)), -(150 + 200 * np.cos(np.radians(legs)))
    np.testing.assert_allclose(picture_angle("body_tilt_deg", xy), np.degrees(np.arctan2(dx, -dy)), atol=1e-9)


def test_upside_down_legs_read_180():
    assert abs(picture_angle("legs_from_down_deg", body(0.0, 180.0))[0]) == pytest.approx(180.0)


def test_one_table_two_kinds_of_row():
    assert set(ANGLES) | set(PICTURE_ANGLES) == set(ANGLE_TABLE) and not set(ANGLES) & set(PICTURE_ANGLES)
    assert len({a.name for a in ANGLE_TABLE}) == len(ANGLE_TABLE)
    assert all(a.source and a.definition for a in ANGLE_TABLE)
    with pytest.raises(ValueError, match="per-frame measure"):
        picture_angle("trunk_inclination_deg", body(0.0))
    assert angle_def("body_tilt_deg").views == ()
