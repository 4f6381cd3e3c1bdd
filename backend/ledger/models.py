"""The seals over the append-only record: which row was sealed with which hash, and the chain of keyed seals."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import UtcDateTime, json_column, now_column, tz_datetime


class LedgerSeal(SQLModel, table=True):
    """One batch of newly appended rows. Its MAC, keyed by the app's secret, covers its own fields and the previous
    seal's MAC: rewriting a row, its entry and the seal's digest together still breaks the chain."""

    __tablename__ = "ledger_seals"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # 1, 2, 3… in sealing order
    sealed_at: datetime = now_column()
    rows: int
    # the columns hashed per table: a column added later does not break the seals made before it
    layout: dict[str, Any] = json_column()
    # False when a table had more new rows than one seal takes, or a slice of the reread of a day stopped before a
    # table's end: the next seal goes on from the same place (and the window of later seals is not moved by it)
    complete: bool = Field(default=True)
    digest: str = Field(max_length=64)
    prev_mac: str = Field(max_length=64)
    mac: str = Field(max_length=64)
    # which ZAN_SECRET_KEY made the MAC (`key_id`, part of the MAC): seals made before a rotation still verify under
    # the key they were made with; None for seals made before key ids existed (any configured key may verify those)
    key_id: str | None = Field(default=None, max_length=16)
    # the Merkle root over the same entries (backend/ledger/merkle.py) and an Ed25519 signature over the seal's
    # fields: a third party holding only the public key can check one report's rows (GET …/proof). None on seals
    # made before signatures
    root: str | None = Field(default=None, max_length=64)
    signature: str | None = Field(default=None, max_length=128)
    # the previous seal's signature, signed over: the chain an outsider can follow with the public key alone
    prev_signature: str | None = Field(default=None, max_length=128)
    # the root of the record's state after this seal: every scope's chain head (backend/ledger/state.py), signed
    # with the rest, so a report's proof shows where its chain ends. None on seals made before it (x2)
    state_root: str | None = Field(default=None, max_length=64)

    # every seal run starts from the last complete seal's time (service._seal_once): one seal a minute adds up
    __table_args__ = (sa.Index("ix_ledger_seals_sealed_at", "sealed_at"),)


class LedgerEntry(SQLModel, table=True):
    """The hash a sealed row had when it was sealed."""

    __tablename__ = "ledger_entries"

    table_name: str = Field(primary_key=True, max_length=40)
    row_id: uuid.UUID = Field(primary_key=True)
    # what the row is about ("report:<id>", or an audit line's target), so one report's proof is one index scan
    scope: str = Field(max_length=120, index=True)
    seal_id: int = Field(foreign_key="ledger_seals.id", index=True)
    row_hash: str = Field(max_length=64)
    # the scope's chain (backend/ledger/chain.py): 1, 2, 3… per scope in sealing order, and the leaf hash of the
    # scope's entry before (GENESIS for its first); None on entries sealed before the chains (migration v1)
    scope_seq: int | None = Field(default=None)
    scope_prev: str | None = Field(default=None, max_length=64)

    # one entry per place in a chain: a bug or a race that forks a chain fails its seal instead
    __table_args__ = (sa.Index("ux_ledger_entries_scope_seq", "scope", "scope_seq", unique=True),)


class LedgerStateNode(SQLModel, table=True):
    """A node of the state tree as of the newest seal (backend/ledger/state.py): derived from the entries, rewritten
    by each seal for the scopes it touched. Not part of the record: the sealer checks its root against the head
    seal's signed `state_root` and rebuilds it from the entries when it differs (service._state)."""

    __tablename__ = "ledger_state_nodes"

    place: str = Field(primary_key=True, max_length=256)  # the bits of the keys under it ("" the root)
    hash: str = Field(max_length=64)
    key: str | None = Field(default=None, max_length=64)  # a leaf's: sha256(scope)
    value: str | None = Field(default=None, max_length=64)
    seal_id: int  # the seal that wrote it last


class LedgerCheckpoint(SQLModel, table=True):
    """Where a long pass over the record stands, so that a run cut off (the worker cron's timeout, a restart) goes on
    from there instead of starting again. Progress only: it chooses which rows a pass reads next, never what a row
    or a seal is checked against (service.reread says why it cannot hide a change)."""

    __tablename__ = "ledger_checkpoints"

    name: str = Field(primary_key=True, max_length=40)  # the pass ("reread")
    started_at: datetime = Field(sa_type=UtcDateTime, nullable=False)  # when its current cycle began
    # per protected table, where its scan goes on: {"at": ISO time, "id": row id or None}, or None (the start)
    positions: dict[str, Any] = json_column()
    rows_read: int = Field(default=0)  # by the current cycle so far
    finished_at: datetime | None = tz_datetime()  # None while the cycle runs
    updated_at: datetime = now_column()
