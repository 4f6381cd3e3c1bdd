"""What the ledger seals and how a row is hashed: the five append-only tables, a row's canonical hash, a seal's
digest over its entries and its MAC (keyed by the app's secret, never stored in the database)."""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa

from backend.ledger import merkle
from backend.ledger.merkle import leaf_line
from backend.ledger.models import LedgerEntry, LedgerSeal
from backend.lib.crypto import equal, key_id, keyed_hash, public_key, sign, signature_valid

GENESIS = "0" * 64  # the previous MAC of the first seal
ENTRIES = LedgerEntry.__table__  # type: ignore[attr-defined]


def no_entry(name: str, table: sa.Table) -> sa.ColumnElement[bool]:
    """Rows of `table` (protected as `name`) that no seal holds yet: no ledger entry names them."""
    return ~sa.exists().where(ENTRIES.c.table_name == name, ENTRIES.c.row_id == table.c.id)


@dataclass(frozen=True)
class Protected:
    table: sa.Table
    time: str  # the column rows are appended in order of
    scope: Callable[[Mapping[Any, Any]], str]
    of_report: Callable[[uuid.UUID], Any]  # a WHERE clause: this table's rows about one report


@functools.cache
def protected() -> dict[str, Protected]:
    from backend.audit.models import AuditLog
    from backend.reports.models import ReportComment, ReportEvent
    from backend.routing.models import RoutingDecision
    from backend.sync.models import Evidence

    def about_report(model: Any) -> Protected:
        table = model.__table__
        return Protected(table, "created_at", lambda row: f"report:{row['report_id']}",
                         lambda report_id: table.c.report_id == report_id)

    audit = AuditLog.__table__  # type: ignore[attr-defined]
    return {
        "report_events": about_report(ReportEvent),
        # a citizen's comment: its `comment` event names only its id, so its text is sealed here, in its own row
        # (never updated nor deleted), or a comment rewritten or removed would leave the sealed record intact
        "report_comments": about_report(ReportComment),
        "routing_decisions": about_report(RoutingDecision),
        "evidence": about_report(Evidence),
        "audit_log": Protected(audit, "at", lambda row: f"{row['target_type']}:{row['target_id']}",
                               lambda report_id: sa.and_(audit.c.target_type == "report",
                                                         audit.c.target_id == str(report_id))),
    }


def canonical(value: Any) -> Any:
    if isinstance(value, datetime):  # SQLite hands back naive UTC
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def json_sha256(value: Any) -> str:
    """sha256 of `value` as canonical JSON (sorted keys, no spaces, text as is): what a third party recomputes."""
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def row_hash(table_name: str, columns: Iterable[str], row: Mapping[Any, Any]) -> str:
    """sha256 of the row as canonical JSON (UTC times, text ids): the same on both databases."""
    return json_sha256([table_name, {name: canonical(row[name]) for name in columns}])


# table, row id, scope, row hash, seal, and the entry's place in its scope's chain: its number and the leaf hash
# of the scope's entry before it (None, None: sealed before the chains, backend/ledger/chain.py)
Entry = tuple[str, uuid.UUID, str, str, int, int | None, str | None]


def line_of(entry: Entry) -> str:
    table, row_id, scope, digest, _, seq, prev = entry
    return leaf_line(table, str(row_id), scope, digest, seq, prev)


def lines_of(entries: Iterable[Entry]) -> list[str]:
    return sorted(line_of(entry) for entry in entries)


def fingerprints(entries: Iterable[Entry]) -> tuple[str, str]:
    """A seal's flat digest and its Merkle root, over the same sorted lines."""
    lines = lines_of(entries)
    return hashlib.sha256("".join(lines).encode()).hexdigest(), merkle.root(lines)


def mac_of(secret_key: str, seal: LedgerSeal) -> str:
    fields: list[Any] = [seal.id, canonical(seal.sealed_at), seal.rows, seal.layout, seal.complete, seal.digest,
                         seal.prev_mac]
    # absent from the seals made before key ids and before signatures, whose MACs must still check
    fields += [value for value in (seal.key_id, seal.root, seal.prev_signature) if value is not None]
    if seal.state_root is not None:  # tagged: a value in the list cannot pass for another field's
        fields.append({"state_root": seal.state_root})
    return keyed_hash(secret_key, "ledger", json.dumps(fields, sort_keys=True, separators=(",", ":")))


SIGNED = ("id", "sealed_at", "rows", "layout", "complete", "digest", "root", "prev_mac", "prev_signature", "key_id")
STATE = "state_root"  # signed too on the seals that have it (x2): zan-ledger-seal-v2


def header(seal: LedgerSeal) -> dict[str, Any]:
    """The seal's fields that its signature covers, as a proof carries them."""
    fields = {name: canonical(getattr(seal, name)) for name in SIGNED}
    return fields if seal.state_root is None else {**fields, STATE: seal.state_root}


def signed_fields(seal: Mapping[str, Any]) -> dict[str, Any]:
    """The signed fields of a seal as a proof or a monitor got it (a decoded ProofSeal)."""
    fields = {name: seal[name] for name in SIGNED}
    return fields if seal.get(STATE) is None else {**fields, STATE: seal[STATE]}


def signed_message(fields: Mapping[str, Any]) -> bytes:
    """What a seal's Ed25519 signature is over: its header as canonical JSON (a third party rebuilds it from a
    proof). A seal with a state root signs it under another tag: taken off, the rest no longer checks as a v1."""
    if fields.get(STATE) is not None:
        return json.dumps(["zan-ledger-seal-v2", *(fields[name] for name in SIGNED), fields[STATE]],
                          sort_keys=True, separators=(",", ":")).encode()
    return json.dumps(["zan-ledger-seal-v1", *(fields[name] for name in SIGNED)], sort_keys=True,
                      separators=(",", ":")).encode()


def sign_seal(secret_key: str, seal: LedgerSeal) -> str:
    return sign(secret_key, "ledger", signed_message(header(seal)))


def seal_public_key(secret_key: str) -> str:
    return public_key(secret_key, "ledger")


def seal_signature_valid(public_key_hex: str, fields: Mapping[str, Any], signature: str) -> bool:
    return signature_valid(public_key_hex, signed_message(fields), signature)


def made_by(secret_keys: tuple[str, ...], seal: LedgerSeal) -> int | None:
    """The position in the key ring (0: the current key) of the key whose MAC the seal carries: the key it names,
    or any configured key for a seal made before key ids. None: no configured key made it."""
    for position, key in enumerate(secret_keys):
        if (seal.key_id is None or seal.key_id == key_id(key)) and equal(mac_of(key, seal), seal.mac):
            return position
    return None
