"""Finished outbox tasks are deleted once ZAN_OUTBOX_RETENTION_DAYS old (every report writes several), in batches.

A finished row is more than history while its dedupe key may be asked for again: `enqueue` refuses a key that
exists, and that is what keeps work from being done twice (a second Telegram message about one event, a second
urgent offer, a second message to a supervisor's chat). A key is asked for again by a task that runs again: one not
finished yet (retried, or waiting through an outage with RetryLater, which spends no attempt), or a dead one an
operator runs again (`zan jobs retry`, `zan ml reroute`). So a finished row stays, however old, while
- a dead or unfinished task's key names the same subject (a UUID in both keys: `telegram:<event>` beside
  `report-event:<event>`, `offer-urgent:<report>` beside `route:<report>`, `duty-bot-escalation:<id>:<chat>` beside
  `duty-bot-escalation:<id>`): every task that enqueues keyed work keys it by what it is about;
- it was created during a dead task's life (its creation to its death, CLOCK_ROOM either side), whatever its key: the
  dead task may have enqueued it, and a retry would again.
Not "created after the oldest unfinished task": one task waiting for weeks (a router model never deployed) would stop
every deletion, and the table would grow again. Requests that enqueue a key again mean it: `ensure_scrub_queued`
revives a finished scrub, and once that row is gone its insert does the same; a report becomes urgent once (an urgent
report never stops being one), so a dispatcher's reclassify asks for `offer-urgent:<report>` once.

Dead rows are never deleted (operators retry them). A row revived between our read and our DELETE is no longer
done, and the DELETE checks that again. Nothing else reads finished rows: /health and /metrics count pending,
queued, running and dead tasks; `zan jobs` lists dead ones; routing failures read a report's dead or running route
task (a report whose route task finished is routed). A stale SAQ job of a deleted task finds no row: `claim` and
`start` return None, so it never runs.

A run reads at most MAX_BATCHES pages, oldest first, and goes on in the next run from where it stopped: rows kept
(their subject guarded) stay at the head for as long as their dead task does, and a run that began at the head every
time would, once a run's pages were full of them, never reach the deletable rows behind them.
"""

from __future__ import annotations

import logging
import re
import uuid
import weakref
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Row, and_, delete, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from backend.db import uuid_in
from backend.jobs.models import OutboxTask
from backend.lib.clock import as_utc, utcnow

log = logging.getLogger("zan.jobs")

# rows deleted per transaction: on PostgreSQL each batch holds its row locks for milliseconds, and the relay's and
# intake's statements on the table never wait behind a long DELETE
BATCH = 1000
# pages read per scheduled run (rows kept count as well as rows deleted): a first run over months of history catches
# up over some minutes of runs instead of holding the minute's cron (SCHEDULED_TIMEOUT_S) for one long sweep
MAX_BATCHES = 20
# hosts' clocks differ (the API writes a task, a worker settles it), and a task enqueues what follows it while it
# runs: an hour's room either side of a dead task's life
CLOCK_ROOM = timedelta(hours=1)
# where the last run on a database stopped (its last row's due time and id), per engine: the next run goes on from
# there, and the one after a short page starts again from the oldest (rows freed meanwhile, rows that became due).
# Lost on a restart, which only means one sweep from the head; each worker process sweeps on its own, and a row two
# of them find is deleted once
_resume: weakref.WeakKeyDictionary[AsyncEngine, tuple[datetime, uuid.UUID]] = weakref.WeakKeyDictionary()
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def subjects(key: str | None) -> set[str]:
    """What a dedupe key is about: the UUIDs in it (a report, an event, an escalation)."""
    return {found.lower() for found in _UUID.findall(key or "")}


def _merged(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping windows as one: fewer conditions in the candidates' query."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


class _Guards:
    """What keeps a finished row with a key: read once per run, from the tasks that are not done."""

    def __init__(self, rows: Sequence[Row[str, datetime, datetime, str | None]]) -> None:
        self.dead_lives = _merged(
            [
                (as_utc(created) - CLOCK_ROOM, as_utc(updated) + CLOCK_ROOM)
                for status, created, updated, _ in rows
                if status == "dead"
            ]
        )
        self.subjects = set().union(*(subjects(key) for _, _, _, key in rows))

    def condition(self) -> ColumnElement[bool]:
        """The rows these guards leave free, in SQL; the subjects are checked on each candidate's key."""
        created = col(OutboxTask.created_at)
        free = [not_(created.between(start, end)) for start, end in self.dead_lives]
        return or_(col(OutboxTask.dedupe_key).is_(None), and_(true(), *free))


async def purge_finished(
    session: AsyncSession, *, older_than: timedelta, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> int:
    """Delete done tasks that finished more than `older_than` ago and that nothing may enqueue again (see the
    module's docstring): reads `max_batches` pages of `batch` candidates at most, from where the last run stopped,
    and deletes a page's free rows in one transaction. Returns how many went."""
    cutoff = utcnow() - older_than
    not_done = select(
        col(OutboxTask.status), col(OutboxTask.created_at), col(OutboxTask.updated_at), col(OutboxTask.dedupe_key)
    ).where(col(OutboxTask.status) != "done")
    guards = _Guards((await session.execute(not_done)).all())
    await session.commit()
    due, task_id = col(OutboxTask.next_attempt_at), col(OutboxTask.id)
    # a done task became due before it finished: bounding its due time as well lets ix_outbox_due (status,
    # next_attempt_at) find the candidates, oldest first, without a scan of the table or an index of its own
    query = (
        select(task_id, due, col(OutboxTask.dedupe_key))
        .where(col(OutboxTask.status) == "done", due < cutoff, col(OutboxTask.updated_at) < cutoff, guards.condition())
        .order_by(due, task_id)
        .limit(batch)
    )
    engine = session.bind
    after = _resume.pop(engine, None) if isinstance(engine, AsyncEngine) else None
    purged = 0
    for _ in range(max_batches):
        page = query if after is None else query.where(or_(due > after[0], and_(due == after[0], task_id > after[1])))
        rows = (await session.execute(page)).all()
        if not rows:
            after = None
            break
        after = (rows[-1][1], rows[-1][0])
        ids = [row_id for row_id, _, key in rows if not subjects(key) & guards.subjects]
        if ids:
            result = await session.execute(
                delete(OutboxTask)
                # checked again: a task revived (`revive`, a scrub asked for again) since the read is not done now
                .where(
                    uuid_in(session, task_id, ids),
                    col(OutboxTask.status) == "done",
                    col(OutboxTask.updated_at) < cutoff,
                )
                .execution_options(synchronize_session=False)
            )
            purged += int(getattr(result, "rowcount", 0) or 0)
        await session.commit()
        if len(rows) < batch:
            after = None
            break
    if after is not None and isinstance(engine, AsyncEngine):
        _resume[engine] = after
    if purged:
        log.info("outbox: deleted %d tasks finished over %s ago", purged, older_than)
    return purged
