"""The page's password, for when it is served beyond this computer (a clinic's network).

The clinic sets it with ``screening set-password``; only a salted scrypt hash is kept, in the user's config
folder (platformdirs), another file with ``SCREENING_PASSWORD_FILE``. On localhost the page asks nothing:
only this computer can reach it.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

__all__ = ["password_path", "set_password", "check_password", "password_is_set", "MIN_LENGTH"]

MIN_LENGTH = 8
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
