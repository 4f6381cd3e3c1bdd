"""A report's record as the ledger seals it: events, a routing decision, an officer's evidence, an audit line."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import text

from backend.audit.service import record
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.ledger import jobs, verify
from backend.ledger import proof as ledger_proof
from backend.ledger.models import LedgerSeal
from backend.ledger.record import mac_of, seal_public_key
from backend.ledger.service import seal_pending
from backend.officers.models import Unit
from backend.reports import submission
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status
from backend.routing.models import RoutingDecision
from backend.sync.models import Evidence
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer
from tests.sync.conftest import DISPATCHER


async def oversight_headers(ctx: Context, client: httpx.AsyncClient) -> dict[str, str]:
    """The headers of a prosecutor signed in for the occasion."""
    prosecutor, password = await make_officer(ctx, role="prosecutor")
    return bearer(await login(client, prosecutor.badge_number, password))


async def overseen(ctx: Context, client: httpx.AsyncClient, report_id: uuid.UUID | str, view: str) -> dict[str, Any]:
    """GET /api/v1/dispatch/reports/{id}/{view} (`proof` or `history`) as a prosecutor: its JSON."""
    got = await client.get(f"/api/v1/dispatch/reports/{report_id}/{view}", headers=await oversight_headers(ctx, client))
    assert got.status_code == 200, got.text
    answer: dict[str, Any] = got.json()
    return answer


async def proof_of(ctx: Context, client: httpx.AsyncClient, report_id: uuid.UUID | str) -> dict[str, Any]:
    """The report's third-party proof, as the oversight console gets it."""
    return await overseen(ctx, client, report_id, "proof")


async def integrity_of(ctx: Context, client: httpx.AsyncClient, report_id: uuid.UUID | str) -> dict[str, Any]:
    """The history's integrity verdict on the report."""
    integrity: dict[str, Any] = (await overseen(ctx, client, report_id, "history"))["integrity"]
    return integrity


async def record_report(ctx: Context) -> dict[str, Any]:
    """One report's record: two events, a routing decision with float scores, an officer's evidence, an audit line."""
    officer, _ = await make_officer(ctx)
    async with ctx.sessions() as session:
        report = await make_report(session)
        events = [ReportEvent(report_id=report.id, action=action, actor_type=actor, channel="test",
                              public_text={"ru": "Принято", "kk": "Қабылданды", "en": "Received"},
                              internal_note=note, data={"n": 1})
                  for action, actor, note in (("registered", "citizen", None), ("assign", "dispatcher", "наряд 12"))]
        decision = RoutingDecision(report_id=report.id, source="model", category="theft", confidence=0.8734,
                                   scores={"theft": 0.8734, "fraud": 0.0912}, inputs={"lexicon": "police-v3"})
        evidence = Evidence(id=uuid.uuid4(), report_id=report.id, officer_id=officer.id, device_id="tab-1",
                            sha256="ab" * 32, size=1024, content_type="image/jpeg", caption="Вмятина на двери")
        session.add_all([*events, decision, evidence])
        await record(session, actor_type="dispatcher", actor_id=officer.id, action="report.assign",
                     target_type="report", target_id=report.id, data={"unit": "AST-12"})
        await session.commit()
    return {"report": report.id, "events": [e.id for e in events], "decision": decision.id,
            "evidence": evidence.id}


async def as_superuser(ctx: Context, sql: str, **params: Any) -> None:
    """SQL the way a database superuser runs it: on PostgreSQL past the append-only triggers and foreign keys."""
    async with ctx.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(sql), params)


async def made_before_signatures(ctx: Context, seal_id: int) -> None:
    """Turn the head seal into one as the revisions before signed seals (k1) made it: no root, no signature, no
    state root, and a MAC without them. Only the head, so that the seals made after it chain to the MAC it then has."""
    async with ctx.sessions() as session:
        seal = await session.get(LedgerSeal, seal_id)
        assert seal is not None
        seal.root = seal.signature = seal.prev_signature = seal.state_root = None
        mac = mac_of(ctx.settings.secret_key, seal)
        await session.rollback()
    await as_superuser(ctx, "UPDATE ledger_seals SET root = NULL, signature = NULL, prev_signature = NULL, "
                            "state_root = NULL, mac = :mac WHERE id = :id", mac=mac, id=seal_id)


async def an_hour_later(ctx: Context, name: str = "reread") -> None:
    """As if the hour after the last cycle of a pass (the reread of a day, or the check of the chain: `name`, its
    checkpoint's) began had passed: its next scheduled run starts a new cycle."""
    from backend.ledger.jobs import DEEP_EVERY_S
    from backend.ledger.models import LedgerCheckpoint

    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, name)
        assert checkpoint is not None
        checkpoint.started_at -= timedelta(seconds=DEEP_EVERY_S)
        await session.commit()


async def check_cut_off_after_first_seal(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the scheduled chain check and cut it off (as the cron's timeout does) once it has checked seal 1 and
    committed that checkpoint: the run is held at seal 2 and cancelled."""
    reached, seals = asyncio.Event(), 0
    real = verify._check_seal

    async def held(*args: Any, **kwargs: Any) -> Any:
        nonlocal seals
        seals += 1
        if seals == 2:  # seal 1 checked and its checkpoint committed
            reached.set()
            await asyncio.Event().wait()  # until the cron's timeout cancels the run
        return await real(*args, **kwargs)

    monkeypatch.setattr(verify, "_check_seal", held)
    run = asyncio.ensure_future(jobs.check_the_record(ctx))
    await reached.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    monkeypatch.setattr(verify, "_check_seal", real)


async def seal_now(ctx: Context) -> list[LedgerSeal]:
    """What the scheduled seal would seal now."""
    async with ctx.sessions() as session:
        return await seal_pending(session, ctx.settings.secret_keys)


async def appended(ctx: Context, report_id: uuid.UUID, action: str = "close") -> uuid.UUID:
    """One more event on the report (a closing, unless `action` says otherwise): its id."""
    async with ctx.sessions() as session:
        event = ReportEvent(report_id=report_id, action=action, actor_type="dispatcher", channel="test",
                            public_text={"ru": "Закрыто", "kk": "Жабылды", "en": "Closed"}, data={})
        session.add(event)
        await session.commit()
        return event.id


async def built_proof(ctx: Context, report_id: uuid.UUID) -> dict[str, Any]:
    """The report's proof as the endpoint builds it, decoded as a third party reads it."""
    async with ctx.sessions() as session:
        built = await ledger_proof.build(session, ctx.settings.secret_keys, report_id)
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(built))
    return decoded


def public_keys(ctx: Context) -> list[str]:
    """The public key a third party pins."""
    return [seal_public_key(ctx.settings.secret_key)]


def uuid_param(ctx: Context, value: uuid.UUID) -> str:
    """A uuid as raw SQL compares it on each database."""
    return str(value) if ctx.engine.dialect.name == "postgresql" else value.hex


async def closed_later(ctx: Context) -> tuple[dict[str, Any], uuid.UUID]:
    """A report's record in seal 1 (entries 1-5), then its closing event alone in seal 2 (entry 6)."""
    rows = await record_report(ctx)
    await seal_now(ctx)
    closed = await appended(ctx, rows["report"])
    await seal_now(ctx)
    return rows, closed


async def triaged_report(ctx: Context, unit: Unit) -> Report:
    """A report in triage for `unit`'s department with its sealed-to-be `registered` event (its submission)."""
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, department=unit.department)
        session.add(ReportEvent(report_id=report.id, action="registered", actor_type="citizen", channel="test",
                                data={"submission": submission.digest(submission.submission(report, []))}))
        await session.commit()
    return report


def assigning(ctx: Context, report: Report, unit: Unit) -> Callable[[], Awaitable[None]]:
    """A dispatcher's assignment of `report` to `unit` (its custody record and `assign` event), for
    `committed_between`."""
    async def assign() -> None:
        async with ctx.sessions() as other:
            row = await other.get(Report, report.id)
            assert row is not None
            await dispatch.assign(other, row, unit, DISPATCHER)
            await other.commit()

    return assign
