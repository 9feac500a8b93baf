"""One screen as one typed value: what was filmed, what was measured, what was judged, where it places.

:class:`Screen` is what :func:`screening.pipeline.analyze` returns, what the continuum places, what the
report draws and what the page and the command line show. It is written as result.json
(../shared/spec/result-contract.md, schema_version 1) by :meth:`Screen.to_json` and read back by
:meth:`Screen.from_json`; a round trip gives the same JSON.

Beside what result.json holds, a Screen fresh from an analysis carries what it was measured from
(:class:`Measurement`: the pose series, the clean series, the kinematics; never written) and, once
written or loaded, the small files that go with it (``attachments``: the key frame and plots, by their
result.json key), so that a report can be drawn from Screens in memory.
"""
from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import ScreeningError
from .findings import Fault, RepResult, SetFinding, Trend, pattern_score, set_findings, trends
from .ladder import VERDICTS, Placement, load_continuum
from .signals import finite_or_zero, rounded
from .values import BaselineSource, Facing, Note, Pattern, Side, Source, View

if TYPE_CHECKING:  # only for the annotations: the measurement stages are heavy imports
    from .annotate import Recording
    from .clean import CleanSeries
    from .findings import PatternResult
    from .kinematics import Kinematics
    from .lunge import LungeExtras
    from .pose import PoseSeries
    from .video import VideoInfo

__all__ = ["Screen", "Filmed", "VideoMeta", "PersonMeta", "ViewMeta", "Baseline", "Measurement", "SCHEMA_VERSION",
           "load_screen"]

SCHEMA_VERSION = 1
#: the largest file a result folder may hand to a report (a key frame or a plot is well under 1 MB)
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
#: result.json's file keys that are pictures a report shows
ATTACHMENT_KEYS = ("key_frame", "key_frame_front", "rhythm_plot", "threshold_plot")


@dataclass(frozen=True)
class Filmed:
    """What the clinician says about the clip: the ladder level and load position filmed, and pain."""

    exercise: str | None = None  # a level of the pattern's ladder (key, number or name); None: inferred
    load: str | None = None  # a load position; None: unloaded
    pain: bool = False


@dataclass(frozen=True)
class VideoMeta:
    path: str = ""  # the file's name (a webcam's index as text)
    fps: float | None = None
    frame_count: int = 0
    duration_s: float | None = None
    width: int = 0
    height: int = 0
    rotation_deg: int = 0

    def to_json(self) -> dict:
        return {"path": self.path, "fps": rounded(self.fps), "frame_count": int(self.frame_count),
                "duration_s": rounded(self.duration_s), "width": self.width, "height": self.height,
                "rotation_deg": self.rotation_deg}

    @classmethod
    def from_json(cls, d: dict) -> "VideoMeta":
        return cls(str(d.get("path", "")), d.get("fps"), int(d.get("frame_count") or 0), d.get("duration_s"),
                   int(d.get("width") or 0), int(d.get("height") or 0), int(d.get("rotation_deg") or 0))


@dataclass(frozen=True)
class PersonMeta:
    detected_fraction: float | None = None
    notes: tuple[str, ...] = ()
    people_in_view: int = 1

    def to_json(self) -> dict:
        return {"detected_fraction": rounded(self.detected_fraction), "notes": list(self.notes),
                "people_in_view": self.people_in_view}

    @classmethod
    def from_json(cls, d: dict) -> "PersonMeta":
        return cls(d.get("detected_fraction"), tuple(d.get("notes", ())), int(d.get("people_in_view", 1)))


@dataclass(frozen=True)
class ViewMeta:
    kind: View = View.UNKNOWN
    facing: Facing | None = None
    near_side: Side | None = None
    shoulder_spread_ratio: float | None = None
    camera_roll_deg: float | None = None
    hip_spread_ratio: float | None = None

    def to_json(self) -> dict:
        return {"kind": self.kind, "facing": self.facing, "near_side": self.near_side,
                "shoulder_spread_ratio": rounded(self.shoulder_spread_ratio),
                "camera_roll_deg": rounded(self.camera_roll_deg, 2),
                "hip_spread_ratio": rounded(self.hip_spread_ratio)}

    @classmethod
    def from_json(cls, d: dict) -> "ViewMeta":
        facing, near = d.get("facing"), d.get("near_side")
        return cls(View(d.get("kind", "unknown")), Facing(facing) if facing else None, Side(near) if near else None,
                   d.get("shoulder_spread_ratio"),
                   d.get("camera_roll_deg"), d.get("hip_spread_ratio"))


@dataclass(frozen=True)
class Baseline:
    """The person's standing values the changes are measured from."""

    source: BaselineSource = BaselineSource.NONE
    window_s: tuple[float, float] | None = None
    values: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"source": self.source, "window_s": [rounded(x) for x in self.window_s] if self.window_s else None,
                "values": {k: rounded(v, 2) for k, v in self.values.items()}}

    @classmethod
    def from_json(cls, d: dict) -> "Baseline":
        w = d.get("window_s")
        return cls(BaselineSource(d.get("source", "none")), tuple(w) if w else None,
                   {k: (math.nan if v is None else v) for k, v in (d.get("values") or {}).items()})


@dataclass
class Measurement:
    """What a screen was measured from: never written, gone with the Screen (or after
    :func:`screening.pipeline.write_outputs`, which uses the recording and closes it)."""

    source: Any  # the video's path or webcam index
    info: "VideoInfo"
    series: "PoseSeries"
    clean: "CleanSeries"
    kinematics: "Kinematics"
    movement: "PatternResult | None"
    thresholds: dict
    recording: "Recording | None" = None  # the frames, scaled, for the annotated video
    #: the Screen's analysis notes as coded notes (the Screen holds their words): what a merge of two clips
    #: decides by (whether a clip's score was withheld)
    analysis_notes: tuple[Note, ...] = ()

    @property
    def angles(self) -> dict:
        """Every angle of the kinematics table per frame, with ``time_s``."""
        return {"time_s": self.kinematics.time_s, **self.kinematics.values}


@dataclass
class Screen:
    """One screen: a clip (or a side and a front clip of one set), analysed and placed."""

    video: VideoMeta = field(default_factory=VideoMeta)
    person: PersonMeta = field(default_factory=PersonMeta)
    view: ViewMeta = field(default_factory=ViewMeta)
    pattern: Pattern = Pattern.UNKNOWN
    pattern_source: Source = Source.GIVEN
    measurable: bool | None = None  # None: no movement analysis ran
    analysis_notes: list[str] = field(default_factory=list)
    reps: list[RepResult] = field(default_factory=list)
    score: int | None = None  # the movement's 3/2/1 (result.json says 0 when pain was reported)
    lunge: "LungeExtras | None" = None
    filmed: Filmed = field(default_factory=Filmed)
    placement: "Placement | None" = None
    placement_notes: list[str] = field(default_factory=list)
    baseline: Baseline = field(default_factory=Baseline)
    pose_backend: str = ""
    tool_version: str = __version__
    analysed_at: str = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc)
                             .isoformat(timespec="seconds"))
    files: dict[str, Any] = field(default_factory=dict)  # result.json's "files": names in the result's folder
    views: dict[str, dict] | None = None  # two clips of one set: each clip's summary, as in result.json
    # ---- not in result.json
    measured: Measurement | None = field(default=None, repr=False, compare=False)
    parts: dict[str, "Screen"] = field(default_factory=dict, repr=False, compare=False)  # two views: each clip's
    attachments: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)  # files' bytes by key
    folder: Path | None = field(default=None, repr=False, compare=False)  # where result.json was written or read

    # ------------------------------------------------------------------ derived
    @property
    def reported_score(self) -> int | None:
        """The score result.json carries: 0 when pain was reported (metrics.md), else the movement's."""
        return 0 if self.filmed.pain else self.score

    @property
    def verdict(self) -> str | None:
        return self.placement.verdict if self.placement else None

    @property
    def when(self) -> datetime.datetime:
        try:
            return datetime.datetime.fromisoformat(self.analysed_at)
        except (TypeError, ValueError):
            return datetime.datetime.fromtimestamp(0, datetime.timezone.utc)

    def worst_rep(self) -> RepResult | None:
        """The rep a key frame and a report show: the most major faults, then the most faults, then the
        highest fault severity; the earliest of equals."""
        if not self.reps:
            return None
        return max(self.reps, key=lambda r: (sum(f.severity == "major" for f in r.faults), len(r.faults),
                                             finite_or_zero(r.metrics.get("fault_severity")), -r.index))

    def findings(self) -> list[Fault]:
        """Every fault of the screen: each rep's, then the set's (asymmetry)."""
        return [f for r in self.reps for f in r.faults] + (list(self.lunge.set_faults) if self.lunge else [])

    def set_findings(self) -> list[SetFinding]:
        """Each fault code over the set, and whether it counts toward the score (screening.findings)."""
        return set_findings(self.reps)

    def trends(self) -> list[Trend]:
        """The faults whose measure moved toward the fault rep by rep (a set whose quality falls off)."""
        if self.pattern not in ("hinge", "lunge") or not self.reps:
            return []
        variant = (self.lunge.variant or "split") if self.pattern == "lunge" and self.lunge is not None else None
        return trends(self.reps, self.pattern, variant if self.pattern == "lunge" else None)

    # ------------------------------------------------------------------ result.json
    def to_json(self) -> dict:
        """result.json (schema_version 1)."""
        d = {
            "schema_version": SCHEMA_VERSION,
            "tool_version": self.tool_version,
            "analysed_at": self.analysed_at,
            "video": self.video.to_json(),
            "person": self.person.to_json(),
            "view": self.view.to_json(),
            "pattern": self.pattern,
            "pattern_source": self.pattern_source,
            "measurable": self.measurable,
            "analysis_notes": list(self.analysis_notes),
            "reps": [r.as_dict() for r in self.reps],
            "set": {"findings": [sf.as_dict() for sf in self.set_findings()],
                    "trends": [t.as_dict() for t in self.trends()]},
            "score": self.reported_score,
            "placement": self.placement.as_dict() if self.placement else None,
            "placement_notes": list(self.placement_notes),
            "baseline": self.baseline.to_json(),
            "pose_backend": self.pose_backend,
        }
        if self.lunge is not None:
            d["lunge"] = self.lunge.to_json()
        if self.views is not None:
            d["views"] = self.views
        if self.files:
            d["files"] = dict(self.files)
        return d

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, d: dict) -> "Screen":
        """A Screen from result.json (schema_version 1). Raises :class:`ScreeningError` for anything else."""
        from .lunge import LungeExtras

        if not isinstance(d, dict) or d.get("schema_version") != SCHEMA_VERSION or not isinstance(d.get("reps"), list):
            version = d.get("schema_version") if isinstance(d, dict) else None
            raise ScreeningError(f"This is not a result this version can read (schema_version {version!r}; "
                                 f"it reads {SCHEMA_VERSION}).",
                                 "Give a result.json written by `screening analyze` of this version.")
        try:
            reps = [RepResult.from_dict(r) for r in d["reps"]]
            lunge = LungeExtras.from_json(d["lunge"]) if d.get("lunge") is not None else None
            placement = Placement.from_dict(d["placement"]) if d.get("placement") else None
            if placement is not None:
                _check_placement(placement)
            score = d.get("score")
            pain = score == 0 and placement is not None and placement.verdict == "refer"
            if pain:  # result.json says 0 for pain: the movement's own score comes from the faults
                score = pattern_score(reps, list(lunge.set_faults) if lunge else [])
            filmed = Filmed(str(placement.level) if placement and placement.exercise_source == "given" else None,
                            placement.load_position if placement else None, pain)
            return cls(
                video=VideoMeta.from_json(d["video"]), person=PersonMeta.from_json(d["person"]),
                view=ViewMeta.from_json(d["view"]), pattern=Pattern(d["pattern"]),
                pattern_source=Source(d.get("pattern_source", "given")), measurable=d.get("measurable"),
                analysis_notes=list(d.get("analysis_notes", [])), reps=reps, score=score, lunge=lunge,
                filmed=filmed, placement=placement, placement_notes=list(d.get("placement_notes", [])),
                baseline=Baseline.from_json(d.get("baseline") or {}), pose_backend=d.get("pose_backend", ""),
                tool_version=d.get("tool_version", ""), analysed_at=d.get("analysed_at", ""),
                files=dict(d.get("files") or {}), views=d.get("views"))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ScreeningError(f"The result is damaged or incomplete ({type(exc).__name__}: {exc}).",
                                 "Analyse the clip again to write a new result.json.") from None

    def replace(self, **changes) -> "Screen":
        """A copy with ``changes`` (the measurement, parts, attachments and folder go along)."""
        return replace(self, **changes)


def schema_problem(data: dict) -> str | None:
    """The first place where ``data`` breaks screening/data/result.schema.json (None: it follows it)."""
    import jsonschema

    schema = json.loads((Path(__file__).with_name("data") / "result.schema.json").read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "the top level"
    return f"at {where}: {error.message[:160]}"


def _check_placement(p) -> None:
    """A placement names a level and a load position the continuum has (a damaged or edited result could
    draw "hinge level 99")."""

    c = load_continuum()
    levels = {lv.level for lv in c.ladders.get(p.pattern, ())}
    if p.level not in levels or p.next_level not in levels:
        raise ScreeningError(f"The result places the person at {p.pattern} level {p.level}, which the continuum "
                             f"does not have (levels {min(levels, default=0)}-{max(levels, default=0)}).",
                             "The result was edited or damaged: analyse the clip again.")
    if p.load_position not in c.loads or p.next_load_position not in c.loads or p.verdict not in VERDICTS:
        raise ScreeningError("The result's placement names a load position or a verdict this tool does not know.",
                             "The result was edited or damaged: analyse the clip again.")


def load_screen(path: str | Path) -> Screen:
    """A result.json (or the folder holding it) as a Screen, with its pictures as attachments.

    Only files inside the result's own folder are read, by plain name and up to
    :data:`ATTACHMENT_MAX_BYTES`; a name that points anywhere else is left out, with a note."""
    p = Path(path)
    if p.is_dir():
        p = p / "result.json"
    what_to_do = "Give the result.json that `screening analyze` wrote (or its folder)."
    try:
        if p.stat().st_size > ATTACHMENT_MAX_BYTES:
            raise ScreeningError(f"'{path}' is too large to be a result file.", what_to_do)
        data = json.loads(p.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except OSError as exc:
        raise ScreeningError(f"The result file '{path}' cannot be read ({exc.strerror}).", what_to_do) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScreeningError(f"'{path}' is not a result file: not valid JSON ({exc}).", what_to_do) from None
    if not isinstance(data, dict) or "schema_version" not in data or "reps" not in data:
        raise ScreeningError(f"'{path}' is JSON but not a screening result (no schema_version or reps).", what_to_do)
    absurd = _absurd_number(data)
    if absurd is not None:
        raise ScreeningError(f"'{path}' is not a result this tool wrote: it holds the number {absurd:.3g}, beyond "
                             f"any measure (at most {NUMBER_MAX:.0e}).", "The result was edited or damaged: "
                             "analyse the clip again.")
    if data.get("schema_version") == SCHEMA_VERSION:
        problem = schema_problem(data)
        if problem:
            raise ScreeningError(f"'{path}' is not a result this tool wrote: it does not follow the result's "
                                 f"schema ({problem}).", what_to_do)
    screen = Screen.from_json(data)
    screen.folder = p.parent
    for key in ATTACHMENT_KEYS:
        blob = _read_inside(p.parent, screen.files.get(key))
        if blob is not None:
            screen.attachments[key] = blob
    return screen


#: no number a result holds (angles in degrees, times in seconds, ratios, pixel sizes, frame counts) comes near
#: this: a larger one (1e308) is an edited or damaged file, and would be printed with 300 digits
NUMBER_MAX = 1e9


def _no_constant(name: str):
    """json's NaN, Infinity and -Infinity are not JSON, and no result this tool writes holds them."""
    raise json.JSONDecodeError(f"{name} is not a number a result holds", name, 0)


def _absurd_number(data) -> float | None:
    """The first number in ``data`` past :data:`NUMBER_MAX` in size (None: there is none)."""
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, (int, float)) and not isinstance(x, bool) and abs(x) > NUMBER_MAX:
            return float(x)
    return None


def _read_inside(folder: Path, name) -> bytes | None:
    """The bytes of ``folder/name`` when ``name`` is a plain relative name inside ``folder`` (a two-view
    result names ``side/key_frame.jpg``), a regular file, and small enough; else None."""
    if not isinstance(name, str) or not name or Path(name).is_absolute() or ".." in Path(name).parts:
        return None
    target = folder / name
    try:
        resolved, base = target.resolve(strict=True), folder.resolve(strict=True)
        if base not in resolved.parents or not resolved.is_file() or resolved.stat().st_size > ATTACHMENT_MAX_BYTES:
            return None
        return resolved.read_bytes()
    except OSError:
        return None
