"""A staff message of invisible characters only (zero-width spaces, a Hangul filler) is as blank as spaces: the
reporter would be pushed "message from the police" and read nothing. It is refused as a blank one is (422 at
`/text`), by the same rule as the reporter's comments and appeals (reports.service.require_text, lib.blank)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.reports.models import ReportComment
from backend.reports.workflow import Status
from tests.core.factories import make_report
from tests.dispatch.test_staff_comments import _console, _write

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("text", ["\u200b\u200b", "\u3164", "\u200e \u2060"])
async def test_an_invisible_staff_message_is_refused(ctx: Context, app_client: httpx.AsyncClient, text: str) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, district="astana")
        await session.commit()
    console, _ = await _console(ctx, app_client)
    refused = await _write(app_client, console, report.id, {"text": text, "public": True})
    assert refused.status_code == 422, refused.text
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/text"]
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ReportComment)) == 0
