"""Quality gates: whether a clip can carry a verdict at all.

Run by :func:`screening.pipeline.analyze` on what was tracked, before any verdict. Two kinds of answer:

- :func:`refusal`: the clip is not a recording of a standing movement the tool can read (too short to hold
  a repetition; the picture upside down or on its side): a :class:`~screening.errors.VideoError` that says
  what to do (exit 2 on the command line), raised before anything is measured;
- :func:`withheld`: the movement was measured, but the evidence is too weak for a verdict (the person never
  upright, out of the picture during a rep, too dark, tracking unsure, the file decoding to much less than
  its container says). The result keeps the reps and measures, says why, and carries no score and no
  verdict: a verdict is withheld rather than guessed.
"""
from __future__ import annotations

import numpy as np

from .angles import picture_angle
from .brightness import picture_brightness  # measured by tracking, judged here (in __all__ as before)
from .errors import VideoError
from .landmarks import LM
from .signals import quiet
from .values import Note

__all__ = ["refusal", "withheld", "out_of_picture", "picture_brightness", "MIN_CLIP_S", "MIN_FRAMES", "DARK_BELOW",
           "MIN_VISIBILITY"]

#: the shortest stretch the rep finder reads a rep from (screening.reps.segment_reps, min_run_s: a real
#: deadlift pull of jeffchen_bad is 0.9 s long), and the fewest frames with a person the pipeline measures
MIN_CLIP_S = 0.5
MIN_FRAMES = 10
#: the picture's mean brightness (0-255) below this: tracking and the silhouette degrade (the analysis's
#: own measures on a clip dimmed to a fifth changed a REGRESS to HOLD: issue 18)
DARK_BELOW = 40.0
#: the body landmarks' mean visibility below this: MediaPipe is guessing where the joints are
MIN_VISIBILITY = 0.5
#: share of a rep's frames in which the body may be cut by the picture's edge
MAX_OUT_OF_FRAME = 0.1
#: a pair of joints (both ankles, both knees...) whose visibility is below this is not seen
UNSEEN_BELOW = 0.3
#: ... and counts as cut off by the picture's edge only when the tracker's guess for it lies this close to
#: an edge (share of the picture's width or height): ankles hidden behind a barbell's plates in the middle
#: of the picture are not out of it (the mattioli deadlifts: every rep of 5 clips withheld as "out of the
#: picture" for that alone), and what hides them is judged where it is measured (legs hidden, kinematics)
EDGE_MARGIN = 0.08
#: the silhouette across the shins (shank lengths) past which something stands in front of them (a leg reads
#: 0.28-0.45, a plate 0.9-1.7: screening.kinematics.LEGS_HIDDEN_WIDTH)
LEGS_BEHIND_LOAD_WIDTH = 0.7
#: the clip decodes to less than this share of the duration its container gives
MIN_DECODED_SHARE = 0.9

BODY = [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_KNEE, LM.RIGHT_KNEE,
        LM.LEFT_ANKLE, LM.RIGHT_ANKLE]


def _mid(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    with quiet():
        return np.nanmean(xy[:, [a, b]], axis=1)


def refusal(series) -> VideoError | None:
    """A clip the tool must refuse: too short for a repetition, or the person upside down or lying across
    the picture in most frames (a video turned the wrong way)."""
    duration = float(series.time_s[-1] - series.time_s[0]) if len(series) else 0.0
    if len(series) < MIN_FRAMES or duration < MIN_CLIP_S:
        return VideoError(f"The video is too short to hold a repetition ({len(series)} frame(s), {duration:.1f} s; "
                          f"at least {MIN_CLIP_S} s and {MIN_FRAMES} frames are needed).",
                          "Film the whole set, a few repetitions from standing to standing, and try again.")
    xy = series.image[:, :, :2]
    hip = _mid(xy, LM.LEFT_HIP, LM.RIGHT_HIP)
    ankle = _mid(xy, LM.LEFT_ANKLE, LM.RIGHT_ANKLE)
    found = np.isfinite(hip[:, 0]) & np.isfinite(ankle[:, 0])
    shank = getattr(series, "shank_width", None)
    if shank is not None and len(shank) == len(found):
        # legs behind a load (a barbell's plates at the shins) are the tracker's guesses: they do not vote
        with quiet():
            found &= ~(np.nanmax(shank, axis=1) > LEGS_BEHIND_LOAD_WIDTH)
    if found.sum() < MIN_FRAMES:
        return None  # nobody found: the pipeline says so itself
    # the legs, not the trunk: a deadlift's trunk is near horizontal for much of the lift, while in every
    # standing movement the ankles stay below the hips
    angle = picture_angle("legs_from_down_deg", xy[found])  # 0: the ankles straight below the hips
    upside_down = np.abs(angle) > 135
    sideways = (np.abs(angle) > 60) & ~upside_down
    if upside_down.mean() > 0.5:
        return VideoError("The person is upside down in the picture in most of the video (the video is turned "
                          "the wrong way).", "Turn the video upright (any video editor or phone's photo app "
                          "rotates it) and try again.")
    if sideways.mean() > 0.5:
        side = "right" if np.nanmedian(angle) < 0 else "left"
        return VideoError(f"The person lies across the picture, head to the {side}, in most of the video (the "
                          "video is on its side, or the movement is done lying down).",
                          "For a standing movement, turn the video upright and try again; movements done "
                          "lying down are not analysed.")
    return None


def out_of_picture(series, reps) -> list[int]:
    """The reps (1-based) during which the body was cut by the picture's edge in more than
    :data:`MAX_OUT_OF_FRAME` of the frames: their measures are the tracker's guesses, and they are not scored."""
    xy = series.image[:, :, :2]
    w, h = series.width, series.height
    cut = []
    for rep in reps:
        if not rep.frames:
            continue
        a, _, b = rep.frames
        pts = xy[a:b + 1][:, BODY]
        # a joint the picture cuts off is placed outside it by the tracker, or not found; or neither of a
        # pair (left and right ankle...) is seen (the far side alone, hidden behind the body, is not counted)
        vis = series.image[a:b + 1][:, BODY, 2]
        with np.errstate(invalid="ignore"):
            # frames where nobody was tracked say nothing of the picture's edge (a dropout of the tracker in a
            # fast pull: 11% of mattioli_deadlift_Bad_06's only rep); they are left out of the share
            tracked = np.isfinite(pts[..., 0]).all(axis=1)
            outside = ((pts[..., 0] < 0) | (pts[..., 0] > w) | (pts[..., 1] < 0) | (pts[..., 1] > h)).any(axis=1)
            mx, my = EDGE_MARGIN * w, EDGE_MARGIN * h
            near_edge = ((pts[..., 0] < mx) | (pts[..., 0] > w - mx) | (pts[..., 1] < my) | (pts[..., 1] > h - my))
            hidden = (vis[:, 0::2] < UNSEEN_BELOW) & (vis[:, 1::2] < UNSEEN_BELOW)
            shank = getattr(series, "shank_width", None)
            if shank is not None and len(shank) == len(xy):
                # knees and ankles behind a barbell's plates (the silhouette across the shins wide: the same
                # reading as screening.kinematics.legs_hidden) are hidden by the load, not by the picture's edge
                with quiet():
                    plate = np.nanmax(shank[a:b + 1], axis=1) > LEGS_BEHIND_LOAD_WIDTH
                hidden[:, 2:] &= ~plate[:, None]
            unseen = (hidden & (near_edge[:, 0::2] | near_edge[:, 1::2])).any(axis=1)
        outside = (outside | unseen)[tracked]
        if len(outside) and outside.mean() > MAX_OUT_OF_FRAME:
            cut.append(rep.index + 1)
    return cut


def withheld(info, series, reps, cut: list[int]) -> list[Note]:
    """Why the clip cannot carry a verdict (empty: it can). ``reps``: the analysis's RepResults; ``cut``:
    those of them cut by the picture's edge (:func:`out_of_picture`): when that is every one, there is
    nothing to score."""
    why = []
    xy = series.image[:, :, :2]
    vis = series.image[:, :, 2]
    detected = series.detected
    with quiet():
        from .clean import upright_frames

        if detected.any() and not upright_frames(xy[detected]).any():
            why.append(Note.of("never_upright_video"))
        visibility = float(np.nanmean(vis[detected][:, BODY])) if detected.any() else np.nan
    if np.isfinite(visibility) and visibility < MIN_VISIBILITY:
        why.append(Note.of("tracking_unsure", visibility=visibility, minimum=MIN_VISIBILITY))
    brightness = getattr(series, "brightness", None)
    if brightness is not None and len(brightness):
        level = float(np.nanmedian(brightness))
        if level < DARK_BELOW:
            why.append(Note.of("too_dark", level=level, minimum=DARK_BELOW))
    if info is not None and not info.is_webcam and info.duration_s and len(series):
        decoded = float(series.time_s[-1]) + (1.0 / info.fps if info.fps else 0.0)
        if decoded < MIN_DECODED_SHARE * info.duration_s - 0.5:
            why.append(Note.of("decodes_short", decoded_s=decoded, duration_s=info.duration_s))
    if reps and len(cut) == len(reps):
        why.append(Note.of("every_rep_cut"))
    return why
