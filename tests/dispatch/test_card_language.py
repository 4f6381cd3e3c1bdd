"""The answer goes out in the state language or in the language of the appeal (law on appeals): staff write the
reasons the citizen reads, so the dispatcher's card says which language that is (audit 2026-12-05)."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("language", ["kk", "en"])
async def test_the_card_shows_the_reports_language(ctx: Context, app_client: httpx.AsyncClient,
                                                   language: str) -> None:
    report = await triage_report(ctx, department="patrol_police",
                                 text="Көршілер түнде шу шығарады" if language == "kk" else "Neighbours are noisy")
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        row.language = language  # as intake detected it
        await session.commit()
    officer, password = await make_officer(ctx, role="dispatcher")
    # the console's own language is not the report's: the card must say the report's
    headers = {**bearer(await login(app_client, officer.badge_number, password)), "Accept-Language": "ru"}
    card = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=headers)
    assert card.status_code == 200, card.text
    assert card.json()["language"] == language
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=headers)).json()
    assert [item["language"] for item in queue["items"] if item["id"] == str(report.id)] == [language]


async def test_the_language_is_in_the_published_card(app_client: httpx.AsyncClient) -> None:
    schema = (await app_client.get("/schema/openapi.json")).json()["components"]["schemas"]["ReportCard"]
    assert "language" in schema["required"] and schema["properties"]["language"]["type"] == "string"
