"""`zan ledger ...`: seal the record now, or verify all of it (for an audit, or after a restore from backup)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import click

from backend.settings import Settings


@click.group()
def ledger() -> None:
    """The tamper-evident seals over report events, routing decisions, evidence and the audit log."""


async def _in_session(work: Any) -> Any:
    from backend.context import context_scope

    settings = Settings.from_env()
    async with context_scope(settings, null_pool=True) as ctx, ctx.sessions() as session:
        return await work(session, settings)


@ledger.command("seal")
@click.option("--full", is_flag=True, help="read the tables from the start, for rows `verify` reports as pending")
def seal_cmd(full: bool) -> None:
    """Seal what was appended since the last seal (the worker does this every minute)."""
    from backend.ledger.service import seal_pending

    seals = asyncio.run(_in_session(lambda session, settings: seal_pending(session, settings.secret_keys, full=full,
                                                                                 max_seals=10_000)))
    click.echo(json.dumps({"seals": [{"id": s.id, "rows": s.rows, "mac": s.mac} for s in seals]}))


@ledger.command("verify")
def verify_cmd() -> None:
    """Recompute every seal and every sealed row; prints JSON, exits 1 when anything sealed was changed."""
    from backend.ledger.verify import verify

    verdict = asyncio.run(_in_session(lambda session, settings: verify(session, settings.secret_keys)))
    head = verdict.seals[-1] if verdict.seals else None
    click.echo(json.dumps({
        "intact": verdict.intact, "seals": len(verdict.seals), "sealed": verdict.sealed, "pending": verdict.pending,
        "altered": [{"table": t, "id": str(i)} for t, i in verdict.altered],
        "missing": [{"table": t, "id": str(i)} for t, i in verdict.missing],
        "broken_seals": [{"id": i, "check": check} for i, check in verdict.broken_seals],
        # quoting the head's MAC elsewhere (a report to the prosecutor's office) pins everything up to it
        "head": {"id": head.id, "sealed_at": head.sealed_at.isoformat(), "mac": head.mac} if head else None,
    }, ensure_ascii=False, indent=2))
    sys.exit(0 if verdict.intact else 1)
