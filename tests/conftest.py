"""Shared fixtures.

Clips in ../shared/videos are read in place, never copied into the project. Where ../shared is absent (an
outside contributor's clone) those tests skip with the reason; where CI=true they fail instead, because CI
always has ../shared.

Fixtures shared by several test modules live in helper modules that are not test modules (tests/support_*.py)
and are registered here; test modules never import from one another.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support_browser import app_url, browser, page, server  # noqa: F401 - fixtures, registered here
from tests.support_records import results  # noqa: F401 - a fixture, registered here

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def need(path: Path, what: str) -> Path:
    if path.exists():
        return path
    reason = f"{what} not found at {path} (it lives beside the project, in ../shared)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; CI must have it")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    return need(SHARED / "videos", "the real test clips")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _main_module_kept():
    """Streamlit's AppTest runs a page as ``__main__`` and leaves it in sys.modules; a later test's process
    pool (spawn) would then re-run that page's temporary script in every worker, which fails. Restored."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
