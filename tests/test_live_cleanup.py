"""A live set leaves nothing behind (issue 25, finding 3): its folder (the recording) and its count's thread
are made only when frames come, and end with the set however it ends: closed by the page, dropped unclosed
(the tab's Streamlit session gone), or left without frames for ``LIVE_IDLE_S`` (a tab closed mid-set, a
camera stopped and never finished). The last two tests do it through the page in Chromium (slow: marked
``browser``)."""
from __future__ import annotations

import gc
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from screening import live
from screening.live import COUNT_THREAD, LiveSession
from tests.support_live import FakeBackend

W, H = 320, 240


def _folders() -> set[str]:
    """This process's set folders (another test run may share the temporary folder)."""
    return {p.name for p in Path(tempfile.gettempdir()).glob(f"screening-live-{os.getpid()}-*")}


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == COUNT_THREAD]


def _until(condition, timeout_s: float = 3.0) -> bool:
    """Whether ``condition()`` came true within ``timeout_s`` (polled)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _record(session: LiveSession, frames: int = 60, t0: float = 0.0) -> float:
    """Feed ``frames`` grey frames at 30 frames/s (the session records from the first: skip_check). The
    encoder holds the first few dozen frames before it writes the file: 60 are enough for a set.mp4."""
    frame = np.full((H, W, 3), 120, np.uint8)
    t = t0
    for _ in range(frames):
        t += 1 / 30
        session.process(frame, t)
    return t


def _has_video(folder: Path | None) -> bool:
    """Whether the set's recording is on disk (the encoder writes it a moment after the frames came)."""
    return folder is not None and _until(lambda: (folder / "set.mp4").exists(), 2.0)


def _recording(**kw) -> LiveSession:
    """A set that records from its first frame, with a stand-in tracker."""
    kw.setdefault("count_period_s", 0.05)
    return LiveSession("hinge", backend=FakeBackend(), skip_check=True, **kw)


@pytest.fixture(autouse=True)
def _nothing_left():
    """Every test here must leave no folder and no count thread of its own."""
    before, threads = _folders(), set(_threads())
    yield
    gc.collect()
    assert _until(lambda: _folders() <= before and set(_threads()) <= threads), \
        (_folders() - before, set(_threads()) - threads)


@pytest.mark.fast
def test_a_set_makes_no_folder_and_starts_no_thread_before_its_first_frame():
    before, threads = _folders(), len(_threads())
    s = LiveSession("lunge", backend=FakeBackend())
    try:
        assert _folders() == before, "a folder was made for a set that has no frame yet"
        assert len(_threads()) == threads, "a count thread was started for a set that has no frame yet"
        assert s.status().state == "checking" and s.status().frames == 0
    finally:
        s.close()


def test_the_folder_comes_with_the_recording_and_goes_when_the_set_is_closed():
    s = _recording()
    _record(s)
    folder = s._folder
    assert _has_video(folder)
    thread = s._counter
    assert thread is not None and thread.is_alive()
    s.close()
    assert not folder.exists()
    assert _until(lambda: not thread.is_alive(), 2.0), "the count thread outlived the closed set"
    s.process(np.zeros((H, W, 3), np.uint8), 9.0)  # a frame already on its way: nothing starts again
    assert s._folder is None or not s._folder.exists()
    assert not thread.is_alive() and (s._counter is None or not s._counter.is_alive())


def test_a_set_without_frames_for_the_idle_time_closes_itself(monkeypatch):
    """Nobody calls finish or close (the tab was closed mid-set): once no frame has come for LIVE_IDLE_S,
    the count thread ends and the recording is deleted, and the set says why it ended."""
    monkeypatch.setattr(live, "LIVE_IDLE_S", 0.4, raising=False)
    s = _recording()
    _record(s)
    folder, thread = s._folder, s._counter
    assert _has_video(folder)
    assert _until(lambda: not folder.exists(), 3.0), "the recording of an abandoned set is still there"
    assert _until(lambda: not thread.is_alive(), 2.0), "the count thread of an abandoned set still runs"
    st = s.status()
    assert st.state == "finished" and st.timed_out
    assert s.finish() is None  # nothing left to analyse


def test_frames_keep_a_set_alive_past_the_idle_time(monkeypatch):
    monkeypatch.setattr(live, "LIVE_IDLE_S", 0.4, raising=False)
    s = _recording()
    try:
        t = 0.0
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            t = _record(s, 1, t)
            time.sleep(0.03)
        assert s._folder.exists() and s._counter.is_alive() and s.status().state == "recording"
    finally:
        s.close()


class SlowStart(FakeBackend):
    """A tracker whose first frame takes a while (MediaPipe loads its model on the first: about a second)."""

    def __init__(self, first_s: float):
        super().__init__()
        self.first_s = first_s

    def process(self, rgb, time_s):
        if self.first_s:
            time.sleep(self.first_s)
            self.first_s = 0.0
        return super().process(rgb, time_s)


def test_a_slow_first_frame_is_not_taken_for_an_abandoned_set(monkeypatch):
    monkeypatch.setattr(live, "LIVE_IDLE_S", 0.2, raising=False)
    s = LiveSession("hinge", backend=SlowStart(0.6), skip_check=True, count_period_s=0.05)
    try:
        _record(s, 5)
        assert not s.status().timed_out and s.status().state == "recording" and s._folder.exists()
    finally:
        s.close()


def test_a_set_dropped_without_being_closed_ends_its_thread_and_deletes_its_recording():
    """What the page does when the tab's Streamlit session goes: the last reference to the set is dropped.
    The count thread must not keep the set alive (it used to: the recording stayed until the server
    stopped, re-analysed twice a second)."""
    s = _recording()
    _record(s)
    folder, thread = s._folder, s._counter
    assert _has_video(folder)
    del s
    gc.collect()
    assert _until(lambda: not folder.exists(), 2.0), "the recording outlived its set"
    assert _until(lambda: not thread.is_alive(), 2.0), "the count thread outlived its set"


def test_a_set_without_new_frames_is_not_counted_again():
    """The live count runs only when the recording grew: a set whose frames stopped costs no CPU while it
    waits for the idle time."""
    s = _recording()
    try:
        _record(s)
        time.sleep(0.2)  # the count catches up with the frames that came
        calls = []
        s.count_now = lambda: calls.append(1)
        time.sleep(0.6)  # about 12 beats of the count
        assert len(calls) <= 1, f"counted {len(calls)} times without a new frame"
    finally:
        s.close()


def _video_frame(t: float):
    import av

    frame = av.VideoFrame.from_ndarray(np.full((H, W, 3), 120, np.uint8), format="rgb24")
    frame.pts, frame.time_base = int(t * 90000), __import__("fractions").Fraction(1, 90000)
    return frame


@pytest.mark.fast
def test_the_pages_holder_makes_nothing_until_the_camera_sends_a_frame():
    from screening.live import LiveHolder

    before, threads = _folders(), len(_threads())
    holder = LiveHolder("hinge", backend=FakeBackend(), skip_check=True, count_period_s=0.05)
    try:
        assert _folders() == before and len(_threads()) == threads
        out = holder.callback(_video_frame(0.1))
        assert out.width == W
        assert len(_threads()) == threads + 1 and holder.session._folder.exists()
    finally:
        holder.close()
    assert not holder.session._folder.exists()


@pytest.mark.fast
def test_dropping_the_pages_holder_deletes_its_set():
    """The tab's Streamlit session dropping the holder (without closing it) ends its set."""
    from screening.live import LiveHolder

    holder = LiveHolder("hinge", backend=FakeBackend(), skip_check=True, count_period_s=0.05)
    for k in range(5):
        holder.callback(_video_frame(0.1 + k / 30))
    folder, thread = holder.session._folder, holder.session._counter
    del holder
    gc.collect()
    assert _until(lambda: not folder.exists() and not thread.is_alive(), 2.0)


@pytest.mark.fast
def test_renewing_the_holder_deletes_the_last_set_and_makes_nothing_new():
    from screening.live import LiveHolder

    holder = LiveHolder("hinge", backend=FakeBackend(), skip_check=True, count_period_s=0.05)
    try:
        for k in range(5):
            holder.callback(_video_frame(0.1 + k / 30))
        folder, threads = holder.session._folder, len(_threads())
        holder.renew()
        assert not folder.exists()
        assert _until(lambda: len(_threads()) == threads - 1, 2.0)
        assert holder.session._folder is None
    finally:
        holder.close()


# ------------------------------------------------------------------------------------------------ the page
@pytest.mark.browser
def test_visiting_the_live_pages_without_the_camera_leaves_nothing(server):
    """Every visit to the live or home page used to leave an empty set folder (and a thread) behind."""
    from tests.support_browser import Camera

    cam = Camera(Path("/dev/null"))
    try:
        cam.open(server.url + "/live")
        cam.page.goto(server.url + "/home")
        cam.page.get_by_text("No, it does not hurt").click()
        cam.page.get_by_role("button", name="I have finished").wait_for()
        cam.page.wait_for_timeout(1000)
        assert server.leftovers() == [], server.leftovers()
    finally:
        cam.close()


@pytest.mark.browser
def test_closing_the_tab_mid_set_deletes_the_recording(server, tmp_path):
    """A set recording when its tab is closed: the recording is gone within seconds, not at the server's end."""
    from tests.support_browser import REPO, Camera, _y4m

    cam = Camera(_y4m(REPO / "sample_videos" / "hinge_side_clean_a.mp4", tmp_path / "hinge.y4m"))
    try:
        cam.open(server.url + "/live")
        cam.start(server)
        cam.wait_status("Recording the set", 40)
        deadline = time.monotonic() + 20  # the encoder writes the file after its first few dozen frames
        while not any(p.name == "set.mp4" for p in server.leftovers()) and time.monotonic() < deadline:
            cam.page.wait_for_timeout(500)
        assert any(p.name == "set.mp4" for p in server.leftovers()), (server.leftovers(), cam.status())
        cam.context.close()  # the tab closes mid-set
        t0 = time.monotonic()
        while server.leftovers() and time.monotonic() - t0 < 15:
            time.sleep(0.2)
        assert server.leftovers() == [], f"left 15 s after the tab closed: {server.leftovers()}"
        print(f"\nthe recording was gone {time.monotonic() - t0:.1f} s after the tab closed")
    finally:
        cam.close()
