"""Device registry over the API (citizens via partner apps, officers' tablets) and area alerts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import Context
from backend.lib.clock import utcnow
from backend.notifications.models import Delivery, Device
from backend.notifications.service import update_device_area
from backend.reports.models import Report
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM, registration_token
from tests.helpers import PartnerClient, eventually
from tests.notifications.conftest import act
from tests.officers.factories import bearer, keyed, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
ASTANA = (51.1605, 71.4704)
ALMATY = (43.2380, 76.9450)


async def test_citizen_registers_a_device_and_hears_about_their_report(ctx: Context, fcm: FakeFCM,
                                                                       citizen: PartnerClient,
                                                                       other_citizen: PartnerClient) -> None:
    token = registration_token("phone")
    citizen.lang = "kk"
    response = await citizen.post("/api/v1/devices", {"platform": "ios", "token": token, "districts": ["astana"]})
    assert response.status_code == 200, response.text
    device = response.json()
    assert device["language"] == "kk" and device["topics"] == ["district-astana", "lang-kk"]
    again = await citizen.post("/api/v1/devices", {"platform": "ios", "token": token, "language": "ru"})
    assert again.json()["id"] == device["id"] and again.json()["language"] == "ru"  # re-registration updates

    report = (await citizen.submit()).json()
    await fcm.wait_for_pushes_async(1)
    (registered,) = fcm.pushes_to(token)
    # data-only while the report's category is not known (routing is off here): test_discreet_until_categorised.py
    assert registered.message["data"]["report_id"] == report["id"] and "notification" not in registered.message
    async with ctx.sessions() as session:  # filed under an ordinary category, as routing would
        await session.execute(update(Report).where(col(Report.id) == uuid.UUID(report["id"]))
                              .values(category="public_order"))
        await session.commit()
    await act(ctx, uuid.UUID(report["id"]), Action.ASSIGN)
    await fcm.wait_for_pushes_async(2)
    assert [p.message["notification"]["title"] for p in fcm.pushes_to(token)[1:]] == [f"Обращение {report['number']}"]

    # another citizen can neither see nor remove it; its owner can (logout)
    assert (await other_citizen.request("DELETE", f"/api/v1/devices/{device['id']}")).status_code == 404
    assert (await citizen.post(f"/api/v1/devices/{device['id']}/topics", {"districts": ["nowhere-land"]})
            ).status_code == 422
    assert (await citizen.request("DELETE", f"/api/v1/devices/{device['id']}")).status_code == 204
    async with ctx.sessions() as session:
        assert await session.get(Device, uuid.UUID(device["id"])) is None


async def test_device_needs_a_target_and_a_signature(citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    assert (await citizen.post("/api/v1/devices", {"platform": "android"})).status_code == 422
    unsigned = await app_client.post("/api/v1/devices", json={"platform": "android", "token": registration_token()})
    assert unsigned.status_code == 401


async def test_token_and_installation_id_registered_apart_merge_into_one_device(ctx: Context,
                                                                                 citizen: PartnerClient) -> None:
    """An app that registered its FCM token and, separately, its installation id, then sends both: one device."""
    token, fid = registration_token("merge"), f"fid-{uuid.uuid4().hex[:12]}"
    by_token = (await citizen.post("/api/v1/devices", {"platform": "android", "token": token})).json()
    by_fid = (await citizen.post("/api/v1/devices", {"platform": "android", "fid": fid})).json()
    assert by_token["id"] != by_fid["id"]
    both = await citizen.post("/api/v1/devices", {"platform": "android", "token": token, "fid": fid})
    assert both.status_code == 200, both.text
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(Device).where(col(Device.citizen_id).is_not(None))))
    assert [(str(d.id), d.token, d.fid) for d in rows] == [(both.json()["id"], token, fid)]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite has one writer: no race to lose
async def test_concurrent_first_registrations_of_one_token_make_one_device(ctx: Context,
                                                                         citizen: PartnerClient) -> None:
    token = registration_token("race")
    answers = await asyncio.gather(*[citizen.post("/api/v1/devices", {"platform": "ios", "token": token})
                                     for _ in range(20)])
    assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1


async def _officer(ctx: Context, client: httpx.AsyncClient, role: str) -> tuple[uuid.UUID, str]:
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, role=role, unit=unit)
    return officer.id, await login(client, officer.badge_number, password)


async def test_area_alert_reaches_only_tablets_inside_and_district_topics(ctx: Context, fcm: FakeFCM,
                                                                          app_client: httpx.AsyncClient) -> None:
    _, duty = await _officer(ctx, app_client, "dispatcher")
    tablets = {}
    for name, (lat, lon) in {"inside": (ASTANA[0] + 0.005, ASTANA[1]), "outside": (ASTANA[0] + 0.2, ASTANA[1]),
                             "almaty": ALMATY}.items():
        officer_id, access = await _officer(ctx, app_client, "patrol_officer")
        token = registration_token(name)
        response = await app_client.post("/api/v1/devices", headers=bearer(access),
                                         json={"platform": "android", "token": token, "language": "kk"})
        assert response.status_code == 200, response.text
        async with ctx.sessions() as session:
            await update_device_area(session, officer_id, lat, lon)
            await session.commit()
        tablets[name] = token

    alert: dict[str, Any] = {
             "category": "missing_child", "centre": {"lat": ASTANA[0], "lon": ASTANA[1]}, "radius_m": 2000,
             "texts": {"kk": "Бала жоғалды: 7 жаста, қызыл күртке", "ru": "Пропал мальчик 7 лет, красная куртка"},
             "expires_at": (utcnow() + timedelta(hours=6)).isoformat()}
    response = await app_client.post("/api/v1/alerts", json=alert, headers=keyed(bearer(duty)))
    assert response.status_code == 201, response.text
    body = response.json()
    # the city polygon and the 2017 district layer around it both intersect a circle in Astana
    districts = body["districts"]
    assert body["officer_devices"] == 1 and "astana" in districts and "almaty" not in districts
    assert body["topic_messages"] == 3 * len(districts)

    await fcm.wait_for_pushes_async(1 + 3 * len(districts))
    await eventually(lambda: _settled(ctx))
    (inside,) = fcm.pushes_to(tablets["inside"])
    assert inside.message["notification"] == {"title": "Бала жоғалды", "body": alert["texts"]["kk"]}
    assert fcm.pushes_to(tablets["outside"]) == [] and fcm.pushes_to(tablets["almaty"]) == []
    conditions = sorted(p.message["condition"] for p in fcm.pushes if "condition" in p.message)
    assert conditions == sorted(f"'district-{code}' in topics && 'lang-{lang}' in topics"
                                for code in districts for lang in ("en", "kk", "ru"))
    en = next(p for p in fcm.pushes if "'district-astana' in topics && 'lang-en'" in p.message.get("condition", ""))
    assert en.message["notification"]["body"] == alert["texts"]["ru"]  # no English text given: Russian


async def _settled(ctx: Context) -> bool:
    async with ctx.sessions() as session:
        return {d.status for d in await session.scalars(select(Delivery))} == {"sent"}


async def test_alerts_are_for_duty_officers_only_and_rate_limited(ctx: Context, fcm: FakeFCM,
                                                                  app_client: httpx.AsyncClient) -> None:
    from backend.audit.models import AuditLog
    from backend.notifications.service import ALERTS_PER_HOUR

    _, patrol = await _officer(ctx, app_client, "patrol_officer")
    supervisor_id, supervisor = await _officer(ctx, app_client, "supervisor")
    polygon = {"type": "Polygon", "coordinates": [[[71.40, 51.10], [71.50, 51.10], [71.50, 51.20], [71.40, 51.10]]]}
    alert = {"category": "fraud_warning", "polygon": polygon,
             "texts": {"kk": "Алаяқтар банк атынан қоңырау шалуда", "ru": "Мошенники звонят от имени банка"},
             "expires_at": (utcnow() + timedelta(days=1)).isoformat()}
    assert (await app_client.post("/api/v1/alerts", json=alert, headers=keyed(bearer(patrol)))).status_code == 403
    bad = {**alert, "polygon": {"type": "Point", "coordinates": [71.4, 51.1]}}
    assert (await app_client.post("/api/v1/alerts", json=bad, headers=keyed(bearer(supervisor)))).status_code == 422
    for _ in range(ALERTS_PER_HOUR):
        sent = await app_client.post("/api/v1/alerts", json=alert, headers=keyed(bearer(supervisor)))
        assert sent.status_code == 201
    limited = await app_client.post("/api/v1/alerts", json=alert, headers=keyed(bearer(supervisor)))
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert limited.json()["code"] == "alert.rate_limited"
    async with ctx.sessions() as session:
        trail = list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == "alert.create")))
    assert len(trail) == ALERTS_PER_HOUR and {t.actor_id for t in trail} == {str(supervisor_id)}


@pytest.mark.redis
async def test_alert_rate_limit_uses_redis_when_present(ctx: Context, fcm: FakeFCM,
                                                        app_client: httpx.AsyncClient) -> None:
    from backend.notifications.service import ALERTS_PER_HOUR

    assert ctx.redis is not None
    _, duty = await _officer(ctx, app_client, "dispatcher")
    alert = {"category": "public_safety", "centre": {"lat": ASTANA[0], "lon": ASTANA[1]}, "radius_m": 500,
             "texts": {"kk": "Газ ағып жатыр, аулақ болыңыз", "ru": "Утечка газа, не подходите"},
             "expires_at": (utcnow() + timedelta(hours=2)).isoformat()}
    codes = [(await app_client.post("/api/v1/alerts", json=alert, headers=keyed(bearer(duty)))).status_code
             for _ in range(ALERTS_PER_HOUR + 1)]
    assert codes == [201] * ALERTS_PER_HOUR + [429]
    assert [k async for k in ctx.redis.scan_iter(match=ctx.keys("alerts", "*"))]


async def test_an_alert_needs_an_idempotency_key_and_a_retry_is_not_sent_again(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient) -> None:
    from backend.notifications.models import AreaAlert

    _, duty = await _officer(ctx, app_client, "dispatcher")
    alert = {"category": "public_safety", "centre": {"lat": ASTANA[0], "lon": ASTANA[1]}, "radius_m": 500,
             "texts": {"kk": "Газ ағып жатыр, аулақ болыңыз", "ru": "Утечка газа, не подходите"},
             "expires_at": (utcnow() + timedelta(hours=2)).isoformat()}
    missing = await app_client.post("/api/v1/alerts", json=alert, headers=bearer(duty))
    assert (missing.status_code, missing.json()["code"]) == (400, "idempotency.key_missing")
    headers = keyed(bearer(duty))
    first = await app_client.post("/api/v1/alerts", json=alert, headers=headers)
    retry = await app_client.post("/api/v1/alerts", json=alert, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201) and retry.json() == first.json()
    other = await app_client.post("/api/v1/alerts", json={**alert, "radius_m": 900}, headers=headers)
    assert (other.status_code, other.json()["code"]) == (409, "idempotency.key_reused")
    async with ctx.sessions() as session:
        assert len(list(await session.scalars(select(AreaAlert)))) == 1


async def test_an_escalation_is_pushed_to_the_districts_supervisors(ctx: Context, fcm: FakeFCM,
                                                                    app_client: httpx.AsyncClient) -> None:
    """A report about to miss its legal deadline reaches the phones of its district's supervisors in their
    language; another region's supervisor and the dispatchers get nothing, and a second run sends nothing again
    (the region's other districts and national supervisors: test_escalation_region)."""
    from sqlalchemy import update

    from backend.dispatch.jobs import find_escalations
    from backend.dispatch.models import Escalation
    from backend.reports.models import Report
    from tests.core.factories import triage_report

    phones = {}
    for name, role, district in (("astana", "supervisor", "astana"), ("almaty", "supervisor", "almaty"),
                                 ("duty", "dispatcher", "astana")):
        officer, password = await make_officer(ctx, role=role, district=district)
        access = await login(app_client, officer.badge_number, password)
        phones[name] = registration_token(f"escalation-{name}")
        response = await app_client.post("/api/v1/devices", headers=bearer(access),
                                         json={"platform": "android", "token": phones[name], "language": "kk"})
        assert response.status_code == 200, response.text
    report = await triage_report(ctx, department="patrol_police", district="astana")
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.id == report.id)  # type: ignore[arg-type]
                              .values(deadline_at=utcnow() + timedelta(hours=20)))
        await session.commit()
    assert await find_escalations(ctx) == 1

    (push,) = await fcm.wait_for_pushes_async(1)
    assert push.message["token"] == phones["astana"]
    assert push.message["notification"]["title"] == f"Эскалация: {report.number}"
    assert "мерзім" in push.message["notification"]["body"]  # Kazakh, the phone's language
    assert push.message["data"]["type"] == "escalation" and push.message["data"]["kind"] == "deadline_near"

    async def notified() -> bool:
        async with ctx.sessions() as session:
            esc = await session.scalar(select(Escalation).where(Escalation.report_id == report.id))  # type: ignore[arg-type]
        return esc is not None and esc.notified_at is not None

    await eventually(notified)
    assert await find_escalations(ctx) == 0
    await asyncio.sleep(0.5)
    assert fcm.pushes_to(phones["almaty"]) == [] and fcm.pushes_to(phones["duty"]) == []
    assert len(fcm.pushes_to(phones["astana"])) == 1


async def test_without_redis_the_alert_limit_counts_the_same_clock_hour_redis_does(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient) -> None:
    """The 429 tells the officer to come back at the next hour, and Redis counts per clock hour: the database's
    count used the last sixty minutes instead, so after an outage began an officer who had used the previous hour's
    alerts was refused past the Retry-After they had been given."""
    from backend.notifications.models import AreaAlert
    from backend.notifications.service import ALERTS_PER_HOUR

    assert ctx.redis is None
    officer_id, duty = await _officer(ctx, app_client, "dispatcher")
    now = utcnow()
    last_hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(seconds=1)
    async with ctx.sessions() as session:
        session.add_all([AreaAlert(officer_id=officer_id, category="public_safety", texts={"ru": "x", "kk": "x"},
                                   area={}, expires_at=now + timedelta(hours=1), created_at=last_hour)
                         for _ in range(ALERTS_PER_HOUR)])
        await session.commit()
    alert = {"category": "public_safety", "centre": {"lat": ASTANA[0], "lon": ASTANA[1]}, "radius_m": 500,
             "texts": {"kk": "Газ ағып жатыр, аулақ болыңыз", "ru": "Утечка газа, не подходите"},
             "expires_at": (now + timedelta(hours=2)).isoformat()}
    codes = [(await app_client.post("/api/v1/alerts", json=alert, headers=keyed(bearer(duty)))).status_code
             for _ in range(ALERTS_PER_HOUR + 1)]
    assert codes == [201] * ALERTS_PER_HOUR + [429]
