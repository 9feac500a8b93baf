"""Waits that a Ctrl-C can end.

The kernel hands a Ctrl-C (SIGINT) to any thread of the process that will take it. Python runs its
handler on the main thread only, and a main thread blocked in an untimed wait (a lock, a queue, a join,
a future) is woken only when the signal lands on the main thread itself. When it landed on a pose graph's
or a decoder's thread (2 of 6 tries at one moment of a 32-s analysis, traced with strace), the command
stopped only when the wait ended by itself, 4-5 s later. These helpers wait in slices of
:data:`SLICE_S`, so the main thread sees a Ctrl-C within one slice wherever the kernel delivered it.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from typing import Any

__all__ = ["SLICE_S", "get", "put", "join", "results", "finish"]

#: the longest the main thread waits before it looks for a Ctrl-C again (s)
SLICE_S = 0.1


def get(q: queue.Queue) -> Any:
    """``q.get()``, in slices."""
    while True:
        try:
            return q.get(timeout=SLICE_S)
        except queue.Empty:
            continue


def put(q: queue.Queue, item: Any) -> None:
    """``q.put(item)``, in slices."""
    while True:
        try:
            q.put(item, timeout=SLICE_S)
            return
        except queue.Full:
            continue


def join(thread: threading.Thread) -> None:
    """``thread.join()``, in slices."""
    while thread.is_alive():
        thread.join(SLICE_S)


def results(futures: Iterable[Future]) -> list:
    """The futures' results in their order, raising the first failure as soon as it happens."""
    futures = list(futures)
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=SLICE_S, return_when=FIRST_EXCEPTION)
        for f in done:
            f.result()  # a failure is raised here, as soon as it happens
    return [f.result() for f in futures]


def finish(q: queue.Queue, thread: threading.Thread, drop: bool = False) -> None:
    """End a worker ``thread`` that takes its items from ``q`` until it gets None: hand it the None and wait
    for it, in slices. ``drop``: the items it has not started are thrown away first (a stopped run)."""
    if drop:
        try:
            while True:
                q.get_nowait()
        except queue.Empty:
            pass
    put(q, None)
    join(thread)
