"""MediaPipe Pose's 33 landmarks by name (the model card's order), so that code reads
``xy[:, LM.LEFT_ANKLE]`` rather than ``xy[:, 27]``."""
from __future__ import annotations

from enum import IntEnum

__all__ = ["LM", "pair", "of_leg", "LEG_LANDMARKS"]


class LM(IntEnum):
    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31  # the toe
    RIGHT_FOOT_INDEX = 32


def pair(part: str) -> tuple[LM, LM]:
    """(left, right) landmarks of a body part: ``pair("knee") == (LM.LEFT_KNEE, LM.RIGHT_KNEE)``; "toe" is
    MediaPipe's foot index."""
    name = "FOOT_INDEX" if part == "toe" else part.upper()
    return LM[f"LEFT_{name}"], LM[f"RIGHT_{name}"]


def of_leg(part: str, leg: str) -> LM:
    """The landmark of ``part`` on ``leg`` ("left" or "right"): ``of_leg("heel", "right") == LM.RIGHT_HEEL``."""
    left, right = pair(part)
    return left if leg == "left" else right


#: the legs' landmarks, hip excluded: knees, ankles, heels and toes of both legs
LEG_LANDMARKS = [LM.LEFT_KNEE, LM.RIGHT_KNEE, LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HEEL, LM.RIGHT_HEEL,
                 LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX]
