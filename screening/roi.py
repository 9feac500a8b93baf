"""Where the pose tracker cuts each frame's crop: MediaPipe's legacy pose graph (0.10.21), rebuilt.

Once the person is found, the legacy graph never runs its detector again while the person stays in view: it cuts
the next frame's 256 x 256 crop from the two *alignment points* the landmark model gives on this frame (the hip
centre and a point whose distance from it gives the body's size and tilt), after a One Euro filter on them. That
filter is always on (``smooth_landmarks=False`` turns off only the filters on the 33 output landmarks), and it is
what keeps the crop steady when a barbell plate or a cut in the video pulls the landmarks. The Tasks API graph
(mediapipe 0.10.30+, 1.x) cuts the crop from the raw points and has no option to filter them, so this module
does it and hands the landmark model the crop (:mod:`screening.bundle`).

Constants measured against mediapipe 0.10.21's legacy solution (``mp.solutions.pose``, full model, smoothing
off) frame by frame (tests/test_roi.py; bench/roi.py):

- the crop: a square centred on point 0, side ``ROI_SCALE`` x 2 x |point 1 - point 0|, turned so that point 1
  is straight above point 0 (MediaPipe's ``AlignmentPointsRectsCalculator``, target angle 90 deg, and
  ``RectTransformationCalculator``, scale 1.25, square long side); pixels sampled as its
  ``ImageToTensorCalculator`` does on the CPU (a perspective warp of the square's corners, bilinear);
- the filter: MediaPipe's ``OneEuroFilter`` on the points in pixels, min cutoff 0.01 Hz, beta 10, derivative
  cutoff 1 Hz, its velocity divided by the body's scale (2 x |point 1 - point 0| on this frame, unfiltered), on
  the legacy solution's clock of 33.333 ms per frame whatever the video's rate; reset when the person is lost.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Roi", "OneEuro", "AlignmentFilter", "roi_from_points", "crop", "to_frame", "mask_to_frame",
           "CROP_SIDE"]

CROP_SIDE = 256  # the landmark model's input
#: a crop turned further than this from upright is dropped and the person looked for afresh on the next frame
#: (the one way the tool departs from the legacy graph). After a close-up or a cut, the legacy tracker can keep a
#: crop turned 130-160 deg while the person stands upright again, and read nonsense for a second or more while
#: its filter turns it back (tomnotch_one_legged_dead_lift at 14.6-15.9 s: a 60 deg trunk on a standing woman,
#: read as a rep). Nobody this tool screens is upside down: the quality stage leaves such frames out anyway; a
#: person lying down (a glute bridge) is turned 90 deg.
MAX_TURN_RAD = math.radians(120.0)
ROI_SCALE = 1.25
#: the legacy Python solution's clock: 33333 us per processed frame (mediapipe/python/solution_base.py)
FRAME_S = 0.033333
MIN_CUTOFF_HZ = 0.01
BETA = 10.0
DERIVATE_CUTOFF_HZ = 1.0


@dataclass(frozen=True)
class Roi:
    """A square region of the frame, in pixels: centre, side, and rotation (radians; the crop's up is the
    frame's up turned by it)."""

    cx: float
    cy: float
    side: float
    rotation: float

    def usable(self) -> bool:
        return bool(np.isfinite([self.cx, self.cy, self.side, self.rotation]).all()) and self.side > 1.0

    def corners(self) -> np.ndarray:
        """(4, 2) the square's corners as OpenCV's ``boxPoints`` orders them (the order MediaPipe maps onto the
        crop's corners)."""
        import cv2

        return cv2.boxPoints(((self.cx, self.cy), (self.side, self.side), math.degrees(self.rotation)))

    @functools.cached_property
    def _to_crop(self) -> np.ndarray:
        import cv2

        dst = np.array([[0, CROP_SIDE], [0, 0], [CROP_SIDE, 0], [CROP_SIDE, CROP_SIDE]], np.float32)
        return np.asarray(cv2.getPerspectiveTransform(self.corners().astype(np.float32), dst))

    @functools.cached_property
    def _to_frame(self) -> np.ndarray:
        return np.linalg.inv(self._to_crop.astype(np.float64))

    def matrix(self) -> np.ndarray:
        """3 x 3 projective matrix: frame pixels -> crop pixels (MediaPipe's CPU image-to-tensor warp); made once
        per crop (a frame cuts, projects back and lays the mask back with it)."""
        return self._to_crop


def _normalize_radians(a: float) -> float:
    return a - 2 * math.pi * math.floor((a + math.pi) / (2 * math.pi))


def roi_from_points(points: np.ndarray) -> Roi:
    """The crop MediaPipe cuts from two alignment points ``points`` (2, 2) in frame pixels."""
    (x0, y0), (x1, y1) = points
    size = 2.0 * math.hypot(x1 - x0, y1 - y0)
    rotation = _normalize_radians(math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0))
    return Roi(float(x0), float(y0), size * ROI_SCALE, rotation)


def crop(rgb: np.ndarray, roi: Roi) -> np.ndarray:
    """The 256 x 256 crop of ``rgb`` the landmark model sees (uint8, edges replicated)."""
    import cv2

    return cv2.warpPerspective(rgb, roi.matrix(), (CROP_SIDE, CROP_SIDE), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def to_frame(xy_crop: np.ndarray, roi: Roi) -> np.ndarray:
    """(N, 2) points in crop pixels -> frame pixels."""
    import cv2

    return cv2.perspectiveTransform(np.asarray(xy_crop, np.float64).reshape(-1, 1, 2), roi._to_frame).reshape(-1, 2)


def mask_to_frame(mask: np.ndarray, roi: Roi, width: int, height: int) -> np.ndarray:
    """The crop's segmentation mask (256, 256) laid back on the frame (height, width); 0 outside the crop.

    An affine warp, bilinear, as MediaPipe's ``WarpAffineCalculator`` lays it back, computed only over the crop's
    bounding box (a quarter to a half of a 1280 x 720 frame: 4 ms a frame instead of 7-11)."""
    import cv2

    out = np.zeros((height, width), np.float32)
    corners = roi.corners()
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + 1, (width, height))
    if x1 <= x0 or y1 <= y0:
        return out
    to_crop = roi.matrix().astype(np.float64) @ np.array([[1.0, 0.0, x0], [0.0, 1.0, y0], [0.0, 0.0, 1.0]])
    out[y0:y1, x0:x1] = cv2.warpAffine(np.ascontiguousarray(mask, np.float32), to_crop[:2], (int(x1 - x0), int(y1 - y0)),
                                       flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                       borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return out


class _LowPass:
    def __init__(self) -> None:
        self.raw: float | None = None
        self.stored: float | None = None

    def apply(self, value: float, alpha: float) -> float:
        self.stored = value if self.stored is None else alpha * value + (1 - alpha) * self.stored
        self.raw = value
        return self.stored


class OneEuro:
    """MediaPipe's ``OneEuroFilter`` (mediapipe/util/filtering/one_euro_filter.cc), one value."""

    def __init__(self, min_cutoff: float | None = None, beta: float | None = None,
                 derivate_cutoff: float | None = None, frequency: float | None = None):
        self.min_cutoff = MIN_CUTOFF_HZ if min_cutoff is None else min_cutoff
        self.beta = BETA if beta is None else beta
        self.derivate_cutoff = DERIVATE_CUTOFF_HZ if derivate_cutoff is None else derivate_cutoff
        self.frequency = 1.0 / FRAME_S if frequency is None else frequency
        self._x, self._dx = _LowPass(), _LowPass()

    def _alpha(self, cutoff: float) -> float:
        te = 1.0 / self.frequency
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / te)

    def apply(self, value: float, value_scale: float) -> float:
        dvalue = 0.0 if self._x.raw is None else (value - self._x.raw) * value_scale * self.frequency
        edvalue = self._dx.apply(dvalue, self._alpha(self.derivate_cutoff))
        cutoff = self.min_cutoff + self.beta * abs(edvalue)
        return self._x.apply(value, self._alpha(cutoff))


class AlignmentFilter:
    """The legacy graph's filter on the two alignment points (x and y of each, in pixels)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._filters = [OneEuro() for _ in range(4)]

    def apply(self, points: np.ndarray) -> np.ndarray:
        scale = 2.0 * float(np.hypot(*(points[1] - points[0])))
        value_scale = 1.0 / scale if scale > 0 else 1.0
        flat = [f.apply(float(v), value_scale) for f, v in zip(self._filters, np.asarray(points, float).ravel())]
        return np.array(flat).reshape(2, 2)
