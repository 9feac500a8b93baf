"""What pose tracking produces: one :class:`Person` per frame from a backend, and for a whole clip the
:class:`PoseSeries` (landmarks, the :class:`TrunkOutline`, the shank width and the picture's brightness, one
row per decoded frame) that every later stage reads."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..values import Note

N_LANDMARKS = 33
#: stations along the hip (0) -> shoulder (1) chord where the silhouette outline is sampled (every 0.025)
OUTLINE_STATIONS = np.linspace(-0.1, 1.1, 49)
#: the backends whose points are joint centres: motion capture (bench/mocap.py), a render's own joints
#: (bench/accuracy.py) and the tests' constructed bodies
JOINT_CENTRE_BACKENDS = frozenset({"mocap", "truth", "test"})


@dataclass
class Person:
    """One person found in one frame by a backend."""

    image: np.ndarray  # (33, 3): x px, y px, visibility
    mask: np.ndarray | None = None  # (H, W) float probability, same size as the frame


@dataclass
class TrunkOutline:
    """Silhouette extent either side of the hip->shoulder chord, per frame, in chord lengths.

    ``extent[f, k, 0]`` is the distance from the chord at station ``stations[k]`` to the silhouette edge
    on the image-left side of the chord direction (chord rotated +90 degrees in image coordinates),
    ``extent[f, k, 1]`` on the other side. Which side is the back depends on the facing, decided later.
    NaN where there is no mask or no trunk.
    """

    stations: np.ndarray
    extent: np.ndarray  # (N, K, 2)


@dataclass
class PoseSeries:
    """The raw output of pose tracking, one row per decoded frame."""

    time_s: np.ndarray  # (N,)
    image: np.ndarray  # (N, 33, 3): x px, y px, visibility; NaN where nobody was tracked
    outline: TrunkOutline
    width: int
    height: int
    backend: str
    people_in_view: int = 1
    notes: list[Note] = field(default_factory=list)  # what tracking noticed, coded (screening.words says it)
    #: (N, 2) silhouette width across the middle of the left / right shank, in shank lengths (a leg is
    #: ~0.3; a barbell plate or a bench in front of the shins makes it ~1): see :func:`.outline.shank_width`
    shank_width: np.ndarray | None = None
    #: (N,) the picture's mean brightness (0-255), black bars left out (screening.brightness.picture_brightness)
    brightness: np.ndarray | None = None
    #: (N, 33, 3) body-frame 3-D positions in metres where the series is made from motion capture (bench/mocap.py:
    #: the truth a benchmark compares with); tracking leaves it None (MediaPipe's own 3-D guesses are not used)
    truth_3d: np.ndarray | None = None

    @property
    def joint_centres(self) -> bool:
        """The points are joint centres (motion capture, a render's truth, a constructed body), not a tracker's
        landmarks: the corrections for where MediaPipe puts its landmarks do not apply."""
        return self.backend in JOINT_CENTRE_BACKENDS

    @property
    def detected(self) -> np.ndarray:
        return ~np.isnan(self.image[:, 0, 0])

    def __len__(self) -> int:
        return len(self.time_s)
