"""The suite's measured lists name files that exist: a renamed test file would otherwise drop out of them silently
(from SLOW_FILES_FIRST, its place in the order; from the bots' SQLITE_TOO, its run on SQLite)."""

from __future__ import annotations

from pathlib import Path

from tests.bots.conftest import SQLITE_TOO
from tests.conftest import SLOW_FILES_FIRST

ROOT = Path(__file__).resolve().parents[2]


def test_the_files_started_first_exist() -> None:
    assert [name for name in SLOW_FILES_FIRST if not (ROOT / name).is_file()] == []


def test_the_bot_files_run_on_sqlite_too_exist() -> None:
    assert sorted(name for name in SQLITE_TOO if not (ROOT / "tests" / "bots" / name).is_file()) == []
