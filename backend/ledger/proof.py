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

from backend.ledger import merkle
from backend.ledger.models import LedgerSeal
from backend.ledger.record import (
    ENTRIES,
    SIGNED,
    canonical,
    header,
    lines_of,
    row_hash,
    seal_public_key,
    seal_signature_valid,
)
from backend.ledger.schemas import ProofRow, ProofSeal, ReportProof, UnprovenRow
from backend.ledger.verify import entries_of, pending, rows_of
from backend.lib.crypto import key_id
from backend.reports import submission


def signed_seal(seal: LedgerSeal) -> ProofSeal | None:
    """The seal's signed fields and signature, as a proof or a monitor gets them; None for a seal made before
    signatures (only the keyed check can vouch for it)."""
    if seal.signature is None or seal.root is None or seal.key_id is None:
        return None
    return ProofSeal(**header(seal), signature=seal.signature)


async def build(session: AsyncSession, secret_keys: tuple[str, ...], report_id: uuid.UUID, *,
                submitted: dict[str, Any] | None = None) -> ReportProof:
    """`submitted`: the report's submitted fields as they are now (backend.reports.submission), for the checker to
    compare with the hash its sealed `registered` event holds."""
    entries = await entries_of(session, ENTRIES.c.scope == f"report:{report_id}")
    seals = {seal.id: seal for seal in await session.scalars(
        sa.select(LedgerSeal).where(col(LedgerSeal.id).in_({entry[4] for entry in entries})))}
    signed = {seal_id: out for seal_id, seal in seals.items() if (out := signed_seal(seal)) is not None}
    found: dict[tuple[str, uuid.UUID], Mapping[Any, Any]] = {}
    for name in {table for table, *_ in entries}:
        rows = await rows_of(session, name, [row_id for table, row_id, *_ in entries if table == name])
        found.update({(name, row_id): row for row_id, row in rows.items()})
    paths: dict[str, tuple[int, list[str]]] = {}
    for seal_id in signed:  # each seal's whole tree, for the paths of this report's entries in it
        wanted = [merkle.leaf_line(table, str(row_id), scope, digest)
                  for table, row_id, scope, digest, entry_seal in entries if entry_seal == seal_id]
        paths |= merkle.inclusion(lines_of(await entries_of(session, ENTRIES.c.seal_id == seal_id)), wanted)
    proven, unproven = [], []
    for table, row_id, scope, digest, seal_id in sorted(entries, key=lambda e: (e[4], e[0], str(e[1]))):
        row = found.get((table, row_id))
        if seal_id not in signed or row is None:
            unproven.append(UnprovenRow(table=table, id=row_id, why="missing" if row is None else "unsigned"))
            continue
        body = {column: canonical(row[column]) for column in seals[seal_id].layout[table]}
        index, path = paths[merkle.leaf_line(table, str(row_id), scope, digest)]
        proven.append(ProofRow(table=table, id=row_id, scope=scope, body=json.loads(json.dumps(body, default=str)),
                               seal=seal_id, index=index, path=path))
    keys = {key_id(key): key for key in secret_keys}
    used = [signed[seal_id] for seal_id in sorted(signed)]
    return ReportProof(
        report_id=report_id, rows=proven, seals=used,
        public_keys={seal.key_id: seal_public_key(keys[seal.key_id]) for seal in used if seal.key_id in keys},
        unproven=unproven, pending=await pending(session, report_id), submission=submitted)


def _unsigned(seal: Mapping[str, Any], trusted: list[str]) -> list[str]:
    if any(seal_signature_valid(key, {name: seal[name] for name in SIGNED}, seal["signature"]) for key in trusted):
        return []
    return [f"seal {seal['id']}: no trusted public key signed it"]


def check(proof: Mapping[str, Any], trusted_keys: Iterable[str]) -> list[str]:
    """What does not hold in `proof` (a decoded JSON document) against the trusted public keys (hex); [] when
    every row in it is proven: its columns hash to an entry that leads up to the root of a seal that one of the
    trusted keys signed, and the entry is about the proof's report."""
    trusted = list(trusted_keys)
    problems: list[str] = []
    seals = {seal["id"]: seal for seal in proof.get("seals", [])}
    for seal in seals.values():
        problems += _unsigned(seal, trusted)
    # a sealed row gone from the database is an erasure the record exists to show (the first event, which pins
    # the submission, among them: without it the submission would go unchecked)
    problems += [f"{row['table']} {row['id']}: sealed, and no longer in the database"
                 for row in proof.get("unproven", []) if row.get("why") == "missing"]
    expected = submission.pinned((row["body"].get("action"), row["body"].get("data"))
                                 for row in proof.get("rows", []) if row["table"] == "report_events")
    if expected is not None and (proof.get("submission") is None
                                 or submission.digest(proof["submission"]) != expected):
        problems.append("the report's submission (text, place, time, files) is not what its first event sealed")
    for row in proof.get("rows", []):
        where = f"{row['table']} {row['id']}"
        seal = seals.get(row["seal"])
        if row["scope"] != f"report:{proof['report_id']}":
            problems.append(f"{where}: about {row['scope']}, not this report")
        if seal is None:
            problems.append(f"{where}: its seal {row['seal']} is not in the proof")
            continue
        line = merkle.leaf_line(row["table"], str(row["id"]), row["scope"],
                                row_hash(row["table"], list(row["body"]), row["body"]))
        if not merkle.verify_inclusion(line, row["index"], seal["rows"], row["path"], seal["root"]):
            problems.append(f"{where}: its columns do not lead up to seal {seal['id']}'s root")
    return problems


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
