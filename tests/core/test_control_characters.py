"""U+0000 is refused at the edge with a pointer to each field, on both databases alike (PostgreSQL cannot store it:
it used to fail inside the statement as a 500; found by fuzzing the OpenAPI schema)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.reports.models import Report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def _reports(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def test_a_nul_in_the_body_is_a_422_naming_every_field(citizen: PartnerClient, ctx: Context) -> None:
    citizen.lang = "kk"
    response = await citizen.submit("Украли велосипед\u0000 у подъезда", category="theft\u0000",
                                    media_ids=[], extra_field={"a\u0000": 1})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation.failed"
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
        ("/text", "control_character"), ("/category", "control_character"),
        ("/extra_field/a\u0000", "control_character")]
    assert "U+0000" in problem["errors"][0]["detail"] and "таңба" in problem["errors"][0]["detail"]
    assert await _reports(ctx) == 0
    # a backslash followed by "u0000" is text like any other
    literal = await citizen.submit("На стене написали C:\\u0000 и ещё что-то, вандализм")
    assert literal.status_code == 201, literal.text
    assert literal.json()["text"].startswith("На стене написали C:\\u0000")


async def test_a_nul_in_the_query_is_a_422_naming_the_parameter(app_client: httpx.AsyncClient, ctx: Context) -> None:
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    response = await app_client.get("/api/v1/dispatch/units?department=%00&status=free", headers=console)
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == ["#query/department"]
    assert (await app_client.get("/api/v1/dispatch/units?department=patrol_police", headers=console)).status_code == 200
