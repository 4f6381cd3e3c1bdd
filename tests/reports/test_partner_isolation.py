"""A citizen is one person across partner apps (one IIN), but each app sees and acts on only the reports filed
through it; and ids a caller makes up before any signature is checked cannot grow the server's memory."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.partners import service as partners
from backend.partners.service import create
from tests.helpers import PartnerClient
from tests.reports.step_helpers import close

pytestmark = pytest.mark.anyio


async def _other_app(ctx: Context, http: httpx.AsyncClient, iin: str) -> PartnerClient:
    """The same citizen (IIN) through a second partner app."""
    async with ctx.sessions() as session:
        created = await create(session=session, secret_key=ctx.settings.secret_key,
                               name=f"egov-{uuid.uuid4().hex[:6]}")
    return PartnerClient(http, str(created.id), created.secret, iin)


async def test_another_partner_app_of_the_same_citizen_neither_sees_nor_acts_on_the_report(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    filed = (await citizen.submit()).json()
    report_id = filed["id"]
    bank = await _other_app(ctx, app_client, citizen.iin)
    own = (await bank.submit("Украли велосипед из подъезда")).json()

    read = await bank.get(f"/api/v1/reports/{report_id}")
    assert read.status_code == 404, read.text
    assert read.json()["code"] == "report.not_found"
    assert [item["id"] for item in (await bank.get("/api/v1/reports")).json()["items"]] == [own["id"]]
    assert [item["id"] for item in (await citizen.get("/api/v1/reports")).json()["items"]] == [report_id]
    steps: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        ("comments", {"text": "Ещё подробности"}, {"Idempotency-Key": str(uuid.uuid4())}),
        ("withdraw", {"reason": "не моё"}, {}),
    ]
    for step, body, headers in steps:
        refused = await bank.post(f"/api/v1/reports/{report_id}/{step}", body, headers=headers)
        assert refused.status_code == 404, (step, refused.text)
    await close(ctx, report_id)
    for step, body in (("reopen", {"reason": "Не согласен с итогом"}), ("feedback", {"satisfaction": 1})):
        refused = await bank.post(f"/api/v1/reports/{report_id}/{step}", body)
        assert refused.status_code == 404, (step, refused.text)

    # the app it was filed through still follows it, untouched by the other app's attempts
    mine = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert mine["status"] == "closed" and mine["resolution"] == "unfounded" and mine["satisfaction"] is None
    actions = {entry["action"] for entry in mine["timeline"]}
    assert not actions & {"comment", "withdraw", "reopen", "feedback"}, actions


async def test_made_up_partner_ids_do_not_grow_the_secret_cache(ctx: Context, app_client: httpx.AsyncClient,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(partners, "_SECRET_CACHE_MAX", 5, raising=False)
    for _ in range(12):
        refused = await app_client.get("/api/v1/reports", headers={
            "X-Partner-Id": str(uuid.uuid4()), "X-Timestamp": str(int(time.time())),
            "X-Citizen-IIN": "900101300123", "X-Signature": "0" * 64})
        assert refused.status_code == 401 and refused.json()["code"] == "auth.signature_invalid", refused.text
    assert len(ctx.extras["partner_keys"]) <= 5
