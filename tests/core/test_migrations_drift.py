"""The schema the migrations build is the schema the models declare, on PostgreSQL and on SQLite.

Every test database is built by the migrations (tests/conftest.py), never by create_all, so a model change without
its revision goes unnoticed by the rest of the suite and first shows on a deployed database: a partial index whose
WHERE no longer matches the query's (SQLite then scans), a unique constraint missing under an INSERT whose race
handling counts on its IntegrityError, a NOT NULL or ON DELETE the code assumes.

Three checks, each on both databases:

- Alembic's own comparison (compare_metadata) with types and server defaults compared too;
- what Alembic does not compare: the migrated database reflected side by side with one the models build
  (metadata.create_all) on the same server, so both go through the same reflection and the server's own spelling of
  defaults and predicates: partial-index WHERE clauses, index uniqueness and column lists, foreign keys with their
  ON DELETE, check constraints, primary keys, server defaults, and SQLite's AUTOINCREMENT;
- the newest revisions' downgrades: up one revision and back leaves the schema as it was.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from backend.migrate import alembic_config, downgrade, upgrade
from backend.models import metadata
from tests.conftest import _pg_admin
from tests.helpers import on_database

# Alembic reports these although the two schemas agree. Each entry: (dialect, operation, table, column) and why.
ALLOWED: dict[tuple[str, str, str, str], str] = {
    # Alembic's SQLite default comparison strips the quotes of a non-empty literal only (its pattern needs one
    # character between them), so an empty-string default always compares unequal to itself. The database holds
    # DEFAULT '' as the model says: test_reflected_schema_matches_models checks that default on the reflected side.
    ("sqlite", "modify_default", "escalations", "subject"): "empty-string default, an Alembic SQLite quirk",
}

# How many of the newest revisions test_newest_downgrades_restore_the_schema steps up and back down (each step runs
# Alembic three times; the whole chain is walked by test_migrations.test_up_down_up, down to base only).
NEWEST_REVISIONS = 6


def _new_database(kind: str, tmp: Path, cleanup: list[str]) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / f'{uuid.uuid4().hex[:10]}.db'}"
    name = f"zan_drift_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    cleanup.append(name)
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Three empty databases of one kind: "migrated" (to head), "modelled" (create_all), "scratch" (left empty)."""
    tmp = tmp_path_factory.mktemp(f"drift_{request.param}")
    cleanup: list[str] = []
    try:
        urls = {role: _new_database(request.param, tmp, cleanup) for role in ("migrated", "modelled", "scratch")}
        upgrade(urls["migrated"])
        on_database(urls["modelled"], metadata.create_all)
        yield urls
    finally:
        asyncio.run(_drop(cleanup))


async def _drop(names: list[str]) -> None:
    # all at once: one after another, each DROP DATABASE took ~1 s on the test server, together ~0.3 s
    await asyncio.gather(*(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)') for name in names))


def _flatten(diffs: list[Any]) -> list[tuple[Any, ...]]:
    """compare_metadata's answer as flat tuples: a column's modify_* changes come grouped in a list."""
    flat: list[tuple[Any, ...]] = []
    for diff in diffs:
        flat.extend(diff if isinstance(diff, list) else [diff])
    return flat


def _allowed(dialect: str, diff: tuple[Any, ...]) -> bool:
    # ('modify_default', schema, table, column, ...): only column changes are ever allow-listed
    return diff[0].startswith("modify_") and (dialect, diff[0], diff[2], diff[3]) in ALLOWED


def test_compare_metadata_finds_no_drift(databases: dict[str, str]) -> None:
    url = databases["migrated"]

    def compare(conn: sa.Connection) -> tuple[str, list[tuple[Any, ...]]]:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return conn.dialect.name, _flatten(compare_metadata(context, metadata))

    dialect, diffs = on_database(url, compare)
    assert [d for d in diffs if not _allowed(dialect, d)] == [], "models and migrations disagree: write a migration"


def _text(value: Any) -> Any:
    """Reflected values as comparable text: a predicate comes back as a fresh TextClause object each time.

    SQLite keeps a partial index's WHERE as written, so there the migration's text must be the model's to the letter
    (whitespace aside): stricter than needed, and what its planner matches a query's WHERE against anyway."""
    if isinstance(value, sa.sql.ClauseElement):
        return re.sub(r"\s+", " ", str(value)).strip()
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_text(v) for v in value]
    return value


def _schema(conn: sa.Connection) -> dict[str, Any]:
    """Every table the models declare as the database reflects it, column order left out (a column a migration
    adds goes last, and nothing reads by position)."""
    inspector = sa.inspect(conn)
    present = set(inspector.get_table_names())
    schema: dict[str, Any] = {"missing tables": sorted(set(metadata.tables) - present)}
    tables = sorted(set(metadata.tables) & present)

    def each_table(get_multi: Any) -> dict[str, Any]:
        # the Inspector's get_multi_* answer every table at once (on PostgreSQL a query per kind, not per table:
        # ~0.2 s a reflection instead of ~0.8 s); its per-table get_* are these same methods filtered to one name
        return {key[1]: value for key, value in get_multi(filter_names=tables).items()}

    columns = each_table(inspector.get_multi_columns)
    primary_keys = each_table(inspector.get_multi_pk_constraint)
    indexes = each_table(inspector.get_multi_indexes)
    uniques = each_table(inspector.get_multi_unique_constraints)
    foreign_keys = each_table(inspector.get_multi_foreign_keys)
    checks = each_table(inspector.get_multi_check_constraints)
    for table in tables:
        schema[table] = {
            "columns": {c["name"]: {"type": c["type"].compile(dialect=conn.dialect), "nullable": c["nullable"],
                                    "default": c.get("default"), "autoincrement": c.get("autoincrement")}
                        for c in columns[table]},
            "primary key": _text(primary_keys[table]),
            "indexes": {i["name"]: _text(i) for i in indexes[table]},
            "unique": {u["name"]: _text(u) for u in uniques[table]},
            "foreign keys": {f["name"]: _text(f) for f in foreign_keys[table]},
            "checks": {c["name"]: _text(c) for c in checks[table]},
        }
        if conn.dialect.name == "sqlite":
            # not reflected by SQLAlchemy; without it SQLite hands a deleted top row's id out again
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                       (table,)).scalar_one()
            schema[table]["autoincrement"] = "AUTOINCREMENT" in sql.upper()
    return schema


def _reflected(url: str, work: Callable[[sa.Connection], Any]) -> Any:
    """`work` (_schema, _everything) on `url`. An SQLite file is read through the standard library's driver: the
    same SQLite dialect and PRAGMAs reflect it as through aiosqlite, whose thread hop per statement made each of the
    ~650 statements of a reflection cost ~1 ms (0.7 s a reflection, 0.15 s this way)."""
    if not url.startswith("sqlite"):
        return on_database(url, work)
    engine = sa.create_engine(make_url(url).set(drivername="sqlite"), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            return work(conn)
    finally:
        engine.dispose()


def _everything(conn: sa.Connection) -> dict[str, Any]:
    """_schema, plus what the migrations create that no model declares: PostgreSQL's triggers and functions (the
    ledger's append-only guard, the officers' role tenures), and every table, index and trigger SQLite knows."""
    schema = _schema(conn)
    if conn.dialect.name == "postgresql":
        schema["triggers"] = sorted(conn.exec_driver_sql(
            "SELECT tgrelid::regclass::text || '.' || tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
        schema["functions"] = sorted(conn.exec_driver_sql(
            "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace WHERE nspname = 'public'"
        ).scalars())
        schema["tables"] = sorted(sa.inspect(conn).get_table_names())
    else:
        schema["objects"] = sorted(f"{kind} {name}" for kind, name in conn.exec_driver_sql(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    return schema


def _differences(ours: Any, theirs: Any, names: tuple[str, str] = ("migrated", "models"), path: str = "") -> list[str]:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return [d for key in sorted(set(ours) | set(theirs), key=str)
                for d in _differences(ours.get(key, "<absent>"), theirs.get(key, "<absent>"), names, f"{path}/{key}")]
    return [] if ours == theirs else [f"{path}: {names[0]} {ours!r}, {names[1]} {theirs!r}"]


def test_reflected_schema_matches_models(databases: dict[str, str]) -> None:
    migrated = _reflected(databases["migrated"], _schema)
    modelled = _reflected(databases["modelled"], _schema)
    assert migrated["missing tables"] == []
    assert _differences(migrated, modelled) == [], "models and migrations disagree: write a migration"


def test_newest_downgrades_restore_the_schema(databases: dict[str, str]) -> None:
    url = databases["scratch"]
    script = ScriptDirectory.from_config(alembic_config(url))
    [head] = script.get_heads()
    # (revision, parent) from the head back along the single line after the merge revision
    steps: list[tuple[str, str]] = []
    revision = script.get_revision(head)
    while revision is not None and isinstance(revision.down_revision, str) and len(steps) < NEWEST_REVISIONS:
        steps.append((revision.revision, revision.down_revision))
        revision = script.get_revision(revision.down_revision)
    assert steps, "no revision after the merge"
    upgrade(url, steps[-1][1])
    for revision_id, parent in reversed(steps):
        before = _reflected(url, _everything)
        upgrade(url, revision_id)
        downgrade(url, parent)
        after = _reflected(url, _everything)
        assert _differences(after, before, ("after", "before")) == [], f"{revision_id}'s downgrade"
        upgrade(url, revision_id)
