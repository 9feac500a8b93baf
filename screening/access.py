"""The page's password, for when it is served beyond this computer (a clinic's network).

The clinic sets it with ``screening set-password``; only a salted scrypt hash is kept, in the user's config
folder (platformdirs), another file with ``SCREENING_PASSWORD_FILE``. On localhost the page asks nothing:
only this computer can reach it.

The page signs in through :func:`attempt`, never :func:`check_password` alone: after a few wrong passwords it
locks every tab and every browser out for a while (the count is kept in this process, and in a private file
beside the password file so that a restart does not clear it), and while locked out the password is not even
checked.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["password_path", "set_password", "check_password", "password_is_set", "MIN_LENGTH", "attempt",
           "Attempt", "attempts_path", "FREE_TRIES", "WINDOW_S", "FIRST_LOCK_S", "MAX_LOCK_S"]

log = logging.getLogger(__name__)

MIN_LENGTH = 8

# Guessing. NIST SP 800-63B (rev. 3) 5.2.2 asks a verifier to limit consecutive failed attempts to no more than
# 100, and names as one way a wait after each failure that grows as they add up. Here: FREE_TRIES wrong passwords
# cost nothing (a clinician mistyping); each further one locks the page, for everyone, FIRST_LOCK_S, then twice
# as long each time (1, 2, 4 ... 256 s), capped at MAX_LOCK_S. 100 wrong passwords in a row then take at least
# seven hours (511 s for tries 6-14, then 300 s each), and a day allows at most about 290. A lockout with no end
# (NIST's other way) is not used: anyone on the clinic's network could then shut the clinic out of its own page
# until someone cleared it on the server; the cap bounds that nuisance to five minutes at a time.
# The count is forgotten after WINDOW_S with no wrong password, or at the right one; an hour, so that waiting out
# the window to earn free tries again is no faster than waiting out the cap.
FREE_TRIES = 5
WINDOW_S = 3600.0
FIRST_LOCK_S = 1.0
MAX_LOCK_S = 300.0
#: scrypt's cost (n, r, p): about 50 ms per check on this machine, a few hundred thousand times the cost of a
#: plain hash for anyone guessing
SCRYPT = (2 ** 14, 8, 1)


def password_path() -> Path:
    env = os.environ.get("SCREENING_PASSWORD_FILE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("screening", appauthor=False)) / "page_password"


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def set_password(password: str) -> Path:
    """Keep the hash of ``password`` (readable by this user only); returns the file."""
    from .errors import ScreeningError

    if len(password) < MIN_LENGTH:
        raise ScreeningError(f"The password is too short (at least {MIN_LENGTH} characters).", "Choose a longer one.")
    salt = os.urandom(16)
    n, r, p = SCRYPT
    line = f"scrypt${n}${r}${p}${salt.hex()}${_hash(password, salt, n, r, p).hex()}\n"
    path = password_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(line)
    os.replace(tmp, path)
    return path


def password_is_set() -> bool:
    try:
        return password_path().read_text().startswith("scrypt$")
    except OSError:
        return False


def check_password(password: str) -> bool:
    """Whether ``password`` is the one set (False when none is set, or the file is damaged)."""
    try:
        kind, n, r, p, salt, digest = password_path().read_text().strip().split("$")
        if kind != "scrypt":
            return False
        got = _hash(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except (OSError, ValueError):
        return False
    return hmac.compare_digest(got, bytes.fromhex(digest))


@dataclass(frozen=True)
class Attempt:
    """What became of one try at the password.

    ``ok``: it was right (and the count of wrong ones starts again). ``wait_s``: seconds before the page takes
    another try (0 when it takes one now). ``checked``: the password was compared at all (False while locked
    out)."""

    ok: bool
    wait_s: float = 0.0
    checked: bool = True

    @property
    def message(self) -> str:
        """The page's words for it: "" when right."""
        if self.ok:
            return ""
        locked = f"Too many wrong passwords. Try again in {_duration(self.wait_s)}." if self.wait_s > 0 else ""
        if not self.checked:
            return locked
        return " ".join(filter(None, ["That is not the password.", locked]))


def _duration(seconds: float) -> str:
    s = max(1, math.ceil(seconds))
    m, s = divmod(s, 60)
    words = [f"{m} minute{'s' * (m != 1)}"] if m else []
    if s or not m:
        words.append(f"{s} second{'s' * (s != 1)}")
    return " ".join(words)


@dataclass
class _Count:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


#: one lock for every tab (Streamlit runs each session's script in its own thread); held across the password
#: check too (~50 ms of scrypt), so that tabs guessing at once cannot all slip in before a failure is counted
_LOCK = threading.Lock()
#: the count in this process, per attempts file (tests point the password file elsewhere)
_counts: dict[Path, _Count] = {}


def attempts_path() -> Path:
    """The private file (0600) that keeps the count of wrong passwords across a restart: beside the password."""
    path = password_path()
    return path.with_name(path.name + ".attempts")


def _load(path: Path) -> _Count:
    try:
        d = json.loads(path.read_text())
        return _Count(int(d["failures"]), float(d["last_failure"]), float(d["locked_until"]))
    except FileNotFoundError:
        return _Count()
    except (OSError, ValueError, TypeError, KeyError) as e:
        log.warning("The count of wrong passwords in %s could not be read (%s); starting from none.", path, e)
        return _Count()


def _save(path: Path, count: _Count) -> None:
    """Write it whole (a temporary file then a rename), readable by this user only. Where it cannot be written
    the process's copy still holds until a restart."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when a stale temporary file was there with another mode
        with os.fdopen(fd, "w") as f:
            json.dump({"failures": count.failures, "last_failure": count.last_failure,
                       "locked_until": count.locked_until}, f)
        os.replace(tmp, path)
    except OSError as e:
        log.warning("The count of wrong passwords could not be kept in %s (%s); kept in memory only.", path, e)


def attempt(password: str, *, now: float | None = None) -> Attempt:
    """One try at the page's password, counted against every tab and browser.

    While locked out the password is not checked: the answer is only the wait. Otherwise it is checked; a right
    one starts the count again; a wrong one beyond :data:`FREE_TRIES` locks the page out (:data:`FIRST_LOCK_S`,
    doubling, at most :data:`MAX_LOCK_S`). ``now``: the wall-clock time in seconds (``time.time()`` when
    None; tests pass their own)."""
    with _LOCK:
        now = time.time() if now is None else now
        path = attempts_path()
        count = _counts.get(path)
        if count is None:
            count = _counts[path] = _load(path)
        if count.locked_until - now > MAX_LOCK_S:  # the clock went back, or the file was tampered with
            count.locked_until = now + MAX_LOCK_S
        if now < count.locked_until:
            return Attempt(ok=False, wait_s=count.locked_until - now, checked=False)
        if check_password(password):
            if count != _Count():
                _counts[path] = _Count()
                _save(path, _counts[path])
            return Attempt(ok=True)
        if now - count.last_failure > WINDOW_S:
            count.failures = 0
        count.failures += 1
        count.last_failure = now
        wait = 0.0
        if count.failures > FREE_TRIES:
            wait = min(MAX_LOCK_S, FIRST_LOCK_S * 2.0 ** min(count.failures - FREE_TRIES - 1, 30))
            count.locked_until = now + wait
        _save(path, count)
        return Attempt(ok=False, wait_s=wait)


def _forget() -> None:
    """Empty this process's memory of wrong passwords (for tests: as after a restart; the file stays)."""
    with _LOCK:
        _counts.clear()
