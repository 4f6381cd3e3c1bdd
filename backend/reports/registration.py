"""The writes of one registration: number, report, first event, outbox tasks, attached media and the idempotency
claim — all or nothing.

The number is gapless per year (ZP-2026-0000123): a counter row incremented under its row lock, held until commit,
so a rolled-back registration gives its number back and commit order is number order. Whatever happens while that
lock is held is on every other registration's critical path, so the rows are built *before* the number exists,
with a one-off placeholder where the number goes (in the report's answer and the event's texts), and the number is
put in last:

- on PostgreSQL, one statement of data-modifying CTEs in autocommit mode: the counter, the numbered rows and the
  claim are written in one round trip and the lock lasts as long as that statement inside the server. With the
  statements sent one by one the lock was held across five round trips, each of which waited its turn in the
  worker's event loop behind other requests' CPU work: registrations queued on the lock, and at 200 req/s the
  server fell behind for good (docs/benchmarks.md). An Idempotency-Key claimed before the statement began
  increments and writes nothing (the caller replays the stored answer); one claimed by a concurrent request
  while the statement waited for the counter's lock fails the whole statement on the claim's unique index, so
  nothing of it (the number included) is kept.
- that statement commits *asynchronously* (synchronous_commit off for its own transaction only) and the caller
  then waits for the disk with a second, tiny transaction that commits synchronously (`flush`). A row lock is
  released only after the commit, and a synchronous commit includes the WAL fsync: every stall of the disk held
  the counter's lock, and each registration queued behind it paid its own fsync in turn (one 200 ms stall of
  the VM's disk queued every registration for 600 ms). Now the lock is released once the commit record is in
  the WAL buffer, and the registrations of a stall wait for the same fsync together. Nothing is handed out
  before it is on disk: the number is answered only after `flush`, and a replayed answer the same way
  (`wait_durable`). Gaplessness holds through a crash: the WAL is written in lock order, so a later number on
  disk means every earlier one is; an unflushed registration is lost whole, number and all, and its citizen,
  who got no answer, retries with the same key.
- a file goes to one report only: the statement locks the files it attaches (in id order) before the counter,
  and claims only those not yet attached. A file taken by a concurrent registration since the caller checked it
  leaves the counter, and so everything else, untouched: nothing is written and the caller gets 409
  media.already_attached (or, when that registration held the same Idempotency-Key, its stored answer).
- on SQLite (embedded mode, one writer at a time anyway) the same rows go in statement by statement in the
  caller's transaction.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec
from sqlalchemy import (
    JSON,
    Table,
    Text,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util import greenlet_spawn

from backend.db import insert_ignoring_conflicts, is_postgres
from backend.jobs.models import OutboxTask
from backend.lib.errors import FieldProblem, ZanError
from backend.media.models import Media
from backend.reports.models import IdempotencyRecord, Report, ReportCounter, ReportEvent

_REPORTS: Table = Report.__table__  # type: ignore[attr-defined]
_EVENTS: Table = ReportEvent.__table__  # type: ignore[attr-defined]
_COUNTERS: Table = ReportCounter.__table__  # type: ignore[attr-defined]
_CLAIMS: Table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_TASKS: Table = OutboxTask.__table__  # type: ignore[attr-defined]
_MEDIA: Table = Media.__table__  # type: ignore[attr-defined]
_CLAIM_UNIQUE = "uq_idempotency_scope_key"

_INCREMENT = (update(_COUNTERS).where(_COUNTERS.c.year == bindparam("counter_year"))
              .values(value=_COUNTERS.c.value + 1).returning(_COUNTERS.c.value))


def number_for(year: int, value: int) -> str:
    return f"ZP-{year}-{value:07d}"


def placeholder() -> str:
    """Stands for the number until it exists. Random, so no text the citizen sent can contain it."""
    return f"ZP-#{uuid.uuid4().hex}"


@dataclass(slots=True)
class Registration:
    """Every row of one registration, with `placeholder` where the number goes."""

    year: int
    placeholder: str
    report: dict[str, Any]  # all columns of the report row; "number" is the placeholder
    event: dict[str, Any]  # all columns of the "registered" event row
    claim: dict[str, Any]  # the idempotency claim; "response" is the answer
    tasks: list[dict[str, Any]] = field(default_factory=list)  # outbox rows (jobs.service.task_rows)
    media_ids: list[uuid.UUID] = field(default_factory=list)


def row(table: Table, obj: Any) -> dict[str, Any]:
    """Every column of `table` from a model object (defaults filled in by the model)."""
    # read from the object's own dict: a mapped attribute's read returns that value when it is there, through a
    # descriptor call per column (~20 µs a registration); a column never set still goes that way
    values = obj.__dict__
    return {c.key: values[c.key] if c.key in values else getattr(obj, c.key) for c in table.columns}


def with_defaults(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Every column of `table`: `values`, and the columns' own defaults for the rest. (Constructing the model
    object to get them cost a quarter of the registration statement's CPU.)"""
    out: dict[str, Any] = {}
    for c in table.columns:
        if c.key in values:
            out[c.key] = values[c.key]
        elif c.default is None:
            out[c.key] = None
        else:  # SQLAlchemy wraps a default function to take the execution context, which these ignore
            out[c.key] = c.default.arg(None) if c.default.is_callable else c.default.arg  # type: ignore[attr-defined]
    return out


async def register(session: AsyncSession, reg: Registration) -> str | None:
    """Write the registration; its number, or None when the Idempotency-Key is already taken (nothing was written
    then; on PostgreSQL a concurrent holder of the key is waited for until it commits or rolls back)."""
    if is_postgres(session):
        return await _one_statement(session, reg)
    return await _statements(session, reg)


# -- PostgreSQL: one statement ----------------------------------------------------------------------------------
_CTE_STATEMENTS: dict[tuple[int, bool, bool], Any] = {}
# the smallest transaction that commits synchronously: a transactional WAL message takes a transaction id, and the
# commit of one that wrote WAL waits for the fsync of everything up to its commit record (any level of wal_level)
_FLUSH_SQL = "SELECT pg_logical_emit_message(true, 'zan.flush', '')"
_FLUSH = text(_FLUSH_SQL)
_CREATE_COUNTER = f"INSERT INTO {_COUNTERS.name} (year, value) VALUES ($1, 0) ON CONFLICT (year) DO NOTHING"


def _filled(column: Any, name: str, number: Any) -> Any:
    """The bound value of `column`; JSON values arrive as text and get the number put in for the placeholder."""
    if isinstance(column.type, JSON):
        return cast(func.replace(bindparam(name, type_=Text), bindparam("placeholder", type_=Text), number),
                    column.type)
    return bindparam(name, type_=column.type)


def _cte_statement(n_tasks: int, with_media: bool, async_commit: bool) -> Any:
    """Built once per shape (building a statement costs more than executing a cached one)."""
    key = (n_tasks, with_media, async_commit)
    if key in _CTE_STATEMENTS:
        return _CTE_STATEMENTS[key]
    # a key already claimed (a retry of a registration that committed) increments nothing and writes nothing: it
    # neither waits for the counter's lock behind other registrations nor fails on the claim's unique index
    taken = exists().where(_CLAIMS.c.scope == bindparam("c_scope"), _CLAIMS.c.key == bindparam("c_key"))
    increment = _INCREMENT.where(~taken)
    claimed: Any = literal(0)
    if with_media:
        # the files, locked before the counter (as every registration with files does, in id order: no
        # deadlock), that no report has taken: a concurrent registration's commit is seen once its lock is let go
        claimable = (select(_MEDIA.c.id)
                     .where(_MEDIA.c.id == func.any(bindparam("media_ids", type_=ARRAY(UUID(as_uuid=True)))),
                            _MEDIA.c.report_id.is_(None))
                     .order_by(_MEDIA.c.id).with_for_update().cte("claimable"))
        claimed = select(func.count()).select_from(claimable).scalar_subquery()
        # one of them taken: no number, so no report and nothing else (see below)
        increment = increment.where(claimed == bindparam("media_count"))
    counter = increment.cte("counter")
    digits = cast(counter.c.value, Text)
    # at least seven digits, like number_for (lpad alone would cut an eighth)
    number = bindparam("number_prefix", type_=Text) + func.lpad(digits, func.greatest(7, func.length(digits)),
                                                                literal("0"))
    report_cols = list(_REPORTS.columns)
    report = (insert(_REPORTS).from_select(
        [c.key for c in report_cols],
        select(*[number if c.key == "number" else _filled(c, f"r_{c.key}", number) for c in report_cols])
        .select_from(counter),
    ).returning(_REPORTS.c.id, _REPORTS.c.number).cte("report"))
    # everything below selects FROM report: no counter row for the year means no report and nothing else either
    event = insert(_EVENTS).from_select(
        [c.key for c in _EVENTS.columns],
        select(*[_filled(c, f"e_{c.key}", report.c.number) for c in _EVENTS.columns]).select_from(report),
    ).cte("event")
    tasks = insert(_TASKS).from_select([c.key for c in _TASKS.columns], union_all(*[
        select(*[_filled(c, f"t{i}_{c.key}", report.c.number) for c in _TASKS.columns]).select_from(report)
        for i in range(n_tasks)
    ])).cte("tasks")
    claim = insert(_CLAIMS).from_select(
        [c.key for c in _CLAIMS.columns],
        select(*[_filled(c, f"c_{c.key}", report.c.number) for c in _CLAIMS.columns]).select_from(report),
    ).cte("claim")
    ctes = [event, tasks, claim]
    if with_media:
        ctes.append(update(_MEDIA)
                    .where(_MEDIA.c.id.in_(select(claimable.c.id)), exists(select(report.c.id)))
                    .values(report_id=select(report.c.id).scalar_subquery()).cte("media"))
    columns = [select(report.c.number).scalar_subquery(), taken, claimed]
    if async_commit:  # for this statement's transaction only ("local"): the pooled connection keeps its setting
        columns.append(func.set_config("synchronous_commit", "off", True))
    statement = select(*columns).add_cte(*ctes)
    _CTE_STATEMENTS[key] = statement
    return statement


# where each named value of the statement comes from: a row of the registration ("r", "e", "c", "t0", …: the
# prefix of its columns' names) or, for "", the values the statement takes once (_top)
_ROW_PREFIXES = (("r", _REPORTS), ("e", _EVENTS), ("c", _CLAIMS))


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement's SQL for asyncpg and how to turn a registration into its positional arguments."""

    sql: str
    # for each $n in order: (row prefix, column) for a row's value, ("", name) for one of _top's, or (None, name)
    # for a value the statement binds itself (literals: 0, 7, 'synchronous_commit', …), converted once in `constants`
    sources: tuple[tuple[str | None, str], ...]
    processors: tuple[Callable[[Any], Any] | None, ...]  # each column type's own conversion (UTC times, booleans)
    constants: dict[str, Any]

    def arguments(self, reg: Registration) -> list[Any]:
        """The same values `_params` names, straight into their positions (no name is built per registration)."""
        rows = _rows(reg)
        rows[""] = _top(reg)
        constants = self.constants
        out: list[Any] = []
        append = out.append
        for (prefix, name), process in zip(self.sources, self.processors, strict=True):
            if prefix is None:
                append(constants[name])
                continue
            value = rows[prefix][name]
            if prefix and isinstance(value, dict | list):  # as _bound: a row's JSON as text
                value = _json_text(value)
            append(value if process is None else process(value))
        return out


_COMPILED: dict[tuple[int, bool], _Compiled] = {}


def _compiled(n_tasks: int, with_media: bool, dialect: Dialect) -> _Compiled:
    """The autocommitted statement compiled once per shape, for the driver itself (see _autocommitted)."""
    key = (n_tasks, with_media)
    if key not in _COMPILED:
        compiled = _cte_statement(n_tasks, with_media, True).compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        binds = [compiled.binds[name] for name in names]
        processors = tuple(b.type.dialect_impl(dialect).bind_processor(dialect) for b in binds)
        columns = {f"{prefix}_{c.key}": (prefix, c.key) for prefix, table in _row_tables(n_tasks)
                   for c in table.columns}
        sources: list[tuple[str | None, str]] = []
        constants: dict[str, Any] = {}
        for name, bind, process in zip(names, binds, processors, strict=True):
            if name in columns:
                sources.append(columns[name])
            elif bind.required:
                sources.append(("", name))
            else:
                sources.append((None, name))
                constants[name] = bind.effective_value if process is None else process(bind.effective_value)
        _COMPILED[key] = _Compiled(sql=compiled.string, sources=tuple(sources), processors=processors,
                                   constants=constants)
    return _COMPILED[key]


@asynccontextmanager
async def _driver_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection's asyncpg connection, given back to the pool afterwards. One interrupted mid-statement
    (cancelled) or broken is closed instead, as SQLAlchemy's own execution does with it."""
    pooled = await engine.raw_connection()
    driver: Any = pooled.driver_connection
    try:
        yield driver
    except BaseException as exc:
        if not isinstance(exc, Exception) or driver.is_closed():
            await greenlet_spawn(pooled.invalidate, exc if isinstance(exc, Exception) else None)
        raise
    finally:
        await greenlet_spawn(pooled.close)


def _row_tables(n_tasks: int) -> list[tuple[str, Table]]:
    return [*_ROW_PREFIXES, *((f"t{i}", _TASKS) for i in range(n_tasks))]


def _rows(reg: Registration) -> dict[str, dict[str, Any]]:
    """Each row of the registration by the prefix its values are named with in the statement."""
    # a task row names only what it needs; the model fills in the rest (id, pending, due now)
    tasks = {f"t{i}": with_defaults(_TASKS, task) for i, task in enumerate(reg.tasks)}
    return {"r": reg.report, "e": reg.event, "c": reg.claim, **tasks}


def _top(reg: Registration) -> dict[str, Any]:
    """The statement's values that belong to no row."""
    return {"counter_year": reg.year, "number_prefix": f"ZP-{reg.year}-", "placeholder": reg.placeholder,
            "media_ids": reg.media_ids, "media_count": len(reg.media_ids)}


def _bound(value: Any) -> Any:
    """A row's value as the statement takes it: JSON as text (the number is put in for the placeholder by SQL)."""
    return _json_text(value) if isinstance(value, dict | list) else value


def _params(reg: Registration) -> dict[str, Any]:
    """The statement's values by name, for SQLAlchemy (`_Compiled.arguments` is the same for the driver)."""
    params = _top(reg)
    for prefix, values in _rows(reg).items():
        params.update({f"{prefix}_{k}": _bound(v) for k, v in values.items()})
    return params


class _Outcome(enum.Enum):
    """What one run of the registration statement did (`_outcome`)."""

    CREATED = "created"  # numbered and written
    # nothing written, the caller replays the stored answer: the Idempotency-Key was claimed before the statement
    # began, or by a concurrent request while it waited for the counter's lock (the statement then failed whole)
    REPLAY = "replay"
    FILES_TAKEN = "files_taken"  # nothing written: a file went to another report since the caller checked it
    NO_COUNTER = "no_counter"  # nothing written: the year has no counter row yet; create it and run again


def _outcome(row: Sequence[Any] | None, reg: Registration) -> _Outcome:
    """The one reading of the statement's answer, for both ways of running it: its row (number, key taken, files
    claimed), or None when it failed on the claim's unique index. The checks go in this order because each later
    one assumes the earlier ones passed: a taken key writes nothing (no files claimed, no number), and files not
    all claimed mean no number (the increment requires them)."""
    if row is None:
        return _Outcome.REPLAY
    number, taken, claimed = row[:3]
    if taken:
        return _Outcome.REPLAY
    if claimed != len(reg.media_ids):
        return _Outcome.FILES_TAKEN
    if number is None:
        return _Outcome.NO_COUNTER
    return _Outcome.CREATED


async def _one_statement(session: AsyncSession, reg: Registration) -> str | None:
    # one statement is its own transaction: no BEGIN/COMMIT round trips (with media attached the caller's
    # transaction is already open, and the statement joins it)
    engine = session.bind
    if not session.in_transaction() and isinstance(engine, AsyncEngine) and engine.dialect.driver == "asyncpg":
        return await _autocommitted(session, engine, reg)
    params = _params(reg)
    # A Core statement needs none of the ORM's execution steps, so it goes to the session's connection directly.
    autocommit = not session.in_transaction()
    conn = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"} if autocommit else None)
    statement = _cte_statement(len(reg.tasks), bool(reg.media_ids), autocommit)
    try:
        row: Sequence[Any] | None = (await conn.execute(statement, params)).one()
    except IntegrityError as exc:
        if _CLAIM_UNIQUE not in str(exc.orig):
            raise
        await session.rollback()
        row = None
    outcome = _outcome(row, reg)
    if outcome is _Outcome.NO_COUNTER:
        # the year's first registration: create its counter row (a concurrent creator wins harmlessly), then again
        await session.execute(insert_ignoring_conflicts(session, _COUNTERS, ["year"]), {"year": reg.year, "value": 0})
        return await _one_statement(session, reg)
    if outcome is _Outcome.FILES_TAKEN:
        await _files_taken(session, reg)  # returns when the other registration held this Idempotency-Key
    if outcome is not _Outcome.CREATED or row is None:
        return None
    if autocommit:  # committed asynchronously: on disk before the number is answered
        await conn.execute(_FLUSH)
    return str(row[0])


async def _autocommitted(session: AsyncSession, engine: AsyncEngine, reg: Registration) -> str | None:
    """The autocommitted statement (the caller has no transaction open: no files attached), run by asyncpg on a
    pooled connection of its own: the same SQL, compiled once, and the same steps as `_one_statement`. Through
    the session, every registration paid SQLAlchemy's machinery for it (a session transaction and a connection
    object around the pooled one, the isolation level set and reset, the parameters rebuilt from the compiled
    statement, the result's metadata, a greenlet switch per await): a tenth of a registration's CPU in the API
    (docs/benchmarks.md), spent while other registrations queue on the worker's event loop."""
    compiled = _compiled(len(reg.tasks), bool(reg.media_ids), engine.dialect)
    arguments = compiled.arguments(reg)
    while True:
        async with _driver_connection(engine) as driver:
            try:
                row: Sequence[Any] | None = await driver.fetchrow(compiled.sql, *arguments)
            except asyncpg.UniqueViolationError as exc:
                # the statement failed whole, nothing of it was kept
                if exc.constraint_name != _CLAIM_UNIQUE:
                    raise
                row = None
            outcome = _outcome(row, reg)
            if outcome is _Outcome.NO_COUNTER:
                # the year's first registration: create its counter row (a concurrent creator wins harmlessly),
                # then again
                await driver.execute(_CREATE_COUNTER, reg.year)
                continue
            if outcome is _Outcome.CREATED and row is not None:  # committed asynchronously: on disk first
                await driver.execute(_FLUSH_SQL)
                return str(row[0])
        # the session's own connection, once the driver's is back in the pool
        if outcome is _Outcome.FILES_TAKEN:
            await _files_taken(session, reg)  # returns when the other registration held this Idempotency-Key
        return None


async def wait_durable(session: AsyncSession) -> None:
    """Return once every registration committed so far is on disk: before a stored answer is handed out again, as
    its registration may have committed (asynchronously) a moment ago. Ends the session's transaction, so call it
    with nothing to keep."""
    if not is_postgres(session):
        return  # SQLite commits synchronously
    await session.rollback()
    conn = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    await conn.execute(_FLUSH)


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# -- SQLite (and any other database): statement by statement -----------------------------------------------------
async def next_number(session: AsyncSession, year: int) -> str:
    """The next number of `year`, taken under the counter row's lock until the caller's commit."""
    value = (await session.execute(_INCREMENT, {"counter_year": year})).scalar_one_or_none()
    if value is None:
        await session.execute(insert_ignoring_conflicts(session, _COUNTERS, ["year"]), {"year": year, "value": 0})
        return await next_number(session, year)
    return number_for(year, value)


async def _statements(session: AsyncSession, reg: Registration) -> str | None:
    if reg.tasks:
        await session.execute(insert(_TASKS), reg.tasks)
    number = await next_number(session, reg.year)

    def fill(values: dict[str, Any]) -> dict[str, Any]:
        return {k: put_number(v, reg.placeholder, number) for k, v in values.items()}

    await session.execute(insert(_REPORTS), fill(reg.report))
    await session.execute(insert(_EVENTS), fill(reg.event))
    if reg.media_ids:
        attached = await session.execute(update(_MEDIA).where(_MEDIA.c.id.in_(reg.media_ids),
                                                              _MEDIA.c.report_id.is_(None))
                                         .values(report_id=reg.report["id"]))
        if getattr(attached, "rowcount", 0) != len(reg.media_ids):
            await _files_taken(session, reg)
            return None  # the concurrent registration held this Idempotency-Key: the caller replays its answer
    claim = fill(reg.claim)
    stored = await session.execute(
        insert_ignoring_conflicts(session, _CLAIMS, ["scope", "key"]).returning(_CLAIMS.c.id), claim)
    if stored.first() is None:
        await session.rollback()
        return None
    return number


async def _files_taken(session: AsyncSession, reg: Registration) -> None:
    """A file of this registration was attached to another report since the caller checked it: nothing of this
    one is kept. Returns when that other registration held the same Idempotency-Key (a retry that raced its
    original: the caller replays the stored answer); raises 409 media.already_attached otherwise."""
    await session.rollback()
    claimed_key = await session.scalar(select(exists().where(_CLAIMS.c.scope == reg.claim["scope"],
                                                             _CLAIMS.c.key == reg.claim["key"])))
    if claimed_key:
        return None
    taken = set(await session.scalars(select(_MEDIA.c.id).where(_MEDIA.c.id.in_(reg.media_ids),
                                                                _MEDIA.c.report_id.is_not(None))))
    raise ZanError("media.already_attached", 409, errors=[
        FieldProblem(f"/media_ids/{index}", "invalid") for index, media_id in enumerate(reg.media_ids)
        if media_id in taken])


def put_number(value: Any, placeholder_text: str, number: str) -> Any:
    """`value` (text, or a JSON-able dict/list) with the number where the placeholder was."""
    if isinstance(value, str):
        return value.replace(placeholder_text, number)
    if isinstance(value, dict | list):
        return msgspec.json.decode(_json_text(value).replace(placeholder_text, number))
    return value
