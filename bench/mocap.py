"""Motion capture -> pose series: real lunges seen through a virtual camera.

The data set is UI-PRMD, the University of Idaho Physical Rehabilitation Movements Data set: Vakanski A.,
Jun H.-p., Paul D., Baker R., "A Data Set of Human Body Movements for Physical Rehabilitation Exercises",
Data 2018, 3(1):2, doi:10.3390/data3010002, licence Open Data Commons Public Domain Dedication and License
(PDDL) 1.0. The copy in ``/work/shared/datasets/ui-prmd`` holds the in-line lunge (movement m03, 90 correct +
90 incorrect reps) and the side lunge (m04, 100 + 100) as one CSV per rep: 100 Hz, 20 joints in metres,
lab coordinates, z up (see that folder's README.md for how the joints were made from Vicon markers).

This module projects those joints through a virtual pinhole camera into MediaPipe's 33-landmark layout, as a
:class:`screening.pose.PoseSeries`, so that the project's own stages run on real movement whose class
(correct / incorrect) is known::

    for row, t, joints in load_all():
        series = to_pose_series(t, joints, "side", row["heading_deg"])
        cs = clean.clean(series); kin = kinematics.kinematics(cs)

Conventions (checked on the data: after the rotation the left hip lies at +y of the right hip in every rep,
and the toes lie at +x of the heels):

- body frame: the lab frame rotated about z by ``-heading_deg`` (``heading_deg`` is index.csv's pelvis
  facing direction; it matches the median over the rep of the direction perpendicular to the hip line
  within 1-2 deg in most reps, 11 deg at most), so the person faces +x, +y is their left, z is up; the origin is
  moved under the mean pelvis position of the rep (x, y), the floor stays at z = 0.
- camera: pinhole, 1280 x 720 (landscape), focal length 1000 px, principal point at the image centre,
  optical axis horizontal at 1.0 m height, 3.5 m from the mean pelvis. Image x grows to the right, image y
  grows downward.
- ``view="front"``: camera at (+3.5, 0, 1.0) looking toward -x: the person faces the camera, and their
  left (+y) appears on the image's right (image right = +y, image down = -z).
- ``view="side"``: camera at (0, -3.5, 1.0), on the person's right, looking toward +y: image right = +x,
  so the person faces image-right and the right side is the near side (image down = -z).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator

import numpy as np

from screening.pose import N_LANDMARKS, OUTLINE_STATIONS, PoseSeries, TrunkOutline
from screening.values import Note

#: where the data set lives: ../shared/datasets/ui-prmd beside the project (never copied into it)
ROOT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ui-prmd"
JOINTS = ("head", "neck", "thorax", "pelvis", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist",
          "r_wrist", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle", "l_heel", "r_heel", "l_toe",
          "r_toe")

WIDTH, HEIGHT = 1280, 720
FOCAL_PX = 1000.0
CAMERA_HEIGHT_M = 1.0
CAMERA_DISTANCE_M = 3.5
EAR_OFFSET_M = 0.07  # ears: head-band centre +- 7 cm to the person's left / right
NOSE_OFFSET_M = 0.10  # nose: head-band centre + 10 cm forward

#: Shoulder landmarks. The Plug-in-Gait shoulder marker sits on the acromio-clavicular joint (joints.csv), a
#: median 0.28 m apart in this data set, while MediaPipe puts its shoulder landmarks on the shoulder joints,
#: further out and lower ("the joint centre is ~4-6 cm lower", README). With the markers used as they are, a
#: standing person seen from the front has a shoulder spread of ~0.49 shoulder-hip heights (5-95%:
#: 0.38-0.59), which screening.clean reads as a side (< 0.5) or oblique view (front needs > 0.7): 2 of 380
#: front-camera reps were read "front". MediaPipe read 0.69-0.74 on the rendered front-view clips of
#: sample_videos/ and 0.85 on one real front-view clip. Moved 6 cm out along the shoulder line and 5 cm
#: down the trunk, the spread is 0.62-0.89 (median 0.75-0.77), and 323 of 380 front-camera reps read "front" (the rest
#: "oblique": subjects with narrow shoulder markers). A chosen correction, not a measured one: pass
#: ``shoulder_out_m=0, shoulder_down_m=0`` to :func:`to_pose_series` for the markers as they are. The trunk's
#: inclination does not change (the outward shift is symmetric, the downward one along the trunk).
SHOULDER_OUT_M = 0.06
SHOULDER_DOWN_M = 0.05

#: MediaPipe landmark index -> mocap joint, for the landmarks read directly from one joint
DIRECT = {11: "l_shoulder", 12: "r_shoulder", 13: "l_elbow", 14: "r_elbow", 15: "l_wrist", 16: "r_wrist",
          23: "l_hip", 24: "r_hip", 25: "l_knee", 26: "r_knee", 27: "l_ankle", 28: "r_ankle", 29: "l_heel",
          30: "r_heel", 31: "l_toe", 32: "r_toe"}

#: camera axes in the body frame: (position offset from the pelvis at camera height, forward, right, down)
_DOWN = np.array([0.0, 0.0, -1.0])
CAMERAS = {
    "front": (np.array([CAMERA_DISTANCE_M, 0.0]), np.array([-1.0, 0, 0]), np.array([0, 1.0, 0]), _DOWN),
    "side": (np.array([0.0, -CAMERA_DISTANCE_M]), np.array([0, 1.0, 0]), np.array([1.0, 0, 0]), _DOWN),
}


def read_rep(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One UI-PRMD rep CSV (Vakanski et al. 2018): ``(time_s (N,), {joint: (N, 3) metres})``.

    Empty cells (no marker) become NaN. Joint names are those of :data:`JOINTS` (``head``, ``l_hip``...)."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    data = np.array([[float(c) if c.strip() else np.nan for c in r] for r in body], dtype=np.float64)
    data = data.reshape(len(body), len(header))
    col = {name: i for i, name in enumerate(header)}
    joints = {}
    for name in JOINTS:
        if f"{name}_x" in col:
            joints[name] = data[:, [col[f"{name}_x"], col[f"{name}_y"], col[f"{name}_z"]]]
    return data[:, col["time_s"]], joints


def body_frame(joints: dict[str, np.ndarray], heading_deg: float) -> dict[str, np.ndarray]:
    """Joints rotated about z by ``-heading_deg`` and moved so the mean pelvis is at x = y = 0: the person
    faces +x, +y is their left, z up (floor at z ~ 0)."""
    r = np.deg2rad(-heading_deg)
    c, s = np.cos(r), np.sin(r)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    out = {k: v @ rot.T for k, v in joints.items()}
    with np.errstate(all="ignore"):
        centre = np.nanmean(out["pelvis"], axis=0) if "pelvis" in out else np.full(3, np.nan)
    if not np.all(np.isfinite(centre[:2])):  # no pelvis at all: the hips' mean instead
        centre = np.nanmean(np.concatenate([out["l_hip"], out["r_hip"]]), axis=0)
    shift = np.array([centre[0], centre[1], 0.0])
    return {k: v - shift for k, v in out.items()}


def landmarks_3d(body: dict[str, np.ndarray], shoulder_out_m: float = 0.0, shoulder_down_m: float = 0.0
                 ) -> np.ndarray:
    """(N, 33, 3) body-frame positions in MediaPipe's layout; NaN for landmarks the mocap does not have
    (eyes, mouth, hands). Ears: head +- 7 cm to the left / right (+y / -y); nose: head + 10 cm forward.
    Shoulders: the acromion markers, moved ``shoulder_out_m`` outward along the line between them and
    ``shoulder_down_m`` down the trunk (toward the mid-hip); see :data:`SHOULDER_OUT_M`."""
    n = len(body["head"])
    out = np.full((n, N_LANDMARKS, 3), np.nan)
    head = body["head"]
    out[:, 0] = head + [NOSE_OFFSET_M, 0, 0]
    out[:, 7] = head + [0, EAR_OFFSET_M, 0]
    out[:, 8] = head - [0, EAR_OFFSET_M, 0]
    for i, name in DIRECT.items():
        if name in body:
            out[:, i] = body[name]
    if shoulder_out_m or shoulder_down_m:
        with np.errstate(all="ignore"):
            d = out[:, 11] - out[:, 12]  # right -> left shoulder
            u = d / np.linalg.norm(d, axis=1, keepdims=True)
            # "down" along the trunk (mid-shoulder -> mid-hip), so the trunk's inclination does not change;
            # straight down where the hips are missing
            tr = (out[:, 23] + out[:, 24]) / 2 - (out[:, 11] + out[:, 12]) / 2
            down = tr / np.linalg.norm(tr, axis=1, keepdims=True)
        down = np.where(np.isfinite(down).all(axis=1, keepdims=True), down, [0.0, 0.0, -1.0])
        out[:, 11] = out[:, 11] + shoulder_out_m * u + shoulder_down_m * down
        out[:, 12] = out[:, 12] - shoulder_out_m * u + shoulder_down_m * down
    return out


def resample(time_s: np.ndarray, values: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation of ``values`` (N, ...) onto a uniform ``fps`` grid from the first time on
    (NaN where either neighbouring sample is NaN)."""
    t = np.asarray(time_s, np.float64)
    grid = t[0] + np.arange(int(np.floor((t[-1] - t[0]) * fps + 1e-9)) + 1) / fps
    i = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, len(t) - 2) if len(t) > 1 else np.zeros(len(grid), int)
    if len(t) < 2:
        return t.copy(), values.copy()
    w = ((grid - t[i]) / (t[i + 1] - t[i])).reshape(-1, *([1] * (values.ndim - 1)))
    return grid, (1 - w) * values[i] + w * values[i + 1]


def azimuth_camera(deg: float) -> tuple:
    """A camera ``deg`` degrees round from the front toward the person's right (0 = "front", 90 = "side"), at
    the same distance and height: (position offset, forward, right, down) as in :data:`CAMERAS`."""
    a = np.radians(deg)
    return (CAMERA_DISTANCE_M * np.array([np.cos(a), -np.sin(a)]), np.array([-np.cos(a), np.sin(a), 0.0]),
            np.array([np.sin(a), np.cos(a), 0.0]), _DOWN)


def project(points: np.ndarray, view: str | float) -> np.ndarray:
    """(..., 3) body-frame points -> (..., 2) pixels of the virtual ``view`` camera (see the module doc):
    "side", "front", or an azimuth in degrees from the front toward the person's right."""
    if isinstance(view, (int, float)):
        xy, fwd, right, down = azimuth_camera(float(view))
    elif view in CAMERAS:
        xy, fwd, right, down = CAMERAS[view]
    else:
        raise ValueError(f"view must be 'side', 'front' or an azimuth in degrees, not {view!r}")
    cam = np.array([xy[0], xy[1], CAMERA_HEIGHT_M])
    p = points - cam
    depth = p @ fwd
    with np.errstate(all="ignore"):
        u = WIDTH / 2 + FOCAL_PX * (p @ right) / depth
        v = HEIGHT / 2 + FOCAL_PX * (p @ down) / depth
    return np.stack([u, v], axis=-1)


def to_pose_series(time_s: np.ndarray, joints: dict[str, np.ndarray], view: str, heading_deg: float,
                   hold_s: float = 1.0, fps: float | None = 30.0, shoulder_out_m: float | None = None,
                   shoulder_down_m: float | None = None) -> PoseSeries:
    """A rep of UI-PRMD (Vakanski et al. 2018, PDDL) as the pose series a virtual camera would give.

    ``view``: "side" (camera on the person's right, person facing image-right) or "front" (person facing
    the camera, their left on image right); see the module docstring for the camera. ``heading_deg``:
    index.csv's ``heading_deg`` of the rep.

    Landmarks: nose, ears (from the head-band centre), shoulders, elbows, wrists, hips, knees, ankles, heels
    and toes get visibility 1.0 (0.0 in frames where the mocap has no value, with NaN pixels); the rest
    (eyes, mouth, hands) visibility 0 and NaN pixels. ``truth_3d`` holds the body-frame 3D positions (metres,
    x forward, y left, z up, origin under the mean pelvis), not MediaPipe's hip-centred y-down frame.
    There is no silhouette: the trunk outline is all NaN and ``shank_width`` is None. The shoulder
    landmarks are the acromion markers moved out and down (``shoulder_out_m``, ``shoulder_down_m``;
    defaults :data:`SHOULDER_OUT_M`, :data:`SHOULDER_DOWN_M`, where the reason is given).

    ``fps``: the 100 Hz capture is resampled (linear interpolation) to a phone video's 30 fps by default
    (the cleaning stage then runs ~3x faster); ``None`` keeps 100 Hz.

    The dataset's authors cut each rep to start and end near standing, while the analysis wants at least
    0.5 s of standing for its baseline: ``hold_s`` seconds of the first frame are prepended (and as many of
    the last frame appended), a motionless hold at the series' frame rate."""
    t = np.asarray(time_s, np.float64)
    body = body_frame(joints, heading_deg)
    p3 = landmarks_3d(body, SHOULDER_OUT_M if shoulder_out_m is None else shoulder_out_m,
                      SHOULDER_DOWN_M if shoulder_down_m is None else shoulder_down_m)
    if fps:
        t, p3 = resample(t, p3, fps)
    image = np.full(p3.shape, np.nan)
    image[..., :2] = project(p3, view)
    known = np.isfinite(image[..., :2]).all(axis=-1)
    image[..., 2] = 0.0
    image[known, 2] = 1.0
    image[~known, :2] = np.nan
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.01
    k = int(round(hold_s / dt)) if hold_s > 0 else 0
    if k:
        t = np.concatenate([t[0] - dt * np.arange(k, 0, -1), t, t[-1] + dt * np.arange(1, k + 1)])
        image = np.concatenate([np.repeat(image[:1], k, 0), image, np.repeat(image[-1:], k, 0)])
        p3 = np.concatenate([np.repeat(p3[:1], k, 0), p3, np.repeat(p3[-1:], k, 0)])
    n = len(t)
    outline = TrunkOutline(stations=OUTLINE_STATIONS.copy(), extent=np.full((n, len(OUTLINE_STATIONS), 2), np.nan))
    series = PoseSeries(time_s=t, image=image, truth_3d=p3, outline=outline, width=WIDTH, height=HEIGHT,
                        backend="mocap", shank_width=None)
    if k:
        series.notes.append(Note.of("mocap_holds", hold_s=hold_s))
    return series


def load_index(root: str | Path = ROOT) -> list[dict]:
    """index.csv as a list of dicts, numbers converted (``heading_deg``, ``subject``, ``episode``...)."""
    root = Path(root)
    with open(root / "index.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for key in ("subject", "episode", "n_frames", "raw_missing_marker_frames", "filled_rigid", "filled_interp"):
            if r.get(key, "") != "":
                r[key] = int(float(r[key]))
        for key in ("duration_s", "heading_deg", "foot_line_deg", "pelvis_drop_m", "leg_length_mm",
                    "pelvis_width_mm", "pelvis_depth_mm", "rigid_fill_max_resid_mm"):
            r[key] = float(r[key]) if r.get(key, "") != "" else float("nan")
        r["nan_frames_by_joint"] = json.loads(r["nan_frames_by_joint"]) if r.get("nan_frames_by_joint") else {}
    return rows


def load_all(root: str | Path = ROOT, folder: str | None = None
             ) -> Iterator[tuple[dict, np.ndarray, dict[str, np.ndarray]]]:
    """Every rep of UI-PRMD (Vakanski et al. 2018) as ``(index row, time_s, joints)``, in index.csv order.

    ``folder``: "lunge_inline" or "side_lunge" for one movement only."""
    root = Path(root)
    for row in load_index(root):
        if folder is not None and row["folder"] != folder:
            continue
        t, joints = read_rep(root / row["file"])
        yield row, t, joints
