"""Progress handed across threads: the pipeline's workers write it, the thread that shows it reads it.

The pipeline reports progress from whichever thread does the work: :func:`screening.pose.track` tracks
clips of 6 s or more in two pose threads, and each calls ``progress``. A user interface that allows its
calls only from its own thread (Streamlit's script thread) must not draw from there. It runs the analysis
in a worker, passes a :class:`ProgressValue` as the ``progress`` callback, and polls :meth:`ProgressValue.read`
from its own thread. :meth:`ProgressValue.cancel` stops the analysis at its next report, for a page that
has gone (the browser tab closed).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

__all__ = ["Cancelled", "ProgressValue", "run_with_progress"]

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside the analysis, at its next progress report, once :meth:`ProgressValue.cancel` was called."""


class ProgressValue:
    """The latest ``(fraction, stage)`` of a running analysis, safe to set from any thread."""

    def __init__(self, stage: str = "starting") -> None:
        self._lock = threading.Lock()
        self._value = (0.0, stage)
        self._cancelled = threading.Event()

    def __call__(self, fraction: float, stage: str) -> None:
        """The pipeline's ``progress`` callback: keep the value; raise :class:`Cancelled` once cancelled."""
        if self._cancelled.is_set():
            raise Cancelled("the analysis was cancelled")
        fraction = min(max(float(fraction), 0.0), 1.0)
        with self._lock:
            self._value = (fraction, stage)

    def read(self) -> tuple[float, str]:
        """The latest fraction (0-1) and stage."""
        with self._lock:
            return self._value

    def cancel(self) -> None:
        """Make the analysis stop at its next progress report."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


def run_with_progress(work: Callable[[ProgressValue], T], show: Callable[[float, str], None],
                      every_s: float = 0.2) -> T:
    """Run ``work(progress)`` in a worker thread; call ``show(fraction, stage)`` from this thread, every
    ``every_s`` seconds, until it ends; return what it returned or raise what it raised.

    ``show`` runs only on the calling thread, however many threads the work reports from. If this thread
    is interrupted (``show`` raises: Streamlit stops the script of a page that has gone), the work is
    cancelled and waited for, so that whatever it cleans up on its way out (a temporary folder holding
    the client's video) is gone before this returns."""
    progress = ProgressValue()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screening-analysis")
    try:
        future = pool.submit(work, progress)
        while True:
            try:
                return future.result(timeout=every_s)
            except FutureTimeout:
                show(*progress.read())
    finally:
        progress.cancel()
        pool.shutdown(wait=True)
