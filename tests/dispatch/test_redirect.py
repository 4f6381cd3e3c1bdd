"""A dispatcher's redirect out of police competence tells the applicant where the appeal went, in their language."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import ReportEvent
from backend.reports.workflow import Status
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def _redirect(ctx: Context, http: httpx.AsyncClient, category: str,
                    redirect_to: str | None) -> tuple[httpx.Response, dict[str, str] | None]:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category=category)
        await session.commit()
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    body: dict[str, object] = {"how": "redirected", "reason": "не компетенция полиции"}
    if redirect_to is not None:
        body["redirect_to"] = redirect_to
    response = await http.post(f"/api/v1/dispatch/reports/{report.id}/close", json=body,
                               headers=bearer(await login(http, dispatcher.badge_number, password)))
    async with ctx.sessions() as session:
        event = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == report.id,  # type: ignore[arg-type]
                                                               ReportEvent.action == "redirect"))  # type: ignore[arg-type]
    return response, (event.public_text if event is not None else None)


async def test_no_target_given_names_the_categorys_own(ctx: Context, app_client: httpx.AsyncClient) -> None:
    response, texts = await _redirect(ctx, app_client, "not_police", None)
    assert response.status_code == 200, response.text
    assert texts is not None
    assert texts["ru"].endswith("направлен: Местный акимат.") and "Жергілікті әкімдік" in texts["kk"]
    assert "Local akimat" in texts["en"]


async def test_a_taxonomy_target_code_is_named_per_language(ctx: Context, app_client: httpx.AsyncClient) -> None:
    response, texts = await _redirect(ctx, app_client, "public_order", "112")
    assert response.status_code == 200, response.text
    assert texts is not None and "Единая служба 112" in texts["ru"] and "Emergency line 112" in texts["en"]


async def test_a_named_body_is_written_as_given(ctx: Context, app_client: httpx.AsyncClient) -> None:
    response, texts = await _redirect(ctx, app_client, "public_order", "Департамент экологии г. Астаны")
    assert response.status_code == 200, response.text
    assert texts is not None and all("Департамент экологии г. Астаны" in text for text in texts.values())


async def test_no_target_anywhere_is_refused(ctx: Context, app_client: httpx.AsyncClient) -> None:
    response, texts = await _redirect(ctx, app_client, "public_order", "  ")
    assert response.status_code == 422 and texts is None
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("/redirect_to", "required")], \
        response.json()
