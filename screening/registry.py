"""What is measured and judged, as data: one table of per-rep metrics and one of fault rules.

Every surface (the command line's summary, the key frame, the report's tables, the web page) reads a
measure's label, unit and format from here, and the analyses (:mod:`screening.hinge`,
:mod:`screening.lunge`) judge their faults by the rules here. A metric's row says what it is (its
definition), where its threshold or its meaning comes from (source, ../shared/spec/metrics.md first),
which camera views show it, and how far it is off the truth on the project's rendered corpus
(``uncertainty``: the mean absolute error, bench/accuracy.md; None where not yet measured).

The per-frame angles the metrics are read from are defined in :data:`screening.kinematics.ANGLES`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .values import Pattern

__all__ = ["Metric", "FaultRule", "METRICS", "FAULT_RULES", "FAULT_WORDS", "metric", "metrics_of",
           "rules_of", "key_metrics", "table_metrics", "fault_words", "unit_symbol", "number"]

SIDE, FRONT, BOTH = ("side",), ("front",), ("side", "front")
#: where a measured uncertainty comes from
CORPUS = "mean absolute error on the rendered corpus (bench/accuracy.md)"
#: ... for the balance measures, whose truth is zero there: what they read in the rendered reps where the
#: front foot and the hips never moved sideways (32 and 24 reps)
STILL = "mean reading of a front foot and hips that did not move, rendered corpus"


@dataclass(frozen=True)
class Metric:
    """One per-rep measure of a pattern."""

    name: str  # result-contract.md's name, the key in result.json
    pattern: Pattern
    views: tuple[str, ...]  # the camera views that show it
    unit: str  # "deg", "s", "leg lengths", ...; "" for a ratio or a score
    label: str  # what a physiotherapist reads
    short: str  # a narrow table's heading
    fmt: str  # the format of one value
    definition: str
    source: str
    uncertainty: float | None = None  # measured, in the metric's unit (see ``uncertainty_source``)
    uncertainty_source: str = ""
    key: bool = False  # one of the pattern's key measures: the per-rep table, the summary, the key frame
    lateral: bool = True  # lunges: defined in a lateral lunge too

    def heading(self, short: bool = False) -> str:
        """The label with its unit: "knee valgus (FPPA, °)", "step length (% of shank length)"-like."""
        text = self.short if short else self.label
        return f"{text} ({unit_symbol(self.unit)})" if self.unit else text

    @property
    def scale(self) -> float:
        """What a stored value is multiplied by to be shown: 100 for a length against the person's own body
        (stored as a ratio, shown as a percentage), 1 otherwise."""
        return 100.0 if self.unit in BODY_LENGTHS else 1.0

    @property
    def shown_fmt(self) -> str:
        """The format of a shown value: whole percentages for lengths against the body, else :attr:`fmt`."""
        return ".0f" if self.unit in BODY_LENGTHS else self.fmt

    def shown(self, value):
        """A stored value as it is shown (a ratio to the body as a percentage); None where not measured."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return None
        return value * self.scale

    def show(self, value, unit: bool = True) -> str:
        """A value in words: "12°", "31% of leg length", "-" where not measured."""
        value = self.shown(value)
        if value is None:
            return "-"
        text = number(value, self.shown_fmt)
        if not unit or not self.unit:
            return text
        if self.unit == "deg":
            return f"{text}°"
        if self.unit in BODY_LENGTHS:
            return f"{text}% of {BODY_LENGTHS[self.unit]}"
        return f"{text} {self.unit}"

    def show_uncertainty(self) -> str:
        """The measured uncertainty with its unit, one more digit than a value ("1.9°", "12% of shank length")."""
        if self.uncertainty is None:
            return "-"
        u = self.uncertainty * self.scale
        if self.unit == "deg":
            return f"{u:g}°"
        if self.unit in BODY_LENGTHS:
            return f"{u:.0f}% of {BODY_LENGTHS[self.unit]}"
        return f"{u:g} {self.unit}".strip()


#: lengths measured against the person's own body (stored as ratios) and the length each is shown as a
#: percentage of, the way physiotherapists read a normalised distance (the Y-balance test's reach in % of
#: limb length: Plisky 2009, NAJSPT 4(2)) rather than "0.16 foot lengths"
BODY_LENGTHS = {"leg lengths": "leg length", "shank lengths": "shank length", "tibia lengths": "shank length",
                "foot lengths": "foot length"}


def number(value: float, fmt: str) -> str:
    """``value`` formatted, with no minus sign on a value that rounds to zero ("0", never "-0")."""
    text = format(value, fmt)
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def unit_symbol(unit: str) -> str:
    """A unit as a heading shows it: "°", "s", "% of leg length"."""
    if unit in BODY_LENGTHS:
        return f"% of {BODY_LENGTHS[unit]}"
    return {"deg": "°"}.get(unit, unit)


def _m(name, pattern, views, unit, label, short, fmt, definition, source, **kw) -> Metric:
    return Metric(name, pattern, views, unit, label, short, fmt, definition, source, **kw)


def _tempo(pattern: str, views: tuple[str, ...], speed: str) -> tuple[Metric, ...]:
    """Both patterns' tempo and smoothness (metrics.md, "Both"); the smoothness of ``speed``."""
    return (_m("descent_s", pattern, views, "s", "time down", "down", ".1f", "from the rep's start to its bottom",
               "metrics.md Both: tempo"),
            _m("ascent_s", pattern, views, "s", "time up", "up", ".1f", "from the bottom to the rep's end",
               "metrics.md Both: tempo"),
            _m("sparc", pattern, views, "", "smoothness (SPARC)", "smoothness", ".2f",
               f"spectral arc length of {speed}: closer to 0 is smoother",
               "metrics.md Both: smoothness; Balasubramanian 2015"))


#: every per-rep measure, per pattern, in the order the tables show them
METRICS: tuple[Metric, ...] = (
    # ------------------------------------------------------------------ hinge (side view)
    _m("trunk_inclination_deg", "hinge", SIDE, "deg", "trunk inclination", "trunk", ".0f",
       "peak forward lean of the trunk (mid-hip to mid-shoulder) from standing in the rep",
       "metrics.md Hinge; 2D vs 3D bias ~1.7 deg (Schurr 2017, IJSPT)", uncertainty=0.9,
       uncertainty_source=CORPUS + ", change from standing", key=True),
    _m("hip_flexion_deg", "hinge", SIDE, "deg", "hip flexion", "hip", ".0f",
       "peak hip flexion from standing in the rep (trunk against thigh, near side)",
       "metrics.md Hinge (mixes hip, pelvis and spine flexion)", uncertainty=2.3,
       uncertainty_source=CORPUS + ", change from standing", key=True),
    _m("knee_flexion_deg", "hinge", SIDE, "deg", "knee flexion", "knee", ".0f",
       "peak knee flexion from standing in the rep (near side)",
       "metrics.md Hinge; good morning ~5 deg, deadlift ~104-108 deg (Schellenberg 2013)", uncertainty=2.1,
       uncertainty_source=CORPUS + ", change from standing", key=True),
    _m("spinal_flexion_deg", "hinge", SIDE, "deg", "spinal flexion (rounding of the back)", "spine", ".0f",
       "how much the back rounds from standing at the bottom of the rep, read from the shape of the back "
       "in the person's silhouette, against the person's own upright back",
       "metrics.md Hinge; Luomajoki 2007, Monnier 2012 (waiter's bow)",
       uncertainty=6.1, uncertainty_source="rendered population (bench/spine.md): 73 bodies, bends, loads and "
       "cameras, whole bodies left out of the fit; ±11.8° where a load hid the person's own upright back",
       key=True),
    _m("hip_spine_ratio", "hinge", SIDE, "", "share of the bend made at the hips", "hip share", ".2f",
       "of the trunk's forward lean at the bottom, the share made by the pelvis turning at the hips: 1 all "
       "hips (a clean hinge), 0 all spine", "metrics.md Hinge: hip-spine dissociation (lumbopelvic rhythm)",
       key=True),
    _m("spine_lead_s", "hinge", SIDE, "s", "spine moving before the hips", "spine lead", ".2f",
       "how much earlier the back starts to round than the pelvis starts to turn on the way down (positive: "
       "the spine first)", "metrics.md Hinge; Laird 2019", uncertainty=0.235,
       uncertainty_source="mean absolute error of the onset difference on the rendered population (bench/spine.md), "
       "where spine and hips start together"),
    _m("knee_hip_ratio", "hinge", SIDE, "", "knee bend over hip bend", "knee/hip", ".2f",
       "knee flexion over hip flexion at the bottom: above 0.5 a squat more than a hinge (where a barbell's "
       "plates hide the shins, knee flexion is estimated from how far the hips came down over the ankle)",
       "metrics.md Hinge; Stoop-Squat Index (Schmid 2022)", key=True),
    _m("hips_rise_deg", "hinge", SIDE, "deg", "hips rising before the shoulders", "hips first", ".0f",
       "how much further the trunk leaned forward in the first half of the way up, from its lean where the "
       "hips were lowest: the knees straighten and the hips come up while the shoulders stay",
       "Rippetoe, Starting Strength 3rd ed. (2011) ch. 4: the back angle going horizontal off the floor; NSCA: "
       "a constant torso-to-floor angle in the first pull", uncertainty=1.3,
       uncertainty_source="mean absolute error on rendered lifts from the floor with exact truth (bench/faults.md)"),
    _m("hip_shift_leg_lengths", "hinge", SIDE, "leg lengths", "hips moving back", "hips back", ".2f",
       "the mid-hip's largest move behind its standing place over the ankles, over leg length (hip to ankle)",
       "metrics.md Hinge: SFMA posterior weight shift", uncertainty=0.01,
       uncertainty_source=CORPUS + ", change from standing"),
    _m("ankle_rise_leg_lengths", "hinge", SIDE, "leg lengths", "free foot off the floor", "foot raised", ".2f",
       "how far one ankle is above the other at the bottom, over leg length (a single-leg RDL lifts the "
       "free leg behind; both feet down read about 0)", "continuum.md Hinge: single-leg RDL"),
    _m("head_angle_change_deg", "hinge", SIDE, "deg", "head forward of the trunk line", "head", ".0f",
       "how far the head came forward of the trunk line in the rep, from standing (the head's angle, "
       "ear-shoulder against shoulder-hip; forward positive, negative when it only went back)",
       "metrics.md Hinge: the dowel's head contact, lost when the head comes forward", uncertainty=2.8,
       uncertainty_source=CORPUS + ", change from standing"),
    *_tempo("hinge", SIDE, "the trunk's angular speed"),
    # ------------------------------------------------------------------ lunge (side and front)
    _m("hip_drop_leg_lengths", "lunge", BOTH, "leg lengths", "depth (hips lowered)", "depth", ".2f",
       "how far the hips go down below their standing height, over leg length (hip to ankle)",
       "metrics.md Lunge: depth", key=True),
    _m("front_knee_flexion_deg", "lunge", SIDE, "deg", "front knee flexion", "front knee", ".0f",
       "knee flexion of the front (lead) leg at the bottom", "metrics.md Lunge; FMS in-line lunge",
       uncertainty=4.0, uncertainty_source=CORPUS, key=True),
    _m("rear_knee_height_shanks", "lunge", SIDE, "shank lengths", "rear knee height above the floor",
       "rear knee", ".2f", "rear knee height above the floor at the bottom, over shank length; the floor is "
       "the front heel's and both toes' lowest line", "metrics.md Lunge; Kritz 2009", uncertainty=0.12,
       uncertainty_source=CORPUS, key=True, lateral=False),
    _m("trunk_pitch_change_deg", "lunge", SIDE, "deg", "trunk flexion (forward lean)", "trunk flexion", ".0f",
       "the trunk's largest forward or backward lean from standing in the rep",
       "metrics.md Lunge; FMS: minimal torso movement", uncertainty=0.9, uncertainty_source=CORPUS, key=True),
    _m("knee_past_toe_foot_lengths", "lunge", SIDE, "foot lengths", "front knee past the toes", "knee past toes",
       ".2f", "the front knee ahead of the front foot's toe, horizontally, at its furthest, over foot length",
       "metrics.md Lunge (coaching norm, weak evidence)", lateral=False),
    _m("step_length_tibias", "lunge", SIDE, "tibia lengths", "step length", "step", ".2f",
       "front heel to rear toe along the floor at the bottom, over shank length",
       "metrics.md Lunge; FMS sets the step at tibia length", lateral=False),
    _m("knee_valgus_fppa_deg", "lunge", FRONT, "deg", "knee valgus (FPPA)", "knee valgus", ".0f",
       "the front knee's inward angle seen from the front (frontal plane projection angle) at the bottom of "
       "the rep, from the centre of the hip joint (not the tracker's hip point): knee in positive; unread where "
       "the front thigh points at the camera there; split lunges (a lateral lunge's bent knee shows its "
       "flexion)", "metrics.md Lunge; Herrington 2014", uncertainty=3.0,
       uncertainty_source="rendered front-view lunges on 36 bodies (bench/front_lunge.md), whole bodies left "
       "out of the fit, where the thigh is seen at half its length or more at the bottom", key=True, lateral=False),
    _m("pelvic_obliquity_change_deg", "lunge", FRONT, "deg", "pelvic drop", "pelvic drop", ".0f",
       "how far the rear-leg side of the pelvis drops at the bottom, from standing (positive: a drop; a correct "
       "lunge tilts about 4 deg); the tracker's hip points follow a large drop only in part (one of 9-13 deg "
       "reads about 4 deg small)", "metrics.md Lunge; beyond a correct lunge's tilt (UI-PRMD, Vakanski 2018)",
       uncertainty=2.2,
       uncertainty_source="rendered front-view lunges on 36 bodies (bench/front_lunge.md), whole bodies left "
       "out of the fit", key=True),
    _m("lateral_trunk_lean_deg", "lunge", FRONT, "deg", "lateral trunk lean", "side lean", ".0f",
       "the trunk's sideways lean from standing at the bottom; split lunges: its size, either side; lateral "
       "lunges: toward the working (bent) leg positive, away from it negative",
       "metrics.md Lunge; FMS: minimal torso movement; lateral lunge: the lean over the loaded leg is the "
       "compensation (Powers 2010)", uncertainty=0.8, uncertainty_source=CORPUS, key=True),
    _m("ml_sway_hip_widths", "lunge", FRONT, "hip widths", "side-to-side sway", "sway", ".2f",
       "the range of the hips' side-to-side position while loaded, over hip width",
       "metrics.md Lunge: medio-lateral sway", uncertainty=0.06, uncertainty_source=STILL, lateral=False),
    _m("front_foot_movement_foot_lengths", "lunge", BOTH, "foot lengths", "front foot movement", "foot moved", ".2f",
       "the front ankle's largest move from its place at the bottom while loaded, over foot length",
       "metrics.md Lunge: a step is a balance loss", uncertainty=0.04, uncertainty_source=STILL),
    _m("step_forward_shanks", "lunge", SIDE, "shank lengths", "step forward", "step forward", ".2f",
       "how far the front foot moved forward between the rep's start and its bottom, over shank length (a "
       "forward or walking lunge steps; a split squat does not)",
       "continuum.md Lunge: split squat, reverse, forward lunge", lateral=False),
    _m("step_back_shanks", "lunge", SIDE, "shank lengths", "step back", "step back", ".2f",
       "how far the rear foot moved back between the rep's start and its bottom, over shank length (a "
       "reverse lunge steps back)", "continuum.md Lunge", lateral=False),
    _m("front_thigh_angle_deg", "lunge", BOTH, "deg", "front thigh above horizontal", "thigh angle", ".0f",
       "the front (working) thigh's angle above horizontal at the bottom: 0 = thigh parallel to the floor; "
       "from the front only in a lateral lunge (a split lunge's front thigh points at the camera)",
       "metrics.md Lunge: depth, thigh parallel", uncertainty=1.4, uncertainty_source=CORPUS),
    *_tempo("lunge", BOTH, "the hips' vertical speed"),
    _m("fault_severity", "lunge", BOTH, "", "fault severity", "severity", ".2f",
       "each fault measure over its threshold, summed: 1 is one measure at its threshold",
       "this project: a continuous rank of reps beside the 3/2/1 score", key=True),
)


@dataclass(frozen=True)
class FaultRule:
    """A fault of a pattern: the metric it judges and the thresholds it is held against.

    ``config`` is the table ``[pattern.config]`` of screening/data/thresholds.toml; ``key`` a single threshold
    in it (minor only), or None for its ``minor``/``major`` pair; ``above=False`` where too little is the
    fault. ``variants``: the lunges the rule is meant for."""

    code: str  # result-contract.md's fault code
    pattern: Pattern
    metric: str
    config: str
    key: str | None = None
    above: bool = True
    variants: tuple[str, ...] = ("split", "lateral")
    at_start: bool = False  # the fault's time is the rep's start (an onset), not its bottom


SPLIT, LATERAL = ("split",), ("lateral",)
#: every fault rule; a lunge rep gets one fault of a code at most (balance loss has two rules)
FAULT_RULES: tuple[FaultRule, ...] = (
    FaultRule("lumbar_flexion", Pattern.HINGE, "spinal_flexion_deg", "lumbar_flexion"),
    FaultRule("squatted_hinge", Pattern.HINGE, "knee_hip_ratio", "squatted_hinge"),
    FaultRule("short_hip_range", Pattern.HINGE, "hip_flexion_deg", "short_hip_range", above=False),
    FaultRule("no_posterior_shift", Pattern.HINGE, "hip_shift_leg_lengths", "no_posterior_shift", above=False),
    FaultRule("head_out_of_line", Pattern.HINGE, "head_angle_change_deg", "head_out_of_line"),
    FaultRule("spine_first", Pattern.HINGE, "spine_lead_s", "spine_first", "lead_s", at_start=True),
    FaultRule("hips_rise_first", Pattern.HINGE, "hips_rise_deg", "hips_rise_first"),
    FaultRule("knee_valgus", Pattern.LUNGE, "knee_valgus_fppa_deg", "knee_valgus"),
    # a lateral lunge tilts the pelvis toward the working leg, pitches the trunk forward (it hinges at the
    # hips) and moves the hips sideways by design: those rules are the split lunge's
    FaultRule("pelvic_drop", Pattern.LUNGE, "pelvic_obliquity_change_deg", "pelvic_drop", variants=SPLIT),
    FaultRule("lateral_trunk_lean", Pattern.LUNGE, "lateral_trunk_lean_deg", "lateral_trunk_lean"),
    FaultRule("trunk_pitch", Pattern.LUNGE, "trunk_pitch_change_deg", "trunk_pitch", variants=SPLIT),
    FaultRule("shallow", Pattern.LUNGE, "rear_knee_height_shanks", "shallow", "minor", variants=SPLIT),
    FaultRule("shallow", Pattern.LUNGE, "front_thigh_angle_deg", "shallow", "lateral_thigh_deg", variants=LATERAL),
    FaultRule("balance_loss", Pattern.LUNGE, "front_foot_movement_foot_lengths", "balance_loss", "foot_lengths"),
    FaultRule("balance_loss", Pattern.LUNGE, "ml_sway_hip_widths", "balance_loss", "sway_hip_widths", variants=SPLIT),
)

#: each fault code in a physiotherapist's words
FAULT_WORDS = {
    "lumbar_flexion": "rounded lower back (lumbar flexion)",
    "spine_first": "back rounds before the hips move (spine first)",
    "squatted_hinge": "squats instead of hinging",
    "short_hip_range": "too little hip flexion",
    "no_posterior_shift": "hips do not move back",
    "head_out_of_line": "head out of line with the trunk",
    "hips_rise_first": "hips rise before the shoulders",
    "knee_valgus": "knee caves in (knee valgus)",
    "pelvic_drop": "pelvic drop",
    "lateral_trunk_lean": "trunk leans sideways",
    "trunk_pitch": "trunk leans forward",
    "shallow": "too shallow",
    "balance_loss": "loss of balance",
    "asymmetry": "left-right asymmetry",
    "unfinished_rep": "unfinished rep",
}

_BY_NAME: dict[tuple[str, str], Metric] = {(m.pattern, m.name): m for m in METRICS}


def metric(name: str, pattern: str | None = None) -> Metric:
    """The row of ``name`` (of ``pattern``, where both patterns have one: tempo and smoothness)."""
    if pattern is not None and (pattern, name) in _BY_NAME:
        return _BY_NAME[(pattern, name)]
    for m in METRICS:
        if m.name == name:
            return m
    raise KeyError(name)


def metrics_of(pattern: str) -> tuple[Metric, ...]:
    return tuple(m for m in METRICS if m.pattern == pattern)


def rules_of(pattern: str, variant: str | None = None) -> tuple[FaultRule, ...]:
    """The fault rules of a pattern (of one lunge ``variant`` where given)."""
    return tuple(r for r in FAULT_RULES if r.pattern == pattern and (variant is None or variant in r.variants))


def key_metrics(pattern: str) -> tuple[Metric, ...]:
    """The pattern's key measures, in table order."""
    return tuple(m for m in metrics_of(pattern) if m.key)


table_metrics = key_metrics  # the per-rep tables show the key measures


def fault_words(code: str) -> str:
    return FAULT_WORDS.get(code, code.replace("_", " "))
