"""The `screening` command."""
from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path

from . import __version__
from .allocator import limit_arenas
from .errors import ScreeningError
from .store import name_key, shown_text

DESCRIPTION = """\
Movement screening from video. Film a hip hinge or a lunge from the side (phone on a tripod at hip
height, whole body in view), then:

  screening analyze clip.mp4 --out results/

Everything runs on this machine; nothing is uploaded.
"""

ANALYZE_HELP = """\
Track the person with MediaPipe Pose and measure the movement. Writes into --out:
  result.json    the measured result (schema: screening/data/result.schema.json)
  angles.csv     every angle, one row per frame
  annotated.mp4  the video with the skeleton and key angles drawn on it
Exit code 0 on success, 2 when the input cannot be analysed (the message says why and what to do).

Two clips of one lunge set, one filmed side-on and one face-on (two phones, or the set filmed twice):
  screening analyze --side side.mp4 --front front.mp4 --out results/
analyses each into results/side/ and results/front/ and merges them into results/result.json, each
measure taken from the view that shows it (depth and trunk from the side, knee valgus and pelvis from
the front).
"""


class Progress:
    """A one-line progress bar on stderr for videos longer than a few seconds."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self._last: tuple[str | None, int] = (None, -1)
        self._t0 = time.monotonic()

    def __call__(self, fraction: float, stage: str) -> None:
        if not self.enabled:
            return
        pct = int(fraction * 100)
        step = pct if self.tty else pct // 25 * 25
        if (stage, step) == self._last:
            return
        self._last = (stage, step)
        bar = "#" * (pct // 5) + "-" * (20 - pct // 5)
        line = f"{stage:<28} [{bar}] {pct:3d}%  {time.monotonic() - self._t0:5.1f} s"
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if stage == "done" else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _source(text: str):
    return int(text) if text.isdigit() and not os.path.exists(text) else text


def summary(screen) -> list[str]:
    """A screen in a few lines: the video, the person and view, the angles' ranges, the reps with their
    measures and faults, and the place on the continuum (:mod:`screening.present`'s words)."""
    from .present import rep_line

    v, p, vid = screen.view, screen.person, screen.video
    lines = [
        f"Video      {vid.duration_s:.1f} s, {vid.width}x{vid.height}, {vid.fps:.1f} fps"
        + (f", rotated {vid.rotation_deg} deg" if vid.rotation_deg else ""),
        f"Person     tracked in {p.detected_fraction:.0%} of frames"
        + (f" ({p.people_in_view} people in view)" if p.people_in_view > 1 else ""),
        f"View       {v.kind}, facing {v.facing}" + (f", near side {v.near_side}" if v.near_side else ""),
    ]
    if screen.measured is not None:
        lines += range_lines(screen.measured.kinematics)
    lines += [f"Note       {note}" for note in p.notes]
    lines.append(f"Pattern    {screen.pattern}"
                 + (" (inferred from the movement)" if screen.pattern_source == "inferred" else "")
                 + f"   reps: {len(screen.reps)}"
                 + (f"   score: {screen.reported_score}" if screen.reported_score is not None else ""))
    lines += [f"Note       {note}" for note in screen.analysis_notes]
    if screen.reps:
        lines.append("Reps (hinge: peak change from standing; lunge: at the bottom):")
    lines += [f"  {rep_line(rep, screen.pattern)}" for rep in screen.reps]
    return lines + lunge_lines(screen) + placement_lines(screen)


def range_lines(kin) -> list[str]:
    """The range of the key angles over the clip (2nd-98th percentile) and their standing values."""
    import numpy as np

    from .present import CHART_ANGLES

    rows = []
    for view in ("side", "front"):
        for name, (label, _) in CHART_ANGLES[view].items():
            vals = kin.values[name]
            if np.isfinite(vals).any():
                lo, hi = np.nanpercentile(vals, [2, 98])
                b = kin.baseline.get(name, math.nan)
                rows.append(f"  {label:<30} {lo:6.1f} .. {hi:6.1f}" + (f"   (standing {b:5.1f})" if b == b else ""))
    return ["Range (2nd-98th percentile):", *rows] if rows else []


def placement_lines(screen) -> list[str]:
    p = screen.placement
    notes = [f"Note       {n}" for n in screen.placement_notes]
    if not p:
        return notes
    from .ladder import load_continuum

    load = load_continuum().load_name(p.load_position)
    return notes + [f"Placement  {p.pattern} level {p.level} ({p.level_name}), {load}: "
                    f"{p.verdict.upper()}" + (" (exercise inferred)" if p.exercise_source == "inferred" else ""),
                    f"Next step  {p.next_step}"]


def lunge_lines(screen) -> list[str]:
    from .present import fault_text
    from .registry import metric

    lu = screen.lunge
    if lu is None or not lu.legs:
        return []
    lines = [f"Lunge      {lu.variant}; reps per leg: " + ", ".join(f"{leg} {s.reps}" for leg, s in lu.legs.items())]
    if lu.asymmetry_pct:
        lines.append("Asymmetry  " + ", ".join(f"{metric(k, 'lunge').short} {v:.0f}%" for k, v in lu.asymmetry_pct.items()))
    lines += [f"  {fault_text(f, 'lunge')}" for f in lu.set_faults]
    return lines


def cmd_analyze(args) -> int:
    from .pipeline import analyze, analyze_two_views, write_outputs  # heavy imports only when analysing
    from .result import check_out_dir, staged_folder
    from .screen import Filmed
    from .video import probe

    filmed = Filmed(args.exercise, args.load, args.pain)
    if args.exercise is not None and not args.exercise.strip():
        raise ScreeningError("No exercise was named (--exercise was given empty).",
                             "Give the level filmed (e.g. rdl, split_squat), or leave --exercise out to infer it.")
    if args.exercise is not None:  # checked before any tracking: a typo must not cost the analysis
        from .ladder import load_continuum

        c = load_continuum()
        if args.pattern in c.ladders:
            c.find(args.pattern, args.exercise)
        else:
            found = c.pattern_of(args.exercise)
            if found is None:
                raise ScreeningError(f"'{args.exercise}' names no single level of the hinge or lunge ladder"
                                     f"{c.near(args.exercise)}: a level is named by its key or full name, exactly, "
                                     "and a number needs --pattern.",
                                     c.choices())
            args.pattern = found  # the exercise says which pattern it is
    if args.client:  # a name that cannot be stored, or a store that cannot be used, is said before any tracking
        from .store import clean_name

        args.client = clean_name(args.client)
    store = _store(args) if args.client else None
    if args.side or args.front:
        if not (args.side and args.front) or args.video:
            raise ScreeningError("Two views need both --side and --front, and no other video.",
                                 "Run: screening analyze --side SIDE.mp4 --front FRONT.mp4 --out DIR")
        out = check_out_dir(args.out or (os.path.splitext(os.path.basename(str(args.side)))[0] + "_screening"))
        progress = Progress(not args.quiet)
        screen = analyze_two_views(args.side, args.front, pattern=args.pattern, filmed=filmed,
                                   thresholds=args.thresholds, progress=progress, model_file=args.model_file,
                                   max_duration_s=args.max_duration, keep_frames=not args.no_video)
        with staged_folder(out) as staging:
            screen = write_outputs(screen, staging, video=not args.no_video, progress=progress,
                                   blur_faces=args.blur_faces)
        from .present import rep_line

        views = screen.views or {}
        lines = [f"Two views  side {views['side']['video']['path']}, front {views['front']['video']['path']}",
                 f"Pattern    lunge   reps: {len(screen.reps)}"
                 + (f"   score: {screen.reported_score}" if screen.reported_score is not None else "")]
        lines += [f"Note       {n}" for n in screen.analysis_notes]
        lines += [f"  {rep_line(rep, 'lunge')}" for rep in screen.reps]
        lines += lunge_lines(screen) + placement_lines(screen)
        lines.append(f"Wrote      {Path(out) / 'result.json'} (and each clip's own results in {Path(out) / 'side'}, "
                     f"{Path(out) / 'front'})")
        if store is not None:
            session_id = store.save_session(args.client, screen)
            lines.append(f"Saved      session {session_id} of {saved_as(store, session_id)} in {store.path}")
        print("\n".join(lines))
        return 0
    if args.keep_video and not args.client:
        raise ScreeningError("--keep-video keeps the annotated video in a client's record.",
                             "Give the client with --client NAME as well (or leave --keep-video out).")
    if args.keep_video and args.no_video:
        raise ScreeningError("--keep-video and --no-video ask for opposite things.", "Give one of them.")
    if not args.video:
        raise ScreeningError("No video was given.", "Run: screening analyze VIDEO --out DIR "
                             "(or --side SIDE.mp4 --front FRONT.mp4 for two views of one lunge set)")
    source = _source(args.video)
    out = check_out_dir(args.out or (os.path.splitext(os.path.basename(str(args.video)))[0] + "_screening"))
    from .config import load_thresholds

    load_thresholds(args.thresholds)  # a thresholds file that does not fit is said before the video is read
    info = probe(source, max_duration_s=args.max_duration)
    long_video = info.is_webcam or info.duration_s > 5
    progress = Progress(long_video and not args.quiet)
    screen = analyze(source, pattern=args.pattern, filmed=filmed, thresholds=args.thresholds, progress=progress,
                     model_file=args.model_file, info=info, keep_frames=not args.no_video)
    with staged_folder(out) as staging:  # the folder holds the old result or the new one, whole
        screen = write_outputs(screen, staging, video=not args.no_video, progress=progress,
                               blur_faces=args.blur_faces)
    wrote = [out / "result.json", out / "angles.csv"] + ([out / "annotated.mp4"] if not args.no_video else [])
    lines = summary(screen) + [f"Wrote      {', '.join(map(str, wrote))}"]
    if store is not None:
        video = (out / "annotated.mp4").read_bytes() if args.keep_video else None
        session_id = store.save_session(args.client, screen, video=video)
        lines.append(f"Saved      session {session_id} of {saved_as(store, session_id)} in {store.path}"
                     + (" (with the annotated video)" if video else ""))
    print("\n".join(lines))
    return 0


def cmd_report(args) -> int:
    from .report import write_report
    from .result import write_reps_csv
    from .screen import load_screen

    if not args.out and not args.csv:
        raise ScreeningError("Nothing to write.", "Give --out report.html (or .pdf), --csv reps.csv, or both.")
    if bool(args.client) == bool(args.results):
        raise ScreeningError("A report is of result files or of a client in the store, not both or neither.",
                             "Give result.json files (or folders), or --client NAME.")
    if args.client:
        store = _store(args)
        sessions = store.sessions(args.client)
        if not sessions:
            raise ScreeningError(f"{shown_text(store.client(args.client).name)} has no sessions yet.",
                                 "Save one with screening analyze VIDEO --client NAME.")
        screens = [store.screen(s.id, with_override=True) for s in sessions]
        client = store.client(args.client).name  # as stored, whatever the spelling asked with
    else:
        screens = [load_screen(p) for p in args.results]
        client = None
    screens = sorted(screens, key=lambda s: s.when)
    if args.out:
        rep = write_report(screens, args.out, client=client, clinician=args.clinician)
        print(f"Report     {rep.headline}")
        print(f"Wrote      {args.out}")
    if args.csv:
        write_reps_csv(screens, args.csv)
        print(f"Wrote      {args.csv} ({sum(len(s.reps) for s in screens)} reps)")
    return 0


def cmd_explain(args) -> int:
    """What a measure or a fault is: its label, unit, views, definition, source and measured uncertainty
    (the registry); without a name, every measure and fault in one line each."""
    from .registry import FAULT_RULES, FAULT_WORDS, METRICS, fault_words, metric

    if not args.name:
        for pattern in ("hinge", "lunge"):
            print(f"{pattern.capitalize()} measures:")
            for m in METRICS:
                if m.pattern == pattern:
                    print(f"  {m.name:<34} {m.heading()}")
        print("Faults:")
        for code, words in FAULT_WORDS.items():
            print(f"  {code:<34} {words}")
        print("\nscreening explain NAME  says what one of them is.")
        return 0
    text = args.name.strip().lower()
    found = [m for m in METRICS if text in (m.name, m.label.lower(), m.short.lower())]
    rules = [r for r in FAULT_RULES if text in (r.code, fault_words(r.code).lower())]
    if not found and not rules:
        raise ScreeningError(f"'{args.name}' is neither a measure nor a fault.",
                             "Run `screening explain` for the list of measures and faults.")
    for m in found:
        print(f"{m.heading()}  [{m.name}, {m.pattern}, seen from the {' or the '.join(m.views)}]")
        print(f"  What it is  {m.definition}")
        print(f"  Source      {m.source}")
        if m.uncertainty is not None:
            print(f"  Accuracy    within about {m.show_uncertainty()} ({m.uncertainty_source})")
    for r in rules:
        m = metric(r.metric, r.pattern)
        print(f"{fault_words(r.code)}  [{r.code}, {r.pattern}]: {m.heading()} "
              f"{'above' if r.above else 'below'} its threshold (screening/data/thresholds.toml, "
              f"[{r.pattern}.{r.config}]{' ' + r.key if r.key else ''})"
              + (f"; in {' and '.join(r.variants)} lunges" if r.pattern == "lunge" else "") + ".")
    return 0


def saved_as(store, session_id: int) -> str:
    """The name of the client a session was saved for, as stored (read by the session's id, so the line names
    the client who has it)."""
    return shown_text(store.session(session_id).client_name)


def _store(args):
    from .store import Store

    return Store(args.store)


def cmd_clients(args) -> int:
    from .present import local_time

    store = _store(args)
    clients = store.clients(args.search or "")
    if not clients:
        print(f"No clients{' matching ' + repr(args.search) if args.search else ''} in {store.path}.")
        return 0
    print(f"{len(clients)} client(s) in {store.path}:")
    for c in clients:
        last = store.sessions(c.id)[-1] if c.sessions else None
        print(f"  {shown_text(c.name):<28} {c.sessions:>3} session(s)"
              + (f"   last {local_time(last.recorded_at)}: {(last.shown_verdict or 'no verdict').upper()}" if last else ""))
    return 0


def history_line(store, s) -> str:
    """One line of a client's path: date, exercise, load, verdict (and override), key measures."""
    from .ladder import load_continuum, short_name
    from .present import local_time
    from .store import KEY_MEASURES

    what = (f"{s.pattern} level {s.level} ({short_name(s.level_name)})" if s.level is not None and s.level_name
            else f"{s.pattern}, exercise not placed")
    load = load_continuum().load_name(s.load_position)
    verdict = (s.verdict or "no verdict").upper()
    if s.override_verdict:
        verdict = f"{s.override_verdict.upper()} (the clinician's; measured {verdict}: {shown_text(s.override_reason)})"
    rows = store.rep_measures(s.id)
    measures = []
    for metric, label in KEY_MEASURES.get(s.pattern, ()):
        by_leg: dict = {}
        for _, leg, m, v in rows:
            if m == metric:
                by_leg.setdefault(leg if s.pattern == "lunge" else None, []).append(v)
        for leg, values in sorted(by_leg.items(), key=lambda kv: str(kv[0])):
            unit_label = label.split(" (")[0]
            measures.append(f"{unit_label}{' ' + leg if leg else ''} max {max(values):.{2 if abs(max(values)) < 5 else 0}f}")
    return (f"{local_time(s.recorded_at)}  {what}, {load}  {verdict}  reps {len(set(r for r, *_ in rows))}"
            + (f"  ({'; '.join(measures)})" if measures else ""))


def cmd_history(args) -> int:
    store = _store(args)
    client = store.client(args.name)
    sessions = store.sessions(client.id)
    print(f"{shown_text(client.name)}: {len(sessions)} session(s), oldest first")
    for s in sessions:
        print("  " + history_line(store, s))
    return 0


def cmd_export(args) -> int:
    store = _store(args)
    target = store.export_client(args.name, args.out)
    print(f"Wrote      {target} (client.json and one folder per session)")
    return 0


def cmd_delete(args) -> int:
    store = _store(args)
    client = store.client(args.name)
    n = len(store.sessions(client.id))
    name = shown_text(client.name)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ScreeningError(f"Deleting {name} needs a confirmation, and there is nobody to ask.",
                                 "Run it in a terminal, or add --yes to confirm in a script.")
        answer = input(f"Erase {name} and all {n} session(s) (measures, pictures, reports, videos) "
                       f"for good? Type the name to confirm: ")
        if name_key(answer) != name_key(client.name):
            print("Nothing was deleted.")
            return 1
    store.delete_client(client.id)  # by id: the one confirmed, even if a name changed meanwhile
    print(f"Deleted    {name} and {n} session(s) from {store.path}")
    return 0


def cmd_backup(args) -> int:
    store = _store(args)
    out = store.backup(args.out)
    print(f"Wrote      {out} (a copy of the whole store, {out.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_set_password(args) -> int:
    """Set the page's password (asked when the page is served beyond this computer)."""
    from .access import set_password

    if args.from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        if not sys.stdin.isatty():
            raise ScreeningError("The password is typed in a terminal, and there is none here.",
                                 "Run it in a terminal, or pipe the password in with --from-stdin.")
        password = getpass.getpass("The page's password: ")
        if getpass.getpass("Again: ") != password:
            raise ScreeningError("The two passwords differ.", "Run it again and type the same password twice.")
    path = set_password(password)
    print(f"Set        the page's password (its hash only, in {path}); the page asks for it when served "
          "beyond this computer.")
    return 0


STORE_HELP = "the store file (default: $SCREENING_STORE, else screening.db in your user data folder)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="screening", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"screening {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    a = sub.add_parser("analyze", help="analyse a video (hinge or lunge)", description=ANALYZE_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("video", metavar="VIDEO", nargs="?", help="a video file, or a webcam index such as 0")
    a.add_argument("--side", metavar="VIDEO", help="a lunge set filmed side-on (with --front: two views of one set)")
    a.add_argument("--front", metavar="VIDEO", help="the same set filmed face-on (with --side)")
    a.add_argument("--pattern", choices=["auto", "hinge", "lunge"], default="auto",
                   help="the movement filmed (default: auto)")
    a.add_argument("--out", metavar="DIR", help="output folder (default: VIDEO_screening next to where you are)")
    a.add_argument("--model-file", metavar="TASK",
                   help="a MediaPipe Tasks pose model you already have (e.g. pose_landmarker_heavy.task); "
                        "default: the full model shipped in this package")
    a.add_argument("--max-duration", type=float, default=20 * 60, metavar="SECONDS",
                   help="refuse longer videos (default 1200)")
    a.add_argument("--thresholds", metavar="TOML",
                   help="fault thresholds to use instead of the built-in ones (a copy of screening/data/thresholds.toml; "
                        "only the values it changes are needed)")
    a.add_argument("--exercise", metavar="LEVEL",
                   help="the ladder level filmed, e.g. rdl, single_leg_rdl, split_squat, reverse_lunge (a key, "
                        "number or full name from screening/data/continuum.toml, exactly, any case; anything else "
                        "is refused); default: inferred from the movement")
    a.add_argument("--load", metavar="POSITION", choices=["unloaded", "bear_hug", "front_loaded", "offset", "overhead"],
                   help="the load position filmed (default: unloaded)")
    a.add_argument("--pain", action="store_true",
                   help="the person reported pain: the screen scores 0 and refers to a clinician")
    a.add_argument("--no-video", action="store_true", help="skip the annotated video")
    a.add_argument("--blur-faces", action="store_true",
                   help="pixelate the face in the annotated video, the key frame and the reports (from the pose "
                        "model's own face landmarks)")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.add_argument("--client", metavar="NAME", help="save the session in the store under this client (added if new)")
    a.add_argument("--keep-video", action="store_true",
                   help="with --client: keep the annotated video in the client's record (the raw video is never kept)")
    a.add_argument("--store", metavar="FILE", help=STORE_HELP)
    a.set_defaults(func=cmd_analyze)
    def store_command(name: str, func, summary: str, description: str, *args) -> argparse.ArgumentParser:
        """A command of the store: its positional arguments, --store, and what it runs."""
        p = sub.add_parser(name, help=summary, description=description)
        for arg in args:  # "name?" is optional
            p.add_argument(arg.rstrip("?"), metavar=arg.rstrip("?").upper(), nargs="?" if arg.endswith("?") else None)
        p.add_argument("--store", metavar="FILE", help=STORE_HELP)
        p.set_defaults(func=func)
        return p

    pw = sub.add_parser("set-password", help="the page's password, for serving it on a network",
                        description="Set the password the page asks for when it is served beyond this computer "
                                    "(a clinic's network). Only a salted scrypt hash is kept.")
    pw.add_argument("--from-stdin", action="store_true", help="read the password from standard input (scripts)")
    pw.set_defaults(func=cmd_set_password)
    store_command("clients", cmd_clients, "the clients in the store",
                  "The clients in the store, with their number of sessions and the last verdict.", "search?")
    store_command("history", cmd_history, "a client's path on the continuum, one line per session",
                  "A client's sessions, oldest first: date, exercise, load, verdict, key measures.", "name")
    store_command("export", cmd_export, "everything about a client, as JSON and files",
                  "Everything the store holds about a client, readable without this tool: client.json and a "
                  "folder per session (result.json, report.html, pictures).", "name"
                  ).add_argument("--out", metavar="DIR", required=True)
    store_command("delete", cmd_delete, "erase a client and everything about them",
                  "Erase a client: every session, measure, picture, report and video. Asks for the name to "
                  "confirm.", "name").add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    store_command("backup", cmd_backup, "a copy of the whole store",
                  "A consistent copy of the store (SQLite's online backup), also while the page is saving.", "out")
    r = sub.add_parser("report", help="a report to hand over (HTML or PDF), and per-rep CSV",
                       description="The screening report of one result, or of several results of one person "
                                   "over time (their path along the continuum), as HTML or PDF; --csv writes "
                                   "every rep's metrics for spreadsheets.")
    r.add_argument("results", metavar="RESULT", nargs="*", help="result.json files (or the folders holding them)")
    r.add_argument("--client", metavar="NAME", help="every session of this client in the store, instead of files")
    r.add_argument("--store", metavar="FILE", help=STORE_HELP)
    r.add_argument("--out", metavar="FILE", help="report.html or report.pdf")
    r.add_argument("--clinician", metavar="NAME", help="the clinician's name, for the report's header")
    r.add_argument("--csv", metavar="FILE", help="per-rep metrics of all the results, one row per rep")
    r.set_defaults(func=cmd_report)
    e = sub.add_parser("explain", help="what a measure or a fault is: definition, source, accuracy",
                       description="What a measure or a fault is: its definition, the source of its threshold, "
                                   "the views that show it and how accurate it is. Without a name, the list.")
    e.add_argument("name", metavar="NAME", nargs="?", help="a measure or fault, e.g. knee_valgus_fppa_deg, "
                                                           "'pelvic drop', lumbar_flexion")
    e.set_defaults(func=cmd_explain)
    return parser


def _terminate_as_interrupt() -> None:
    """SIGTERM (a stop from a service manager or `kill`) ends the command as Ctrl-C does: through its
    clean-up paths, so the temporary copies of the client's video go with it."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (the command called from a test's thread)
        pass


#: MediaPipe's C++ start-up messages (absl log lines at INFO and WARNING, TensorFlow Lite's and LiteRT's INFO and
#: WARNING lines): "GPU suport is not available: INTERNAL: RET_CHECK failure" or "Sparsity tensors may not yet be
#: fully supported" (76 times per run with mediapipe 1.x) alarm a clinician and mean nothing here. Errors pass.
NATIVE_CHATTER = re.compile(rb"^(?:[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\] |INFO: Created TensorFlow Lite "
                            rb"|WARNING: All log messages before absl::InitializeLog\(\))"
                            rb"|(?:INFO|WARNING): \[[\w.-]+:\d+\] |WARNING: Logging before InitGoogle\(\)"
                            rb"|WARNING: Read-only tensor #\d+ ")


_native_logs_filtered = False


def filter_native_logs() -> None:
    """Keep MediaPipe's C++ chatter off the terminal (it ignores GLOG_minloglevel since it logs with absl),
    for the command and for the page's server. Once per process: later calls do nothing.

    The native code writes to file descriptor 2: that becomes a pipe, read by a thread that passes on every
    line but :data:`NATIVE_CHATTER` (errors and fatal messages pass). Python's own messages (sys.stderr)
    go straight to the terminal, never through the thread, so none is delayed or lost."""
    import io
    import threading

    global _native_logs_filtered
    if _native_logs_filtered:
        return
    _native_logs_filtered = True
    try:
        terminal = os.dup(2)
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
    except OSError:
        return
    sys.stderr.flush()
    sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(terminal), "wb", buffering=0), encoding=sys.stderr.encoding,
                                  errors="backslashreplace", line_buffering=True)

    def forward():
        with os.fdopen(read, "rb") as lines:
            for line in lines:  # drained to the end, even when the terminal is gone, so native code never blocks
                if not NATIVE_CHATTER.match(line):
                    try:
                        os.write(terminal, line)
                    except OSError:
                        pass

    threading.Thread(target=forward, name="screening-native-log", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    limit_arenas()
    if argv is None:  # the command itself (a test calling main() keeps its own stderr)
        filter_native_logs()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .tempfiles import sweep

    sweep()  # what a killed earlier run left in the temporary folder (a client's video) goes first
    _terminate_as_interrupt()
    try:
        return args.func(args)
    except ScreeningError as exc:
        print(f"\nerror: {exc.message}\nwhat to do: {exc.what_to_do}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nstopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output's reader went away (`screening clients | head -1`): stop quietly
        try:  # (and keep Python's own flush at exit from saying so once more)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141  # as a command killed by SIGPIPE
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if args.debug:
            raise
        print(f"\nerror: unexpected failure ({type(exc).__name__}: {exc}).\n"
              "what to do: run again with --debug and report the output; your video stays on your machine.",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
