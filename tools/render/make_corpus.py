"""Re-make the rendered ground-truth corpus in sample_videos/.

    /work/render-venv/bin/python tools/render/make_corpus.py            # every clip (2 worker processes)
    /work/render-venv/bin/python tools/render/make_corpus.py --only NAME [--only NAME2]
    /work/render-venv/bin/python tools/render/make_corpus.py --list

Needs torch==2.13.0 (CPU) and anny==0.6.2 in their own environment, away from the app's:
`python3 -m venv /work/render-venv && /work/render-venv/bin/pip install -e ".[render]"` (the `render` extra), or
just `pip install torch==2.13.0 anny==0.6.2 "numpy<2" opencv-python-headless av`. Every clip is deterministic
from its spec (seeded); the README table and corpus.json are rewritten after every run. The first anny load
takes ~90 s and writes ~790 MB to ~/.cache/anny; the whole corpus renders in ~9 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent.parent
OUT = ROOT / "sample_videos"

import cv2  # noqa: E402

import motions  # noqa: E402
import raster  # noqa: E402
from rig import Body, rodrigues, rot_x, rot_y  # noqa: E402

FPS = motions.FPS
SS = 2  # supersampling

BODIES = {
    "m_avg": dict(gender=0.0, age=0.80, muscle=0.55, weight=0.50, height=0.39, proportions=0.5),
    "f_slim": dict(gender=1.0, age=0.76, muscle=0.45, weight=0.35, height=0.41, proportions=0.5),
    "m_heavy": dict(gender=0.1, age=0.92, muscle=0.40, weight=0.80, height=0.37, proportions=0.6),
    "f_tall": dict(gender=0.9, age=0.82, muscle=0.60, weight=0.50, height=0.52, proportions=0.4),
    "m_short": dict(gender=0.0, age=0.86, muscle=0.60, weight=0.62, height=0.27, proportions=0.5),
    "f_curvy": dict(gender=1.0, age=0.88, muscle=0.40, weight=0.70, height=0.34, proportions=0.6),
}
SECOND = dict(gender=0.6, age=0.62, muscle=0.5, weight=0.45, height=0.45, proportions=0.5)

HT = [(0.9, 0.2, 0.8), (1.0, 0.25, 0.85), (0.85, 0.2, 0.8)]  # hinge tempos (down, hold, up) s
HT3 = [(0.65, 0.12, 0.6), (0.7, 0.12, 0.62), (0.6, 0.12, 0.58)]
LT = [(0.85, 0.2, 0.75), (0.8, 0.2, 0.7)]
LT3 = [(0.7, 0.15, 0.65)]


def H(name, body, az, faults=(), seed=0, portrait=False, reps=2, tempo=None, hip=70.0, spine=0.0, knee=18.0,
      shin=-2.0, **kw):
    return dict(name=name, pattern="hinge", motion="hip_hinge", az=az, body=body, faults=list(faults), seed=seed,
                portrait=portrait,
                p=dict(reps=reps, tempo=tempo or (HT3 if reps == 3 else HT), hip=hip, spine=spine, knee=knee,
                       shin=shin, **({"gap": 0.2} if reps == 3 else {}), **kw))


def Lg(name, body, az, kind, leads, faults=(), seed=0, portrait=False, knee_h=0.12, tempo=None, **kw):
    if az == 0 and "shallow" not in faults:
        knee_h = 0.18  # front view: a little less deep, so the front thigh is not level and FPPA is well defined
    return dict(name=name, pattern="lunge", motion=kind, az=az, body=body, faults=list(faults), seed=seed,
                portrait=portrait, p=dict(kind=kind, leads=leads, knee_h=knee_h,
                                          tempo=tempo or (LT3 if len(leads) == 3 else LT), **kw))


CLIPS = [
    # ---- hinge, side view
    H("hinge_side_clean_a", "m_avg", 90, seed=1),
    H("hinge_side_clean_b", "f_slim", -90, seed=2, reps=3),
    H("hinge_side_clean_portrait", "m_heavy", -90, seed=3, portrait=True, hip=68.0),
    H("hinge_side_flex10", "f_tall", 90, ["lumbar_flexion"], seed=4, hip=60.0, spine=10.0),
    H("hinge_side_flex20", "m_short", -90, ["lumbar_flexion"], seed=5, hip=50.0, spine=20.0, reps=3),
    H("hinge_side_flex30", "f_curvy", 90, ["lumbar_flexion"], seed=6, hip=40.0, spine=30.0, second=True),
    H("hinge_side_flex40", "m_avg", -90, ["lumbar_flexion"], seed=7, hip=32.0, spine=40.0),
    H("hinge_side_spine_first", "f_slim", 90, ["spine_first", "lumbar_flexion"], seed=8, hip=50.0, spine=22.0,
      spine_lead=0.45, tempo=[(1.15, 0.2, 0.85), (1.2, 0.2, 0.85)]),
    H("hinge_side_squatted", "m_heavy", 90, ["squatted_hinge"], seed=9, hip=88.0, knee=85.0, shin=32.0),
    H("hinge_side_short_range", "f_tall", -90, ["short_hip_range"], seed=10, hip=35.0, reps=3),
    H("hinge_oblique45_clean", "m_short", 45, seed=11),
    # ---- lunge, side view
    Lg("lunge_side_split_clean", "m_avg", 90, "split_squat", ["left", "left"], seed=21),
    Lg("lunge_side_reverse_clean", "f_curvy", -90, "reverse_lunge", ["right", "right"], seed=22),
    Lg("lunge_side_forward_clean", "f_tall", 90, "forward_lunge", ["right", "right"], seed=23, pitch=9.0),
    Lg("lunge_side_split_shallow", "m_short", -90, "split_squat", ["left", "left"], ["shallow"], seed=24,
       knee_h=0.32, portrait=True),
    # ---- lunge, front view
    Lg("lunge_front_clean_left", "f_slim", 0, "split_squat", ["left", "left"], seed=31),
    Lg("lunge_front_clean_right", "m_heavy", 0, "split_squat", ["right", "right"], seed=32, portrait=True),
    Lg("lunge_front_valgus05", "m_avg", 0, "split_squat", ["left", "left"], ["knee_valgus"], seed=33, valgus=5.0),
    Lg("lunge_front_valgus10", "f_curvy", 0, "split_squat", ["right", "right"], ["knee_valgus"], seed=34,
       valgus=10.0),
    Lg("lunge_front_valgus15", "m_short", 0, "split_squat", ["left", "left"], ["knee_valgus"], seed=35,
       valgus=15.0, second=True),
    Lg("lunge_front_valgus20", "f_tall", 0, "split_squat", ["right", "right"], ["knee_valgus"], seed=36,
       valgus=20.0),
    # FPPA is read at mid-depth (screening.lunge), where the rendered valgus is about half its value at the
    # bottom: these two put the true FPPA there above the 10-deg threshold
    Lg("lunge_front_valgus30", "f_slim", 0, "split_squat", ["right", "right"], ["knee_valgus"], seed=41,
       valgus=30.0),
    Lg("lunge_front_valgus40", "m_avg", 0, "split_squat", ["left", "left"], ["knee_valgus"], seed=42,
       valgus=40.0),
    Lg("lunge_front_pelvic_drop", "m_avg", 0, "split_squat", ["right", "right"], ["pelvic_drop"], seed=37,
       drop=9.0),
    # the lean is the spine's lateral bend, and the mid-hip -> mid-shoulder line (the metric) turns by about
    # half of it: 24 deg of bend leans that line ~13 deg, past the 10-deg threshold
    Lg("lunge_front_trunk_lean", "f_slim", 0, "split_squat", ["left", "left"], ["lateral_trunk_lean"], seed=38,
       lean=24.0),
    Lg("lunge_front_wobble", "m_heavy", 0, "split_squat", ["left", "left"], ["balance_loss"], seed=39, sway=0.075),
    Lg("lunge_front_alternating", "f_curvy", 0, "reverse_lunge", ["left", "right", "left"], seed=40, gap=0.15),
    # issue 15: shallow split squats (front knee ~45-50 deg: 0.06 leg lengths below the split stance), and
    # pelvic drops of other sizes, on bodies of the spine set (drawn at random, not the presets above)
    Lg("lunge_side_split_shallow45", "s5", 90, "split_squat", ["left"] * 3, ["shallow"], seed=7101, knee_h=0.40),
    Lg("lunge_front_split_shallow45", "s4", 0, "split_squat", ["right"] * 3, ["shallow"], seed=7102, knee_h=0.40),
    Lg("lunge_front_pelvic_drop4", "s4", 0, "split_squat", ["left", "left"], seed=7014, drop=4.0),
    Lg("lunge_front_pelvic_drop12", "s2", 0, "split_squat", ["left", "left"], ["pelvic_drop"], seed=7022, drop=12.0),
]


def spine_set():
    """The spine set (sample_videos/spine/): side-view hinges on 8 bodies drawn at random (none of the presets
    above), five flexion levels each, the flexion shared by the spine's bones in four ways, the hips flexed
    independently of the spine, and the things that change the back's outline without changing the spine: a
    bar held in front, shoulders rounded forward under it, a loose shirt, a lift from the floor with no
    standing phase before it, a camera up to 15 deg off the side, a portrait phone. Bodies s0-s3 are the
    fitting half, s4-s7 are held out (bench/spine.py scores only those)."""
    rng = np.random.default_rng(2026)
    ways = {"even": [0.25, 0.25, 0.25, 0.25], "low": [0.45, 0.35, 0.12, 0.08], "high": [0.08, 0.12, 0.35, 0.45],
            "corpus": list(motions.SPINE_W)}
    levels = [[0, 10, 20, 30, 45], [0, 15, 25, 35, 45], [0, 10, 15, 30, 40], [5, 15, 20, 25, 45]]
    out = []
    for b in range(8):
        ph = dict(gender=float(rng.uniform(0, 1)), age=float(rng.uniform(0.6, 0.95)), muscle=float(rng.uniform(0.3, 0.7)),
                  weight=float(rng.uniform(0.3, 0.85)), height=float(rng.uniform(0.25, 0.55)),
                  proportions=float(rng.uniform(0.35, 0.65)))
        BODIES[f"s{b}"] = {k: round(v, 3) for k, v in ph.items()}
        for k, lvl in enumerate(levels[b % 4]):
            way = list(ways)[(b + k) % 4]
            side = 90 if rng.uniform() < 0.5 else -90
            off = float(np.round(rng.uniform(0, 15), 1))
            hip = float(np.round(rng.uniform(45, 80), 0))
            knee = float(np.round(rng.uniform(10, 35), 0))
            p = dict(spine_w=ways[way], bar=bool(rng.uniform() < 0.4))
            if rng.uniform() < 0.35:
                p["protract"] = float(np.round(rng.uniform(8, 18), 1))
            if rng.uniform() < 0.3:
                p["loose"] = float(np.round(rng.uniform(0.015, 0.035), 3))
            from_floor = rng.uniform() < 0.3
            if from_floor:  # a deadlift from the floor: hips and knees much deeper, shins forward
                p["from_floor"] = True
                hip = float(np.round(rng.uniform(95, 125), 0))
                knee = float(np.round(rng.uniform(55, 80), 0))
            name = f"spine_s{b}_{lvl:02d}_{way}"
            spec = H(name, f"s{b}", side - np.sign(side) * off, ["lumbar_flexion"] if lvl >= 10 else [],
                     seed=1000 + 10 * b + k, portrait=bool(rng.uniform() < 0.3), reps=2 if from_floor else 1,
                     hip=hip, spine=float(lvl), knee=knee,
                     shin=float(np.round(rng.uniform(12, 22) if from_floor else rng.uniform(-3, 8), 1)), **p)
            spec["dir"] = "spine"
            out.append(spec)
    return out


SPINE_SET = spine_set()


def wide_body(rng):
    """A body drawn at random with a wide spread of sex, age, muscle, weight, height and proportions (the draws
    in this order: the sets stay the same clips)."""
    ph = dict(gender=float(rng.uniform(0, 1)), age=float(rng.uniform(0.55, 1.0)),
              muscle=float(rng.uniform(0.15, 0.9)), weight=float(rng.uniform(0.15, 0.95)),
              height=float(rng.uniform(0.1, 0.75)), proportions=float(rng.uniform(0.25, 0.75)))
    return {k: round(v, 3) for k, v in ph.items()}


def population_set(n_bodies=64, per_body=3):
    """The population (sample_videos/population/, issue 24): side-view hinges on 64 bodies drawn at random
    with a wide spread (sex, age, muscle, weight, height, proportions), three clips each, to fit the map from
    the back's outline to spinal flexion on many people and check it on whole bodies left out. Spinal flexion
    0-45 deg, shared by the spine's bones evenly, low, high, as in the main corpus, or over all five bones
    from spine05 up (the lowest bone's pivot is the pelvis centre: a bend there looks partly like the hips');
    hips flexed independently of it (a Romanian deadlift, or a lift from the floor); cameras 2.5-4 m away, at
    0.8-1.3 m, up to 15 deg off the side, portrait or landscape; arms hanging, a barbell or a kettlebell in
    front; shoulders rounded under the load, a loose shirt. Seeded: the same clips every run."""
    rng = np.random.default_rng(2412)
    ways = {"even": [0.25, 0.25, 0.25, 0.25], "low": [0.45, 0.35, 0.12, 0.08], "high": [0.08, 0.12, 0.35, 0.45],
            "corpus": list(motions.SPINE_W), "whole": [0.2, 0.2, 0.2, 0.2, 0.2]}
    grid = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45]
    out = []
    for b in range(n_bodies):
        BODIES[f"p{b:02d}"] = wide_body(rng)
        # three levels per body, low, middle and high, so every body carries its own contrast
        lv = [int(rng.choice(grid[:4])), int(rng.choice(grid[3:7])), int(rng.choice(grid[6:]))]
        for k, lvl in enumerate(lv):
            way = list(ways)[int(rng.integers(len(ways)))]
            side = 90 if rng.uniform() < 0.5 else -90
            off = float(np.round(rng.uniform(0, 15), 1))
            load = str(rng.choice(["none", "bar", "kettlebell"], p=[0.4, 0.4, 0.2]))
            from_floor = load != "none" and rng.uniform() < 0.35
            hip = float(np.round(rng.uniform(95, 125) if from_floor else rng.uniform(40, 85), 0))
            knee = float(np.round(rng.uniform(55, 80) if from_floor else rng.uniform(5, 35), 0))
            p = dict(spine_w=ways[way], bar=load == "bar", kettlebell=load == "kettlebell",
                     cam_dist=(2.5, 4.0), cam_h=(0.8, 1.3))
            if rng.uniform() < 0.35:
                p["protract"] = float(np.round(rng.uniform(8, 18), 1))
            if rng.uniform() < 0.3:
                p["loose"] = float(np.round(rng.uniform(0.015, 0.035), 3))
            if from_floor:
                p["from_floor"] = True
            name = f"pop_p{b:02d}_{lvl:02d}_{way}"
            spec = H(name, f"p{b:02d}", side - np.sign(side) * off, ["lumbar_flexion"] if lvl >= 10 else [],
                     seed=5000 + 10 * b + k, portrait=bool(rng.uniform() < 0.4), reps=2 if from_floor else 1,
                     hip=hip, spine=float(lvl), knee=knee,
                     shin=float(np.round(rng.uniform(12, 22) if from_floor else rng.uniform(-3, 8), 1)), **p)
            spec["dir"] = "population"
            spec["slim"] = True  # the truth without per-frame 2D joints (the set is large)
            out.append(spec)
    return out


POPULATION = population_set()


def faults_set():
    """The faults set (sample_videos/faults/, issue 24): the hinge faults coaches name that the landmarks alone
    missed, at several sizes, on bodies of the population's kind (drawn at random, none of the presets):

    - hips rising first: deadlifts from the floor with a barbell whose hips hold their bend for 0, 0.15, 0.3
      or 0.45 s of the way up while the knees already straighten (the back angle goes horizontal);
    - a squatted hinge with the shins hidden: barbell hinges from standing, the plates in front of the shins
      at the bottom, knee flexion from a soft 10 deg to a squat's 75 deg against hips at 60-90 deg.
    Each truth rep carries ``hips_rise_deg`` and ``knee_hip_ratio`` as the tool defines them."""
    rng = np.random.default_rng(2413)
    out = []
    for b in range(8):
        ph = dict(gender=float(rng.uniform(0, 1)), age=float(rng.uniform(0.55, 1.0)),
                  muscle=float(rng.uniform(0.2, 0.85)), weight=float(rng.uniform(0.2, 0.9)),
                  height=float(rng.uniform(0.15, 0.7)), proportions=float(rng.uniform(0.3, 0.7)))
        BODIES[f"f{b}"] = {k: round(v, 3) for k, v in ph.items()}
        common = dict(cam_dist=(2.5, 4.0), cam_h=(0.8, 1.3), spine_w=list(motions.SPINE_W), bar=True)
        # the lifts from the floor with a kettlebell between the feet (hinge level 3's own load): a barbell's
        # near plate, a featureless black disc in the renders, drew MediaPipe's hips onto the knees at the bottom
        kb = dict(common, bar=False, kettlebell=True)
        for k, lag in enumerate((0.0, 0.15, 0.3, 0.45)):
            side = 90 if rng.uniform() < 0.5 else -90
            off = float(np.round(rng.uniform(0, 12), 1))
            spec = H(f"faults_f{b}_hips_first_{int(lag * 100):02d}", f"f{b}", side - np.sign(side) * off,
                     ["hips_rise_first"] if lag >= 0.3 else [], seed=6000 + 10 * b + k,
                     portrait=bool(rng.uniform() < 0.4), reps=2, hip=float(np.round(rng.uniform(100, 120))),
                     spine=0.0, knee=float(np.round(rng.uniform(65, 85))),
                     shin=float(np.round(rng.uniform(14, 22), 1)), from_floor=True, hips_first=lag,
                     tempo=[(1.0, 0.25, 1.3), (1.0, 0.25, 1.3)], **kb)
            spec["dir"], spec["slim"] = "faults", True
            out.append(spec)
        for k, knee in enumerate(rng.choice([10, 25, 40, 55, 75], size=3, replace=False)):
            side = 90 if rng.uniform() < 0.5 else -90
            off = float(np.round(rng.uniform(0, 12), 1))
            hip = float(np.round(rng.uniform(60, 90)))
            spec = H(f"faults_f{b}_squat_{int(knee):02d}", f"f{b}", side - np.sign(side) * off,
                     ["squatted_hinge"] if knee / hip > 0.5 else [], seed=6100 + 10 * b + k,
                     portrait=bool(rng.uniform() < 0.4), reps=1, hip=hip, spine=0.0, knee=float(knee),
                     shin=float(np.round(min(4 + 0.35 * knee, 30), 1)), **common)
            spec["dir"], spec["slim"] = "faults", True
            out.append(spec)
    return out


FAULTS = faults_set()


def lunge_population_set(n_bodies=36, per_body=2):
    """Front-view lunges on a population (sample_videos/lunges/, issue 29): 36 bodies drawn at random with a
    wide spread, two clips each, to find where knee valgus and pelvic drop are lost and to judge the measures on
    bodies left out of any fitting. Valgus made as people make it: the front knee swivels medially about the
    hip-ankle line with the foot planted (hip adduction and internal rotation), growing with depth, by what
    makes 0 (a third of clips) or 2-28 deg of image FPPA at the bottom for a nominal phone at 1.05 m (the truth
    gives the FPPA the clip's own camera sees); the pelvis drops on the rear-leg side by 0 (half of
    clips) or 3-12 deg; split squats, reverse and forward lunges from shallow (rear knee 0.40 m off the floor)
    to deep (0.05 m); two reps, each leg leading at random; cameras 2.5-4 m away at 0.8-1.3 m, up to 8 deg off
    square, portrait or landscape; a loose shirt on some. Seeded: the same clips every run."""
    rng = np.random.default_rng(2901)
    out = []
    for b in range(n_bodies):
        BODIES[f"l{b:02d}"] = wide_body(rng)
        for k in range(per_body):
            valgus = 0.0 if rng.uniform() < 0.33 else float(np.round(rng.uniform(2, 28), 1))
            drop = 0.0 if rng.uniform() < 0.5 else float(np.round(rng.uniform(3, 12), 1))
            kind = str(rng.choice(["split_squat", "reverse_lunge", "forward_lunge"], p=[0.5, 0.35, 0.15]))
            leads = [str(x) for x in rng.choice(["left", "right"], size=2)]
            if kind == "split_squat":  # the rear foot steps back once: every rep leads with the same leg
                leads = [leads[0], leads[0]]
            knee_h = float(np.round(rng.uniform(0.05, 0.40), 3))
            az = float(np.round(rng.uniform(-8, 8), 1))
            p = dict(kind=kind, leads=leads, knee_h=knee_h, tempo=LT, valgus_image=valgus, drop=drop,
                     cam_dist=(2.5, 4.0), cam_h=(0.8, 1.3))
            if rng.uniform() < 0.3:
                p["loose"] = float(np.round(rng.uniform(0.015, 0.035), 3))
            faults = (["knee_valgus"] if valgus else []) + (["pelvic_drop"] if drop else [])
            name = f"lunge_l{b:02d}_{k}_{kind.split('_')[0]}_v{int(valgus):02d}_d{int(drop):02d}"
            out.append(dict(name=name, pattern="lunge", motion=kind, az=az, body=f"l{b:02d}", faults=faults,
                            seed=2900 + 10 * b + k, portrait=bool(rng.uniform() < 0.4), p=p, dir="lunges",
                            front_slim=True))
    return out


LUNGES = lunge_population_set()
PRIORITY = ["hinge_side", "lunge_front_valgus", "hinge_oblique", "lunge_front", "lunge_side"]

SKIN = [(224, 184, 160), (198, 150, 120), (160, 110, 80), (110, 75, 55), (235, 200, 180)]
HAIR = [(40, 30, 25), (90, 60, 35), (160, 120, 70), (20, 20, 20), (120, 110, 100)]
TEE = [(40, 90, 170), (200, 60, 60), (60, 140, 80), (230, 230, 230), (50, 50, 55), (220, 160, 40), (120, 70, 150)]
SHORTS = [(30, 30, 35), (40, 50, 90), (90, 90, 95), (20, 60, 40), (110, 80, 60)]
SHOES = [(240, 240, 240), (30, 30, 30), (200, 50, 50), (60, 90, 160)]
WALL = [(215, 210, 200), (190, 200, 205), (220, 205, 185), (180, 190, 175), (200, 200, 200)]
FLOOR = [(150, 110, 75), (175, 140, 100), (120, 90, 65), (160, 150, 140)]


def face_colours(body, rng, pants=False):
    I = body.idx
    lab = body.labels
    V = body.rest_verts
    h = body.rest_heads
    vb = body.vert_bone
    skin, hair = np.array(SKIN[rng.integers(len(SKIN))], float), np.array(HAIR[rng.integers(len(HAIR))], float)
    tee, shorts = np.array(TEE[rng.integers(len(TEE))], float), np.array(SHORTS[rng.integers(len(SHORTS))], float)
    shoes = np.array(SHOES[rng.integers(len(SHOES))], float)
    col = np.tile(skin, (len(V), 1))
    name = np.array(lab)[vb]
    z = V[:, 2]
    waist = h[I["spine04"], 2] + 0.01
    hip_z = h[I["upperleg01.L"], 2]
    knee_z = h[I["lowerleg01.L"], 2]
    short_bot = knee_z - 0.05 if pants is False and False else hip_z - 0.45 * (hip_z - knee_z)
    ankle_z = h[I["foot.L"], 2]
    trunk = np.isin(name, ["root", "pelvis.L", "pelvis.R", "spine05", "spine04", "spine03", "spine02", "spine01",
                           "clavicle.L", "clavicle.R", "shoulder01.L", "shoulder01.R"])
    thigh = np.char.startswith(name, "upperleg")
    shank = np.char.startswith(name, "lowerleg")
    col[(trunk | thigh) & (z > waist)] = tee
    col[(trunk | thigh) & (z <= waist) & (z > short_bot)] = shorts
    if pants:
        col[(thigh | shank) & (z <= waist) & (z > ankle_z + 0.05)] = shorts
    for s in "LR":
        a = h[I[f"upperarm01.{s}"]]
        b = h[I[f"lowerarm01.{s}"]]
        ax = (b - a) / np.linalg.norm(b - a)
        arm = np.isin(name, [f"upperarm01.{s}", f"upperarm02.{s}", f"shoulder01.{s}"])
        along = (V - a) @ ax
        col[arm & (along < 0.42 * np.linalg.norm(b - a))] = tee
    sock = shank & (z < ankle_z + 0.06)
    col[sock] = (235, 235, 235)
    foot = np.char.startswith(name, "foot") | np.char.startswith(name, "toe")
    col[foot] = shoes
    head = np.isin(name, ["head"])
    hz = h[I["head"], 2]
    top = V[head, 2].max()
    hy = h[I["head"], 1]
    hairm = head & ((z > hz + 0.62 * (top - hz)) | ((V[:, 1] > hy + 0.03) & (z > hz - 0.02)))
    col[hairm] = hair
    col[np.char.startswith(name, "eye")] = (45, 35, 30)
    fcol = col[body.faces].mean(1)
    # faces that mix tee/skin etc. take the first vertex's colour to keep clean edges
    fcol = col[body.faces[:, 0]]
    jitter = rng.normal(0, 3, fcol.shape)
    return np.clip(fcol + jitter, 0, 255)


def solve_swivel(body, st):
    """Knee swivel per frame so that the 3D frontal-plane FPPA of a leg reaches st['fppa{s}'] (deg)."""
    R_root = np.einsum("bij,bjk->bik", rot_y(np.radians(st["obliq"])), rot_x(np.radians(st["tilt"])))
    grid = np.radians(np.arange(-70, 70.01, 0.25))
    for s in "LR":
        if f"medial_profile{s}" in st:
            prof = st[f"medial_profile{s}"]
            i = int(np.argmax(prof))
            hip = st["root"][i:i + 1] + R_root[i] @ body.hip_off[s]
            mid = st["root"][i:i + 1] + R_root[i] @ (0.5 * (body.hip_off["L"] + body.hip_off["R"]))
            ank, pole = st[f"ankle{s}"][i:i + 1], st[f"pole{s}"][i:i + 1]

            def knee(g):
                return body.solve_leg(s, hip, ank, pole, np.radians([g]))

            # the sign that takes the knee toward the body's midline
            sign = 1.0 if abs(knee(5.0)[0, 0] - mid[0, 0]) < abs(knee(0.0)[0, 0] - mid[0, 0]) else -1.0
            depth0 = float(mid[0, 1]) + 3.2  # a nominal phone 3.2 m in front of the pelvis at 1.05 m

            def nominal(P):
                d = P[..., 1] - float(mid[0, 1]) + depth0
                return np.stack([P[..., 0] / d, (P[..., 2] - 1.05) / d], -1)

            lo, hi = 0.0, 80.0
            for _ in range(40):  # the swivel whose nominal-picture FPPA at the bottom is the target
                a = 0.5 * (lo + hi)
                f = fppa(hip, knee(sign * a), ank, s, nominal)[0]
                lo, hi = (a, hi) if f < st[f"valgus_image{s}"] else (lo, a)
            st[f"swivel{s}"] = sign * 0.5 * (lo + hi) * prof
            continue
        if f"fppa{s}" not in st:
            continue
        tgt = st[f"fppa{s}"]
        hip = st["root"] + np.einsum("bij,j->bi", R_root, body.hip_off[s])
        ank = st[f"ankle{s}"]
        F = np.stack([fppa(hip, body.solve_leg(s, hip, ank, st[f"pole{s}"], np.full(len(tgt), g)), ank, s)
                      for g in grid], 1)  # (B, grid)
        gd = np.degrees(grid)
        best = np.zeros(len(tgt))
        prev = 0.0
        for i in range(len(tgt)):
            # continuous in time: stay within 4 deg of the previous frame's swivel
            e = np.abs(F[i] - tgt[i]) + 0.002 * np.abs(gd) + np.where(np.abs(gd - prev) > 4.0, 1e3, 0.0)
            prev = best[i] = 0.0 if tgt[i] == 0 else gd[np.argmin(e)]
        st[f"swivel{s}"] = best


def _ang(a, b):
    """Signed angle (deg) from 2D vectors a to b (counter-clockwise positive in (x, y) axes)."""
    return np.degrees(np.arctan2(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], (a * b).sum(-1)))


def fppa(hip, knee, ank, side, lu=lambda p: p[..., [0, 2]]):
    a = lu(knee) - lu(hip)
    b = lu(ank) - lu(knee)
    g = _ang(a, b)
    return g if side == "L" else -g


def angle_set(J, fu, lu):
    """J: dict of joint arrays; fu/lu map points to (forward, up) and (left, up) 2D coordinates. None skips."""
    out = {}
    if fu is not None:
        hip = 0.5 * (J["left_hip"] + J["right_hip"])
        sh = 0.5 * (J["left_shoulder"] + J["right_shoulder"])
        v = fu(sh) - fu(hip)
        out["trunk_inclination_deg"] = np.degrees(np.arctan2(v[..., 0], v[..., 1]))
        for side in ("left", "right"):
            H_, K_, A_, S_ = (fu(J[f"{side}_{n}"]) for n in ("hip", "knee", "ankle", "shoulder"))
            out[f"hip_flexion_{side}_deg"] = _ang(H_ - S_, K_ - H_)
        for side in ("left", "right"):
            H_, K_, A_ = (fu(J[f"{side}_{n}"]) for n in ("hip", "knee", "ankle"))
            out[f"knee_flexion_{side}_deg"] = -_ang(K_ - H_, A_ - K_)
    if lu is not None:
        for side, s in (("left", "L"), ("right", "R")):
            out[f"knee_valgus_fppa_{side}_deg"] = fppa(J[f"{side}_hip"], J[f"{side}_knee"], J[f"{side}_ankle"], s, lu)
        v = lu(J["left_hip"]) - lu(J["right_hip"])
        out["pelvic_obliquity_deg"] = np.degrees(np.arctan2(v[..., 1], v[..., 0]))
        hip = 0.5 * (J["left_hip"] + J["right_hip"])
        sh = 0.5 * (J["left_shoulder"] + J["right_shoulder"])
        v = lu(sh) - lu(hip)
        out["lateral_trunk_lean_deg"] = np.degrees(np.arctan2(v[..., 0], v[..., 1]))
    return out


def joints3d(body, heads, verts):
    I = body.idx
    J = {}
    for side, s in (("left", "L"), ("right", "R")):
        J[f"{side}_hip"] = heads[:, I[f"upperleg01.{s}"]]
        J[f"{side}_knee"] = heads[:, I[f"lowerleg01.{s}"]]
        J[f"{side}_ankle"] = heads[:, I[f"foot.{s}"]]
        J[f"{side}_heel"] = verts[:, body.lm_vert[f"heel{s}"]]
        J[f"{side}_toe"] = verts[:, body.lm_vert[f"toe{s}"]]
        J[f"{side}_shoulder"] = heads[:, I[f"upperarm01.{s}"]]
        J[f"{side}_ear"] = verts[:, body.lm_vert[f"ear{s}"]]
    return J


def rnd3(x):
    return np.round(np.asarray(x, float), 3).tolist()


def cylinder(a, b, r, n=16):
    """A closed cylinder from a to b (3,), radius r: (verts, faces)."""
    ax = (b - a) / np.linalg.norm(b - a)
    u = np.cross(ax, [0.0, 0.0, 1.0] if abs(ax[2]) < 0.9 else [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(ax, u)
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = r * (np.cos(th)[:, None] * u + np.sin(th)[:, None] * v)
    V = np.concatenate([a + ring, b + ring, [a, b]])
    F = []
    for k in range(n):
        k2 = (k + 1) % n
        F += [[k, k2, n + k], [k2, n + k2, n + k], [2 * n, k2, k], [2 * n + 1, n + k, n + k2]]
    return V, np.array(F)


def bar_meshes(body, heads):
    """A barbell in the hands, per frame: (verts, faces, face colours); plates 0.45 m across."""
    I = body.idx
    parts = []
    for a, b, r, col in (((-1.0, 0, 0), (1.0, 0, 0), 0.016, (175, 175, 180)),
                         ((-0.66, 0, 0), (-0.58, 0, 0), 0.225, (38, 38, 42)),
                         ((0.58, 0, 0), (0.66, 0, 0), 0.225, (38, 38, 42))):
        V, F = cylinder(np.array(a, float), np.array(b, float), r, 24 if r > 0.1 else 10)
        parts.append((V, F, np.tile(col, (len(F), 1)).astype(float)))
    V = np.concatenate([p[0] for p in parts])
    F = np.concatenate([p[1] + sum(len(q[0]) for q in parts[:k]) for k, p in enumerate(parts)])
    C = np.concatenate([p[2] for p in parts])
    centre = 0.5 * (heads[:, I["wrist.L"]] + heads[:, I["wrist.R"]]) + np.array([0.0, 0.0, -0.07])
    return [(V + c, F, C) for c in centre]


def kettlebell_meshes(body, heads):
    """A kettlebell held in both hands, hanging below them, per frame: a bell 0.2 m across under a handle."""
    I = body.idx
    parts = []
    for a, b, r, col in (((0, 0, -0.02), (0, 0, -0.1), 0.02, (60, 60, 62)),
                         ((0, 0, -0.1), (0, 0, -0.3), 0.1, (45, 45, 48))):
        V, F = cylinder(np.array(a, float), np.array(b, float), r, 20)
        parts.append((V, F, np.tile(col, (len(F), 1)).astype(float)))
    V = np.concatenate([p[0] for p in parts])
    F = np.concatenate([p[1] + sum(len(q[0]) for q in parts[:k]) for k, p in enumerate(parts)])
    C = np.concatenate([p[2] for p in parts])
    centre = 0.5 * (heads[:, I["wrist.L"]] + heads[:, I["wrist.R"]])
    return [(V + c, F, C) for c in centre]


def loosen(body, verts, cm):
    """A loose shirt: the tee's vertices (trunk above the waist, upper arms) pushed out along the surface
    normal by ``cm`` metres, and a little more below the chest as cloth hangs."""
    I = body.idx
    name = np.array(body.labels)[body.vert_bone]
    V0 = body.rest_verts
    waist = body.rest_heads[I["spine04"], 2] + 0.01
    trunk = np.isin(name, ["root", "pelvis.L", "pelvis.R", "spine05", "spine04", "spine03", "spine02", "spine01",
                           "clavicle.L", "clavicle.R", "shoulder01.L", "shoulder01.R"]) & (V0[:, 2] > waist - 0.08)
    out = verts.copy()
    F = body.faces
    for i in range(len(verts)):
        v = verts[i]
        fn = np.cross(v[F[:, 1]] - v[F[:, 0]], v[F[:, 2]] - v[F[:, 0]])
        vn = np.zeros_like(v)
        for k in range(3):
            np.add.at(vn, F[:, k], fn)
        vn /= np.linalg.norm(vn, axis=1, keepdims=True) + 1e-12
        out[i, trunk] += cm * vn[trunk]
    return out


def rep_truth(reps, t, J, ang, body, si, near):
    """Per rep of a hinge, the truth of the rep-level measures, defined as the tool defines them
    (screening.hinge): ``hips_rise_deg`` (the trunk's extra forward lean in the first half of the hips' rise
    from their lowest point) and ``knee_hip_ratio`` (the near knee's flexion over the near hip's, both from
    the standing frame ``si``, at the rep's bottom)."""
    leg = np.mean([body.L1[s] + body.L2[s] for s in "LR"])
    height = 0.5 * (J["left_hip"][:, 2] + J["right_hip"][:, 2]) / leg
    trunk = ang["trunk_inclination_deg"] - ang["trunk_inclination_deg"][si]
    knee = ang[f"knee_flexion_{near}_deg"] - ang[f"knee_flexion_{near}_deg"][si]
    hip = ang[f"hip_flexion_{near}_deg"] - ang[f"hip_flexion_{near}_deg"][si]
    for r in reps:
        w = (t >= r["start_s"] - 1e-6) & (t <= r["end_s"] + 1e-6)
        idx = np.flatnonzero(w)
        h, tr = height[idx], trunk[idx]
        low = int(np.argmin(h))
        rise = h[low:].max() - h[low]
        half = low + int(np.argmax(h[low:] >= h[low] + rise / 2))
        r["hips_rise_deg"] = float(max(0.0, tr[low:half + 1].max() - tr[low])) if rise >= 0.1 else None
        b = int(np.argmin(np.abs(t - r["bottom_s"])))
        r["knee_hip_ratio"] = float(knee[b] / hip[b]) if hip[b] > 10 else None


def lunge_rep_truth(truth, J2, ang_img):
    """Per rep of a front-view lunge: the lead knee's image FPPA at the bottom and its peak over the rep, the
    pelvis' drop on the rear-leg side in the picture (change of the hip-joint line from the first frame), and
    the lead knee's distance medial of its hip-ankle line in the picture over the leg's standing length."""
    fps = truth["fps"]
    obl = np.asarray(ang_img["pelvic_obliquity_deg"])
    for r in truth["reps"]:
        lead = r["lead_leg"]
        b, s0, e = (int(round(r[k] * fps)) for k in ("bottom_s", "start_s", "end_s"))
        f = np.asarray(ang_img[f"knee_valgus_fppa_{lead}_deg"])
        r["fppa_bottom_deg"] = round(float(f[b]), 2)
        r["fppa_peak_deg"] = round(float(f[s0:e + 1].max()), 2)
        r["pelvic_drop_bottom_deg"] = round(float((obl[b] - obl[0]) * (1.0 if lead == "left" else -1.0)), 2)
        h, k, a = (np.asarray(J2[f"{lead}_{j}"]) for j in ("hip", "knee", "ankle"))
        leg0 = np.linalg.norm(h[0] - k[0]) + np.linalg.norm(k[0] - a[0])
        d, u = a[b] - h[b], k[b] - h[b]
        side = (d[0] * u[1] - d[1] * u[0]) / np.linalg.norm(d)  # image x right, y down; + = knee toward -x of the line
        medial = side if lead == "left" else -side
        r["knee_medial_leg_lengths"] = round(float(medial / leg0), 4)
        r["thigh_seen_bottom"] = round(float(np.linalg.norm(k[b] - h[b]) / np.linalg.norm(k[0] - h[0])), 3)


def render_clip(spec, verbose=True):
    t_start = time.time()
    name = spec["name"]
    rng = np.random.default_rng(spec["seed"])
    body = Body(BODIES[spec["body"]])
    gen = motions.hinge if spec["pattern"] == "hinge" else motions.lunge
    st, t, reps, fparams = gen(body, spec["p"], rng)
    solve_swivel(body, st)
    G, D, _ = body.pose(st)
    verts, heads = body.forward(D)
    B = len(t)
    if spec["p"].get("loose"):
        verts = loosen(body, verts, spec["p"]["loose"])
    bar = bar_meshes(body, heads) if st.get("bar") else kettlebell_meshes(body, heads) if st.get("kettlebell") else None
    # ---- camera
    portrait = spec["portrait"]
    W, Hh = (480, 640) if portrait else (640, 480)
    az = spec["az"]
    dist = float(rng.uniform(*spec["p"].get("cam_dist", (2.6, 3.8))))
    cam_h = float(rng.uniform(*spec["p"].get("cam_h", (0.8, 1.3))))
    roll = float(rng.uniform(-4, 4))
    pts = verts[:, ::25].reshape(-1, 3)
    lo, hi = pts.min(0), pts.max(0)
    target = 0.5 * (lo + hi)
    cam = raster.Camera(W, Hh, az, dist, cam_h, roll, target)
    cam.fit(pts, margin=float(rng.uniform(0.78, 0.9)))
    # ---- room, light, colours
    room = dict(wall_dist=float(rng.uniform(1.3, 2.2)), plank_w=float(rng.uniform(0.12, 0.2)),
                floor=FLOOR[rng.integers(len(FLOOR))], wall=WALL[rng.integers(len(WALL))],
                skirt=(235, 235, 230), skirt_h=0.09)
    # ---- second person
    second = spec["p"].get("second", False)
    extra = None
    if second:
        b2 = Body(SECOND)
        st2 = motions._base_state(b2, 1)
        for s in "LR":
            st2[f"ankle{s}"] = np.array([[b2.hip_off[s][0], 0.0, b2.ankle_h[s]]])
        st2["root"] = np.array([[0, 0, b2.standing_hip_z]])
        _, D2, _ = b2.pose(st2)
        v2, _ = b2.forward(D2)
        sidev = cam.right.copy()
        sidev[2] = 0
        back = cam.fwd.copy()
        back[2] = 0
        back /= np.linalg.norm(back)
        sgn = 1 if rng.uniform() < 0.5 else -1
        shift = target * np.array([1, 1, 0]) + back * (room["wall_dist"] - 0.45) + sgn * sidev / np.linalg.norm(sidev) * 1.0
        yaw = float(rng.uniform(-0.8, 0.8))
        Rz = np.array([[np.cos(yaw), -np.sin(yaw), 0], [np.sin(yaw), np.cos(yaw), 0], [0, 0, 1]])
        v2 = v2[0] @ Rz.T + shift
        extra = (v2, b2.faces, face_colours(b2, np.random.default_rng(spec["seed"] + 100)))
    la = np.radians(rng.uniform(0, 360))
    el = np.radians(rng.uniform(62, 82))
    light_dir = -np.array([np.cos(la) * np.cos(el), np.sin(la) * np.cos(el), np.sin(el)])
    light = dict(spot_off=float(rng.uniform(-1.5, 1.5)), bg_gain=float(rng.uniform(0.8, 1.05)))
    ambient = float(rng.uniform(0.35, 0.5))
    pants = bool(rng.uniform() < 0.3)
    fcol = face_colours(body, rng, pants=pants) * float(rng.uniform(0.85, 1.05))
    bg = raster.background(cam, SS, room, light)
    noise = float(np.round(rng.uniform(1.5, 5.0), 2))
    blur = float(np.round(rng.uniform(0.0, 1.0), 2))
    crf = int(rng.integers(23, 27))
    # ---- truth
    J = joints3d(body, heads, verts)
    ang = angle_set(J, lambda p: np.stack([-p[..., 1], p[..., 2]], -1), lambda p: p[..., [0, 2]])
    I = body.idx
    si = int(st.get("stand_i", 0))  # a standing frame (the first, unless the clip starts at the bottom)
    tilt = st["tilt"] - st["tilt"][si]
    ang["pelvis_tilt_deg"] = tilt
    sp = st["spine_flex"] - st["spine_flex"][si]
    ang["spinal_flexion_deg"] = sp.sum(1)
    n_low = sp.shape[1] - 2  # spine05 (when bent), spine04, spine03 | spine02, spine01
    ang["lumbar_flexion_deg"] = sp[:, :n_low].sum(1)
    ang["thoracic_flexion_deg"] = sp[:, n_low:].sum(1)
    for side, s in (("left", "L"), ("right", "R")):
        d = J[f"{side}_knee"] - J[f"{side}_hip"]
        dp = np.einsum("bji,bj->bi", G[0], d)
        hj = np.degrees(np.arctan2(-dp[:, 1], -dp[:, 2]))
        ang[f"hip_joint_flexion_{side}_deg"] = hj - hj[si]
    if spec["pattern"] == "hinge":
        rep_truth(reps, t, J, ang, body, si, "left" if az > 0 else "right")
    J2 = {k: cam.project(v)[0] for k, v in J.items()}
    # facing in the image: where a point in front of the head goes
    hd = heads[0, I["head"]]
    p0 = cam.project(hd)[0]
    p1 = cam.project(hd + np.array([0, -0.3, 0]))[0]
    view = "front" if abs(az) <= 10 else ("side" if abs(abs(az) - 90) <= 20 else "oblique45")
    if view == "front":
        facing = "camera"
        fu, lu = None, (lambda p: np.stack([p[..., 0], -p[..., 1]], -1))
    else:
        facing = "right" if p1[0] > p0[0] else "left"
        sg = 1.0 if facing == "right" else -1.0
        fu = lambda p: np.stack([sg * p[..., 0], -p[..., 1]], -1)  # noqa: E731
        lu = (lambda p: np.stack([p[..., 0], -p[..., 1]], -1)) if view == "oblique45" else None
    ang_img = angle_set(J2, fu, lu)
    near = None if view == "front" else ("left" if az > 0 else "right")
    # ---- render
    out_dir = OUT / spec.get("dir", "")
    out_dir.mkdir(exist_ok=True)
    import av

    path = out_dir / f"{name}.mp4"
    cont = av.open(str(path), "w")
    stream = cont.add_stream("libx264", rate=FPS)
    stream.width, stream.height = W, Hh
    stream.pix_fmt = "yuv420p"
    stream.options = {"crf": str(crf), "preset": "medium"}
    nrng = np.random.default_rng(spec["seed"] + 7)
    t_r = time.time()
    for i in range(B):
        img = bg.copy()
        allv, allf, allc = verts[i], body.faces, fcol
        for ex in ([extra] if extra is not None else []) + ([bar[i]] if bar is not None else []):
            allf = np.concatenate([allf, ex[1] + len(allv)])
            allv = np.concatenate([allv, ex[0]])
            allc = np.concatenate([allc, ex[2]])
        sm = raster.shadow_mask(cam, SS, allv, light_dir)
        img *= (1 - 0.45 * sm)[..., None]
        raster.draw_mesh(img, cam, SS, allv, allf, allc, light_dir, ambient)
        small = cv2.resize(img, (W, Hh), interpolation=cv2.INTER_AREA)
        if blur > 0.05:
            small = cv2.GaussianBlur(small, (0, 0), blur)
        small = small + nrng.normal(0, noise, small.shape).astype(np.float32)
        frame = av.VideoFrame.from_ndarray(np.clip(small, 0, 255).astype(np.uint8), format="rgb24")
        for pk in stream.encode(frame):
            cont.mux(pk)
        if i == 0 or i == int(np.argmax(ang["trunk_inclination_deg"] if view != "front"
                                        else np.abs(ang["knee_flexion_left_deg"]) + np.abs(ang["knee_flexion_right_deg"]))):
            cv2.imwrite(f"/tmp/render_png/{name}_{i:03d}.png", cv2.cvtColor(np.clip(small, 0, 255).astype(np.uint8),
                                                                         cv2.COLOR_RGB2BGR))
    for pk in stream.encode():
        cont.mux(pk)
    cont.close()
    t_render = time.time() - t_r
    truth = {
        "clip": name, "pattern": spec["pattern"], "motion": spec["motion"], "view": view, "facing": facing,
        "near_side": near, "fps": FPS, "width": W, "height": Hh, "portrait": portrait,
        "camera": {"distance_m": round(dist, 3), "height_m": round(cam_h, 3), "roll_deg": round(roll, 3),
                   "azimuth_deg": az, "focal_px": round(float(cam.f), 2)},
        "body": {**{k: round(v, 3) for k, v in body.phenotype.items()}, "preset": spec["body"],
                 "stature_m": round(body.stature, 3)},
        "degradations": {"noise": noise, "blur": blur, "crf": crf, "second_person": bool(second)},
        "faults": spec["faults"],
        "fault_params": fparams,
        "reps": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()} for r in reps],
        "frames": {
            "time_s": rnd3(t),
            "joints_2d": {k: rnd3(v) for k, v in J2.items()},
            "angles": {k: rnd3(v) for k, v in ang.items()},
            "angles_image": {k: rnd3(v) for k, v in ang_img.items()},
        },
    }
    if spec.get("front_slim"):
        lunge_rep_truth(truth, J2, ang_img)
        keep = [f"{s}_{j}" for s in ("left", "right") for j in ("hip", "knee", "ankle", "shoulder")]
        truth["frames"] = {"time_s": rnd3(t), "joints_2d": {k: np.round(J2[k], 2).tolist() for k in keep},
                           "angles_image": {k: np.round(v, 2).tolist() for k, v in ang_img.items()}}
    if spec.get("slim"):
        keep = ("spinal_flexion_deg", "lumbar_flexion_deg", "thoracic_flexion_deg", "pelvis_tilt_deg",
                "trunk_inclination_deg", "hip_joint_flexion_left_deg", "hip_joint_flexion_right_deg")
        truth["frames"] = {"time_s": rnd3(t), "angles": {k: rnd3(ang[k]) for k in keep},
                           "angles_image": {k: rnd3(v) for k, v in ang_img.items() if k == "trunk_inclination_deg"}}
    (out_dir / f"{name}.truth.json").write_text(json.dumps(truth, separators=(",", ":")))
    dt = time.time() - t_start
    info = dict(name=name, frames=B, seconds=round(B / FPS, 2), render_s=round(dt, 1),
                per_frame_ms=round(1000 * t_render / B, 1), mb=round(path.stat().st_size / 1e6, 3))
    if verbose:
        print(json.dumps(info), flush=True)
    with open("/tmp/render_log.jsonl", "a") as f:
        f.write(json.dumps(info) + "\n")
    return info


def write_index():
    rows = []
    for c in CLIPS:
        tp = OUT / f"{c['name']}.truth.json"
        if not tp.exists():
            continue
        d = json.loads(tp.read_text())
        rows.append(d)
    corpus = [dict(clip=d["clip"], pattern=d["pattern"], motion=d["motion"], view=d["view"], facing=d["facing"],
                   faults=d["faults"], fault_params=d["fault_params"]) for d in rows]
    (OUT / "corpus.json").write_text(json.dumps(corpus, indent=1))
    lines = [
        "# Rendered ground-truth clips",
        "",
        "Synthetic videos of a parametric human body (anny 0.6.2) posed by exact bone angles and rendered on the CPU",
        "(painter's algorithm, flat shading, wall, plank floor, soft shadow, then sensor noise, blur and H.264). Each",
        "`NAME.mp4` has `NAME.truth.json` beside it: exact 3D angles per frame, the true joint centres projected into the",
        "video's pixels (`joints_2d`, pixel centres at +0.5), the same angles measured from those 2D points",
        "(`angles_image`), the reps and the intended faults. `corpus.json` lists the clips.",
        "Every clip starts with 0.85 s of standing still (the standing baseline), feet together.",
        "",
        "| clip | pattern | motion | view | facing | faults | body | camera |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in rows:
        fp = ", ".join(f"{k}={v}" for k, v in d["fault_params"].items() if k in ("spinal_flexion_deg", "valgus_deg",
                       "pelvic_drop_deg", "lateral_trunk_lean_deg", "sway_m", "rear_knee_height_m",
                       "hip_joint_flexion_deg", "knee_flexion_deg"))
        b = d["body"]
        c = d["camera"]
        lines.append(
            f"| {d['clip']} | {d['pattern']} | {d['motion']} | {d['view']} | {d['facing']} | "
            f"{', '.join(d['faults']) or 'none'} ({fp}) | {b['preset']}: {b['stature_m']} m, gender {b['gender']}, "
            f"weight {b['weight']}, age {b['age']} | {d['width']}x{d['height']}, {c['distance_m']} m, "
            f"h {c['height_m']} m, roll {c['roll_deg']}, az {c['azimuth_deg']}"
            f"{', 2nd person' if d['degradations']['second_person'] else ''} |")
    lines += [
        "",
        "## Re-making",
        "",
        "Rendering needs its own environment (torch stays out of the app's install):",
        "",
        "```",
        "python3 -m venv /work/render-venv",
        "/work/render-venv/bin/pip install torch==2.13.0 anny==0.6.2 \"numpy<2\" opencv-python-headless av",
        "# (or: pip install -e '.[render]' plus \"numpy<2\")",
        "/work/render-venv/bin/python tools/render/make_corpus.py              # all clips, 2 processes",
        "/work/render-venv/bin/python tools/render/make_corpus.py --only hinge_side_flex20",
        "```",
        "",
        "The first `anny.Anny()` takes about a minute and writes ~790 MB to `~/.cache/anny`. Clips are deterministic",
        "from their specs in `tools/render/make_corpus.py` (seeded); the H.264 bytes may differ across encoder builds.",
        "",
        "Angle conventions (all degrees): `angles` are exact 3D truth in the body's planes (sagittal: forward positive;",
        "frontal: the person's left positive, FPPA knee-medial positive, obliquity left hip higher positive);",
        "`pelvis_tilt_deg`, `spinal_flexion_deg` (spine04..spine01, lumbar = spine04+spine03, thoracic =",
        "spine02+spine01) and `hip_joint_flexion_*` are relative to the first (standing) frame. `angles_image` holds",
        "the sagittal set for side views, the frontal set for front views, and both (as projected) for oblique45.",
        "FPPA is meaningful for the lead (front) leg of a lunge; the rear leg's shank is near level at the bottom, so",
        "its frontal projection is degenerate and its FPPA swings to +-180 there (kept as computed).",
        "Hip/knee flexion in `angles` are measured in the body's sagittal plane (signed: hip extension and knee",
        "hyperextension negative). Joint centres: hip = head of upperleg01, knee = head of lowerleg01, ankle = head of",
        "foot, shoulder = head of upperarm01; heel, toe and ear are fixed mesh vertices. The floor is z = 0.",
        "",
        "Fault parameters: `spinal_flexion_deg` is spread over spine04..spine01 (weights 0.30/0.30/0.22/0.18), hips",
        "correspondingly less; `valgus_deg` is the 3D FPPA of the lead knee at the bottom (reached by swivelling the",
        "knee about the hip-ankle axis, feet planted); `pelvic_drop_deg` lowers the rear-leg side of the pelvis;",
        "`lateral_trunk_lean_deg` bends the spine toward the lead leg; `sway_m` is the medio-lateral amplitude of the",
        "pelvis during the second rep. Front-view lunges go a little less deep (rear knee 0.18 m) than side ones (0.12 m).",
        "",
        "Checks: `python tools/render/check_truth.py` (angles_image recomputed from joints_2d, still standing start)",
        "and `/work/venv/bin/python tools/render/check_mediapipe.py` (runs `screening analyze` on each clip).",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines))


def write_spine_index():
    """sample_videos/spine/corpus.json: each clip's truth in short (the spine set's README is in that folder)."""
    d = OUT / "spine"
    rows = []
    for c in SPINE_SET:
        tp = d / f"{c['name']}.truth.json"
        if not tp.exists():
            continue
        t = json.loads(tp.read_text())
        rows.append(dict(clip=t["clip"], body=t["body"]["preset"], held_out=int(t["body"]["preset"][1:]) >= 4,
                         spinal_flexion_deg=t["fault_params"]["spinal_flexion_deg"],
                         hip_joint_flexion_deg=t["fault_params"]["hip_joint_flexion_deg"],
                         spine_w=t["fault_params"].get("spine_w"), bar=t["fault_params"].get("bar", False),
                         protract=t["fault_params"].get("protract", 0.0), loose=c["p"].get("loose", 0.0),
                         from_floor=t["fault_params"].get("from_floor", False), facing=t["facing"],
                         azimuth_deg=t["camera"]["azimuth_deg"], portrait=t["portrait"]))
    (d / "corpus.json").write_text(json.dumps(rows, indent=1))


def write_population_index():
    """sample_videos/population/corpus.json: each clip's truth in short."""
    d = OUT / "population"
    rows = []
    for c in POPULATION:
        tp = d / f"{c['name']}.truth.json"
        if not tp.exists():
            continue
        t = json.loads(tp.read_text())
        fp = t["fault_params"]
        rows.append(dict(clip=t["clip"], body=t["body"]["preset"], phenotype={k: t["body"][k] for k in (
                         "gender", "age", "muscle", "weight", "height", "proportions")},
                         stature_m=t["body"]["stature_m"], spinal_flexion_deg=fp["spinal_flexion_deg"],
                         hip_joint_flexion_deg=fp["hip_joint_flexion_deg"], spine_w=fp.get("spine_w"),
                         load="bar" if fp.get("bar") else "kettlebell" if fp.get("kettlebell") else "none",
                         protract=fp.get("protract", 0.0), loose=c["p"].get("loose", 0.0),
                         from_floor=fp.get("from_floor", False), facing=t["facing"], camera=t["camera"],
                         portrait=t["portrait"]))
    (d / "corpus.json").write_text(json.dumps(rows, indent=1))


def write_lunges_index():
    """sample_videos/lunges/corpus.json: each clip's truth in short (its reps with their truth)."""
    d = OUT / "lunges"
    rows = []
    for f in sorted(d.glob("*.truth.json")):
        t = json.loads(f.read_text())
        rows.append(dict(clip=t["clip"], body=t["body"]["preset"], motion=t["motion"], faults=t["faults"],
                         fault_params=t["fault_params"], reps=t["reps"], camera=t["camera"], portrait=t["portrait"]))
    (d / "corpus.json").write_text(json.dumps(rows, indent=1))


def write_faults_index():
    """sample_videos/faults/corpus.json: each clip's rep truth in short."""
    d = OUT / "faults"
    rows = []
    for c in FAULTS:
        tp = d / f"{c['name']}.truth.json"
        if not tp.exists():
            continue
        t = json.loads(tp.read_text())
        rows.append(dict(clip=t["clip"], body=t["body"]["preset"], faults=t["faults"],
                         hips_first_s=t["fault_params"].get("hips_first", 0.0),
                         knee_flexion_deg=t["fault_params"]["knee_flexion_deg"],
                         hip_joint_flexion_deg=t["fault_params"]["hip_joint_flexion_deg"],
                         reps=[{k: r.get(k) for k in ("bottom_s", "hips_rise_deg", "knee_hip_ratio")} for r in t["reps"]],
                         facing=t["facing"], camera=t["camera"], portrait=t["portrait"]))
    (d / "corpus.json").write_text(json.dumps(rows, indent=1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--set", choices=("corpus", "spine", "population", "faults", "lunges"), default="corpus",
                    help="the main corpus (sample_videos/), the spine set (sample_videos/spine/) or the population "
                         "(sample_videos/population/)")
    ap.add_argument("--index", action="store_true", help="only rewrite corpus.json and README.md")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    clips = {"corpus": CLIPS, "spine": SPINE_SET, "population": POPULATION, "faults": FAULTS,
             "lunges": LUNGES}[a.set]
    index = {"corpus": write_index, "spine": write_spine_index, "population": write_population_index,
             "faults": write_faults_index, "lunges": write_lunges_index}[a.set]
    if a.list:
        for c in clips:
            print(c["name"])
        return
    if a.index:
        index()
        return
    os.makedirs("/tmp/render_png", exist_ok=True)
    specs = [c for c in clips if not a.only or c["name"] in a.only]
    if a.only and len(specs) != len(a.only):
        sys.exit(f"unknown clip in {a.only}")
    specs.sort(key=lambda c: next((i for i, p in enumerate(PRIORITY) if c["name"].startswith(p)), 99))
    if a.jobs > 1 and len(specs) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(a.jobs) as ex:
            list(ex.map(render_clip, specs))
    else:
        for s in specs:
            render_clip(s)
    index()


if __name__ == "__main__":
    main()
