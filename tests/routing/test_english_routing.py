"""An English report goes through intake and the routing job to its department, like a Russian or Kazakh one,
instead of waiting in the triage queue because the model abstained on it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.routing.models import RoutingDecision
from tests.helpers import PartnerClient
from tests.routing.helpers import submit_and_route

pytestmark = pytest.mark.anyio


async def test_english_theft_report_is_routed_not_triaged(ctx: Context, citizen: PartnerClient) -> None:
    report = await submit_and_route(ctx, citizen, "Someone stole my phone on the bus this morning")
    assert report.language == "en"
    assert report.category == "theft" and report.department == "criminal_police"
    assert report.status == "registered"
    async with ctx.sessions() as session:
        decision = await session.scalar(select(RoutingDecision).where(RoutingDecision.report_id == report.id))
        assert decision is not None and decision.source == "model"
