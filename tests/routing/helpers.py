"""Submitting reports through the partner API and waiting for the app's own routing job to finish."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from backend.context import Context
from backend.reports.models import Report
from tests.helpers import PartnerClient, eventually, make_iin


async def submit_and_route(ctx: Context, citizen: PartnerClient, text: str, *,
                           states: tuple[str, ...] = ("done",), **kw: object) -> Report:
    """Register a report through the partner API and wait until its routing reaches one of `states`."""
    response = await citizen.submit(text, **kw)  # type: ignore[arg-type]
    assert response.status_code == 201, response.text
    return await routed(ctx, uuid.UUID(response.json()["id"]), states)


async def routed(ctx: Context, report_id: uuid.UUID, states: tuple[str, ...] = ("done",)) -> Report:
    """The app's own relay runs the routing job; wait for its outcome."""
    found: list[Report] = []

    async def check() -> bool:
        async with ctx.sessions() as session:
            report = await session.get(Report, report_id, populate_existing=True)
        found[:] = [report] if report is not None else []
        return report is not None and report.routing_state in states

    await eventually(check, timeout=30)
    return found[0]


def citizen_n(app_client: httpx.AsyncClient, partner: dict[str, str], n: int, lang: str = "ru") -> PartnerClient:
    """Another citizen of the same partner app (IIN number `n`; 1 and 2 are the `citizen` fixtures')."""
    return PartnerClient(app_client, partner["id"], partner["secret"], make_iin(n), lang=lang)


async def submit_and_fail_routing(ctx: Context, citizen: PartnerClient, tmp_path: Path) -> uuid.UUID:
    """A report whose routing failed through the app's own job: the router's model is one that crashes on every
    report (tests.routing.test_classifier_failure.broken_model)."""
    from tests.routing.test_classifier_failure import broken_model

    ctx.settings = ctx.settings.with_(router_model_dir=str(broken_model(tmp_path)))
    ctx.extras.pop("router", None)
    return (await submit_and_route(ctx, citizen, "Украли велосипед из подъезда на Абая 10", states=("failed",))).id
