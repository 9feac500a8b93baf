"""Private temporary folders for a client's video and what is made from it, and the sweep that removes
those a killed process left behind.

Every folder is ``screening-KIND-PID-XXXX`` in the system's temporary folder (mode 0700: only this user),
removed when its owner is done with it (and at interpreter exit, by the owners' finalizers). A process
killed outright (SIGKILL, power loss) cannot clean up: :func:`sweep`, run when the command line or the
page starts, removes every such folder whose process is gone.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["private_dir", "private_tmp", "sweep", "process_alive"]

PREFIX = "screening-"


def private_dir(kind: str) -> Path:
    """A new private folder for ``kind`` ("frames", "upload", "live"), owned by this process."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-{os.getpid()}-"))


@contextmanager
def private_tmp(kind: str) -> Iterator[Path]:
    """:func:`private_dir`, removed when the block ends, however it ends."""
    path = private_dir(kind)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` is running (another user's counts as running: not ours to judge)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(folder: str | os.PathLike | None = None) -> list[Path]:
    """Remove this user's ``screening-KIND-PID-*`` folders whose process is no longer running; return them."""
    base = Path(folder or tempfile.gettempdir())
    removed = []
    for p in base.glob(f"{PREFIX}*-*-*"):
        parts = p.name[len(PREFIX):].split("-")
        if len(parts) < 3 or not parts[1].isdigit() or not p.is_dir():
            continue
        try:
            if p.stat().st_uid != os.getuid() or process_alive(int(parts[1])):
                continue
        except OSError:
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed
