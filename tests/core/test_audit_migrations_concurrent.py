# ruff: noqa: F811  (the pg_scratch fixture is imported from test_audit_migrations_rerun)
"""Two processes migrating one PostgreSQL database at once: the second waits for the first and finds nothing to do.

`zan serve` runs the migrations before it listens, and the API runs as several replicas (README: any API replica),
so a release rolled out to two replicas at once upgrades twice. Nothing serialised the two: each read the revision
the database was at, both applied the next migration, and the second failed (`column ... already exists`, a
deadlock between two index builds CONCURRENTLY, `expected to match one row when updating ... alembic_version`), its
`zan serve` exiting with a traceback; a run stopped between an autocommit block and its revision being recorded
leaves a migration half applied (test_audit_migrations_rerun).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg

from backend.migrate import current_revisions, upgrade

# a PostgreSQL database of the test's own (a migration test starts from an empty one)
from tests.core.test_audit_migrations_rerun import pg_scratch  # noqa: F401

BEFORE = "z7_late_closing_set_aside"
HEAD = "z8_media_store_failed_at"  # ALTER TABLE media ADD COLUMN store_failed_at
REPO = Path(__file__).resolve().parents[2]
# a `zan serve` starting: imports, then (once told to start, so that both have imported) migrates
STARTUP = "import sys\nfrom backend.migrate import upgrade\nsys.stdin.readline()\nupgrade(sys.argv[1])\n"


def test_two_servers_starting_at_once_both_start(pg_scratch: tuple[str, str]) -> None:
    url, dsn = pg_scratch
    datname = dsn.rsplit("/", 1)[1]

    async def race() -> list[tuple[int, str]]:
        servers = [await asyncio.create_subprocess_exec(
            sys.executable, "-c", STARTUP, url, cwd=REPO, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for _ in range(2)]
        try:
            await asyncio.to_thread(upgrade, url, BEFORE)  # while they import
            holder, monitor = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
            try:
                # a long transaction on media (a report's attachments being written) holds both starts at the same
                # point: both have read the revision the database is at
                lock = holder.transaction()
                await lock.start()
                await holder.execute("LOCK TABLE media IN ACCESS EXCLUSIVE MODE")
                for server in servers:
                    assert server.stdin is not None
                    server.stdin.write(b"go\n")
                    await server.stdin.drain()
                # each start waits: on a lock (the ALTER TABLE, or a lock taken to migrate alone), or polling an
                # advisory lock between short transactions (seen in some of these looks only: the set remembers)
                seen: set[int] = set()
                for _ in range(600):  # up to 30 s (imports take a second or two)
                    seen |= {int(row["pid"]) for row in await monitor.fetch(
                        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid NOT IN ($2, pg_backend_pid()) "
                        "AND (wait_event_type = 'Lock' OR query ILIKE '%advisory_lock%')",
                        datname, holder.get_server_pid())}
                    if len(seen) >= 2:
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError("the two starts never both waited")
                await lock.rollback()
            finally:
                await holder.close()
                await monitor.close()
            outcomes = []
            for server in servers:
                _, err = await server.communicate()
                outcomes.append((server.returncode or 0, err.decode(errors="replace")[-600:]))
            return outcomes
        finally:
            for server in servers:
                if server.returncode is None:
                    server.kill()
                    await server.wait()

    outcomes = asyncio.run(race())
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert current_revisions(url) == (HEAD,)
