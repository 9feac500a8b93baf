"""The pipeline: video -> pose series -> clean series -> kinematics -> pattern result -> Screen -> placement;
then, as its own step, the files.

:func:`analyze` runs the stages and returns a :class:`~screening.screen.Screen`, writing nothing (the frames
kept for the annotated video go to a private temporary folder, deleted with the Screen's recording).
:func:`write_outputs` writes a Screen's files: result.json, the CSVs, the annotated video, the key frame
and the plots. :func:`analyze_two_views` and :func:`write_outputs` do the same for a side and a front clip
of one lunge set.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .angles import picture_angle, resolve_point
from .annotate import Recording, encode_jpeg, key_frame, key_frame_index, write_annotated
from .clean import CleanSeries, clean
from .config import load_thresholds
from .continuum import load_continuum, placed
from .errors import NoPersonError, ScreeningError
from .findings import PatternResult, pattern_score
from .hinge import analyze_hinge, trunk_change
from .kinematics import Kinematics, kinematics
from .landmarks import LM
from .lunge import analyze_lunge, merge_views, threshold_measures
from .plots import rhythm_plot, threshold_plot
from .pose import track
from .present import FROM_STANDING
from .quality import out_of_picture, refusal, withheld
from .result import atomic_path, build_screen, write_csv, write_json, write_reps_csv
from .screen import Filmed, Measurement, PersonMeta, Screen
from .signals import quiet, window_mask
from .values import Note, Pattern
from .values import Source as Given  # where a value came from (video.Source is a clip)
from .video import ReadReport, Source, VideoInfo, probe
from .words import SHOULDERS_SEEN, note_text, notes_text

__all__ = ["analyze", "rejudge", "write_outputs", "analyze_two_views", "detect_pattern", "measure", "PATTERNS", "Progress"]

#: fewer frames with a person than this and there is nothing to measure
MIN_PERSON_FRAMES = 10
PATTERNS = ("auto", "hinge", "lunge")

Progress = Callable[[float, str], None]


def measure(source: Source, info: VideoInfo, model_file=None, progress: Progress | None = None,
            frame_sink=None):
    """The measuring stages, no files written: (pose series, clean series, kinematics)."""
    series = track(source, info, progress=(lambda f: progress(f, "tracking pose")) if progress else None,
                   report=ReadReport(), frame_sink=frame_sink, model_file=model_file)
    problem = refusal(series)  # too short for a rep, or the picture turned the wrong way
    if problem is not None:
        raise problem
    n_person = int(series.detected.sum())
    if n_person < MIN_PERSON_FRAMES:
        raise NoPersonError(
            f"No person was found in the video ({n_person} of {len(series)} frames had one).",
            "Film the whole body, head to feet, in good light, with the camera 2-4 m away; then try again.",
        )
    cs = clean(series)
    return series, cs, kinematics(cs)


def detect_pattern(cs: CleanSeries, kin: Kinematics, th: dict | None = None) -> str:
    """Hinge or lunge, from the movement itself (``--pattern auto``).

    Side view: a hinge leans the trunk (its 95th percentile more than 25 deg past standing); a lunge keeps
    it up while the hips drop (more than 0.15 leg lengths); a short hinge leans 10-25 deg with the hips
    staying up. Front view: the hips drop by more than 0.2 leg lengths
    in a lunge (split or lateral), much less in a hinge. Oblique views: a lunge where the hips drop as from
    the front and the trunk stays up; otherwise "unknown" (a hinge is not measured at an angle). The limits are
    the ``[pattern]`` section of the thresholds (screening/data/thresholds.toml)."""
    p = (th if th is not None else load_thresholds())["pattern"]
    leg = kin.segments.leg
    hip_y = resolve_point(cs.xy, "mid_hip", None)[:, 1]
    ok = np.isfinite(hip_y)
    if ok.sum() < 10:
        return "unknown"
    drop = (np.nanpercentile(hip_y[ok], 95) - np.nanpercentile(hip_y[ok], 5)) / leg if np.isfinite(leg) else np.nan
    if kin.view_kind == "side":
        trunk = trunk_change(kin)
        lean = float(np.nanpercentile(trunk, 95)) if np.isfinite(trunk).any() else np.nan
        if np.isfinite(lean) and lean > p["side_hinge_lean_deg"]:
            return "hinge"
        if np.isfinite(drop) and drop > p["side_lunge_drop_leg_lengths"]:
            return "lunge"
        return "hinge" if np.isfinite(lean) and lean > p["side_short_hinge_lean_deg"] else "unknown"
    if kin.view_kind == "front":
        if np.isfinite(drop) and drop > p["front_lunge_drop_leg_lengths"]:
            return "lunge"
        # a shallow lunge drops the hips less, but keeps the trunk up, where a hinge seen from the front
        # folds it toward the camera and its shoulder-hip height in the picture shrinks (to ~0.7 at 45 deg);
        # over the shoulders' width, which a step back or forward (nearer or further) scales alike
        v = hip_y - resolve_point(cs.xy, "mid_shoulder", None)[:, 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            v = v / np.abs(cs.xy[:, LM.LEFT_SHOULDER, 0] - cs.xy[:, LM.RIGHT_SHOULDER, 0])
        base = window_mask(cs.time_s, kin.baseline_window_s)
        with quiet():
            kept = np.nanpercentile(v, 5) / np.nanmedian(v[base]) if base.any() else np.nan
        shallow_lunge = np.isfinite(drop) and drop > p["front_shallow_drop_leg_lengths"]
        return "lunge" if shallow_lunge and np.isfinite(kept) and kept > p["front_trunk_kept"] else "hinge"
    if kin.view_kind == "oblique" and np.isfinite(drop) and drop > p["oblique_lunge_drop_leg_lengths"]:
        # at an angle, a lunge is the hips dropping as from the front while the trunk stays up: the trunk's
        # lean in the picture (shortened by the angle, never lengthened) stays under the hinge's 25 deg
        leans = picture_angle("trunk_from_vertical_deg", cs.xy)
        if (np.isfinite(leans).sum() >= 10
                and np.nanpercentile(leans, 95) - np.nanpercentile(leans, 5) < p["oblique_lean_range_deg"]):
            return "lunge"
    return "unknown"


#: the note that closes the notes saying why a clip carries no score (in words: the page looks for it)
WITHHELD = note_text(Note.of("score_withheld"))

#: what the result says when no movement analysis ran
UNANALYSED = {
    "unknown": Note.of("pattern_unrecognised"),
}


#: the hinge levels that lift the load from the floor (continuum.toml: the deadlift): their knees bend by design
FROM_THE_FLOOR = ("deadlift",)


def lift_from_floor(pattern: str, filmed: Filmed | None) -> bool | None:
    """Whether the hinge level named as filmed lifts from the floor; None when none was named (read per rep)."""
    if pattern != "hinge" or filmed is None or filmed.exercise is None:
        return None
    try:
        return load_continuum().find("hinge", filmed.exercise).key in FROM_THE_FLOOR
    except ScreeningError:
        return None


def analysis_depends_on(pattern: str, filmed: Filmed | None) -> tuple:
    """What of ``filmed`` changes the analysis itself, not only its placement: today whether a lift from the
    floor was named (the squatted hinge's thresholds, :func:`lift_from_floor`). A surface that keeps an analysis
    and places it again when the clinician changes what was filmed re-analyses when this changes, so that the
    page, the live set and the command line give the same verdict on the same frames (issue 26)."""
    return (lift_from_floor(pattern, filmed),)


def analyze_pattern(pattern: str, cs: CleanSeries, kin: Kinematics, th: dict,
                    filmed: Filmed | None = None) -> PatternResult | None:
    if pattern == "hinge":
        return analyze_hinge(cs, kin, th, lift_from_floor(pattern, filmed))
    if pattern == "lunge":
        return analyze_lunge(cs, kin, th)
    return None


def analyze(source: Source, pattern: str = "auto", filmed: Filmed | None = None, thresholds=None,
            progress: Progress | None = None, model_file=None, info: VideoInfo | None = None,
            max_duration_s: float | None = None, keep_frames: bool = True) -> Screen:
    """Analyse one video (a path or a webcam index) and place it on the continuum; write nothing.

    ``pattern``: "auto" (told from the movement), "hinge" or "lunge"; ``filmed``: what the clinician says
    was filmed (exercise, load position, pain); ``thresholds``: a thresholds file laid over the defaults;
    ``info``: the video's :func:`probe` when the caller has it; ``keep_frames``: keep the frames, scaled,
    for :func:`write_outputs`'s annotated video (in a private temporary folder that goes with the Screen's
    recording). The Screen carries what it was measured from (``screen.measured``).

    Raises :class:`~screening.errors.ScreeningError` for input that cannot be analysed."""
    if pattern not in PATTERNS:
        raise ScreeningError(f"Unknown pattern '{pattern}'.", f"Use one of: {', '.join(PATTERNS)}.")
    th = load_thresholds(thresholds)  # a broken thresholds file is said before any tracking
    if info is None:
        info = probe(source) if max_duration_s is None else probe(source, max_duration_s=max_duration_s)
    recording = Recording(info.fps) if keep_frames else None
    try:
        series, cs, kin = measure(source, info, model_file, progress,
                                  frame_sink=recording.sink if recording is not None else None)
    except BaseException:
        if recording is not None:
            recording.close()
        raise
    if recording is not None:
        recording.finish()
    found, pattern_source = (detect_pattern(cs, kin, th), "inferred") if pattern == "auto" else (pattern, "given")
    return _judged(Measurement(source, info, series, cs, kin, None, th, recording), found, pattern_source, filmed)


def rejudge(screen: Screen, filmed: Filmed) -> Screen:
    """The same measurement judged for another account of what was filmed (a clinician naming a deadlift after
    the analysis: the squatted hinge's thresholds change, :func:`analysis_depends_on`), without tracking the
    video again: the pose series, its cleaning and kinematics are the same frames, so the verdict is the one
    :func:`analyze` gives with ``filmed`` named from the start. ``screen`` must carry its measurement
    (``screen.measured``); the new Screen carries it too, without the recording (the annotated video shows
    angles and the skeleton only, and is the same for both)."""
    m = screen.measured
    if m is None:
        raise ValueError("rejudge needs the screen's measurement (screen.measured)")
    return _judged(replace(m, movement=None, recording=None), screen.pattern, screen.pattern_source, filmed)


def _judged(m: Measurement, found: str, pattern_source: str, filmed: Filmed | None) -> Screen:
    """A measurement's movement analysis, its score (withheld where the clip cannot carry one) and its place
    on the continuum: everything after tracking."""
    info, series, cs, kin, th = m.info, m.series, m.clean, m.kinematics, m.thresholds
    movement = analyze_pattern(found, cs, kin, th, filmed)
    screen = build_screen(info, series, cs, kin, pattern=found, analysis=movement, pattern_source=pattern_source)
    notes = list(movement.notes) if movement is not None else [UNANALYSED.get(found, UNANALYSED["unknown"])]
    reps = movement.reps if movement is not None else []
    cut = out_of_picture(series, reps)
    why = withheld(info, series, reps, cut)
    if why:  # the reps and measures stay; the score, and with it the verdict, are withheld
        notes += why + [Note.of("score_withheld")]
        screen.score = None
    elif screen.score is not None and cut:
        kept = [r for r in reps if r.index + 1 not in cut]
        screen.score = pattern_score(kept, list(screen.lunge.set_faults) if screen.lunge else [])
        notes.append(Note.of("reps_out_of_picture", reps=tuple(cut)))
    screen.analysis_notes = notes_text(notes)
    screen.measured = replace(m, movement=movement, analysis_notes=tuple(notes))
    return placed(screen, filmed)


def write_outputs(screen: Screen, out_dir: str | Path, video: bool = True,
                  progress: Progress | None = None, blur_faces: bool = False) -> Screen:
    """Write a Screen's files into ``out_dir`` and return it with ``files``, ``attachments`` and ``folder``:

    - result.json (:meth:`Screen.to_json`); reps.csv when there are reps;
    - from a fresh analysis (``screen.measured``): angles.csv, annotated.mp4 (``video``, when its frames
      were kept; its recording is then closed), key_frame.jpg (the worst rep's bottom), rhythm.png (a
      hinge's hip against spinal flexion) or thresholds.png (a lunge's measures against their thresholds);
    - a side and a front clip of one set (``screen.parts``): each clip's own files in ``side/`` and
      ``front/``, and the merged result beside them.

    ``blur_faces``: the face pixelated in the annotated video and the key frame (and so in the reports).
    Each file is written whole or not at all."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict = {}
    attachments: dict[str, bytes] = {}
    if screen.parts:
        for role, part in screen.parts.items():
            step = (lambda f, stage, r=role: progress(f, f"{r} clip: {stage}")) if progress else None
            written = write_outputs(part, out / role, video=video, progress=step, blur_faces=blur_faces)
            if "key_frame" in written.attachments:
                key = "key_frame" if role == "side" else f"key_frame_{role}"
                files[key] = f"{role}/{written.files['key_frame']}"
                attachments[key] = written.attachments["key_frame"]
    m = screen.measured
    if m is not None:
        attachments.update(_pictures(screen, m, out, video, progress, blur_faces))
        write_csv(m.kinematics, out / "angles.csv")
        if "key_frame" in attachments:
            with atomic_path(out / "key_frame.jpg") as tmp:
                tmp.write_bytes(attachments["key_frame"])
            worst = screen.worst_rep()
            assert worst is not None  # the key frame is the worst rep's (_pictures)
            files.update(key_frame="key_frame.jpg", key_frame_rep=worst.index)
    if screen.reps:
        write_reps_csv([screen], out / "reps.csv")
        files["reps_csv"] = "reps.csv"
    for key, (name, png) in _plots(screen).items():
        with atomic_path(out / name) as tmp:
            tmp.write_bytes(png)
        files[key] = name
        attachments[key] = png
    written = screen.replace(files=files, attachments=attachments, folder=out)
    write_json(written, out / "result.json")
    if progress:
        progress(1.0, "done")
    return written


def _pictures(screen: Screen, m: Measurement, out: Path, video: bool, progress: Progress | None,
              blur_faces: bool = False) -> dict[str, bytes]:
    """The annotated video (written to ``out``) and the key frame (returned as JPEG bytes), faces
    pixelated when ``blur_faces``."""
    worst = screen.worst_rep()
    # the key frame's index; write_annotated adds its picture ("rgb") as it passes
    grab: dict[str, Any] | None = {"index": key_frame_index(m.clean, worst)} if worst is not None else None
    raw = m.series.image[:, :, :2] if m.series is not None else None
    if video and m.recording is not None and not m.recording.closed:
        try:
            with atomic_path(out / "annotated.mp4") as tmp:
                write_annotated(tmp, m.recording.paths, m.info, m.clean, m.kinematics, grab=grab,
                                progress=(lambda f: progress(f, "drawing the annotated video")) if progress else None,
                                blur_faces=blur_faces, raw=raw,
                                from_standing=tuple(FROM_STANDING) if screen.pattern == "hinge" else ())
        finally:
            m.recording.close()
    if worst is None:
        return {}
    img = key_frame(m.source, m.info, m.clean, worst, screen.pattern, (grab or {}).get("rgb"),
                    blur_faces=blur_faces, raw=raw)
    jpeg = encode_jpeg(img) if img is not None else None
    return {"key_frame": jpeg} if jpeg else {}


def _plots(screen: Screen) -> dict[str, tuple[str, bytes]]:
    """result.json key -> (file name, PNG): a hinge's rhythm plot, a lunge's measures over their thresholds."""
    m = screen.measured
    measured = [p.measured for p in screen.parts.values() if p.measured is not None]
    th = m.thresholds if m is not None else measured[0].thresholds if measured else load_thresholds()
    mv = m.movement if m is not None else None
    out = {}
    if (mv is not None and mv.pattern == "hinge" and mv.reps
            and np.isfinite(mv.series["spinal_flexion_deg"]).any()):  # no spine measured: nothing to plot
        assert m is not None  # mv is m's movement
        hinge_extras = mv.extras or {}
        assert isinstance(hinge_extras, dict)  # a hinge's extras are a dict (analyze_hinge)
        # the thresholds the reps were judged by (against an average back: those set on real deadlifts)
        minor, major = hinge_extras.get("lumbar_flexion", (th["hinge"]["lumbar_flexion"]["minor"],
                                                           th["hinge"]["lumbar_flexion"]["major"]))
        out["rhythm_plot"] = ("rhythm.png", rhythm_plot(
            m.kinematics.change("hip_flexion_deg"), mv.series["spinal_flexion_deg"], mv.reps, m.kinematics.time_s,
            minor, major))
    if screen.pattern == "lunge" and screen.reps and (m is not None or screen.parts):
        variant = screen.lunge.variant if screen.lunge is not None and screen.lunge.variant else "split"
        measures = threshold_measures(screen.reps, th["lunge"], variant)
        if measures:
            out["threshold_plot"] = ("thresholds.png", threshold_plot(measures))
    return out


def analyze_two_views(side: Source, front: Source, pattern: str = "lunge", filmed: Filmed | None = None,
                      thresholds=None, progress: Progress | None = None, model_file=None,
                      max_duration_s: float | None = None, keep_frames: bool = True) -> Screen:
    """A side clip and a front clip of the same lunge set (``screening analyze --side A --front B``), each
    analysed, then merged into one Screen where each measure comes from the view that shows it
    (:func:`screening.lunge.merge_views`); each clip's own Screen is in ``screen.parts``. Writes nothing."""
    if pattern not in ("auto", "lunge"):
        raise ScreeningError(f"Two views of one set are merged for the lunge; '{pattern}' was asked.",
                             "The hinge is measured from the side only: analyse the side clip alone.")
    th = load_thresholds(thresholds)
    parts: dict[str, Screen] = {}
    for role, src in (("side", side), ("front", front)):
        step = (lambda f, stage, r=role: progress(f, f"{r} clip: {stage}")) if progress else None
        part = analyze(src, pattern="lunge", filmed=filmed, thresholds=thresholds, progress=step,
                       model_file=model_file, max_duration_s=max_duration_s, keep_frames=keep_frames)
        if part.view.kind != role:
            for p in (*parts.values(), part):
                if p.measured is not None and p.measured.recording is not None:
                    p.measured.recording.close()
            raise ScreeningError(
                f"The clip given as the {role} view ({part.video.path}) looks filmed from the {part.view.kind} "
                f"({SHOULDERS_SEEN[part.view.kind]}).",
                "Check which clip is which: the side view is the clip filmed side-on, the front view the one "
                "filmed face-on.")
        parts[role] = part
    s, f = parts["side"], parts["front"]
    # analyze() keeps what it measured, and analyses a clip named a lunge as one
    assert s.measured is not None and s.measured.movement is not None
    assert f.measured is not None and f.measured.movement is not None
    merged = merge_views(s.measured.movement, f.measured.movement, th)
    screen = s.replace(
        pattern=Pattern.LUNGE, pattern_source=Given.GIVEN, measurable=merged.measurable,
        analysis_notes=notes_text(merged.notes),
        reps=list(merged.reps), score=merged.score, lunge=merged.extras,
        person=PersonMeta(min(s.person.detected_fraction or 0, f.person.detected_fraction or 0),
                          tuple(note_text(Note.of("from_clip", clip=role, note=Note.said(n), capital=False))
                                for role, p in parts.items() for n in p.person.notes),
                          max(s.person.people_in_view, f.person.people_in_view)),
        views={role: {"result": f"{role}/result.json", "video": p.video.to_json(), "view": p.view.to_json(),
                      "person": p.person.to_json(), "reps": len(p.reps)} for role, p in parts.items()},
        measured=None, parts=parts, files={}, attachments={})
    held = {role: p.measured.analysis_notes for role, p in parts.items()
            if p.reps and p.measured is not None and any(n.code == "score_withheld" for n in p.measured.analysis_notes)}
    if held:  # a clip's verdict withheld is the set's: its reasons go with it
        screen.analysis_notes = list(screen.analysis_notes) + notes_text(
            [Note.of("from_clip", clip=role, note=n, capital=False)
             for role, notes in held.items() for n in notes if n.code != "score_withheld"]
            + [Note.of("score_withheld")])
        screen.score = None
    return placed(screen, filmed)
