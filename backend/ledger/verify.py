"""Checking the sealed record: the whole chain (`zan ledger verify`) or one report's rows (its history). The whole
check also compares every report's rows that the ledger does not seal (what the citizen submitted, files sent later,
custody records, tablet notes) with the sealed events that pin them (backend.ledger.pinned), as the history does for
one report."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db import SQLITE_READ_ONLY, is_postgres, uuid_in
from backend.ledger import chain as scope_chain
from backend.ledger import heads, pinned
from backend.ledger.models import LedgerCheckpoint, LedgerSeal
from backend.ledger.record import (
    ENTRIES,
    GENESIS,
    Entry,
    fingerprints,
    header,
    made_by,
    no_entry,
    protected,
    row_hash,
    seal_public_key,
    seal_signature_valid,
)
from backend.lib.clock import as_utc, utcnow
from backend.lib.crypto import equal, key_id
from backend.sync.sealed import NOTES

log = logging.getLogger(__name__)
CHECK = "check"  # the checkpoint of the pass that checks the whole chain again, a part each run
CHECK_ROWS = 100_000  # sealed rows a run checks again (each run of the scheduled work; seals are whole)
LAST = "last"  # in the check's checkpoint: the last finished cycle's summary, while the next one runs
PINNED_BATCH = pinned.BATCH  # reports whose unsealed rows `verify` compares with their events at a time
PINNED = "pinned"  # the checkpoint of the scheduled pass over every report's pinned rows, a part each run
PINNED_RUN = 2_000  # reports a run of that pass judges: ~1.6 s at ~0.8 ms a report, 300,000 reports in 2.5 hours
SEALS_PAGE = 1000  # seals `verify` reads at a time


@dataclass
class NotesCheck:
    """The tablet notes against their `note_added`/`note_removed` events (`verify` only). `not_recorded`: notes
    with no `note_added` event, written before notes were recorded in events; they cannot be judged, and are not
    a problem."""

    checked: int = 0
    not_recorded: int = 0
    altered: list[uuid.UUID] = field(default_factory=list)
    missing: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Verdict:
    """What verification found. `intact` means nothing sealed was changed; pending rows are not yet sealed."""

    seals: list[LedgerSeal] = field(default_factory=list)
    sealed: int = 0
    pending: int = 0
    altered: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    missing: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    broken_seals: list[tuple[int, str]] = field(default_factory=list)
    # entries whose scope's chain is broken before them (chain.unlinked): the entry before was removed or changed
    unlinked: list[tuple[str, int]] = field(default_factory=list)
    notes: NotesCheck = field(default_factory=NotesCheck)
    count: int = 0  # seals checked (`verify`, which may keep no list of them)
    head: LedgerSeal | None = None  # the last seal `verify` checked
    # where each altered or missing row was: its scope ("report:<id>") and the seal that holds its entry
    located: dict[tuple[str, uuid.UUID], tuple[str, int]] = field(default_factory=dict)
    # the report whose sealed events pin each altered or missing row that no seal holds (`check_pinned`)
    pinned_by: dict[tuple[str, uuid.UUID], uuid.UUID] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not (self.altered or self.missing or self.broken_seals or self.unlinked or self.notes.altered
                    or self.notes.missing)


async def entries_of(session: AsyncSession, where: Any) -> list[Entry]:
    rows = await session.execute(sa.select(ENTRIES.c.table_name, ENTRIES.c.row_id, ENTRIES.c.scope,
                                           ENTRIES.c.row_hash, ENTRIES.c.seal_id, ENTRIES.c.scope_seq,
                                           ENTRIES.c.scope_prev).where(where))
    return [(table, row_id, scope, digest, seal_id, seq, prev)
            for table, row_id, scope, digest, seal_id, seq, prev in rows]


async def rows_of(session: AsyncSession, name: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, Mapping[Any, Any]]:
    """The rows of a protected table with these ids, as they are now."""
    spec = protected().get(name)
    found: dict[uuid.UUID, Mapping[Any, Any]] = {}
    if spec is not None:
        for start in range(0, len(ids), 1000):
            result = await session.execute(sa.select(spec.table).where(
                uuid_in(session, spec.table.c.id, ids[start:start + 1000])))
            found.update({row["id"]: row for row in result.mappings()})
    return found


async def _check_rows(session: AsyncSession, entries: list[Entry], layouts: Mapping[int, Mapping[str, Any]],
                      verdict: Verdict) -> None:
    """Each entry's row, hashed again with the columns its seal hashed."""
    for name in sorted({table for table, *_ in entries}):
        wanted = {row_id: (digest, seal_id, scope) for table, row_id, scope, digest, seal_id, *_ in entries
                  if table == name}
        found = await rows_of(session, name, list(wanted))
        for row_id, (digest, seal_id, scope) in wanted.items():
            row = found.get(row_id)
            columns = layouts.get(seal_id, {}).get(name, [])
            if row is None:
                verdict.missing.append((name, row_id))
            elif seal_id not in layouts:
                # its seal is gone (`numbering`): which columns it hashed is gone with it, and hashed over none the
                # row would be called altered whatever it holds. Neither sealed nor altered: its seal is the finding
                continue
            elif not all(column in row for column in columns) or not equal(row_hash(name, columns, row), digest):
                verdict.altered.append((name, row_id))
            else:
                verdict.sealed += 1
                continue
            verdict.located[(name, row_id)] = (scope, seal_id)


async def _check_seal(session: AsyncSession, secret_keys: tuple[str, ...], seal: LedgerSeal, verdict: Verdict,
                      previous_mac: str | None = None) -> tuple[list[Entry], int | None]:
    """One seal's MAC, signature, and digest and root over all its entries (and, given `previous_mac`, its link to
    the seal before it); returns the entries and the key ring position of the key that made it."""
    if previous_mac is not None and not equal(seal.prev_mac, previous_mac):
        verdict.broken_seals.append((seal.id, "chain"))
    position = made_by(secret_keys, seal)
    if position is None:
        # "key": the key it names is not configured, and without it a forged seal and a true one look alike
        named = seal.key_id is None or seal.key_id in {key_id(key) for key in secret_keys}
        verdict.broken_seals.append((seal.id, "mac" if named else "key"))
    elif seal.signature is not None and not seal_signature_valid(seal_public_key(secret_keys[position]),
                                                                  header(seal), seal.signature):
        verdict.broken_seals.append((seal.id, "signature"))
    entries = await entries_of(session, ENTRIES.c.seal_id == seal.id)
    digest, root = fingerprints(entries)
    if len(entries) != seal.rows or not equal(digest, seal.digest):
        verdict.broken_seals.append((seal.id, "digest"))
    if seal.root is not None and not equal(root, seal.root):
        verdict.broken_seals.append((seal.id, "root"))
    return entries, position


def _check_signature_chain(seal: LedgerSeal, previous_signature: str | None, verdict: Verdict) -> None:
    """Signatures, once they began, never stop, and each seal names the signature before it. The MAC cannot be
    relied on for this: it does not cover the seal's own signature, so a superuser without the key could strip
    one (or move fields about) and have the seal pass as one made before seals were signed."""
    if seal.signature is None and (seal.root is not None or previous_signature is not None):
        verdict.broken_seals.append((seal.id, "signature"))
    if seal.prev_signature != previous_signature and (seal.id, "chain") not in verdict.broken_seals:
        verdict.broken_seals.append((seal.id, "chain"))


async def pending(session: AsyncSession, report_id: uuid.UUID | None = None) -> int:
    """Rows with no entry yet (of one report, or all of them)."""
    count = 0
    for name, spec in protected().items():
        query = sa.select(sa.func.count()).select_from(spec.table).where(no_entry(name, spec.table))
        if report_id is not None:
            query = query.where(spec.of_report(report_id))
        count += int(await session.scalar(query) or 0)
    return count


async def verify(session: AsyncSession, secret_keys: tuple[str, ...], *, keep_seals: bool = True) -> Verdict:
    """The whole record: every seal in order, every sealed row, and how many rows await a seal. The seals are read
    SEALS_PAGE at a time; `keep_seals=False` (`zan ledger verify`) keeps only their count and the head, not each
    seal (a seal a minute is half a million a year)."""
    verdict = Verdict()
    if not is_postgres(session):
        # On SQLite every transaction began IMMEDIATE (backend/db.py), and this one held the one write lock for the
        # whole chain: past busy_timeout (30 s; a few hundred thousand rows) every write meanwhile failed (503).
        # Read in a deferred transaction instead: under WAL one snapshot, as of its first read, that blocks no
        # writer, and this check writes nothing. Simpler than committing between pages, and sounder: a page of
        # seals can itself hold rows enough to pass the timeout, and one snapshot keeps the chain, the head, the
        # stored tree and the pending count of one moment, where seals and rows committed between pages would be
        # read half (the chain going on past the head the tree was read at, rows counted pending then sealed).
        # Its cost: WAL checkpoints cannot pass the snapshot while it lasts, so the WAL file grows by what is
        # written meanwhile. PostgreSQL is left as it was: its reads take no lock a writer waits for.
        await _read_alone(session)
    chain = _Chain(key=len(secret_keys))
    replay = heads.Replay()  # every scope's head, seal by seal, against each seal's signed state root
    numbered = True
    while page := list(await session.scalars(sa.select(LedgerSeal).where(col(LedgerSeal.id) > chain.seal)
                                             .order_by(col(LedgerSeal.id)).limit(SEALS_PAGE))):
        for seal in page:
            numbered &= seal.id == verdict.count + 1  # a seal deleted from the middle of the chain
            chain = await _check_next(session, secret_keys, seal, chain, verdict, replay)
            verdict.count, verdict.head = verdict.count + 1, seal
            if keep_seals:  # else let go of (the session's identity map holds them weakly)
                verdict.seals.append(seal)
    # …or from its end with its entries left behind (they name it)
    after_head = sa.select(ENTRIES.c.seal_id).where(ENTRIES.c.seal_id > verdict.count).limit(1)
    if not numbered or await session.scalar(after_head) is not None:
        verdict.broken_seals.append((0, "numbering"))
    head = verdict.head
    if chain.position and head is not None:  # the head checks, but under an earlier key
        verdict.broken_seals.append((head.id, "head_key"))
    # the stored tree is what proofs and the next seal read: one changed by hand leaves every seal checking (the
    # sealer rebuilds it, state.holds), so only this shows the hand
    if head is not None and head.state_root is not None and await heads.stored_differs(session, head, replay.tree):
        verdict.broken_seals.append((head.id, "tree"))
    verdict.pending = await pending(session)
    await check_pinned(session, verdict)
    return verdict


async def check_pinned(session: AsyncSession, verdict: Verdict, batch: int = PINNED_BATCH) -> None:
    """Every report's unsealed rows against the sealed events that pin them, by the rules the report's history
    applies (backend.ledger.pinned), `batch` reports at a time: a submission, a file sent later or a custody record
    that no longer matches goes under `altered`/`missing` as the sealed rows do, the tablet notes under `notes`. Only
    `verify` runs it, not the scheduled `check_onward`: these rows are part of no seal, and that check's runs are
    sized in sealed rows."""
    await _read_alone(session)  # each batch in a snapshot of its own, as check_pinned_onward reads them
    async for judged in pinned.walk(session, batch):
        _fold(verdict, judged)
        await _read_alone(session)


async def _read_alone(session: AsyncSession) -> None:
    """End the session's transaction (`verify`'s write nothing) and begin the next as one snapshot that writes
    nothing: REPEATABLE READ on PostgreSQL (`snapshot`); on SQLite a deferred transaction (db.SQLITE_READ_ONLY), a
    snapshot under WAL that takes no write lock, so the service's writers are not held up while `verify` reads."""
    await session.commit()
    if is_postgres(session):
        await snapshot(session)
    else:
        await session.connection(execution_options={SQLITE_READ_ONLY: True})


def _fold(verdict: Verdict, judged: Mapping[uuid.UUID, pinned.Found]) -> None:
    """A batch of judged reports into the verdict: their rows under `altered`/`missing`, their notes apart."""
    for report_id, found in judged.items():
        for rows, into, notes in ((found.altered, verdict.altered, verdict.notes.altered),
                                  (found.missing, verdict.missing, verdict.notes.missing)):
            for table, row_id in rows:
                if table == NOTES:  # reported apart, as before the other rows were checked here
                    notes.append(row_id)
                else:
                    into.append((table, row_id))
                    verdict.pinned_by[(table, row_id)] = report_id
        verdict.notes.checked += found.notes_recorded
        verdict.notes.not_recorded += found.notes - found.notes_recorded


async def check_pinned_onward(session: AsyncSession, *, every: timedelta, reports: int = PINNED_RUN,
                              batch: int = PINNED_BATCH) -> Verdict:
    """`check_pinned`, in parts, as `check_onward` checks the chain: each run judges the next `reports` reports (in
    the order of their ids) after its checkpoint and commits the checkpoint after each batch, so a run cut off goes
    on from there. Past the last report the cycle is finished; the next begins at the first once `every` has passed
    since this one began. What it finds is logged at ERROR and counted in the checkpoint (`problems`; the last
    finished cycle's summary is carried under `LAST` while the next runs, so /health and the metric stay failing
    until a cycle passes clean).

    Without it only `zan ledger verify`, run by hand, saw a report's text, a file sent later, a custody record or a
    note changed in the database: these rows change in place, so no seal holds them, and the scheduled chain check
    never read them. The checkpoint holds no verdict: moved ahead, it skips reports for one cycle only."""
    now = utcnow()
    checkpoint = await session.get(LedgerCheckpoint, PINNED)
    last = last_cycle(checkpoint)
    place = _pinned_place(checkpoint) if checkpoint is not None and checkpoint.finished_at is None else None
    if checkpoint is not None and place is not None:
        started, done, (after, problems) = checkpoint.started_at, checkpoint.rows_read, place
    elif (checkpoint is None or checkpoint.finished_at is None
          or not timedelta(0) <= now - checkpoint.started_at < every):
        started, done, after, problems = now, 0, None, 0
    else:  # this cycle is done, and the next not due
        await session.commit()
        return Verdict()
    await session.commit()  # (the checkpoint's read) each batch is read in a snapshot of its own
    await snapshot(session)
    verdict, run = Verdict(), 0
    async for judged in pinned.walk(session, batch, after):
        before = _found_so_far(verdict)
        _fold(verdict, judged)
        found = _found_since(verdict, before)
        if found:
            log.error("ledger: rows no seal holds no longer match the sealed events that pin them (found by the "
                      "scheduled check): %s; run `zan ledger verify`", ", ".join(found))
        after, problems = list(judged)[-1], problems + len(found)
        run, done = run + len(judged), done + len(judged)
        await _keep_place(session, started, after, problems, done, last, finished_at=None)
        if run >= reports:
            break
        await snapshot(session)
    else:  # past the last report
        await _keep_place(session, started, after, problems, done, last, finished_at=utcnow())
    return verdict


def _findings(verdict: Verdict) -> tuple[tuple[list[Any], Callable[[Any], str]], ...]:
    """Each kind of finding a verdict holds, with how the scheduled passes' ERROR line says one."""
    return ((verdict.altered, lambda row: f"{row[0]} {row[1]} altered"),
            (verdict.missing, lambda row: f"{row[0]} {row[1]} missing"),
            (verdict.notes.altered, lambda note_id: f"{NOTES} {note_id} altered"),
            (verdict.notes.missing, lambda note_id: f"{NOTES} {note_id} missing"),
            (verdict.broken_seals, lambda broken: f"seal {broken[0]}: {broken[1]}"),
            (verdict.unlinked, lambda link: f"{link[0]} entry {link[1]}: the entry before it is gone or changed"))


def _found_so_far(verdict: Verdict) -> tuple[int, ...]:
    return tuple(len(found) for found, _ in _findings(verdict))


def _found_since(verdict: Verdict, before: tuple[int, ...]) -> list[str]:
    """What a verdict found since `_found_so_far` gave `before` (one seal's check, one batch of reports), said."""
    return [say(item) for (found, say), start in zip(_findings(verdict), before, strict=True)
            for item in found[start:]]


async def snapshot(session: AsyncSession) -> None:
    """Begin the session's next transaction as one snapshot on PostgreSQL (REPEATABLE READ): `pinned.walk` reads a
    batch's events, files, notes and custody records in separate statements (and a report's history reads its own
    the same way, backend.dispatch.history), and under READ COMMITTED a report assigned or commented on between
    them showed a custody record or a file without the event that pins it (both are committed together): a false
    alarm of tampering, logged at ERROR and failing /health for the whole cycle. SQLite's transactions are
    serialised (BEGIN IMMEDIATE) already. Call it before the transaction's first statement."""
    if is_postgres(session):
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def _keep_place(session: AsyncSession, started: datetime, after: uuid.UUID | None, problems: int, done: int,
                      last: dict[str, Any] | None, *, finished_at: datetime | None) -> None:
    state: dict[str, Any] = {"after": str(after) if after is not None else None, "problems": problems}
    if last is not None:
        state[LAST] = last
    await session.merge(LedgerCheckpoint(name=PINNED, started_at=started, positions=state, rows_read=done,
                                         finished_at=finished_at, updated_at=utcnow()))
    await session.commit()


def _pinned_place(checkpoint: LedgerCheckpoint) -> tuple[uuid.UUID | None, int] | None:
    """An unfinished cycle of the pinned check: the last report it judged and the problems found so far; None when
    the checkpoint cannot be read (written by hand): a new cycle then starts at the first report."""
    state = checkpoint.positions if isinstance(checkpoint.positions, dict) else {}
    try:
        after = None if state["after"] is None else uuid.UUID(str(state["after"]))
        if not isinstance(state["problems"], int):
            raise TypeError(state)
    except (KeyError, TypeError, ValueError):
        log.warning("ledger: the pinned check's checkpoint cannot be read (changed outside the service?); checking "
                    "from the first report afresh")
        return None
    return after, state["problems"]


async def pinned_progress(session: AsyncSession) -> LedgerCheckpoint | None:
    """Where the scheduled check of the pinned rows stands (None before its first run)."""
    return await session.get(LedgerCheckpoint, PINNED)


def found_problems(checkpoint: LedgerCheckpoint | None) -> int:
    """What a scheduled pass's checkpoint says it found: its current cycle's count, or, while a cycle runs, the last
    finished cycle's when larger (a new cycle has not reached them yet)."""
    state = checkpoint.positions if checkpoint is not None and isinstance(checkpoint.positions, dict) else {}
    counts = [state.get("problems"), (last_cycle(checkpoint) or {}).get("problems")]
    return max((count for count in counts if isinstance(count, int) and count > 0), default=0)


@dataclass(frozen=True)
class _Chain:
    """What the next seal is checked against: the seal before it, as checked."""

    seal: int = 0
    mac: str = GENESIS
    signature: str | None = None
    key: int = 0  # the newest key (its place in the ring) that made a seal so far
    position: int | None = None  # the place of the key that made the seal before


async def _check_next(session: AsyncSession, secret_keys: tuple[str, ...], seal: LedgerSeal, chain: _Chain,
                      verdict: Verdict, replay: heads.Replay | None = None) -> _Chain:
    """One seal of the chain in order, and its rows; what the seal after it is checked against. With `replay`
    (the state as of the seal before, from seal 1 on) its state root is recomputed too."""
    entries, position = await _check_seal(session, secret_keys, seal, verdict, chain.mac)
    if replay is not None:
        recomputed = replay.seal(entries)
        if seal.state_root is not None and not equal(recomputed, seal.state_root):
            verdict.broken_seals.append((seal.id, "state"))
    await _check_rows(session, entries, {seal.id: seal.layout}, verdict)
    verdict.unlinked += await scope_chain.unlinked(session, entries)
    _check_signature_chain(seal, chain.signature, verdict)
    # keys only move forward along the chain, and the head is under the current key (the sealer moves it there
    # after a rotation): a holder of an earlier key cannot re-make the seals made after the rotation. A key's age
    # is its place in the ring: ZAN_PREVIOUS_SECRET_KEYS runs newest first (README), or this reads as tampering
    if position is not None and position > chain.key:
        verdict.broken_seals.append((seal.id, "key_order"))
    return _Chain(seal=seal.id, mac=seal.mac, signature=seal.signature or chain.signature,
                  key=min(chain.key, len(secret_keys) if position is None else position), position=position)


async def verify_report(session: AsyncSession, secret_keys: tuple[str, ...], report_id: uuid.UUID) -> Verdict:
    """One report's record: its sealed rows, the seals that hold them (MAC, signature and full digest, and their
    links to the seal before each: the MAC and the signature it names), and its pending rows."""
    verdict = Verdict()
    entries = await entries_of(session, ENTRIES.c.scope == f"report:{report_id}")
    seal_ids = sorted({entry[4] for entry in entries})
    verdict.seals = list(await session.scalars(sa.select(LedgerSeal).where(col(LedgerSeal.id).in_(seal_ids))
                                               .order_by(col(LedgerSeal.id))))
    if [seal.id for seal in verdict.seals] != seal_ids:  # an entry whose seal is gone
        verdict.broken_seals.append((0, "numbering"))
    before = {seal.id: seal for seal in await session.scalars(sa.select(LedgerSeal).where(
        col(LedgerSeal.id).in_({seal_id - 1 for seal_id in seal_ids if seal_id > 1})))}
    for seal in verdict.seals:
        # the seal before each, not the whole chain (`verify`'s): its MAC under its own key does not cover its
        # signature, so only the signature chain shows one stripped (the seal's own root or `prev_signature`, or
        # the next seal naming the signature its predecessor lost)
        previous = before.get(seal.id - 1)
        if seal.id > 1 and previous is None:
            verdict.broken_seals.append((seal.id, "chain"))
        await _check_seal(session, secret_keys, seal, verdict,
                          GENESIS if seal.id == 1 else previous.mac if previous else None)
        _check_signature_chain(seal, previous.signature if previous else None, verdict)
    await _check_rows(session, entries, {seal.id: seal.layout for seal in verdict.seals}, verdict)
    verdict.unlinked += await scope_chain.unlinked(session, entries)
    await _check_end(session, f"report:{report_id}", entries, verdict)
    verdict.pending = await pending(session, report_id)
    return verdict


async def _check_end(session: AsyncSession, scope: str, entries: list[Entry], verdict: Verdict) -> None:
    """The report's chain ends at its last entry as of the newest seal's signed state: nothing after it was
    removed (its seal, the one checked above, no longer holds the report's entries and so was not checked)."""
    head = (await session.execute(sa.select(col(LedgerSeal.id), col(LedgerSeal.state_root))
                                  .order_by(col(LedgerSeal.id).desc()).limit(1))).first()
    tree = await session.scalar(sa.select(heads.NODES.c.place).where(heads.NODES.c.place == "").limit(1))
    # no seal since migration x2 (from the first with a state, each has one)
    if (head is None or head.state_root is None) and tree is None:
        return
    found = await heads.sealed_end(session, scope)
    if found is None:
        verdict.broken_seals.append((0, "end"))
        return
    seal, end = found
    assert seal.state_root is not None
    if head is not None and seal.id != head.id:
        # the stored tree is an older seal's: read in one snapshot (the history's), it is the newest seal's unless
        # put back by hand, and the end it shows would pass a last entry deleted since, entry and row together
        verdict.broken_seals.append((head.id, "end"))
        return
    if not heads.ends_at(end, scope, [entry for entry in entries if entry[4] <= seal.id], seal.state_root):
        verdict.broken_seals.append((seal.id, "end"))


async def check_onward(session: AsyncSession, secret_keys: tuple[str, ...], *, every: timedelta,
                       rows: int = CHECK_ROWS) -> Verdict:
    """`verify`, in parts: each run checks the seals after the last one checked (its checkpoint), seal by seal as
    `verify` does, about `rows` sealed rows in all, and commits the checkpoint after each seal, so a run cut off
    goes on from there. At the head the cycle is finished; the next begins at seal 1 once `every` has passed since
    this one began. What it finds is logged at ERROR (logs leave the database's reach) and counted in the
    checkpoint; `verify` and the history show it too.

    Why the checkpoint cannot hide a change: it holds the MAC and signature of the last seal checked, which the
    next seal must name. Rewritten, it makes that link fail (a false alarm, never a silence); moved ahead, it skips
    seals for this cycle only, and every cycle starts again at seal 1 and the genesis MAC whatever it says; its
    problem count reset, the problems were logged when found. Its limits: a change made behind the pass is found
    by the next cycle only (a cycle's length after), and one undone before a pass reaches it is not found at all;
    a holder of the key can re-make seals consistently (`zan ledger check-chain`, with a pinned seal, is for that);
    and the newest seals removed together with their entries leave a shorter chain that checks (their MACs in the
    log, or a quoted head, show it). The seals' state roots are recomputed by `verify` only: that replays every
    scope's head from seal 1 on, which a run resumed at a later seal does not hold."""
    now = utcnow()
    checkpoint = await session.get(LedgerCheckpoint, CHECK)
    resumed = None if checkpoint is None or checkpoint.finished_at is not None else _resumed(checkpoint)
    last = last_cycle(checkpoint)
    if checkpoint is not None and resumed is not None:
        started, done, (chain, problems) = checkpoint.started_at, checkpoint.rows_read, resumed
    # a start in the future (a clock set back, or a hand) would otherwise put off every later cycle
    elif (checkpoint is None or checkpoint.finished_at is None
          or not timedelta(0) <= now - checkpoint.started_at < every):
        started, done, chain, problems = now, 0, _Chain(key=len(secret_keys)), 0
    else:  # this cycle is done, and the next not due
        await session.commit()
        return Verdict()
    verdict, run = Verdict(), 0
    while run < rows:
        seal = await session.scalar(sa.select(LedgerSeal).where(col(LedgerSeal.id) > chain.seal)
                                    .order_by(col(LedgerSeal.id)).limit(1))
        before = _found_so_far(verdict)
        if seal is None:  # the head: entries naming a seal past it, and the head's key, as `verify` checks them
            after_head = sa.select(ENTRIES.c.seal_id).where(ENTRIES.c.seal_id > chain.seal).limit(1)
            if await session.scalar(after_head) is not None:
                verdict.broken_seals.append((0, "numbering"))
            if chain.position:
                verdict.broken_seals.append((chain.seal, "head_key"))
        else:
            if seal.id != chain.seal + 1:  # a seal deleted
                verdict.broken_seals.append((0, "numbering"))
            chain = await _check_next(session, secret_keys, seal, chain, verdict)
            verdict.seals.append(seal)
            run, done = run + max(seal.rows, 1), done + seal.rows
        found = _found_since(verdict, before)
        if found:
            log.error("ledger: the sealed record was changed (found by the scheduled check at seal %s): %s; run "
                      "`zan ledger verify`", chain.seal, ", ".join(found))
        problems += len(found)
        state: dict[str, Any] = {**asdict(chain), "problems": problems}
        if last is not None:
            state[LAST] = last
        await session.merge(LedgerCheckpoint(
            name=CHECK, started_at=started, positions=state, rows_read=done,
            finished_at=utcnow() if seal is None else None, updated_at=utcnow()))
        await session.commit()
        if seal is None:
            break
    return verdict


async def check_progress(session: AsyncSession) -> LedgerCheckpoint | None:
    """Where the scheduled check of the chain stands (None before its first run)."""
    return await session.get(LedgerCheckpoint, CHECK)


def last_cycle(checkpoint: LedgerCheckpoint | None) -> dict[str, Any] | None:
    """What the last finished cycle found, kept in the checkpoint while the next one runs (`LAST`): the cycle in
    the checkpoint when it is finished, else what it carried. Without it a new cycle would reset the count of
    problems to 0 until it reached them again, and a metric alerting on it would go quiet meanwhile."""
    if checkpoint is None or not isinstance(checkpoint.positions, dict):
        return None
    if checkpoint.finished_at is None:
        carried = checkpoint.positions.get(LAST)
        return carried if isinstance(carried, dict) else None
    return {"finished_at": as_utc(checkpoint.finished_at).isoformat(), "seal": checkpoint.positions.get("seal"),
            "rows": checkpoint.rows_read, "problems": checkpoint.positions.get("problems")}


def _resumed(checkpoint: LedgerCheckpoint) -> tuple[_Chain, int] | None:
    """An unfinished cycle's place and the problems it found so far; None when the checkpoint cannot be read
    (written by hand): a new cycle then starts at seal 1."""
    state = checkpoint.positions
    try:
        chain = _Chain(**{name: state[name] for name in ("seal", "mac", "signature", "key", "position")})
        if not (isinstance(chain.seal, int) and isinstance(chain.mac, str) and isinstance(chain.key, int)
                and isinstance(state["problems"], int)):
            raise TypeError(state)
    except (KeyError, TypeError):
        log.warning("ledger: the check's checkpoint cannot be read (changed outside the service?); checking the "
                    "chain afresh from its first seal")
        return None
    return chain, state["problems"]
