"""Each scope's chain inside the record (a report's rows: "report:<id>"): its entries numbered 1, 2, 3… in sealing
order, each naming the leaf hash (merkle.leaf_hash) of the scope's entry before it, GENESIS for the first.

A proof of a report's rows showed that each row it lists was sealed, not that it lists them all: an entry left out
of it (or removed from the database with its row) left no trace in it. With the chain the proof lists entries
k…n, contiguous and linked, each under a signed root; leaving out or removing a middle entry breaks the numbering or
the link of the entry after it, which the signed roots pin. What it cannot show on its own is the end of the chain:
entries after the last one listed. Each seal's signed state root (backend/ledger/state.py) shows that.

Numbers are given by the sealer, not by whoever appends a row: sealers run one at a time (the advisory lock in
service._seal_once on PostgreSQL; on SQLite the database's single writer, and a second sealer's numbers collide
with the unique index and its seal is rolled back), so two transactions appending to one report at once need no
lock of their own, and no number is taken by a transaction that then rolls back.

Entries sealed before the chains (migration v1_ledger_report_chain) stay as they were sealed: a scope's chain then
starts at k = its earlier entries + 1, and a proof says so."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import is_postgres
from backend.ledger import merkle
from backend.ledger.record import ENTRIES, GENESIS, Entry, line_of

CHUNK = 400  # scopes (or scope and number pairs) per query: SQLite's bound parameters
SEQ, PREV = ENTRIES.c.scope_seq, ENTRIES.c.scope_prev


def link(entry: Entry) -> str:
    """What the scope's next entry names as its previous: this entry's leaf hash."""
    return merkle.leaf_hash(line_of(entry)).hex()


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    return (values[start:start + CHUNK] for start in range(0, len(values), CHUNK))


def _scope_in(session: AsyncSession, scopes: Sequence[str]) -> Any:
    """`scope IN scopes`; on PostgreSQL one array parameter, as db.uuid_in (an IN list of hundreds of parameters is
    planned anew each time: it made sealing a backlog 2.5 times slower in bench/ledger.py)."""
    if is_postgres(session):
        return ENTRIES.c.scope == sa.func.any(sa.bindparam("scopes", list(scopes), type_=ARRAY(sa.String())))
    return ENTRIES.c.scope.in_(scopes)


def _places(session: AsyncSession, places: Sequence[tuple[str, int]]) -> Any:
    """The entries at these (scope, seq) places: a join on the two arrays unnested on PostgreSQL, a row-value IN
    list on SQLite."""
    columns = (ENTRIES.c.table_name, ENTRIES.c.row_id, ENTRIES.c.scope, ENTRIES.c.row_hash, ENTRIES.c.seal_id, SEQ,
               PREV)
    if not is_postgres(session):
        return sa.select(*columns).where(sa.tuple_(ENTRIES.c.scope, SEQ).in_(places))
    wanted = sa.func.unnest(sa.bindparam("scopes", [scope for scope, _ in places], type_=ARRAY(sa.String())),
                            sa.bindparam("seqs", [seq for _, seq in places], type_=ARRAY(sa.Integer()))
                            ).table_valued("scope", "seq").render_derived()
    return sa.select(*columns).join(wanted, sa.and_(ENTRIES.c.scope == wanted.c.scope, wanted.c.seq == SEQ))


def _last_of(session: AsyncSession, scopes: Sequence[str]) -> Any:
    """Each scope's last chained entry. On PostgreSQL one backward probe of the (scope, seq) index per scope (a
    LATERAL join over the array): a join with the grouped maximum was hashed over the whole table there, 0.7 s a
    seal at 40,000 entries in bench/ledger.py, and growing with the record."""
    columns = (ENTRIES.c.table_name, ENTRIES.c.row_id, ENTRIES.c.scope, ENTRIES.c.row_hash, ENTRIES.c.seal_id, SEQ,
               PREV)
    if is_postgres(session):
        wanted = sa.func.unnest(sa.bindparam("scopes", list(scopes), type_=ARRAY(sa.String()))
                                ).table_valued("scope").render_derived()
        last = (sa.select(*columns).where(ENTRIES.c.scope == wanted.c.scope, SEQ.is_not(None))
                .order_by(SEQ.desc()).limit(1).lateral())
        return sa.select(last).select_from(wanted).join(last, sa.true())
    top = (sa.select(ENTRIES.c.scope, sa.func.max(SEQ).label("seq"))
           .where(ENTRIES.c.scope.in_(scopes), SEQ.is_not(None)).group_by(ENTRIES.c.scope).subquery())
    return sa.select(*columns).join(top, sa.and_(ENTRIES.c.scope == top.c.scope, top.c.seq == SEQ))


async def _heads(session: AsyncSession, scopes: Sequence[str]) -> dict[str, Entry]:
    """Each scope's last chained entry."""
    heads: dict[str, Entry] = {}
    for chunk in _chunks(scopes):
        rows = await session.execute(_last_of(session, chunk))
        heads.update({row[2]: tuple(row) for row in rows})  # type: ignore[misc]
    return heads


async def _unchained(session: AsyncSession, scopes: Sequence[str]) -> dict[str, int]:
    """How many entries each scope has from before the chains."""
    counts: dict[str, int] = {}
    for chunk in _chunks(scopes):
        rows = await session.execute(sa.select(ENTRIES.c.scope, sa.func.count())
                                     .where(_scope_in(session, chunk), SEQ.is_(None)).group_by(ENTRIES.c.scope))
        counts.update({scope: int(count) for scope, count in rows})
    return counts


async def chained(session: AsyncSession, entries: Sequence[tuple[Entry, Any]]) -> list[Entry]:
    """A new seal's entries with their places in their scopes' chains. `entries` pairs each (unchained) entry with
    the order it takes in its scope: its row's time, then table and id. Runs under the sealer's lock."""
    by_scope: dict[str, list[tuple[Any, Entry]]] = defaultdict(list)
    for unchained, order in entries:
        by_scope[unchained[2]].append((order, unchained))
    scopes = sorted(by_scope)
    heads = await _heads(session, scopes)
    earlier = await _unchained(session, [scope for scope in scopes if scope not in heads])
    out: list[Entry] = []
    for scope in scopes:
        head = heads.get(scope)
        seq, prev = (head[5] or 0, link(head)) if head is not None else (earlier.get(scope, 0), GENESIS)
        for _, (table, row_id, _, digest, seal_id, *_) in sorted(by_scope[scope], key=lambda pair: pair[0]):
            seq += 1
            entry: Entry = (table, row_id, scope, digest, seal_id, seq, prev)
            out.append(entry)
            prev = link(entry)
    return out


async def unlinked(session: AsyncSession, entries: Sequence[Entry]) -> list[tuple[str, int]]:
    """The chained entries among `entries` whose previous entry is gone, or is not the entry they name (its line
    changed), or was sealed after them; and a chain's first entry where one comes before it: (scope, seq)."""
    chained_ = [entry for entry in entries if entry[5] is not None]
    # each one's place before it: (scope, seq − 1), one probe of the unique index per entry
    wanted = sorted({(entry[2], entry[5] - 1) for entry in chained_ if entry[5] is not None and entry[5] > 1})
    before: dict[tuple[str, int], Entry] = {}
    for chunk in _chunks(wanted):
        rows = await session.execute(_places(session, chunk))
        before.update({(row[2], row[5]): tuple(row) for row in rows})  # type: ignore[misc]
    broken: list[tuple[str, int]] = []
    for entry in chained_:
        scope, seal_id, seq, prev = entry[2], entry[4], entry[5], entry[6]
        assert seq is not None
        previous = before.get((scope, seq - 1))
        if prev == GENESIS:
            ok = previous is None
        else:
            ok = previous is not None and previous[4] <= seal_id and link(previous) == prev
        if not ok:
            broken.append((scope, seq))
    return broken


def _entries(seqs: Sequence[int]) -> str:
    return f"entry {seqs[0]}" if len(seqs) == 1 else f"entries {', '.join(map(str, seqs))}"


def gaps(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """For an offline checker: the chain of one report as a proof lists it (each row's `seq`, `prev` and, for a
    row that checked, its leaf `line`; rows sealed before the chains have no `seq`). What does not hold: a first
    entry naming GENESIS and, at k, the k − 1 rows from before the chains listed; numbers from there on without a
    gap or a repeat; each proven entry naming the leaf hash of the proven entry before it."""
    rows = list(rows)
    listed = sorted((row for row in rows if row.get("seq") is not None), key=lambda row: row["seq"])
    if not listed:
        return []
    problems: list[str] = []
    first = listed[0]
    if first.get("prev") is not None and first.get("prev") != GENESIS:
        problems.append(f"the report's chain starts at entry {first['seq']}, which names an entry before it: the "
                        f"entries before it are not in the proof (removed or hidden)")
    elif (earlier := sum(1 for row in rows if row.get("seq") is None)) < first["seq"] - 1 and "prev" not in first:
        # an unproven entry (its own problem) shows no link: whether entries came before it is not known
        problems.append(f"the report's chain starts at entry {first['seq']}, which is not proven: what came before "
                        f"it is not in the proof (removed or hidden, or sealed before chains began)")
    elif earlier < first["seq"] - 1:
        # a chain begun on a report with rows sealed before chains existed: the chain's first entry counts them
        problems.append(f"the report's chain starts at entry {first['seq']}: the {first['seq'] - 1} rows sealed "
                        f"before chains began should be in the proof, {earlier} are")
    seqs = [row["seq"] for row in listed]
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        absent = sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))
        repeated = sorted({seq for seq in seqs if seqs.count(seq) > 1})
        if absent:
            problems.append(f"{_entries(absent)} of the report's chain ({seqs[0]}…{seqs[-1]}) not in the proof: "
                            f"removed or hidden")
        if repeated:
            problems.append(f"{_entries(repeated)} of the report's chain listed twice")
    for previous, row in itertools.pairwise(listed):
        if row["seq"] != previous["seq"] + 1 or "line" not in previous or "line" not in row:
            continue  # a gap, said above; or an unproven entry, a problem of its own
        if row.get("prev") != merkle.leaf_hash(previous["line"]).hex():
            problems.append(f"entry {row['seq']} of the report's chain does not name entry {previous['seq']} as the "
                            f"entry before it")
    return problems
