"""Authorization edge cases across roles (citizens via partners, field officers, dispatch, oversight, bots).

Each test here fails while its defect is present: what a user could do, and why the role model forbids it, is in the
test's docstring.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.notifications.models import Delivery
from backend.reports.models import Report
from backend.reports.workflow import Status
from tests.bots.conftest import officer_bot, officer_tg  # noqa: F401  (the duty bot's fixtures)
from tests.core.factories import make_report, triage_report
from tests.fakes.telegram import FakeBot, make_user
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url"))


# -- officer push devices outlive the officer's deactivation ---------------------------------------------------------
async def test_deactivated_officer_keeps_getting_assignment_pushes(app_client: httpx.AsyncClient,
                                                                   ctx: Context) -> None:
    """An admin deactivates an officer (`POST /officer/admin/officers/{id}/revoke`: "every session dies at once"),
    but the push device the officer registered with their bearer token stays active with its unit: every later
    assignment to that unit is still pushed to the deactivated officer's phone (report number, category,
    district). A revoked account must receive nothing any more.

    Fix: backend/officers/service.py revoke_officer must deactivate the officer's rows in notifications' Device
    (owner_type "officer", officer_id == the revoked officer); fan-out (backend/notifications/fanout.py
    report_event) and area alerts (notifications/service.py create_alert) should also skip inactive officers."""
    from backend.notifications.fanout import report_event
    from backend.reports.models import ReportEvent
    from tests.fakes.fcm import registration_token

    unit = await make_unit(ctx)
    crew, cpw = await make_officer(ctx, unit=unit)
    crew_h = bearer(await login(app_client, crew.badge_number, cpw))
    device = await app_client.post("/api/v1/devices", headers=crew_h,
                                   json={"platform": "android", "token": registration_token("crew")})
    assert device.status_code == 200, device.text
    device_id = uuid.UUID(device.json()["id"])

    admin, apw = await make_officer(ctx, role="admin")
    admin_h = bearer(await login(app_client, admin.badge_number, apw))
    revoked = await app_client.post(f"/api/v1/officer/admin/officers/{crew.id}/revoke", headers=admin_h,
                                    json={"reason": "left the police"})
    assert revoked.status_code == 200, revoked.text
    assert (await app_client.get("/api/v1/officer/me", headers=crew_h)).status_code == 401  # the session died

    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    dh = bearer(await login(app_client, dispatcher.badge_number, dpw))
    report = await triage_report(ctx, department=unit.department, district="astana")
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", headers=dh,
                                     json={"unit_id": str(unit.id)})
    assert assigned.status_code == 200, assigned.text

    # the fan-out of the ASSIGN event (the relay may already have run it: its rows are de-duplicated)
    async with ctx.sessions() as session:
        event = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == report.id,  # type: ignore[arg-type]
                                                               ReportEvent.action == "assign"))  # type: ignore[arg-type]
        fresh = await session.get(Report, report.id)
        assert event is not None and fresh is not None
        await report_event(session, event=event, report=fresh)
        await session.commit()
        to_revoked = list(await session.scalars(select(Delivery).where(Delivery.device_id == device_id)))  # type: ignore[arg-type]
    assert to_revoked == [], [d.payload for d in to_revoked]


# -- the duty bot works in group chats -------------------------------------------------------------------------------
async def test_duty_bot_linked_in_a_group_lets_any_member_accept_as_the_officer(ctx: Context,
                                                                              officer_tg: FakeBot) -> None:  # noqa: F811
    """The citizen bot serves private chats only (a group member would act as another citizen), but the officer
    duty bot has no such rule: an officer who sends `/link CODE` in a group chat binds the *group* to their
    account. Every member of the group (anyone, not an officer) then reads the urgent offers (number, text, exact
    place) and can tap Accept, assigning a report to the officer's unit in the officer's name, or /shift them on
    and off duty. Only the officer may act as the officer.

    Fix: bots/officer/app.py must handle private chats only (e.g. `filters.ChatType.PRIVATE` on every handler and
    a refusal for callback queries from other chats), and bots/officer/service.py redeem_link_code must refuse a
    chat id that is not a private chat (negative ids are groups and channels), as duty_chats must skip them."""
    from bots.officer.push import push_urgent_report
    from tests.bots.conftest import link_code

    group = -100_777_0001
    officer_user = make_user(870001, "Officer", language_code="ru")
    stranger = make_user(870002, "Stranger", language_code="ru")
    unit = await make_unit(ctx, code=f"GRP-{uuid.uuid4().hex[:4]}", district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name="Офицер Группы")
    tg = officer_tg  # the duty bot long-polling the fake Bot API
    tg.user_sends_text(group, officer_user, f"/link {await link_code(ctx, officer.id)}")
    await tg.wait_for_message_async(group, timeout=10)
    # a stranger in the group puts the officer on shift
    tg.user_sends_text(group, stranger, "/shift")
    await tg.wait_for_message_async(group, timeout=10)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, urgent=True, priority="urgent",
                                   district="astana", department=unit.department,
                                   text="Прямо сейчас во дворе мужчина с ножом нападает на людей")
        await session.commit()
    await push_urgent_report(ctx, report)
    offers = [m for m in tg.sent_messages(group) if report.number in (m.text or "")]
    if offers:  # the stranger accepts it in the officer's name
        tg.user_taps_button(offers[0], f"accept:{report.id}", user=stranger)
        await tg.wait_for_call_async("answerCallbackQuery", timeout=10)

    async with ctx.sessions() as session:
        linked = await session.get(type(officer), officer.id)
        taken = await session.get(Report, report.id)
    assert linked is not None and taken is not None
    problems = [problem for problem, happened in (
        ("a group chat was linked to an officer", linked.telegram_chat_id == group),
        ("an urgent offer (number, text, place) was posted to a group chat", bool(offers)),
        ("a stranger in the group accepted a report in the officer's name", taken.unit_id is not None),
    ) if happened]
    assert problems == []


# -- a dispatcher's "duplicate of" may name a report the dispatcher may not see --------------------------------------
async def test_dispatcher_cannot_close_as_duplicate_of_a_report_hidden_from_them(app_client: httpx.AsyncClient,
                                                                                 ctx: Context) -> None:
    """A plain dispatcher never sees restricted reports (a complaint about the police, domestic violence): reading
    one is a 404 like a report that does not exist. But `POST /dispatch/reports/{id}/close` with
    `{"how": "duplicate", "duplicate_of": <id>}` loads the original with a bare `session.get`, so the dispatcher can
    tie an ordinary report to the hidden one (the citizen is told the reports were merged and they "will be kept
    informed" of it) and, by 200 against 422, learn that the hidden report exists. The original must pass the same
    visibility as every other report the officer names.

    Fix: backend/dispatch/service.py close() (or the controller) must load `duplicate_of` through
    `get_visible(session, officer, duplicate_of)` and answer `dispatch.duplicate_of_invalid` (422) when it is not
    visible, exactly as for a missing report."""
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    dh = bearer(await login(app_client, dispatcher.badge_number, dpw))
    hidden = await triage_report(ctx, category="police_complaint", restricted=True, department="internal_security",
                                  text="Участковый вымогает деньги у продавцов рынка")
    assert (await app_client.get(f"/api/v1/dispatch/reports/{hidden.id}", headers=dh)).status_code == 404
    ordinary = await triage_report(ctx, department="patrol_police")
    missing = await app_client.post(f"/api/v1/dispatch/reports/{ordinary.id}/close", headers=dh,
                                    json={"how": "duplicate", "reason": "повтор", "duplicate_of": str(uuid.uuid4())})
    assert missing.status_code == 422, missing.text

    closed = await app_client.post(f"/api/v1/dispatch/reports/{ordinary.id}/close", headers=dh,
                                   json={"how": "duplicate", "reason": "повтор", "duplicate_of": str(hidden.id)})
    assert closed.status_code == 422, closed.text  # today: 200, and the report points at the hidden one
    async with ctx.sessions() as session:
        after = await session.get(Report, ordinary.id)
    assert after is not None and after.duplicate_of is None and after.status != Status.CLOSED
