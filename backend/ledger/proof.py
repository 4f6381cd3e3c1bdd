"""A report's proof: its sealed rows, each with its audit path up to a signed seal's Merkle root, and the seals'
signed fields. `build` reads it from the database; `check` verifies one with nothing but the public key, the way a
prosecutor's office or a court would, without trusting the database, the service or its secret. `check_chain`
follows the signed seals themselves, for a monitor that keeps the service from rewriting what it sealed.

Since zan-ledger-proof-v4 a proof also shows where the report's chain ends (`end`): the report's head in the newest
seal's signed state tree (backend/ledger/state.py) is the last entry it lists, so no later entry was left out. It
shows this as of that seal: a proof of an older seal than the newest one the reader knows of may still leave out
what came after it, which `limits` says beside the verdict.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.ledger import chain, heads, merkle, state
from backend.ledger.models import LedgerSeal
from backend.ledger.record import (
    ENTRIES,
    Entry,
    canonical,
    fingerprints,
    header,
    line_of,
    lines_of,
    made_by,
    protected,
    row_hash,
    seal_public_key,
    seal_signature_valid,
    signed_fields,
)
from backend.ledger.schemas import ProofEnd, ProofRow, ProofSeal, ReportProof, UnprovenRow, WithheldRow
from backend.ledger.service import LOOKBACK
from backend.ledger.verify import entries_of, pending, rows_of
from backend.lib.crypto import equal, key_id
from backend.reports import submission

FORMATS = ("zan-ledger-proof-v1", "zan-ledger-proof-v2", "zan-ledger-proof-v3", "zan-ledger-proof-v4",
           "zan-ledger-proof-v5")
ENDED = FORMATS[3:]  # the formats that show where the report's chain ends
WITHHOLDING = FORMATS[4]  # an anonymous report's proof that withholds rows (`withheld`); any other is a v4
# an honest row is sealed within a minute or two of its time: the minute's seal rereads LOOKBACK before its window,
# and twice that leaves room for a seal run that came late. A row sealed later than this could have been written
# at any time up to its seal (`late`)
LATE = 2 * LOOKBACK


def signed() -> tuple[Any, ...]:
    """What `signed_seal` needs of a seal, as a query's conditions (a monitor's page counts these seals only)."""
    return (col(LedgerSeal.signature).is_not(None), col(LedgerSeal.root).is_not(None),
            col(LedgerSeal.key_id).is_not(None))


def signed_seal(seal: LedgerSeal) -> ProofSeal | None:
    """The seal's signed fields and signature, as a proof or a monitor gets them; None for a seal made before
    signatures (only the keyed check can vouch for it)."""
    if seal.signature is None or seal.root is None or seal.key_id is None:
        return None
    return ProofSeal(**header(seal), signature=seal.signature)


async def first_signed(session: AsyncSession) -> LedgerSeal | None:
    """The seal signatures began with: the first that is signed and names no signature before it. The sealer
    chains every later seal to the one before (`prev_signature`), so it is the only one (and `_seal_once` will not
    sign on top of a head that lost its signature)."""
    return await session.scalar(sa.select(LedgerSeal).where(col(LedgerSeal.signature).is_not(None),
                                                            col(LedgerSeal.prev_signature).is_(None))
                                .order_by(col(LedgerSeal.id)).limit(1))


async def _before_signatures(session: AsyncSession, secret_keys: tuple[str, ...], seal: LedgerSeal,
                             first: LedgerSeal | None) -> bool:
    """Whether an unsigned seal is one made before seals were signed. Its MAC must check under a configured key and
    its digest over its entries: the MAC covers `root` and `prev_signature` whenever they were set, so a signed seal
    stripped of them no longer checks. It does not cover the signature itself, hence the place: every seal from the
    first signed one on was signed."""
    if seal.signature is not None or seal.root is not None or seal.prev_signature is not None:
        return False
    if (first is not None and seal.id >= first.id) or made_by(secret_keys, seal) is None:
        return False
    entries = await entries_of(session, ENTRIES.c.seal_id == seal.id)
    return len(entries) == seal.rows and equal(fingerprints(entries)[0], seal.digest)


def _unproven(entry: Entry, row: Mapping[Any, Any] | None, seal: LedgerSeal | None, early: bool) -> UnprovenRow:
    table, row_id, _, digest, seal_id, seq, _ = entry
    if row is None:
        why = "missing"
    elif seal is None or not early:  # its seal deleted, or stripped of its signature, or no longer checking
        why = "tampered"
    else:  # the service vouches for it with the key, and the checker checks only that it predates signatures
        columns = seal.layout.get(table, [])
        same = all(column in row for column in columns) and equal(row_hash(table, columns, row), digest)
        why = "unsigned" if same else "altered"
    return UnprovenRow(table=table, id=row_id, why=why, seal=seal_id, seq=seq)


async def _end(session: AsyncSession, scope: str) -> ProofEnd | None:
    """The scope's path in the newest signed seal's state tree; None when the service cannot show it."""
    found = await heads.sealed_end(session, scope)
    signed = None if found is None else signed_seal(found[0])
    if found is None or signed is None:
        return None
    node, key = found[1].node, state.key_of(scope)
    ends_at = "empty" if node is None else "head" if node.key == key else "other"
    return ProofEnd(seal=signed, ends_at=ends_at, siblings=[sibling.hex() for sibling in found[1].siblings],
                    other_key=node.key.hex() if ends_at == "other" and node and node.key else None,
                    other_value=node.value.hex() if ends_at == "other" and node and node.value else None)


def _names(value: Any, withhold: Collection[str]) -> bool:
    """Whether `value` (canonical JSON values) holds any of `withhold` anywhere in its text: a key, a value, nested."""
    text = json.dumps(value, ensure_ascii=False, default=str).lower()
    return any(secret.lower() in text for secret in withhold)


async def build(session: AsyncSession, secret_keys: tuple[str, ...], report_id: uuid.UUID, *,
                submitted: dict[str, Any] | None = None, withhold: Collection[str] = ()) -> ReportProof:
    """`submitted`: the report's submitted fields as they are now (backend.reports.submission), for the checker to
    compare with the hash its sealed `registered` event holds. The rows are those sealed up to the seal `end`
    shows the chain's end at (one sealed after it is left for the next proof, as a row not sealed yet is).

    `withhold`: what an anonymous report's proof must not show (its citizen's id, its files' original sha256). A
    row's hash is over all its columns as canonical JSON, and rows already sealed cannot be hashed again, so a row
    that holds any of them is listed by its sealed hash alone (`withheld`: its seal, its place in the chain and the
    chain's end still check), and the submission is left out when it holds one or its `registered` event is
    withheld (the checker could not compare it). The proof is then a zan-ledger-proof-v5."""
    scope = f"report:{report_id}"
    end = await _end(session, scope)
    about = ENTRIES.c.scope == scope
    entries = await entries_of(session, about if end is None else sa.and_(about, ENTRIES.c.seal_id <= end.seal.id))
    seals = {seal.id: seal for seal in await session.scalars(
        sa.select(LedgerSeal).where(col(LedgerSeal.id).in_({entry[4] for entry in entries})))}
    signed = {seal_id: out for seal_id, seal in seals.items() if (out := signed_seal(seal)) is not None}
    first = await first_signed(session) if set(seals) - set(signed) else None
    early = {seal_id for seal_id, seal in seals.items()
             if seal_id not in signed and await _before_signatures(session, secret_keys, seal, first)}
    found: dict[tuple[str, uuid.UUID], Mapping[Any, Any]] = {}
    for name in {table for table, *_ in entries}:
        rows = await rows_of(session, name, [row_id for table, row_id, *_ in entries if table == name])
        found.update({(name, row_id): row for row_id, row in rows.items()})
    paths: dict[str, tuple[int, list[str]]] = {}
    for seal_id in list(signed):  # each seal's whole tree, for the paths of this report's entries in it
        lines = lines_of(await entries_of(session, ENTRIES.c.seal_id == seal_id))
        if len(lines) != seals[seal_id].rows or merkle.root(lines) != seals[seal_id].root:
            # its entries are no longer those it signed (one deleted, added or rewritten): the tree they make now
            # gives paths that lead nowhere, which the checker would blame on each row's columns, intact or not.
            # Its rows are listed as tampered, as those of a seal stripped of its signature are
            del signed[seal_id]
            continue
        paths |= merkle.inclusion(lines, [line_of(entry) for entry in entries if entry[4] == seal_id])
    proven: list[ProofRow] = []
    unproven: list[UnprovenRow] = []
    hidden: list[WithheldRow] = []
    registered_hidden = False
    for entry in sorted(entries, key=lambda e: (e[4], e[0], str(e[1]))):
        table, row_id, scope, digest, seal_id, seq, prev = entry
        row = found.get((table, row_id))
        if seal_id not in signed or row is None:
            unproven.append(_unproven(entry, row, seals.get(seal_id), seal_id in early))
            continue
        body = json.loads(json.dumps({column: canonical(row[column]) for column in seals[seal_id].layout[table]},
                                     default=str))
        index, path = paths[line_of(entry)]
        if withhold and _names(body, withhold):
            if not equal(row_hash(table, list(body), body), digest):
                # changed since it was sealed: shown by its hash alone it would still check, so it is listed as what
                # it is (the checker fails the proof on it)
                unproven.append(UnprovenRow(table=table, id=row_id, why="altered", seal=seal_id, seq=seq))
                continue
            registered_hidden |= table == "report_events" and body.get("action") == "registered"
            hidden.append(WithheldRow(table=table, id=row_id, scope=scope, row_hash=digest, seal=seal_id,
                                      index=index, path=path, seq=seq, prev=prev))
            continue
        proven.append(ProofRow(table=table, id=row_id, scope=scope, body=body, seal=seal_id, index=index, path=path,
                               seq=seq, prev=prev))
    # left out when it names a file's original hash, or when the event that pins it is withheld (nothing to check
    # it against)
    dropped = submitted is not None and bool(withhold) and (registered_hidden or _names(submitted, withhold))
    if dropped and submitted is not None:
        # the checker can no longer compare the submission with the hash its sealed `registered` event pins: the
        # service does, holding both, before it vouches for the event. Edited since (the text of an anonymous
        # report, or a named one turned anonymous), the event is listed as `altered` and the proof does not check
        pinned = submission.pinned((row.get("action"), row.get("data")) for (table, _), row in found.items()
                                   if table == "report_events")
        if pinned is not None and not equal(submission.digest(submitted), pinned):
            def pins(table: str, row_id: uuid.UUID) -> bool:
                return table == "report_events" and found[(table, row_id)].get("action") == "registered"
            moved = [(each.table, each.id, each.seal, each.seq) for each in hidden if pins(each.table, each.id)]
            moved += [(each.table, each.id, each.seal, each.seq) for each in proven if pins(each.table, each.id)]
            unproven += [UnprovenRow(table=table, id=row_id, why="altered", seal=seal_id, seq=seq)
                         for table, row_id, seal_id, seq in moved]
            hidden = [each for each in hidden if not pins(each.table, each.id)]
            proven = [each for each in proven if not pins(each.table, each.id)]
    submitted = None if dropped else submitted
    # where signatures began, for the checker to place the rows listed as sealed before them
    anchor = signed_seal(first) if first is not None and any(row.why == "unsigned" for row in unproven) else None
    keys = {key_id(key): key for key in secret_keys}
    used = [signed[seal_id] for seal_id in sorted(signed)]
    made = ReportProof(
        report_id=report_id, rows=proven, seals=used,
        public_keys={seal.key_id: seal_public_key(keys[seal.key_id])
                     for seal in used + ([anchor] if anchor else []) + ([end.seal] if end else [])
                     if seal.key_id in keys},
        unproven=unproven, pending=await pending(session, report_id), submission=submitted, first_signed=anchor,
        chain_starts_at=min((entry[5] for entry in entries if entry[5] is not None), default=None), end=end)
    if hidden or dropped:  # any other proof stays the v4 it was, for the checkers that read v4 only
        made.withheld, made.format = hidden, WITHHOLDING
    return made


def _unsigned(seal: Mapping[str, Any], trusted: list[str]) -> list[str]:
    if any(seal_signature_valid(key, signed_fields(seal), seal["signature"]) for key in trusted):
        return []
    return [f"seal {seal['id']}: no trusted public key signed it"]


def _signatures_began(proof: Mapping[str, Any], trusted: list[str]) -> int | str:
    """The number of the seal signatures began with, as the proof shows it, or why it does not show it."""
    first = proof.get("first_signed")
    if proof.get("format", FORMATS[0]) == FORMATS[0]:
        return "a zan-ledger-proof-v1 does not show when signatures began (fetch the proof again)"
    if not isinstance(first, Mapping):
        return "the proof does not show when signatures began (no `first_signed`)"
    if first.get("prev_signature") is not None or not isinstance(first.get("id"), int) or _unsigned(first, trusted):
        return f"seal {first.get('id')} in `first_signed` is not the first seal a trusted key signed"
    return int(first["id"])


def _not_proven(proof: Mapping[str, Any], trusted: list[str]) -> list[str]:
    """The rows the proof lists as unproven. Only a row sealed before seals were signed is no problem, and the proof
    has to show that, not just say it: its seal is numbered before the first signed seal (`first_signed`, signed
    by a trusted key and naming no signature before it). A superuser can strip a seal's signature (neither its MAC
    nor its signature covers that), and its rows then looked just like those."""
    problems: list[str] = []
    unproven = proof.get("unproven", [])
    began = _signatures_began(proof, trusted) if any(row.get("why") == "unsigned" for row in unproven) else 0
    for row in unproven:
        where = f"{row['table']} {row['id']}"
        if row.get("why") == "missing":
            # a sealed row gone from the database is an erasure the record exists to show
            problems.append(f"{where}: sealed, and no longer in the database")
        elif row.get("why") != "unsigned":
            problems.append(f"{where}: sealed, and {row.get('why')} (see `zan ledger verify`)")
        elif isinstance(began, str):
            problems.append(f"{where}: listed as sealed before signatures, but {began}")
        elif not isinstance(row.get("seal"), int) or row["seal"] >= began:
            problems.append(f"{where}: listed as sealed before signatures, in seal {row.get('seal')}, but every seal "
                            f"from seal {began} on is signed")
    return problems


def _submission(proof: Mapping[str, Any]) -> list[str]:
    """The report's submission against the hash its sealed `registered` event holds. A report's first event is
    written with the report, so once any of its rows is proven (a signed seal came after its registration) that
    event must be proven too, or be one sealed before signatures: else the submission would go unchecked."""
    events = [(row["body"].get("action"), row["body"].get("data"))
              for row in proof.get("rows", []) if row["table"] == "report_events"]
    expected = submission.pinned(events)
    if expected is not None and proof.get("submission") is None and proof.get("format") == WITHHOLDING:
        return []  # an anonymous report's submission, withheld: `limits` says it is not shown
    if expected is not None:
        if proof.get("submission") is None or submission.digest(proof["submission"]) != expected:
            return ["the report's submission (text, place, time, files) is not what its first event sealed"]
        return []
    early_event = any(row["table"] == "report_events" and row.get("why") == "unsigned"
                      for row in proof.get("unproven", []))
    if (proof.get("submission") is not None and proof.get("rows") and not early_event
            and not any(action == "registered" for action, _ in events)):
        return ["the report's submission (text, place, time, files) is unchecked: its first event, which pins it, "
                "is not among the proven rows although later ones are"]
    return []


def check(proof: Mapping[str, Any], trusted_keys: Iterable[str]) -> list[str]:
    """What does not hold in `proof` (a decoded JSON document) against the trusted public keys (hex); [] when
    every row in it is proven: its columns hash to an entry that leads up to the root of a seal that one of the
    trusted keys signed, and the entry is about the proof's report; every row it does not prove was sealed before
    signatures, by its seal's place in the signed chain; and the report's submission is what its proven first
    event pinned."""
    trusted = list(trusted_keys)
    if proof.get("format", FORMATS[0]) not in FORMATS:
        return [f"an unknown proof format {proof.get('format')!r} (this checker reads {', '.join(FORMATS)})"]
    problems: list[str] = []
    seals = {seal["id"]: seal for seal in proof.get("seals", [])}
    lines: dict[tuple[str, str], str] = {}  # the leaf lines of the rows that check, for the chain
    for seal in seals.values():
        problems += _unsigned(seal, trusted)
    problems += _not_proven(proof, trusted)
    problems += _submission(proof)
    for row in [*proof.get("rows", []), *withheld(proof)]:
        where = f"{row['table']} {row['id']}"
        seal = seals.get(row["seal"])
        if row["scope"] != f"report:{proof['report_id']}":
            problems.append(f"{where}: about {row['scope']}, not this report")
        if seal is None:
            problems.append(f"{where}: its seal {row['seal']} is not in the proof")
            continue
        line = leaf_of(row)
        if not merkle.verify_inclusion(line, row["index"], seal["rows"], row["path"], seal["root"]):
            problems.append(f"{where}: its {'columns' if 'body' in row else 'sealed hash'} do not lead up to seal "
                            f"{seal['id']}'s root")
        else:
            lines[row["table"], str(row["id"])] = line
    if proof.get("format") in ENDED:
        problems += _ended(proof, lines, trusted)
    return problems + _chain(proof, lines)


def withheld(proof: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rows a v5 proof lists by their sealed hash alone (none in another format: a v4 is read as it was)."""
    rows = proof.get("withheld") if proof.get("format") == WITHHOLDING else None
    return list(rows) if isinstance(rows, list) else []


def leaf_of(row: Mapping[str, Any]) -> str:
    """The leaf line of a proven row (its hash made from its columns) or of a withheld one (its sealed hash)."""
    digest = row_hash(row["table"], list(row["body"]), row["body"]) if "body" in row else str(row["row_hash"])
    return merkle.leaf_line(row["table"], str(row["id"]), row["scope"], digest, row.get("seq"), row.get("prev"))


def _ended(proof: Mapping[str, Any], lines: Mapping[tuple[str, str], str], trusted: list[str]) -> list[str]:
    """The report's chain ends where the proof's rows end, as of the signed seal in `end`: the report's leaf in that
    seal's state tree is its last listed entry (number and leaf hash), or, when the proof lists no chained entry,
    the report has no leaf there. Without this a proof could leave out the report's latest entries."""
    end = proof.get("end")
    if not isinstance(end, Mapping) or not isinstance(end.get("seal"), Mapping):
        return ["the proof does not show where the report's chain ends (no `end`): entries sealed after the last "
                "one it lists may have been left out"]
    seal = end["seal"]
    if _unsigned(seal, trusted) and any(listed == seal for listed in proof.get("seals", [])):
        return []  # said already of the seal among the rows' seals
    if _unsigned(seal, trusted) or not isinstance(seal.get("state_root"), str):
        return [f"seal {seal.get('id')} in `end` is not signed by a trusted key with a state root: the proof does "
                f"not show where the report's chain ends"]
    problems = [f"{row['table']} {row['id']}: in seal {row.get('seal')}, after seal {seal['id']}, where the proof "
                f"shows the chain's end" for row in [*proof.get("rows", []), *withheld(proof),
                                                     *proof.get("unproven", [])]
                if not isinstance(row.get("seal"), int) or row["seal"] > seal["id"]]
    scope = f"report:{proof.get('report_id')}"
    key = state.key_of(scope)
    chained = [row for row in [*proof.get("rows", []), *withheld(proof)]
               if row.get("scope") == scope and row.get("seq") is not None]
    chained += [row for row in proof.get("unproven", []) if row.get("seq") is not None]
    if chained:
        last = max(chained, key=lambda row: row["seq"])
        line = lines.get((last["table"], str(last["id"])))
        if line is None:
            return [*problems, f"the report's last listed entry ({last['seq']}) is not proven: the proof does not "
                               f"show that the chain ends there"]
        start = state.leaf_hash(key, state.head_value(scope, last["seq"], merkle.leaf_hash(line).hex()))
        ok = end.get("ends_at") == "head"
        after = f"entry {last['seq']}"
    elif end.get("ends_at") == "other" and isinstance(end.get("other_key"), str) and isinstance(
            end.get("other_value"), str):
        # another scope's leaf where the report's would be: on the report's bits as deep as the path goes
        other, depth = bytes.fromhex(end["other_key"]), len(end.get("siblings", []))
        start = state.leaf_hash(other, bytes.fromhex(end["other_value"]))
        ok, after = other != key and state.bits(other)[:depth] == state.bits(key)[:depth], "its listed rows"
    else:
        start, ok, after = state.EMPTY, end.get("ends_at") == "empty", "its listed rows"
    siblings = [bytes.fromhex(sibling) for sibling in end.get("siblings", [])]
    if not ok or not state.leads_to(bytes.fromhex(seal["state_root"]), key, start, siblings):
        problems.append(f"the report's chain does not end at {after} as of seal {seal['id']}: entries sealed "
                        f"after it are not in the proof (left out or removed)")
    return problems


def limits(proof: Mapping[str, Any]) -> list[str]:
    """What a proof that checks does not show, for whoever reads the verdict."""
    fmt = proof.get("format", FORMATS[0])
    if fmt not in ENDED:
        return [f"a {fmt} does not show where the report's chain ends: entries sealed after the last one it lists "
                f"may have been left out (fetch the proof again, as a {ENDED[0]})", *late(proof)]
    seal = (proof.get("end") or {}).get("seal")
    if not isinstance(seal, Mapping):
        return ["the proof does not show where the report's chain ends (no `end`)", *late(proof), *_hidden(proof)]
    return [f"complete as of seal {seal.get('id')}, sealed at {seal.get('sealed_at')}: rows sealed after it, and "
            f"the {proof.get('pending', 0)} not sealed yet, are not covered; a proof of an earlier seal than the "
            f"newest you know of (`zan ledger check-chain`) may leave out what came after", *late(proof),
            *_hidden(proof)]


def _hidden(proof: Mapping[str, Any]) -> list[str]:
    """What a v5 proof withholds of an anonymous report: the rows listed by their hash, and the submission."""
    if proof.get("format") != WITHHOLDING:
        return []
    found = [f"{row['table']} {row['id']}: withheld (it names the anonymous report's citizen or a file's original "
             f"hash): its sealed hash is proven in seal {row.get('seal')} and in its place in the report's chain, "
             f"not what it says" for row in withheld(proof)]
    if proof.get("submission") is None:
        found.append("the report's submission (text, place, time, files) is withheld: it is not checked")
    return found


def _instant(value: Any) -> datetime | None:
    """A time as a proof carries it (canonical ISO text); None for anything else."""
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return None if at is None or at.tzinfo is None else at


def late(proof: Mapping[str, Any]) -> list[str]:
    """The proven rows whose seal came more than LATE after the time they state. A row's time is whatever its writer
    put there; only its seal's signed time shows when it existed. A row written days later with an earlier time (a
    visit "before the closing" added after a complaint) is sealed by the reread or `seal --full` as a late row, and
    checks like any other: this says so beside the verdict rather than in it, since a transaction that committed
    late or a sealer that stopped for a while leaves rows like that too, and so does a table sealed only from a later
    release on (citizens' comments, migration y1): its older rows are sealed by the first rereads after the upgrade
    (`_LATER_SEALED` names it in the finding)."""
    sealed = {seal["id"]: _instant(seal.get("sealed_at")) for seal in proof.get("seals", [])
              if isinstance(seal, Mapping) and "id" in seal}
    found: list[str] = []
    for row in proof.get("rows", []):
        spec = protected().get(row.get("table"))
        stated = _instant((row.get("body") or {}).get(spec.time)) if spec is not None else None
        at = sealed.get(row.get("seal"))
        if stated is not None and at is not None and at - stated > LATE:
            found.append(f"{row['table']} {row['id']}: states {stated.isoformat()} but was first sealed at "
                         f"{at.isoformat()} (seal {row['seal']}): the record shows it existed then, not that it was "
                         f"written at the time it states (committed late, or backdated"
                         f"{_LATER_SEALED.get(row['table'], '')})")
    return found


# tables the ledger began to seal after rows were already in them: such a row from before the upgrade is first sealed
# by the reread after it, days after its time, and says so among the possible reasons
_LATER_SEALED = {"report_comments": ", or written before comments were sealed: migration y1, 2026-12"}


def _chain(proof: Mapping[str, Any], lines: Mapping[tuple[str, str], str]) -> list[str]:
    """The report's chain as the proof lists it (rows and unproven rows): contiguous and linked from its first
    entry, and the rows sealed before the chain began all there (its first entry's number − 1 of them). A row left
    out of the proof, or removed from the database with its entry, leaves a gap or a broken link here."""
    about = f"report:{proof.get('report_id')}"
    listed: list[dict[str, Any]] = [
        {"seq": row.get("seq"), "prev": row.get("prev"),
         **({"line": line} if (line := lines.get((row["table"], str(row["id"])))) else {})}
        for row in [*proof.get("rows", []), *withheld(proof)] if row.get("scope") == about]
    listed += [{"seq": row.get("seq")} for row in proof.get("unproven", [])]
    return chain.gaps(listed)


def check_chain(seals: Sequence[Mapping[str, Any]], trusted_keys: Iterable[str],
                pinned: Mapping[str, Any] | None = None) -> list[str]:
    """A run of signed seals (GET /api/v1/ledger/seals) checked as a monitor outside the service would: each signed
    by a trusted key, numbered one after another, each naming the signature of the one before. `pinned` is a seal
    ({"id", "signature"}) the monitor kept from an earlier run: this run must contain it unchanged or go on from it.
    Signatures are deterministic, so a seal made again with other content cannot carry the signature kept."""
    trusted = list(trusted_keys)
    problems: list[str] = []
    previous: Mapping[str, Any] | None = None
    for seal in seals:
        problems += _unsigned(seal, trusted)
        if previous is not None and seal["id"] != previous["id"] + 1:
            problems.append(f"seal {seal['id']}: comes after seal {previous['id']}")
        elif previous is not None and seal["prev_signature"] != previous["signature"]:
            problems.append(f"seal {seal['id']}: does not name seal {previous['id']}'s signature")
        previous = seal
    if pinned is not None:
        kept = next((seal for seal in seals if seal["id"] == pinned["id"]), None)
        if kept is not None and kept["signature"] != pinned["signature"]:
            problems.append(f"seal {pinned['id']}: not the seal kept earlier")
        elif kept is None and not (seals and seals[0]["id"] == pinned["id"] + 1
                                   and seals[0]["prev_signature"] == pinned["signature"]):
            problems.append(f"the seals do not go on from seal {pinned['id']} kept earlier")
    return problems
