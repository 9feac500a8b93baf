"""The page's password under guessing (issue 25, finding 6): after a few wrong passwords a delay shared by every
tab and browser, kept in the process and in a private file beside the password file so that it holds across a
restart. The clock is passed in, so nothing sleeps."""
from __future__ import annotations

import json
import stat
import threading

import pytest

from screening import access

pytestmark = pytest.mark.fast  # the fast tier: no MediaPipe, no browser, no clip, no process

RIGHT, WRONG = "front-desk-2026", "not-it-at-all"
T0 = 1_800_000_000.0  # a wall-clock time; the tests move it by hand


@pytest.fixture
def pw(tmp_path, monkeypatch):
    """An isolated password file (as tests/test_privacy.py does), a cheap scrypt so the test stays fast, and
    the process's memory of wrong tries emptied before and after."""
    monkeypatch.setenv("SCREENING_PASSWORD_FILE", str(tmp_path / "pw"))
    monkeypatch.setattr(access, "SCRYPT", (2 ** 4, 8, 1))
    forget = getattr(access, "_forget", lambda: None)
    forget()
    path = access.set_password(RIGHT)
    yield path
    forget()


def _wrong(n: int, now: float = T0) -> tuple[list, float]:
    """``n`` wrong passwords, each the moment the lockout before it (if any) has ended; the answers, and when
    the last was tried."""
    answers, at = [], now
    for _ in range(n):
        at = now
        answers.append(access.attempt(WRONG, now=at))
        now = at + answers[-1].wait_s
    return answers, at


def test_a_few_free_tries_then_a_lockout_that_doubles_up_to_a_cap(pw):
    free, _ = _wrong(access.FREE_TRIES)
    assert [(a.ok, a.wait_s) for a in free] == [(False, 0.0)] * access.FREE_TRIES
    assert free[0].message == "That is not the password."
    locked = access.attempt(WRONG, now=T0)
    assert not locked.ok and locked.wait_s == access.FIRST_LOCK_S > 0
    assert "Too many wrong passwords" in locked.message
    assert access.attempt(WRONG, now=T0 + 0.5).wait_s == 0.5  # tried while locked out: not counted
    waits, now = [], T0 + locked.wait_s
    for _ in range(12):  # each time the lockout has ended, another wrong password: the wait doubles
        a = access.attempt(WRONG, now=now)
        waits.append(a.wait_s)
        now += a.wait_s
    assert waits[:4] == [2.0, 4.0, 8.0, 16.0]
    assert max(waits) == waits[-1] == access.MAX_LOCK_S


def test_during_a_lockout_even_the_right_password_is_refused_with_the_wait(pw, monkeypatch):
    _, t = _wrong(access.FREE_TRIES + 3)  # the lockout now 4 s, from t
    evaluated = []
    real = access.check_password
    monkeypatch.setattr(access, "check_password", lambda p: evaluated.append(p) or real(p))
    a = access.attempt(RIGHT, now=t + 1.5)
    assert (a.ok, a.wait_s) == (False, 2.5) and evaluated == []  # not even checked
    assert a.message == "Too many wrong passwords. Try again in 3 seconds."
    assert access.attempt(WRONG, now=t + 3).wait_s == 1.0  # a try while locked out does not lengthen it


def test_after_the_wait_the_right_password_works_and_starts_the_count_again(pw):
    _wrong(access.FREE_TRIES + 1)
    assert access.attempt(RIGHT, now=T0 + 0.5).wait_s == 0.5
    ok = access.attempt(RIGHT, now=T0 + 1.0)
    assert ok.ok and ok.wait_s == 0.0 and ok.message == ""
    assert [a.wait_s for a in _wrong(access.FREE_TRIES, now=T0 + 2)[0]] == [0.0] * access.FREE_TRIES


def test_wrong_tries_are_forgotten_after_a_quiet_window(pw):
    _wrong(access.FREE_TRIES)
    assert access.attempt(WRONG, now=T0 + access.WINDOW_S + 1).wait_s == 0.0  # counted from one again


def test_the_count_is_shared_by_every_thread(pw):
    """Streamlit runs each tab's script in its own thread: eight tabs guessing at once get five free tries
    between them, the sixth locks every one of them out, and nobody's guess slips in beside it."""
    n, start = access.FREE_TRIES + 3, threading.Barrier(access.FREE_TRIES + 3)
    results = []

    def guess():
        start.wait()
        results.append(access.attempt(WRONG, now=T0))

    threads = [threading.Thread(target=guess) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.wait_s for a in results) == [0.0] * access.FREE_TRIES + [access.FIRST_LOCK_S] * 3
    other = []
    t = threading.Thread(target=lambda: other.append(access.attempt(RIGHT, now=T0 + 0.25)))
    t.start()
    t.join()
    assert (other[0].ok, other[0].wait_s) == (False, 0.75)


def test_the_lockout_is_kept_in_a_private_file_beside_the_password_and_holds_across_a_restart(pw):
    _, t = _wrong(access.FREE_TRIES + 2)  # locked for 2 s from t
    state = access.attempts_path()
    assert state.parent == pw.parent and state != pw
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert json.loads(state.read_text())["failures"] == access.FREE_TRIES + 2
    access._forget()  # the server restarted: the process remembers nothing
    assert access.attempt(RIGHT, now=t + 1).wait_s == 1.0
    assert access.attempt(RIGHT, now=t + 2).ok
    assert json.loads(state.read_text())["failures"] == 0


def test_a_damaged_or_far_future_state_file_cannot_lock_the_page_for_longer_than_the_cap(pw):
    access.attempts_path().write_text(json.dumps({"failures": 40, "last_failure": T0, "locked_until": T0 + 1e9}))
    assert access.attempt(RIGHT, now=T0).wait_s == access.MAX_LOCK_S
    assert access.attempt(RIGHT, now=T0 + access.MAX_LOCK_S).ok
    access._forget()
    access.attempts_path().write_text("not json")
    assert access.attempt(RIGHT, now=T0).ok
