"""Running Alembic from code (CLI, `make run`, tests) against any database URL.

Alembic is configured here, not from alembic.ini (which only serves the `alembic` command in a checkout): the
revisions in `migrations/` sit next to the `backend` package both in a checkout and in an installed copy (the wheel
ships them, see pyproject.toml), so `zan db upgrade` works the same from `pip install -e .`, from `pip install .`
(the image) and from any working directory.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError, to_tuple
from sqlalchemy.engine import make_url

# the parent of `backend/`: the repository in a checkout, site-packages in an installed copy
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise RuntimeError(f"no Alembic migrations at {MIGRATIONS_DIR}: the package was installed without them")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = database_url
    return cfg


def _ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def upgrade(database_url: str, revision: str = "heads") -> tuple[str, ...]:
    """Migrate up to `revision`; returns the revisions the database is at afterwards."""
    _ensure_sqlite_dir(database_url)
    command.upgrade(alembic_config(database_url), revision)
    return current_revisions(database_url)


def downgrade(database_url: str, revision: str = "base") -> tuple[str, ...]:
    """Migrate down to `revision`, or `-N` steps; returns the revisions the database is at afterwards (empty: base).

    Alembic refuses a relative step down from a merge revision ("Ambiguous walk"): one step down from a merge is
    taken here as going back to its parents, the state before the merge."""
    cfg = alembic_config(database_url)
    steps = re.fullmatch(r"-(\d+)", revision.strip())
    if steps is None:
        command.downgrade(cfg, revision)
    else:
        script = ScriptDirectory.from_config(cfg)
        for done in range(int(steps.group(1))):
            at = current_revisions(database_url)
            if not at:
                break
            stopped = f" (after {done} step{'s' if done > 1 else ''} down)" if done else ""
            if len(at) > 1:
                raise CommandError(f"the database is at {', '.join(at)}{stopped}, separate branches: a step down is "
                                   "ambiguous, name the revision to downgrade to (--revision REV)")
            current = script.get_revision(at[0])
            if current is None:
                raise CommandError(f"the database is at {at[0]}, a revision these migrations do not have")
            parents = to_tuple(current.down_revision)
            # down to one parent of a merge leaves the other parents applied: the state before the merge
            command.downgrade(cfg, parents[0] if parents else "base")
    return current_revisions(database_url)


def current_revisions(database_url: str) -> tuple[str, ...]:
    """The revisions recorded in the database's alembic_version table, sorted (empty for an unmigrated one)."""
    from backend.db import make_engine

    async def read() -> tuple[str, ...]:
        engine = make_engine(database_url, null_pool=True)
        try:
            async with engine.connect() as conn:
                heads = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
        finally:
            await engine.dispose()
        return tuple(sorted(heads))

    return asyncio.run(read())


async def upgrade_async(database_url: str, revision: str = "heads") -> tuple[str, ...]:
    # env.py runs its own event loop; keep it off ours
    return await asyncio.to_thread(upgrade, database_url, revision)
