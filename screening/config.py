"""Fault thresholds, read from one TOML file a clinician can edit (screening/data/thresholds.toml).

Every value there carries its source; `screening analyze --thresholds FILE` uses another copy.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
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
        raise ScreeningError(
            f"The thresholds file '{path}' is not valid TOML ({exc}).",
            "Fix the line it names, or start again from a copy of screening/data/thresholds.toml.") from None
    problems = schema_problems(th, user)
    if problems:
        shown = "; ".join(problems[:6]) + (f"; and {len(problems) - 6} more" if len(problems) > 6 else "")
        raise ScreeningError(f"The thresholds file '{path}' does not match the thresholds this tool knows: {shown}.",
                             "Use the section and key names of screening/data/thresholds.toml (copy it and change "
                             "only the values), with numbers for thresholds.")
    return _merge(th, user)


def schema_problems(default: dict, user: dict, where: str = "") -> list[str]:
    """What in a user's thresholds does not fit the defaults' shape: unknown sections or keys (a misspelt
    one would otherwise be ignored and the user's threshold never applied) and values of the wrong type
    (a number where a number is expected; true/false is not a number)."""
    out = []
    for key, value in user.items():
        name = f"{where}.{key}" if where else key
        if key not in default:
            known = ", ".join(sorted(default)) or "none"
            out.append(f"unknown {'key' if where else 'section'} '{name}' (known here: {known})")
            continue
        expected = default[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                out.append(f"'{name}' must be a section, not a value")
            else:
                out += schema_problems(expected, value, name)
        elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                out.append(f"'{name}' must be a number, not {type(value).__name__} {value!r}")
        elif not isinstance(value, type(expected)):
            out.append(f"'{name}' must be {type(expected).__name__}, not {type(value).__name__}")
    return out


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out
