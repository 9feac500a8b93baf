"""What the surfaces show a person, in words: shared by the web page and (later) the other surfaces.

Only presentation lives here: which measures a chart draws for a camera view, and their labels and
meanings in a physiotherapist's words. The measures themselves are defined in :mod:`screening.kinematics`.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CHART_ANGLES", "chart_series"]

#: the angles drawn over time, per camera view (each view shows only its own measures,
#: kinematics.ANGLES): name -> (label with unit, what it means)
CHART_ANGLES: dict[str, dict[str, tuple[str, str]]] = {
    "side": {
        "trunk_inclination_deg": ("trunk inclination (°)", "the trunk's forward lean from vertical"),
        "hip_flexion_deg": ("hip flexion (°)", "the angle between trunk and thigh; 0 standing tall"),
        "knee_flexion_deg": ("knee flexion (°)", "the bend of the knee nearest the camera; 0 straight"),
    },
    "front": {
        "knee_valgus_fppa_left_deg": ("knee valgus, left (FPPA, °)",
                                      "the left knee's inward angle seen from the front, knee in positive"),
        "knee_valgus_fppa_right_deg": ("knee valgus, right (FPPA, °)",
                                       "the right knee's inward angle seen from the front, knee in positive"),
        "pelvic_obliquity_deg": ("pelvic obliquity (°)", "the tilt of the line between the hips, left hip up positive"),
        "lateral_trunk_lean_deg": ("lateral trunk lean (°)",
                                   "the trunk's sideways lean from vertical, toward the person's left positive"),
    },
}


def chart_series(angles: dict[str, np.ndarray], view: str | None) -> dict[str, tuple[np.ndarray, str]]:
    """The angles to draw over time for a clip filmed from ``view``: label -> (values, meaning).

    The view's own measures, leaving out any with no measured frame; for an oblique or unknown view,
    whatever angle was measured."""
    chosen = {label: (angles[k], meaning) for k, (label, meaning) in CHART_ANGLES.get(view or "", {}).items()
              if k in angles and np.isfinite(angles[k]).any()}
    if chosen:
        return chosen
    return {k.removesuffix("_deg").replace("_", " ") + " (°)": (angles[k], "")
            for k in angles if k.endswith("_deg") and np.isfinite(angles[k]).any()}
