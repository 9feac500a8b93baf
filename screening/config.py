"""Fault thresholds, read from one TOML file a clinician can edit (screening/data/thresholds.toml).

Every value there carries its source; `screening analyze --thresholds FILE` uses another copy.
"""
from __future__ import annotations

import os
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .errors import ScreeningError

DEFAULT_PATH = Path(__file__).with_name("data") / "thresholds.toml"


def load_thresholds(path: str | os.PathLike | None = None) -> dict:
    """The thresholds as nested dicts (``th["hinge"]["lumbar_flexion"]["minor"]``); a copy given by the
    user is laid over the defaults, so it only needs the values it changes."""
    with open(DEFAULT_PATH, "rb") as f:
        th = tomllib.load(f)
    if path is None:
        return th
    try:
        with open(path, "rb") as f:
            user = tomllib.load(f)
    except OSError as exc:
        raise ScreeningError(f"The thresholds file '{path}' cannot be read ({exc.strerror}).",
                             "Give the path of a copy of screening/data/thresholds.toml.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScreeningError(f"The thresholds file '{path}' is not valid TOML ({exc}).",
                             "Fix the line it names, or start again from a copy of screening/data/thresholds.toml.") from None
    return _merge(th, user)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out
