"""Embedded mode (SQLite, in-process jobs, no Redis) under concurrent writers, as a pilot district runs it: partner
apps submitting (and retrying with the same Idempotency-Key), citizens commenting, a tablet pushing (and pushing
again), the ledger's sealing and the in-process relay, all at once on one SQLite file. Outcomes only: no answer is
a server error, every report is stored once, every retry gets the first answer, and every report is routed."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.scheduled import SEAL, run_scheduled
from backend.reports.models import Report
from backend.sync.models import ReportNote
from tests.helpers import PartnerClient, eventually, make_iin
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import assigned_report, uuid7

pytestmark = pytest.mark.anyio

SUBMISSIONS = 24  # distinct reports, each sent twice at once (a partner app retrying on a timeout)


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def quick_routing(ctx: Context) -> None:
    # the relay's pipeline (claim, route, settle, follow-up tasks) without the model's CPU time: what is under test
    # is the single writer, not the classifier
    ctx.settings = ctx.settings.with_(enable_routing=False)


async def test_concurrent_intake_comments_pushes_and_sealing_lose_and_duplicate_nothing(
        quick_routing: None, ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    apps = [PartnerClient(app_client, partner["id"], partner["secret"], make_iin(20 + i)) for i in range(4)]
    earlier = [await app.submit(f"Во дворе дома {i} пьяные дерутся") for i, app in enumerate(apps)]
    assert [r.status_code for r in earlier] == [201] * 4, [r.text for r in earlier]
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    worked = await assigned_report(ctx, unit)
    device = f"tab-{uuid.uuid4().hex[:8]}"
    tablet = bearer(await login(app_client, officer.badge_number, password, device))

    keys = [str(uuid.uuid4()) for _ in range(SUBMISSIONS)]
    comment_keys = [str(uuid.uuid4()) for _ in range(6)]
    notes = [(f"m-{uuid.uuid4().hex[:8]}", uuid7()) for _ in range(3)]

    async def submit(i: int) -> tuple[str, httpx.Response]:
        return "submit", await apps[i % 4].submit(f"Украли велосипед у подъезда {i}", key=keys[i])

    async def comment(i: int) -> tuple[str, httpx.Response]:
        path = f"/api/v1/reports/{earlier[i % 4].json()['id']}/comments"
        return "comment", await apps[i % 4].post(path, {"text": f"дополнение {i}"},
                                                 headers={"Idempotency-Key": comment_keys[i]})

    async def push(i: int) -> tuple[str, httpx.Response]:
        mutation_id, note_id = notes[i]
        return "push", await app_client.post("/api/v1/sync/push", headers=tablet, json={
            "device_id": device, "mutations": [{
                "mutation_id": mutation_id, "entity": "notes", "id": note_id, "op": "create",
                "hlc": f"{1_700_000_000_000 + i:013d}-00001-{device}",
                "fields": {"report_id": str(worked.id), "text": f"заметка {i}"}}]})

    async def seal() -> tuple[str, None]:
        await run_scheduled(ctx, SEAL)  # the minute's sealing, in this process as embedded mode runs it
        return "seal", None

    work: list[Any] = [submit(i) for i in range(SUBMISSIONS)]
    work += [submit(i) for i in range(SUBMISSIONS)]
    work += [comment(i) for i in range(6)] + [comment(i) for i in range(6)]
    work += [push(i) for i in range(3)] + [push(i) for i in range(3)] + [seal(), seal()]
    answers = await asyncio.gather(*work)

    failed = [(kind, r.status_code, r.text[:200]) for kind, r in answers if r is not None and r.status_code >= 300]
    assert not failed, failed
    submitted = Counter(r.json()["id"] for kind, r in answers if kind == "submit")
    assert len(submitted) == SUBMISSIONS and set(submitted.values()) == {2}, submitted  # a retry: the same report
    for kind, r in answers:
        if kind == "push":
            assert [x["status"] for x in r.json()["results"]] in (["applied"], ["duplicate"]), r.text

    async with ctx.sessions() as session:
        reports = await session.scalar(select(func.count()).select_from(Report))
        kept_notes = await session.scalar(select(func.count()).select_from(ReportNote)
                                          .where(ReportNote.report_id == worked.id))  # type: ignore[arg-type]
    assert reports == 4 + 1 + SUBMISSIONS
    assert kept_notes == len(notes)

    async def all_routed() -> bool:
        async with ctx.sessions() as session:
            waiting = await session.scalar(select(func.count()).select_from(Report).where(
                Report.routing_state != "done", Report.id != worked.id))  # type: ignore[arg-type]
            dead = await session.scalar(select(func.count()).select_from(OutboxTask).where(
                OutboxTask.status == "dead"))  # type: ignore[arg-type]
        assert dead == 0
        return waiting == 0

    await eventually(all_routed, timeout=20)
