"""The ledger at the API edge."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec


class LedgerReread(msgspec.Struct):
    """Where the reread of a day stands: the hourly pass that seals rows committed long after their time. A cycle
    reads every table from a day before it began to its end, over as many minutes' runs as it needs."""

    started_at: Annotated[datetime, msgspec.Meta(description="when the current (or last) cycle began")]
    reached: Annotated[datetime | None, msgspec.Meta(
        description="while the cycle runs: rows appended before this time have been reread (at least); None once "
                    "it is finished")]
    rows_read: Annotated[int, msgspec.Meta(description="rows the cycle has read so far")]
    finished_at: Annotated[datetime | None, msgspec.Meta(
        description="when the cycle reached the tables' end; None while it runs")]
    updated_at: datetime


class LedgerCheck(msgspec.Struct):
    """Where the scheduled check of the whole chain stands (`zan ledger verify`, a part each minute)."""

    started_at: Annotated[datetime, msgspec.Meta(description="when the current (or last) cycle began at seal 1")]
    seal: Annotated[int, msgspec.Meta(description="the last seal checked in this cycle")]
    rows_checked: int
    problems: Annotated[int, msgspec.Meta(
        description="changes found in this cycle (altered or missing rows, broken seals), each logged at ERROR; "
                    "`zan ledger verify` lists them")]
    finished_at: Annotated[datetime | None, msgspec.Meta(description="when the cycle reached the head")]
    updated_at: datetime


class LedgerHead(msgspec.Struct):
    """The newest seal. Recording its MAC outside the database (another system, a report to the prosecutor's
    office) pins everything sealed up to it: no later rewrite of the record or of the seals can match it."""

    id: Annotated[int | None, msgspec.Meta(description="None before the first seal")]
    sealed_at: datetime | None
    mac: str | None
    key_id: Annotated[str | None, msgspec.Meta(
        description="the id of the ZAN_SECRET_KEY that made the MAC (`zan keys status`); None before key ids")]
    sealed_rows: int
    public_key: Annotated[str, msgspec.Meta(
        description="the Ed25519 public key (hex) that signs new seals: keep it, and check report proofs with it")]
    reread: Annotated[LedgerReread | None, msgspec.Meta(
        description="the hourly reread of a day for rows committed late; None before its first run")] = None
    check: Annotated[LedgerCheck | None, msgspec.Meta(
        description="the scheduled check of the whole chain; None before its first run")] = None


class ProofSeal(msgspec.Struct):
    """A seal's signed fields, as signed (`sealed_at` in its canonical text form), and its Ed25519 signature."""

    id: int
    sealed_at: str
    rows: int
    layout: dict[str, list[str]]
    complete: bool
    digest: str
    root: Annotated[str, msgspec.Meta(description="Merkle root over the seal's entries (RFC 9162 hashing)")]
    prev_mac: str
    prev_signature: Annotated[str | None, msgspec.Meta(
        description="the previous seal's signature (None after a seal made before signatures): the chain")]
    key_id: str
    signature: str
    state_root: Annotated[str | None, msgspec.Meta(
        description="the root of every scope's chain head after this seal (signed with the rest, under the tag "
                    "zan-ledger-seal-v2); None on seals made before it")] = None


class ProofEnd(msgspec.Struct):
    """Where the report's chain ends as of a signed seal: the path from its scope's place in that seal's state tree
    up to `state_root`. The checker makes the leaf from the last entry the proof lists, so a proof that leaves out
    later entries does not lead up to the root."""

    seal: Annotated[ProofSeal, msgspec.Meta(description="the newest seal when the proof was built")]
    ends_at: Annotated[str, msgspec.Meta(
        description="head: the report's own leaf (its last entry); empty: an empty place (no chained entry); "
                    "other: another scope's leaf on the same bits (no chained entry)")]
    siblings: Annotated[list[str], msgspec.Meta(
        description="hex, from the root down along the bits of sha256(scope) (backend/ledger/state.py)")]
    other_key: str | None = None
    other_value: str | None = None


class ProofRow(msgspec.Struct):
    """One sealed row: its columns as hashed, and the audit path from its entry up to its seal's root."""

    table: str
    id: uuid.UUID
    scope: str
    body: dict[str, Any]
    seal: int
    index: Annotated[int, msgspec.Meta(description="the entry's position among the seal's sorted entries")]
    path: list[str]
    seq: Annotated[int | None, msgspec.Meta(
        description="the entry's number in the report's chain (1, 2, 3… in sealing order); None: sealed before the "
                    "chains")] = None
    prev: Annotated[str | None, msgspec.Meta(
        description="the leaf hash (hex) of the report's entry numbered seq − 1, or 64 zeros for the chain's "
                    "first")] = None


class WithheldRow(msgspec.Struct):
    """A sealed row of an anonymous report that names its citizen (their internal id, the same on the reports they
    file under their name) or a file's original sha256 (which names their own file wherever else it turns up): its
    sealed hash instead of its columns. The hash is over every column as sealed, so no column can be left out of it
    and the rest still checked: the row's place in its seal and in the report's chain is proven, not what it says."""

    table: str
    id: uuid.UUID
    scope: str
    row_hash: Annotated[str, msgspec.Meta(description="the row's hash as its seal holds it (hex)")]
    seal: int
    index: Annotated[int, msgspec.Meta(description="the entry's position among the seal's sorted entries")]
    path: list[str]
    seq: int | None = None
    prev: str | None = None


class UnprovenRow(msgspec.Struct):
    table: str
    id: uuid.UUID
    why: Annotated[str, msgspec.Meta(
        description="unsigned: in a seal made before signatures, numbered before `first_signed` (its MAC, digest "
                    "and the row's hash checked by the service; `zan ledger verify` checks them again); missing: "
                    "sealed, and no longer in the database; altered: in a seal made before signatures, and changed "
                    "since; tampered: its seal is gone, or no longer checks, or lost its signature. Only `unsigned` "
                    "leaves a proof valid")]
    seal: Annotated[int, msgspec.Meta(description="the seal that holds its entry")]
    seq: Annotated[int | None, msgspec.Meta(description="its entry's number in the report's chain")] = None


class ReportProof(msgspec.Struct):
    """A report's sealed rows with everything a third party needs to check them offline against the service's
    public key (`zan ledger check-proof`, or README's algorithm): no database, no secret."""

    report_id: uuid.UUID
    rows: list[ProofRow]
    seals: list[ProofSeal]
    public_keys: Annotated[dict[str, str], msgspec.Meta(
        description="key id → Ed25519 public key of the seals' keys; pin the key you check against from another "
                    "source (GET /api/v1/ledger/head, once), not from the proof itself")]
    unproven: list[UnprovenRow]
    pending: Annotated[int, msgspec.Meta(description="the report's rows from the last minute, not sealed yet")]
    submission: Annotated[dict[str, Any] | None, msgspec.Meta(
        description="what the citizen submitted (text, place, time, anonymity, files by sha256), as the report "
                    "holds it now: its hash must equal `data.submission` of the sealed `registered` event")] = None
    first_signed: Annotated[ProofSeal | None, msgspec.Meta(
        description="the first signed seal of the chain (it names no signature before it), when a row is listed "
                    "as `unsigned`: only a seal numbered before it can have been made before signatures")] = None
    chain_starts_at: Annotated[int | None, msgspec.Meta(
        description="the number of the report's first entry in its chain: entries sealed before chains existed "
                    "(k − 1 of them) are not chained, and the proof lists them apart; None: no entry is "
                    "chained")] = None
    end: Annotated[ProofEnd | None, msgspec.Meta(
        description="where the report's chain ends as of the newest seal: no entry after the last one listed was "
                    "sealed up to it. None when the service cannot show it (the proof then does not check)")] = None
    withheld: Annotated[list[WithheldRow] | msgspec.UnsetType, msgspec.Meta(
        description="zan-ledger-proof-v5, an anonymous report's only: its sealed rows that name its citizen or a "
                    "file's original sha256, by their sealed hash alone (and `submission` left out when it names "
                    "such a file or its `registered` event is withheld)")] = msgspec.UNSET
    # v2: unproven rows name their seal, and `first_signed` shows where signatures began (v1 proofs still check,
    # but their `unsigned` rows no longer pass: a stripped signature looked just like them). v3: rows carry their
    # place in the report's chain (`seq`, `prev`), so a row left out of the proof shows as a gap. v4: `end` shows
    # that no entry after the last one listed was left out. v5 (an anonymous report's proof when it withholds any
    # row; every other proof stays a v4): `withheld`
    format: str = "zan-ledger-proof-v4"
