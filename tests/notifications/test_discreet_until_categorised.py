"""A citizen's push shows nothing until the report's category is known: a report is registered before routing runs,
and "my husband beats me" with no category picked would otherwise put "Report ZP-… registered" on a lock screen the
person reported may see. Through the partner API, the app's own relay, the real firebase-admin SDK and FakeFCM."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from backend.context import Context
from backend.reports.workflow import Action
from backend.routing.jobs import route_report
from tests.fakes.fcm import FakeFCM, SentPush, registration_token
from tests.helpers import PartnerClient
from tests.notifications.conftest import BOTH_DBS, act, drain
from tests.routing.helpers import routed

pytestmark = pytest.mark.anyio


async def _phone(citizen: PartnerClient) -> str:
    """The citizen's phone, registered through their partner app: its FCM token."""
    token = registration_token("ru")
    response = await citizen.post("/api/v1/devices", {"platform": "android", "token": token, "language": "ru"})
    assert response.status_code in (200, 201), response.text
    return token


def assert_data_only(push: SentPush, number: str) -> None:
    """What a restricted report's push looks like (test_push.py): nothing for the lock screen, no number, no state."""
    message = push.message
    assert "notification" not in message and "notification" not in message.get("android", {})
    assert message["apns"]["headers"]["apns-push-type"] == "background"
    assert message["apns"]["payload"]["aps"]["content-available"] == 1
    assert number not in str(message) and "citizen_status" not in message["data"]


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_an_uncategorised_reports_registered_push_is_data_only(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    phone = await _phone(citizen)
    # no category picked; routing is off (the `fcm` fixture), so the report waits in triage with none
    response = await citizen.submit("Муж избивает меня каждый день")
    assert response.status_code == 201, response.text
    number = response.json()["number"]
    report = await routed(ctx, uuid.UUID(response.json()["id"]))
    await drain(ctx)

    assert report.category is None and not report.restricted
    (registered,) = fcm.pushes_to(phone)
    assert_data_only(registered, number)
    assert registered.message["data"]["type"] == "report_update"  # the app still learns there is news to fetch


async def test_the_text_shows_once_routing_files_the_report_under_an_ordinary_category(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient, citizen: PartnerClient, tmp_path: Path) -> None:
    phone = await _phone(citizen)
    # the router model is missing when the report comes in: routing fails and the report waits in triage,
    # uncategorised (the job is retried in 5 minutes, by when this test has routed it itself)
    deployed, empty = ctx.settings.router_model_dir, tmp_path / "no-router-model"
    empty.mkdir()
    ctx.settings = ctx.settings.with_(router_model_dir=str(empty), enable_routing=True)
    ctx.extras.pop("router", None)
    response = await citizen.submit("У меня из машины украли магнитолу, разбили стекло ночью")
    assert response.status_code == 201, response.text
    number, report_id = response.json()["number"], uuid.UUID(response.json()["id"])
    assert (await routed(ctx, report_id, ("failed",))).category is None
    await drain(ctx)
    (registered,) = fcm.pushes_to(phone)
    assert_data_only(registered, number)

    # the model is deployed: routing files the report under theft, which may show on a lock screen
    ctx.settings = ctx.settings.with_(router_model_dir=deployed)
    ctx.extras.pop("router", None)
    await route_report(ctx, {"report_id": str(report_id)})
    assert (await routed(ctx, report_id)).category == "theft"
    (assigned,) = await act(ctx, report_id, Action.ASSIGN)
    await drain(ctx)

    (push,) = [p for p in fcm.pushes_to(phone) if p.message["data"]["event_id"] == str(assigned.id)]
    assert push.message["notification"] == {"title": f"Обращение {number}",
                                            "body": "Обращение передано в подразделение полиции."}
    assert push.message["data"]["number"] == number and push.message["data"]["citizen_status"] == "under_review"
