"""Migrations go up and down on both databases, and the models never drift from them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.migrate import downgrade, upgrade
from backend.models import metadata
from tests.conftest import _pg_admin
from tests.helpers import on_database


@pytest.fixture(params=["sqlite", "postgres"])
def scratch_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(async url for Alembic, sync url for inspection) of an empty database."""
    if request.param == "sqlite":
        path = tmp_path / "m.db"
        yield f"sqlite+aiosqlite:///{path}", f"sqlite:///{path}"
        return
    name = f"zan_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", name
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _tables(async_url: str) -> set[str]:
    return set(on_database(async_url, lambda c: inspect(c).get_table_names()))


def _drift(async_url: str) -> list[object]:
    return list(on_database(async_url, lambda c: compare_metadata(MigrationContext.configure(c), metadata)))


def test_up_down_up(scratch_db: tuple[str, str]) -> None:
    url, _ = scratch_db
    upgrade(url)
    expected = {t.name for t in metadata.sorted_tables}
    assert expected <= _tables(url)
    assert _drift(url) == [], "models and migrations disagree: write a migration"
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    upgrade(url)
    assert expected <= _tables(url)




def test_one_head() -> None:
    """Three heads made `zan db downgrade` ambiguous and `--revision head` fail: a merge revision joins them. A
    revision added later must revise the merge (or the newest head), not start another branch."""
    from alembic.script import ScriptDirectory

    from backend.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


def test_cli_reports_the_revisions_reached(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory
    from click.testing import CliRunner

    from backend.cli import main
    from backend.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    [head] = script.get_heads()
    # revisions after the merge are a single line: walk it down to the merge, whose parents are the old heads
    line = [script.get_revision(head)]
    while isinstance(line[-1].down_revision, str):  # type: ignore[union-attr]
        line.append(script.get_revision(line[-1].down_revision))  # type: ignore[union-attr]
    merge = line[-1]
    assert merge is not None and merge.is_merge_point
    parents = sorted(merge.down_revision or ())
    env = {"ZAN_VAR_DIR": str(tmp_path), "ZAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
           "ZAN_ENVIRONMENT": None, "ZAN_SECRET_KEY": None}

    def zan(*args: str) -> str:
        result = CliRunner().invoke(main, ["db", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output.strip()

    assert zan("upgrade", "--revision", "head") == f"database at {head}"
    for below in line[1:]:  # one step at a time down to the merge
        assert zan("downgrade") == f"database at {below.revision}"  # type: ignore[union-attr]
    # one step down from the merge: back to the state before it, every branch's head applied
    assert zan("downgrade") == f"database at {', '.join(parents)}"
    assert zan("current") == f"database at {', '.join(parents)}"
    result = CliRunner().invoke(main, ["db", "downgrade"], env=env)  # which branch? a clean error, no traceback
    assert result.exit_code == 1 and "name the revision" in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    assert zan("upgrade") == f"database at {head}"
    assert zan("downgrade", "--revision", "base") == "database at base (no revision)"
