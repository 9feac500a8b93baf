"""Cleaning: raw pose series -> clean series (../shared/spec/metrics.md, "Ground rules" and "View").

Order: visibility gating (< 0.5 is missing), Hampel outlier rejection, interpolation of gaps shorter
than 0.3 s, zero-phase 4th-order Butterworth low-pass at 6 Hz (the field default for slow strength
moves: Sports2D, Pose2Sim), camera roll correction from the floor line (as Sports2D does), then view
detection (side / front / oblique, facing, near side).

MediaPipe's own One Euro smoothing is switched off in :mod:`screening.pose`, so this filter is the
only smoothing and adds no lag.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import butter, sosfiltfilt

from .angles import picture_angle
from .landmarks import LM, pair
from .pose import PoseSeries, TrunkOutline
from .signals import frame_step, moving_nanmedian, quiet, runs, sample_rate
from .values import Facing, Note, Side
from .values import View as ViewKind

VISIBILITY_MIN = 0.5
MAX_GAP_S = 0.3
HAMPEL_HALF_WINDOW_S = 0.15
HAMPEL_SIGMAS = 3.0
LOWPASS_HZ = 6.0
LOWPASS_ORDER = 4
#: shoulder x-spread over shoulder-hip height, median over upright frames (metrics.md, "View")
SIDE_BELOW = 0.5
FRONT_ABOVE = 0.7
#: ... but the ratio depends on the build as well as the camera: a tall, narrow-shouldered body filmed square
#: on reads 0.69-0.70 (rendered front-view lunges, bench/front_lunge.md: 3 of 36 bodies, cameras 3-7 deg off
#: square, were called oblique and their valgus went unread). Between FRONT_SQUARE_ABOVE and FRONT_ABOVE the
#: face decides: the nose's offset from the ears' middle, over the ears' spread, is ~0.55 tan(yaw) (0.05 at
#: 5 deg, 0.2 at 20 deg, 0.55 at 45 deg) whatever the build; a face within FACE_SQUARE_MAX of centre, over the
#: upright frames, is a front view
FRONT_SQUARE_ABOVE = 0.6
FACE_SQUARE_MAX = 0.2

HIPS, SHOULDERS = list(pair("hip")), list(pair("shoulder"))
#: the landmarks of each side of the body, shoulder to toe (the near side is the better seen)
LEFT = [pair(part)[0] for part in ("shoulder", "hip", "knee", "ankle", "heel", "toe")]
RIGHT = [pair(part)[1] for part in ("shoulder", "hip", "knee", "ankle", "heel", "toe")]


@dataclass(frozen=True)
class View:
    kind: ViewKind
    facing: Facing
    near_side: Side | None
    spread_ratio: float  # the number the kind was read from
    #: the hips' x-spread over the trunk's length, median over the clip: a second reading of how far the camera
    #: is off the side (the hips are ~0.6 trunk lengths apart: ~0 side-on, ~0.4 at 45 deg)
    hip_spread_ratio: float = float("nan")

    @property
    def facing_sign(self) -> int:
        """+1 when the person faces image-right, -1 image-left, 0 in front views."""
        return {"right": 1, "left": -1}.get(self.facing, 0)


@dataclass
class CleanSeries:
    time_s: np.ndarray  # (N,)
    xy: np.ndarray  # (N, 33, 2) pixels, roll-corrected, NaN where missing
    visibility: np.ndarray  # (N, 33) as MediaPipe reported it
    detected: np.ndarray  # (N,) a person was tracked in this frame
    roll_deg: float  # camera roll that was removed (positive: the floor rose to the right in the image)
    view: View
    outline: TrunkOutline
    width: int
    height: int
    notes: list[Note] = field(default_factory=list)
    longest_gap_s: dict[str, float] = field(default_factory=dict)
    shank_width: np.ndarray | None = None  # (N, 2) left, right: see screening.pose.shank_width
    #: the points are joint centres, not a tracker's landmarks (:attr:`screening.pose.PoseSeries.joint_centres`)
    joint_centres: bool = False


# ------------------------------------------------------------------------------------------ signal steps
#: how far outside the picture (share of its size) a landmark may lie before it counts as a guess
OFF_FRAME_MARGIN = 0.02


def gate(xy: np.ndarray, visibility: np.ndarray, minimum: float = VISIBILITY_MIN,
         size: tuple[int, int] | None = None) -> np.ndarray:
    """Landmarks with visibility below ``minimum`` become missing, and so do landmarks outside the
    picture ``size`` = (width, height): MediaPipe extrapolates the whole body from whatever is in view (in
    close-ups it placed ankles 140 px above the top edge, some with visibility 0.6-0.7)."""
    out = xy.copy()
    out[~(visibility >= minimum)] = np.nan
    if size is not None:
        w, h = size
        mx, my = OFF_FRAME_MARGIN * w, OFF_FRAME_MARGIN * h
        with np.errstate(invalid="ignore"):
            off = (xy[..., 0] < -mx) | (xy[..., 0] > w + mx) | (xy[..., 1] < -my) | (xy[..., 1] > h + my)
        out[off] = np.nan
    return out


def hampel(x: np.ndarray, half_window: int, sigmas: float = HAMPEL_SIGMAS, floor: float = 0.0) -> np.ndarray:
    """Hampel filter along axis 0: points further than ``sigmas`` robust SDs from the moving median
    (and further than ``floor``) become NaN. NaNs are ignored in the window."""
    if half_window < 1 or len(x) < 3:
        return x.copy()
    med, mad = moving_nanmedian(x, half_window, mad=True)
    mad = 1.4826 * mad
    out = x.copy()
    out[np.abs(x - med) > np.maximum(sigmas * mad, floor)] = np.nan
    return out


def fill_short_gaps(t: np.ndarray, x: np.ndarray, max_gap_s: float = MAX_GAP_S) -> np.ndarray:
    """Linear interpolation over interior NaN runs whose bounding samples are <= ``max_gap_s`` apart."""
    out = x.copy()
    flat = out.reshape(len(t), -1)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        for a, b in runs(~np.isfinite(col)):
            if a == 0 or b == len(t):
                continue
            if t[b] - t[a - 1] <= max_gap_s + 1e-9:
                col[a:b] = np.interp(t[a:b], [t[a - 1], t[b]], [col[a - 1], col[b]])
    return out


def lowpass(t: np.ndarray, x: np.ndarray, cutoff_hz: float = LOWPASS_HZ, order: int = LOWPASS_ORDER) -> np.ndarray:
    """Zero-phase Butterworth low-pass on each run of valid samples, on a uniform time grid (variable
    frame rate videos are resampled, filtered, and read back at their own timestamps)."""
    out = x.copy()
    if len(t) < 2:
        return out
    dt = frame_step(t)
    fs = 1.0 / dt if dt > 0 else 30.0
    fc = min(cutoff_hz, 0.4 * fs)
    sos = butter(order, fc, fs=fs, output="sos")
    flat = out.reshape(len(t), -1)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        valid = np.isfinite(col)
        v = np.concatenate([[False], valid, [False]])
        d = np.diff(v.astype(np.int8))
        for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
            if b - a < 7:
                continue
            grid = np.arange(t[a], t[b - 1] + dt / 2, dt)
            y = np.interp(grid, t[a:b], col[a:b])
            y = sosfiltfilt(sos, y, padlen=min(3 * (2 * len(sos) + 1), len(y) - 1))
            col[a:b] = np.interp(t[a:b], grid, y)
    return out


def rotate(xy: np.ndarray, deg: float, centre: tuple[float, float]) -> np.ndarray:
    """Rotate image points by ``deg`` (positive: counter-clockwise as seen on screen) about ``centre``."""
    if deg == 0:
        return xy.copy()
    r = np.deg2rad(deg)
    c, s = np.cos(r), np.sin(r)
    x = xy[..., 0] - centre[0]
    y = xy[..., 1] - centre[1]
    # screen y points down, so a counter-clockwise turn on screen is (x, y) -> (x c + y s, -x s + y c)
    return np.stack([x * c + y * s + centre[0], -x * s + y * c + centre[1]], axis=-1)


# ------------------------------------------------------------------------------------------ roll and view
def _line_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle of the line a-b from horizontal, in (-90, 90], positive when it rises to the right on screen."""
    d = b - a
    with np.errstate(all="ignore"):
        ang = np.degrees(np.arctan2(-d[..., 1], d[..., 0]))
    ang = np.where(ang > 90, ang - 180, ang)
    return np.where(ang <= -90, ang + 180, ang)


def upright_frames(xy: np.ndarray, max_trunk_deg: float = 25.0) -> np.ndarray:
    """Frames where mid-shoulder is above mid-hip within ``max_trunk_deg`` of vertical."""
    ang = picture_angle("trunk_from_vertical_deg", xy) if len(xy) else np.zeros(0)
    return np.nan_to_num(ang, nan=180) < max_trunk_deg


def _trunk(xy: np.ndarray) -> np.ndarray:
    """(N, 2) per frame: mid-hip -> mid-shoulder in the picture (NaN where both of a pair are missing)."""
    with quiet(), np.errstate(all="ignore"):
        return np.nanmean(xy[:, SHOULDERS], axis=1) - np.nanmean(xy[:, HIPS], axis=1)


def spread_ratio(xy: np.ndarray, over_trunk_length: bool = False) -> np.ndarray:
    """Per frame: shoulder x-spread over shoulder-hip height (metrics.md, "View"), or over the trunk's
    length, which does not shrink when the trunk leans forward (for judging single frames)."""
    spread = np.abs(xy[:, LM.LEFT_SHOULDER, 0] - xy[:, LM.RIGHT_SHOULDER, 0])
    d = _trunk(xy)
    with np.errstate(all="ignore"):
        height = np.hypot(d[:, 0], d[:, 1]) if over_trunk_length else np.abs(d[:, 1])
        return spread / height


def view_kind(ratio: float) -> str:
    if not np.isfinite(ratio):
        return "side"
    return "side" if ratio < SIDE_BELOW else "front" if ratio > FRONT_ABOVE else "oblique"


#: from the front, the line through both feet is a floor line only where the feet stand side by side; in a split
#: stance the rear foot is further away and higher in the picture, and the line tilts with it (rendered split
#: squats: 20-24 deg with a level camera, read as the camera's roll and turned out, which made the feet look
#: far apart sideways: a lateral lunge). A roll it gives is taken only where the standing trunk, which a
#: roll tilts the same way, agrees within this much (deg); otherwise (or with no floor line) the trunk's own
#: tilt is the roll
ROLL_AGREE_DEG = 8.0


def _axis_roll(xy: np.ndarray) -> float:
    """The roll (deg, as :func:`estimate_roll`) that tilts the mid-hip -> mid-shoulder line of ``xy``'s frames
    from vertical: the median over the frames."""
    d = _trunk(xy)
    r = np.degrees(np.arctan2(-d[:, 0], -d[:, 1]))
    r = r[np.isfinite(r)]
    return float(np.median(r)) if len(r) else float("nan")


def estimate_roll(xy: np.ndarray, kind: str, upright: np.ndarray) -> float:
    """Camera roll from the floor line: the heel-toe line of planted feet (side and oblique views) or the
    line through both heels and both toes while standing (front view; checked against the standing trunk,
    :data:`ROLL_AGREE_DEG`). Lines steeper than 25 degrees (a heel off the floor) are not floor lines and are
    ignored."""
    if kind == "front":
        rows = xy[upright] if upright.any() else xy
        angles = np.concatenate([_line_angle(rows[:, LM.RIGHT_HEEL], rows[:, LM.LEFT_HEEL]),
                                 _line_angle(rows[:, LM.RIGHT_FOOT_INDEX], rows[:, LM.LEFT_FOOT_INDEX])])
    else:
        angles = np.concatenate([_line_angle(xy[:, LM.LEFT_HEEL], xy[:, LM.LEFT_FOOT_INDEX]),
                                 _line_angle(xy[:, LM.RIGHT_HEEL], xy[:, LM.RIGHT_FOOT_INDEX])])
    angles = angles[np.isfinite(angles) & (np.abs(angles) < 25)]
    if kind == "front":
        trunk = _axis_roll(rows)
        if np.isfinite(trunk) and (len(angles) < 5 or abs(float(np.median(angles)) - trunk) > ROLL_AGREE_DEG):
            return trunk
    if len(angles) < 5:
        return 0.0
    return float(np.median(angles))


#: the upright frames stand for the view (metrics.md) when there are at least this many of them and this share of
#: the tracked frames; otherwise every frame does, the spread over the trunk's length (which does not shrink as
#: the trunk leans). A deadlift from the floor is upright only at lockout, where a close camera cuts the head
#: and shoulders off: the tracker's guessed shoulders there read 1.3-1.9 (a front view) in two side-on clips
#: (mattioli_deadlift_Bad_04, _07: 4 and 14 upright frames of 145 and 170), and 0.11-0.17 over every frame
MIN_UPRIGHT_FRAMES = 10
MIN_UPRIGHT_SHARE = 0.15


def _x_spread(xy: np.ndarray, pair_: list[LM]) -> np.ndarray:
    """Per frame: the x-spread of a left/right landmark pair over the trunk's length."""
    d = _trunk(xy)
    with np.errstate(all="ignore"):
        return np.abs(xy[:, pair_[0], 0] - xy[:, pair_[1], 0]) / np.hypot(d[:, 0], d[:, 1])


def view_of(ratio: float, xy: np.ndarray) -> str:
    """The view from the shoulders' spread ``ratio`` (:func:`view_kind`), a square face turning an oblique
    reading above :data:`FRONT_SQUARE_ABOVE` into a front view (frames ``xy``, upright ones)."""
    kind = view_kind(ratio)
    if kind == "oblique" and ratio > FRONT_SQUARE_ABOVE:
        face = face_turn(xy)
        if np.isfinite(face) and abs(face) < FACE_SQUARE_MAX:
            return "front"
    return kind


def face_turn(xy: np.ndarray) -> float:
    """The face's turn from the camera: the nose's x offset from the ears' middle over the ears' x spread,
    median over the frames ``xy`` (0 square on, ~0.55 tan(yaw) turned; NaN where the face is not seen)."""
    with quiet(), np.errstate(all="ignore"):
        ears = xy[:, [LM.LEFT_EAR, LM.RIGHT_EAR], 0]
        spread = np.abs(ears[:, 0] - ears[:, 1])
        off = (xy[:, LM.NOSE, 0] - ears.mean(axis=1)) / np.where(spread > 0, spread, np.nan)
        return float(np.nanmedian(off)) if len(xy) else float("nan")


def detect_view(xy: np.ndarray, visibility: np.ndarray, upright: np.ndarray) -> View:
    tracked = int(np.isfinite(xy[:, HIPS + SHOULDERS, 0]).any(axis=1).sum())
    with quiet():
        if upright.sum() >= max(MIN_UPRIGHT_FRAMES, MIN_UPRIGHT_SHARE * tracked):
            ratio = float(np.nanmedian(spread_ratio(xy[upright])))
        else:
            ratio = float(np.nanmedian(spread_ratio(xy, over_trunk_length=True))) if len(xy) else float("nan")
        hip_ratio = float(np.nanmedian(_x_spread(xy, HIPS))) if len(xy) else float("nan")
    kind = view_of(ratio, xy[upright] if upright.any() else xy)
    with quiet():
        if kind == "front":
            # the person's left shoulder on the image's right means they face the camera
            facing = "camera" if np.nanmedian(xy[:, LM.LEFT_SHOULDER, 0] - xy[:, LM.RIGHT_SHOULDER, 0]) >= 0 else "away"
            return View(ViewKind(kind), Facing(facing), None, ratio, hip_ratio)
        # toe ahead of heel, averaged over feet (Sports2D reads facing from the feet); nose-ear as fallback
        toe_heel = np.nanmedian(np.concatenate([xy[:, LM.LEFT_FOOT_INDEX, 0] - xy[:, LM.LEFT_HEEL, 0],
                                                xy[:, LM.RIGHT_FOOT_INDEX, 0] - xy[:, LM.RIGHT_HEEL, 0]]))
        if not np.isfinite(toe_heel):
            toe_heel = np.nanmedian(xy[:, 0, 0] - np.nanmean(xy[:, [7, 8], 0], axis=1))
    facing = "right" if not np.isfinite(toe_heel) or toe_heel >= 0 else "left"
    vis_l = float(np.nanmean(visibility[:, LEFT])) if len(visibility) else 0.0
    vis_r = float(np.nanmean(visibility[:, RIGHT])) if len(visibility) else 0.0
    if abs(vis_l - vis_r) >= 0.05:
        near = "left" if vis_l > vis_r else "right"
    else:  # facing image-right, the camera sees the person's right side (unless the video is mirrored)
        near = "right" if facing == "right" else "left"
    return View(ViewKind(kind), Facing(facing), Side(near), ratio, hip_ratio)


# ------------------------------------------------------------------------------------------ the stage
def clean(series: PoseSeries) -> CleanSeries:
    """Gate, de-spike, fill, filter, level and classify a pose series."""
    t = series.time_s
    vis = series.image[..., 2]
    xy = gate(series.image[..., :2], vis, size=(series.width, series.height))
    fps = sample_rate(t)
    diag = float(np.hypot(series.width, series.height))
    xy = hampel(xy, max(1, int(round(HAMPEL_HALF_WINDOW_S * fps))), floor=0.01 * diag)
    xy = fill_short_gaps(t, xy)
    xy = lowpass(t, xy)
    longest = {}
    for name, part in [("hips", "hip"), ("knees", "knee"), ("ankles", "ankle"), ("shoulders", "shoulder")]:
        idx = list(pair(part))
        gone = ~np.isfinite(xy[:, idx, 0]).any(axis=1) & series.detected
        spans = [(t[min(b, len(t) - 1)] - t[a]) for a, b in runs(gone)]
        longest[name] = float(max(spans, default=0.0))
    # roll, then the view read from the levelled picture
    up = upright_frames(xy)
    rough = detect_view(xy, vis, up)
    roll = estimate_roll(xy, rough.kind, up)
    notes = list(series.notes)
    if abs(roll) > 20:
        notes.append(Note.of("camera_tilted", roll_deg=float(roll)))
    centre = (series.width / 2, series.height / 2)
    xy = rotate(xy, -roll, centre)  # undo the tilt: a floor rising to the right is turned back to level
    up = upright_frames(xy)
    view = detect_view(xy, vis, up)
    detected = series.detected
    if detected.any() and not up[detected].any():
        notes.append(Note.of("never_upright"))
    return CleanSeries(t, xy, vis, detected, roll, view, series.outline, series.width, series.height, notes, longest,
                       series.shank_width, series.joint_centres)
