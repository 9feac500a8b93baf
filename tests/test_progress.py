"""Progress across threads (screening.progress): the page draws only from its own thread, and a page
that goes away cancels the analysis and waits for its clean-up."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from screening.present import chart_series
from screening.progress import Cancelled, ProgressValue, run_with_progress

pytestmark = pytest.mark.fast  # the fast tier: no MediaPipe, no browser, no clip, no process


def test_progress_from_worker_threads_is_shown_only_on_the_callers_thread():
    caller = threading.current_thread()
    shown: list[tuple[float, str, threading.Thread]] = []

    def work(progress: ProgressValue) -> str:
        def report(k: int) -> None:  # like pose.track's two pose graphs
            for i in range(20):
                progress((k * 20 + i) / 40, "tracking pose")
                time.sleep(0.005)

        threads = [threading.Thread(target=report, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        progress(1.0, "done")
        return "result"

    assert run_with_progress(work, lambda f, s: shown.append((f, s, threading.current_thread())),
                             every_s=0.01) == "result"
    assert shown, "nothing was shown while the work ran"
    assert all(t is caller for _, _, t in shown)
    assert all(0.0 <= f <= 1.0 for f, _, _ in shown)


def test_errors_of_the_work_reach_the_caller():
    def work(progress):
        progress(0.5, "tracking pose")
        raise ValueError("broken clip")

    with pytest.raises(ValueError, match="broken clip"):
        run_with_progress(work, lambda f, s: None, every_s=0.01)


def test_a_caller_that_is_stopped_cancels_the_work_and_waits_for_its_clean_up():
    class PageGone(BaseException):  # what Streamlit raises in the script thread of a closed tab
        pass

    events: list[str] = []

    def work(progress):
        try:
            for _ in range(1000):
                progress(0.1, "tracking pose")
                time.sleep(0.01)
            events.append("finished")
        except Cancelled:
            events.append("cancelled")
            raise
        finally:
            time.sleep(0.05)  # removing the temporary folder takes a moment
            events.append("cleaned up")

    def show(fraction, stage):
        raise PageGone

    t0 = time.monotonic()
    with pytest.raises(PageGone):
        run_with_progress(work, show, every_s=0.01)
    assert events == ["cancelled", "cleaned up"]  # cleaned up before run_with_progress returned
    assert time.monotonic() - t0 < 2


def test_progress_value_clamps_and_cancels():
    p = ProgressValue()
    p(1.7, "drawing")
    assert p.read() == (1.0, "drawing")
    p.cancel()
    with pytest.raises(Cancelled):
        p(0.5, "drawing")


def test_a_front_view_clip_charts_its_own_measures():
    """The page's chart for a front-view clip draws the front-view measures (a side measure is all NaN there)."""
    n = 30
    angles = {"time_s": np.arange(n) / 30, "trunk_inclination_deg": np.full(n, np.nan),
              "hip_flexion_deg": np.full(n, np.nan), "knee_flexion_deg": np.full(n, np.nan),
              "knee_valgus_fppa_left_deg": np.linspace(0, 10, n), "knee_valgus_fppa_right_deg": np.linspace(0, 5, n),
              "pelvic_obliquity_deg": np.zeros(n), "lateral_trunk_lean_deg": np.full(n, np.nan)}
    front = chart_series(angles, "front")
    assert list(front) == ["knee valgus, left (FPPA, °)", "knee valgus, right (FPPA, °)", "pelvic obliquity (°)"]
    assert all(meaning for _, meaning in front.values())
    side = {**angles, "trunk_inclination_deg": np.ones(n)}
    assert list(chart_series(side, "side")) == ["trunk inclination (°)"]
    # an oblique view: whatever was measured, never an empty chart
    assert "pelvic obliquity (°)" in chart_series(angles, "oblique")
