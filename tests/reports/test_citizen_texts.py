"""What the citizen must write, and the header they must send, are checked with a pointer to the field at fault."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.lib.messages import FIELD_ERRORS
from backend.reports import service
from backend.reports.models import Report, ReportComment
from backend.reports.workflow import Action, Actor
from tests.helpers import PartnerClient
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio
DISPATCHER = service.By(Actor.DISPATCHER, "d-1", "console")


async def _step(ctx: Context, report_id: str, *actions: Action) -> None:
    # assigned to a unit, as dispatch assigns (its answer then resumes the unit's work); made first: SQLite takes
    # one writer at a time
    unit = await make_unit(ctx) if Action.ASSIGN in actions else None
    async with ctx.sessions() as session:
        row = await service.lock(session, uuid.UUID(report_id))
        assert row is not None
        for action in actions:
            if action is Action.ASSIGN and unit is not None:
                row.unit_id = unit.id
            await service.change_status(session, row, action, DISPATCHER, reason="Уточните номер подъезда")
        await session.commit()


async def _report(ctx: Context, report_id: str) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        return report


@pytest.mark.parametrize("blank", ["   ", "\n\t "])
async def test_a_blank_reply_to_a_request_for_information_is_refused_and_the_report_keeps_waiting(
        ctx: Context, citizen: PartnerClient, blank: str) -> None:
    citizen.lang = "kk"
    report_id = (await citizen.submit()).json()["id"]
    await _step(ctx, report_id, Action.ASSIGN, Action.REQUEST_INFO)
    reply = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": blank},
                               headers={"Idempotency-Key": str(uuid.uuid4())})
    assert reply.status_code == 422, reply.text
    assert [(e["pointer"], e["code"], e["detail"]) for e in reply.json()["errors"]] == [
        ("/text", "too_short", FIELD_ERRORS["too_short"]["kk"])]
    assert (await _report(ctx, report_id)).status == "awaiting_reporter"
    async with ctx.sessions() as session:
        comments = await session.scalar(select(func.count()).select_from(ReportComment).where(
            ReportComment.report_id == uuid.UUID(report_id)))  # type: ignore[arg-type]
    assert comments == 0
    answered = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "Второй подъезд"},
                                  headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answered.status_code == 201, answered.text
    assert (await _report(ctx, report_id)).status == "in_progress"


async def test_an_appeal_with_blank_grounds_is_refused_and_the_report_stays_closed(ctx: Context,
                                                                                  citizen: PartnerClient) -> None:
    report_id = (await citizen.submit()).json()["id"]
    await _step(ctx, report_id, Action.CLOSE_UNFOUNDED)
    appeal = await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "     "})
    assert appeal.status_code == 422, appeal.text
    assert [(e["pointer"], e["code"]) for e in appeal.json()["errors"]] == [("/reason", "too_short")]
    report = await _report(ctx, report_id)
    assert report.status == "closed" and report.reopen_count == 0


async def test_idempotency_problems_point_at_the_header(citizen: PartnerClient) -> None:
    body = {"text": "Украли велосипед из подъезда", "location": {"lat": 51.16, "lon": 71.47}}
    missing = await citizen.post("/api/v1/reports", body)
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency.key_missing", missing.text
    assert [(e["pointer"], e["code"]) for e in missing.json()["errors"]] == [("#header/Idempotency-Key", "required")]

    report_id = (await citizen.submit()).json()["id"]
    path = f"/api/v1/reports/{report_id}/comments"
    missing_on_comment = await citizen.post(path, {"text": "Подробности"})
    assert missing_on_comment.status_code == 400, missing_on_comment.text
    assert [e["pointer"] for e in missing_on_comment.json()["errors"]] == ["#header/Idempotency-Key"]

    key = str(uuid.uuid4())
    assert (await citizen.post("/api/v1/reports", body, headers={"Idempotency-Key": key})).status_code == 201
    reused = await citizen.post("/api/v1/reports", {**body, "text": "Украли самокат"},
                                headers={"Idempotency-Key": key})
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency.key_reused", reused.text
    assert [(e["pointer"], e["code"]) for e in reused.json()["errors"]] == [("#header/Idempotency-Key", "invalid")]
