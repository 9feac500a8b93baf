"""A Ctrl-C that the kernel delivers to a worker thread must still stop the main thread's waits.

``signal.pthread_kill`` sends SIGINT to one chosen thread, as the kernel sometimes does with a Ctrl-C; Python
runs its handler on the main thread only, the next time that thread runs. The same waits without the
slices (a plain ``q.get()``, ``thread.join()``, ``future.result()``) stay blocked until the work ends."""
from __future__ import annotations

import queue
import signal
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import queue, signal, sys, threading, time
    from concurrent.futures import ThreadPoolExecutor
    from screening import waits

    kind = sys.argv[1]
    release = threading.Event()
    def worker():
        time.sleep(0.3)
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # the Ctrl-C lands on this thread
        release.wait(6)  # the work itself lasts 6 s
    t0 = time.monotonic()
    try:
        if kind == "results":
            with ThreadPoolExecutor(1) as pool:
                f = pool.submit(worker)
                try:
                    waits.results([f])
                finally:
                    release.set()
        else:
            t = threading.Thread(target=worker, daemon=True)
            t.start()
            if kind == "join":
                waits.join(t)
            elif kind == "get":
                waits.get(queue.Queue())
            elif kind == "put":
                q = queue.Queue(maxsize=1); q.put(1); waits.put(q, 2)
    except KeyboardInterrupt:
        print(f"stopped after {time.monotonic() - t0:.2f}")
""")


@pytest.mark.parametrize("kind", ["results", "join", "get", "put"])
def test_a_ctrl_c_on_a_worker_thread_ends_the_main_threads_wait(kind):
    out = subprocess.run([sys.executable, "-c", CHILD, kind], capture_output=True, text=True, timeout=30)
    assert out.stdout.startswith("stopped after"), out.stdout + out.stderr
    assert float(out.stdout.split()[-1]) < 0.3 + 0.5, out.stdout


@pytest.mark.fast
@pytest.mark.parametrize("drop", [False, True])
def test_finish_ends_a_worker_with_or_without_its_queue(drop):
    """``finish`` hands the worker its end marker and waits for it; with ``drop`` the items still queued
    are thrown away first (a stopped run), without it every one is done."""
    import threading
    import time

    from screening import waits

    q: queue.Queue = queue.Queue()
    done = []
    gate = threading.Event()

    def worker():
        gate.wait(5)
        while (item := q.get()) is not None:
            done.append(item)

    t = threading.Thread(target=worker)
    t.start()
    for i in range(5):
        q.put(i)
    threading.Timer(0.2, gate.set).start()
    t0 = time.monotonic()
    waits.finish(q, t, drop=drop)
    assert not t.is_alive() and time.monotonic() - t0 < 2
    assert done == ([] if drop else [0, 1, 2, 3, 4])
