"""A report's proof: its sealed rows, each with its audit path up to a signed seal's Merkle root, and the seals'
signed fields. `build` reads it from the database; `check` verifies one with nothing but the public key, the way a
prosecutor's office or a court would, without trusting the database, the service or its secret. `check_chain`
follows the signed seals themselves, for a monitor that keeps the service from rewriting what it sealed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.ledger import chain, merkle
from backend.ledger.models import LedgerSeal
from backend.ledger.record import (
    ENTRIES,
    SIGNED,
    Entry,
    canonical,
    fingerprints,
    header,
    line_of,
    lines_of,
    made_by,
    row_hash,
    seal_public_key,
    seal_signature_valid,
)
from backend.ledger.schemas import ProofRow, ProofSeal, ReportProof, UnprovenRow
from backend.ledger.verify import entries_of, pending, rows_of
from backend.lib.crypto import equal, key_id
from backend.reports import submission

FORMATS = ("zan-ledger-proof-v1", "zan-ledger-proof-v2", "zan-ledger-proof-v3")


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


async def build(session: AsyncSession, secret_keys: tuple[str, ...], report_id: uuid.UUID, *,
                submitted: dict[str, Any] | None = None) -> ReportProof:
    """`submitted`: the report's submitted fields as they are now (backend.reports.submission), for the checker to
    compare with the hash its sealed `registered` event holds."""
    entries = await entries_of(session, ENTRIES.c.scope == f"report:{report_id}")
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
    for seal_id in signed:  # each seal's whole tree, for the paths of this report's entries in it
        wanted = [line_of(entry) for entry in entries if entry[4] == seal_id]
        paths |= merkle.inclusion(lines_of(await entries_of(session, ENTRIES.c.seal_id == seal_id)), wanted)
    proven, unproven = [], []
    for entry in sorted(entries, key=lambda e: (e[4], e[0], str(e[1]))):
        table, row_id, scope, _, seal_id, seq, prev = entry
        row = found.get((table, row_id))
        if seal_id not in signed or row is None:
            unproven.append(_unproven(entry, row, seals.get(seal_id), seal_id in early))
            continue
        body = {column: canonical(row[column]) for column in seals[seal_id].layout[table]}
        index, path = paths[line_of(entry)]
        proven.append(ProofRow(table=table, id=row_id, scope=scope, body=json.loads(json.dumps(body, default=str)),
                               seal=seal_id, index=index, path=path, seq=seq, prev=prev))
    # where signatures began, for the checker to place the rows listed as sealed before them
    anchor = signed_seal(first) if first is not None and any(row.why == "unsigned" for row in unproven) else None
    keys = {key_id(key): key for key in secret_keys}
    used = [signed[seal_id] for seal_id in sorted(signed)]
    return ReportProof(
        report_id=report_id, rows=proven, seals=used,
        public_keys={seal.key_id: seal_public_key(keys[seal.key_id])
                     for seal in used + ([anchor] if anchor else []) if seal.key_id in keys},
        unproven=unproven, pending=await pending(session, report_id), submission=submitted, first_signed=anchor,
        chain_starts_at=min((entry[5] for entry in entries if entry[5] is not None), default=None))


def _unsigned(seal: Mapping[str, Any], trusted: list[str]) -> list[str]:
    if any(seal_signature_valid(key, {name: seal[name] for name in SIGNED}, seal["signature"]) for key in trusted):
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
    for row in proof.get("rows", []):
        where = f"{row['table']} {row['id']}"
        seal = seals.get(row["seal"])
        if row["scope"] != f"report:{proof['report_id']}":
            problems.append(f"{where}: about {row['scope']}, not this report")
        if seal is None:
            problems.append(f"{where}: its seal {row['seal']} is not in the proof")
            continue
        line = merkle.leaf_line(row["table"], str(row["id"]), row["scope"],
                                row_hash(row["table"], list(row["body"]), row["body"]), row.get("seq"), row.get("prev"))
        if not merkle.verify_inclusion(line, row["index"], seal["rows"], row["path"], seal["root"]):
            problems.append(f"{where}: its columns do not lead up to seal {seal['id']}'s root")
        else:
            lines[row["table"], str(row["id"])] = line
    return problems + _chain(proof, lines)


def _chain(proof: Mapping[str, Any], lines: Mapping[tuple[str, str], str]) -> list[str]:
    """The report's chain as the proof lists it (rows and unproven rows): contiguous and linked from its first
    entry, and the rows sealed before the chain began all there (its first entry's number − 1 of them). A row left
    out of the proof, or removed from the database with its entry, leaves a gap or a broken link here."""
    about = f"report:{proof.get('report_id')}"
    listed: list[dict[str, Any]] = [
        {"seq": row.get("seq"), "prev": row.get("prev"),
         **({"line": line} if (line := lines.get((row["table"], str(row["id"])))) else {})}
        for row in proof.get("rows", []) if row.get("scope") == about]
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
