"""Shared fixtures, and the guard that keeps the fast tier fast.

Clips in ../shared/videos are read in place, never copied into the project. Where ../shared is absent (an
outside contributor's clone) those tests skip with the reason; where CI=true they fail instead, because CI
always has ../shared.

Fixtures shared by several test modules live in helper modules that are not test modules (tests/support_*.py)
and are registered here; test modules never import from one another.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support_browser import app_url, browser, page, server  # noqa: F401 - fixtures, registered here
from tests.support_records import results  # noqa: F401 - a fixture, registered here

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def need(path: Path, what: str) -> Path:
    if path.exists():
        return path
    reason = f"{what} not found at {path} (it lives beside the project, in ../shared)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; CI must have it")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    return need(SHARED / "videos", "the real test clips")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _main_module_kept():
    """Streamlit's AppTest runs a page as ``__main__`` and leaves it in sys.modules; a later test's process
    pool (spawn) would then re-run that page's temporary script in every worker, which fails. Restored."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


# ------------------------------------------------------------------------------------------ the fast tier
class FastTierViolation(AssertionError):
    """A test marked ``fast`` did what the fast tier promises it does not."""


class _FastGuard:
    """While a test marked ``fast`` is in its setup, call or teardown: importing MediaPipe (or, where an earlier
    test imported it, making a PoseLandmarker), opening a clip of ../shared/videos or sample_videos/ (PyAV,
    OpenCV or a plain open), opening a camera, and starting any process (subprocess, fork, exec, a
    multiprocessing worker) each raise :class:`FastTierViolation` and are noted, so the test fails even where
    the code under test caught the exception. What it hooks is stable across refactors of screening/: the
    import system, mediapipe's own PoseLandmarker, av.open, cv2.VideoCapture, Python's audit events and
    multiprocessing's Process.start. A constructed clip in a temporary folder may be written and read."""

    CLIP_DIRS = (str((SHARED / "videos").resolve()) + os.sep, str((REPO / "sample_videos").resolve()) + os.sep)
    VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".y4m")
    PROCESS_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                      "os.forkpty", "pty.spawn")
    MEDIAPIPE = ("mediapipe", "mediapipe.tasks.python.vision.pose_landmarker")

    def __init__(self):
        self.active: str | None = None
        self.seen: list[str] = []
        self.installed = False
        self.landmarker_patched = False
        self.before: set[str] = set()

    # -- what counts as a violation
    def violation(self, what: str) -> FastTierViolation:
        self.seen.append(what)
        return FastTierViolation(f"a test marked fast {what}; the fast tier runs no MediaPipe, opens no clip "
                                 f"and starts no process (pyproject.toml's markers): mark it otherwise")

    def clip(self, source) -> str | None:
        if isinstance(source, bytes):
            source = os.fsdecode(source)
        if not isinstance(source, (str, os.PathLike)):
            return None
        try:
            path = os.path.realpath(os.fspath(source))
        except (TypeError, ValueError, OSError):
            return None
        return path if path.startswith(self.CLIP_DIRS) else None

    # -- the hooks, installed once; each does nothing unless a fast test is running
    def install(self) -> None:
        if self.installed:
            return
        self.installed = True
        import multiprocessing.process

        import av
        import cv2

        guard = self
        av_open = av.open

        def open_guarded(file, *args, **kwargs):
            if guard.active and (path := guard.clip(file)):
                raise guard.violation(f"opened the clip {path} with PyAV")
            return av_open(file, *args, **kwargs)

        av.open = open_guarded
        capture = cv2.VideoCapture

        def capture_guarded(*args, **kwargs):
            if guard.active and args:
                if isinstance(args[0], int):
                    raise guard.violation(f"opened camera {args[0]} with cv2.VideoCapture")
                if path := guard.clip(args[0]):
                    raise guard.violation(f"opened the clip {path} with cv2.VideoCapture")
            return capture(*args, **kwargs)

        cv2.VideoCapture = capture_guarded
        start = multiprocessing.process.BaseProcess.start

        def start_guarded(process):
            if guard.active:
                raise guard.violation(f"started a process ({process!r})")
            return start(process)

        multiprocessing.process.BaseProcess.start = start_guarded
        sys.meta_path.insert(0, self)
        sys.addaudithook(self.audit)

    def find_spec(self, name, path=None, target=None):  # a meta path finder: only says no to MediaPipe
        if self.active and name.split(".")[0] == "mediapipe":
            raise self.violation(f"imported {name}")
        return None

    def audit(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event in self.PROCESS_EVENTS:
            raise self.violation(f"started a process ({event}: {str(args)[:120]})")
        if (event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike))
                and os.fsdecode(args[0]).lower().endswith(self.VIDEO_SUFFIXES) and (path := self.clip(args[0]))):
            raise self.violation(f"opened the clip {path}")

    def patch_landmarker(self) -> None:
        """Where an earlier test loaded MediaPipe's PoseLandmarker, making one is refused too."""
        module = sys.modules.get("mediapipe.tasks.python.vision.pose_landmarker")
        if module is None or self.landmarker_patched:
            return
        self.landmarker_patched = True
        guard = self
        cls = module.PoseLandmarker
        for name in ("create_from_options", "create_from_model_path"):
            made = getattr(cls, name).__func__

            def refuse(klass, *args, _made=made, _name=name, **kwargs):
                if guard.active:
                    raise guard.violation(f"loaded the pose model (PoseLandmarker.{_name})")
                return _made(klass, *args, **kwargs)

            setattr(cls, name, classmethod(refuse))

    # -- around each phase of a fast test
    def on(self, nodeid: str) -> None:
        self.install()
        self.patch_landmarker()
        self.seen = []
        self.before = {m for m in self.MEDIAPIPE if m in sys.modules}
        self.active = nodeid

    def off(self) -> list[str]:
        self.active = None
        seen = list(self.seen)
        for m in self.MEDIAPIPE:
            if m in sys.modules and m not in self.before:
                seen.append(f"imported {m}")
        self.seen = []
        return seen


_GUARD = _FastGuard()


def _guarded(item, phase: str):
    if item.get_closest_marker("fast") is None:
        return (yield)
    _GUARD.on(item.nodeid)
    try:
        result = yield
    except BaseException as exc:  # the test failed: say first if it broke the tier (the CLI turns it into a code)
        seen = _GUARD.off()
        if seen and not isinstance(exc, FastTierViolation):
            raise FastTierViolation(f"in its {phase}, a test marked fast {'; '.join(dict.fromkeys(seen))}") from exc
        raise
    seen = _GUARD.off()
    if seen:
        raise FastTierViolation(f"in its {phase}, a test marked fast {'; '.join(dict.fromkeys(seen))}")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _guarded(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _guarded(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from _guarded(item, "teardown"))


def pytest_collection_modifyitems(config, items):
    """The tiers are -m fast, -m "not fast and not slow" and -m slow: a test marked both fast and slow would
    run twice."""
    both = [item.nodeid for item in items if item.get_closest_marker("fast") and item.get_closest_marker("slow")]
    if both:
        raise pytest.UsageError(f"marked both fast and slow (the tiers must not overlap): {both[:5]}")
