"""Races between two actors acting on the same thing at the same time, with real concurrent transactions on
PostgreSQL (each actor has its own session / request). Where a window needs widening, only real mechanisms are
used: a row lock held by a side transaction, and waiting until PostgreSQL shows a backend blocked on a lock."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.notifications.service import ALERTS_PER_HOUR
from backend.officers import service as officers
from backend.officers.models import Officer, Shift
from backend.officers.ratelimit import LIMITS
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.workflow import Status
from backend.routing import corrections
from bots.officer.service import issue_link_code, redeem_link_code
from tests.core.factories import make_report
from tests.helpers import until_lock_waiters
from tests.officers.factories import bearer, keyed, login, make_officer, make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url



# --- officer login lockout ---------------------------------------------------------------------------------------


@pytest.mark.redis
async def test_parallel_wrong_passwords_get_more_guesses_than_the_lockout_allows(ctx: Context) -> None:
    """A badge is locked after LIMITS["badge"] (5) wrong passwords in 15 minutes. The check (`retry_after`) and
    the count (`record_failure`) sit on either side of the half-second argon2 verification, so every guess that
    arrives while the others are being verified sees the old count: a script that fires its guesses in parallel
    gets as many tries as it can send at once, and a correct guess among them logs in."""
    officer, _ = await make_officer(ctx)

    async def guess(i: int) -> int:
        async with ctx.sessions() as session:
            try:
                await officers.login(ctx, session, badge_number=officer.badge_number, password=f"guess-{i:04d}",
                                     device_id=f"tab-guess-{i}", ip=f"10.0.{i}.1")
            except ZanError as exc:
                return exc.status
            return 200

    statuses = await asyncio.gather(*(guess(i) for i in range(12)))
    evaluated = statuses.count(401)  # 401: the password was checked; 429: refused before checking
    assert evaluated <= LIMITS["badge"], f"{evaluated} passwords tried against one badge: {statuses}"


# --- duty bot link code --------------------------------------------------------------------------------------------


async def test_a_one_time_link_code_links_only_one_chat(ctx: Context) -> None:
    """The code shown on the tablet is one-time. Redeemed from two chats at once (a shoulder-surfer, or the same
    officer on two phones), both redemptions read the unspent code, both "succeed" and are told they are linked;
    the later commit silently takes the binding from the earlier chat, which then never receives an urgent offer
    though its officer was told the bot is ready."""
    officer, _ = await make_officer(ctx)
    async with ctx.sessions() as session:
        row = await session.get(Officer, officer.id)
        assert row is not None
        code = await issue_link_code(ctx, session, row)
        await session.commit()
    first, second = await asyncio.gather(redeem_link_code(ctx, code=code, chat_id=700_001),
                                         redeem_link_code(ctx, code=code, chat_id=700_002))
    linked = [r for r in (first, second) if r is not None]
    async with ctx.sessions() as session:
        bound = await session.scalar(select(Officer.telegram_chat_id).where(Officer.id == officer.id))  # type: ignore[call-overload,arg-type]
    assert len(linked) == 1, f"one code linked {len(linked)} chats; the officer's chat is now {bound}"


# --- area alert rate limit -----------------------------------------------------------------------------------------


async def test_parallel_area_alerts_exceed_the_hourly_limit_without_redis(ctx: Context,
                                                                            app_client: httpx.AsyncClient) -> None:
    """Without Redis (its documented fallback) the limit is `count(alerts in the last hour) + 1 > 10`, read before
    the new alert is inserted and with nothing serialising two requests: a console that double-sends, or a
    script with a stolen token, pushes far more than 10 alerts an hour to every phone in the districts."""
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, role="dispatcher", unit=unit)
    token = await login(app_client, officer.badge_number, password)
    polygon = {"type": "Polygon", "coordinates": [[[71.40, 51.10], [71.50, 51.10], [71.50, 51.20], [71.40, 51.10]]]}
    alert: dict[str, Any] = {"category": "fraud_warning", "polygon": polygon,
                             "texts": {"kk": "Алаяқтар банк атынан қоңырау шалуда",
                                       "ru": "Мошенники звонят от имени банка"},
                             "expires_at": (utcnow() + timedelta(days=1)).isoformat()}
    answers = await asyncio.gather(*(app_client.post("/api/v1/alerts", json=alert, headers=keyed(bearer(token)))
                                     for _ in range(2 * ALERTS_PER_HOUR)))
    sent = [a.status_code for a in answers].count(201)
    assert sent <= ALERTS_PER_HOUR, f"{sent} alerts sent in one hour: {[a.status_code for a in answers]}"


# --- incidents: merge vs split -------------------------------------------------------------------------------------


async def _incident(ctx: Context) -> tuple[Report, Report, Report]:
    """P and X, one incident led by P; Z on its own. All in triage."""
    async with ctx.sessions() as session:
        p, x, z = [await make_report(session, status=Status.TRIAGE, text=f"Драка у дома 7 ({n})") for n in range(3)]
        await corrections.merge(session, [p, x], DISPATCHER)
        await session.commit()
    return p, x, z


async def _dispatcher(ctx: Context, client: httpx.AsyncClient) -> dict[str, str]:
    officer, password = await make_officer(ctx, role="dispatcher")
    return bearer(await login(client, officer.badge_number, password))


async def _state(ctx: Context, *ids: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
    async with ctx.sessions() as session:
        rows = await session.execute(select(Report.id, Report.incident_id).where(Report.id.in_(ids)))  # type: ignore[call-overload,attr-defined]
        return {rid: inc for rid, inc in rows}



async def test_merge_and_split_of_one_incident_at_once_deadlock(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Incident {P, X}. One dispatcher merges P with a new report Z while another splits X off. Merge locks P and
    Z, then writes X's `incident_merged` event (its foreign key takes a share lock on X); split locks X, then
    writes P (`regroup` of the rest) without ever having locked it. Opposite lock order: PostgreSQL kills one of
    them as a deadlock and that dispatcher gets a 500 "internal error" for an ordinary console action."""
    p, x, z = await _incident(ctx)
    duty = await _dispatcher(ctx, app_client)
    merged, split = await asyncio.gather(
        app_client.post("/api/v1/dispatch/incidents/merge", json={"report_ids": [str(p.id), str(z.id)]},
                        headers=duty),
        app_client.post(f"/api/v1/dispatch/reports/{x.id}/split", json={}, headers=duty))
    assert (merged.status_code, split.status_code) == (200, 200), (merged.text, split.text)
    state = await _state(ctx, p.id, x.id, z.id)
    assert state == {p.id: p.id, x.id: None, z.id: p.id}, state


async def test_split_while_the_tablet_pushes_to_the_primary_deadlocks(ctx: Context,
                                                                     app_client: httpx.AsyncClient) -> None:
    """Incident {P, X} worked by one unit. The crew's tablet pushes "en route" for P (locks P, then X to make it
    follow) while a dispatcher splits X off (locks X, then writes P unlocked). Opposite lock order again: one side
    is killed as a deadlock — the dispatcher's split answers 500, or the officer's status change comes back
    `rejected: internal` and the citizen is not told the police are on the way.

    Window widened with a real lock: a side transaction holds P so that both requests have taken their first lock
    and queued on P (the tablet first) before it is let go; then they run into each other as in production."""
    from backend.dispatch import service as dispatch
    from tests.sync.conftest import Tablet

    unit = await make_unit(ctx)
    patrol, _ = await make_officer(ctx, unit=unit)
    async with ctx.sessions() as session:
        p, x = [await make_report(session, status=Status.TRIAGE, department=unit.department,
                                  text=f"Драка у дома 7 ({n})") for n in range(2)]
        await corrections.merge(session, [p, x], DISPATCHER)
        await dispatch.assign(session, p, unit, DISPATCHER)  # X follows P to the unit
        await session.commit()
    duty = await _dispatcher(ctx, app_client)
    tablet = Tablet(ctx, patrol, unit.id)
    await tablet.pull_all()
    tablet.edit("reports", str(p.id), status="en_route")

    side = ctx.sessions()
    await reports.lock(side, p.id)
    push = asyncio.create_task(tablet.push())
    await until_lock_waiters(ctx, 1)  # the push waits for P
    split = asyncio.create_task(app_client.post(f"/api/v1/dispatch/reports/{x.id}/split", json={}, headers=duty))
    await until_lock_waiters(ctx, 2)  # the split holds X and waits for P
    await side.rollback()
    await side.close()
    pushed, answer = await asyncio.gather(push, split)
    assert answer.status_code == 200, answer.text
    assert pushed[0]["status"] == "applied", pushed


# --- shifts --------------------------------------------------------------------------------------------------------


async def test_the_last_two_officers_ending_their_shifts_leave_the_unit_available(ctx: Context) -> None:
    """A unit goes off duty when its last officer ends their shift. Two officers of one car end their shifts at
    once (both tap "end shift" at the end of the night): each sees the other's shift still open (not yet
    committed), so neither puts the unit off duty. The empty car stays "available" and the dispatcher's "auto"
    assignment (nearest available unit) sends the next report to nobody."""
    from backend.dispatch.service import assign_nearest_unit
    from backend.officers import field
    from backend.officers.auth import OfficerPrincipal, Role
    from backend.officers.models import Unit

    unit = await make_unit(ctx)
    crew = [(await make_officer(ctx, unit=unit))[0] for _ in range(2)]
    principals = [OfficerPrincipal(o.id, Role(o.role), unit.id, o.department, o.district, f"tab-{i}", uuid.uuid4())
                  for i, o in enumerate(crew)]
    for principal in principals:
        async with ctx.sessions() as session:
            await field.start_shift(session, principal)

    async def end(principal: OfficerPrincipal) -> None:
        async with ctx.sessions() as session:
            await field.end_shift(session, principal)

    await asyncio.gather(*(end(principal) for principal in principals))
    async with ctx.sessions() as session:
        row = await session.get(Unit, unit.id)
        assert row is not None
        report = await make_report(session, status=Status.TRIAGE, department=unit.department)
        chosen = await assign_nearest_unit(session, report)
    assert row.status == "off_duty", f"nobody is on shift, yet the unit is {row.status!r}"
    assert chosen is None, "the nearest-unit assignment picked a car with no officer on shift"


async def test_a_double_tapped_shift_button_opens_two_shifts_and_ending_one_leaves_the_officer_on_shift(
        ctx: Context) -> None:
    """The duty bot's shift button toggles: `start_shift` checks for an open shift and inserts one, with nothing
    (no lock, no unique index) stopping a second tap on a slow connection from doing the same. Two open shifts:
    the officer's next tap says "shift ended", but they are still on shift — urgent offers keep coming to their
    phone at home and the dispatcher sees them on duty."""
    from bots.officer import service as bot

    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    async with ctx.sessions() as session:
        row = await session.get(Officer, officer.id)
        assert row is not None
        row.telegram_chat_id = 900_001
        session.add(row)
        await session.commit()
    # Two taps at once read as one start when both look before either has committed, or as start-then-end when the
    # second looks after the first committed: both are honest. What must hold either way, and after the next tap:
    # at most one open shift, and the officer is on shift exactly when the last answer said so.
    async def open_shifts() -> int:
        async with ctx.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Shift).where(
                Shift.officer_id == officer.id, Shift.ended_at.is_(None))) or 0)  # type: ignore[arg-type, union-attr]

    taps = await asyncio.gather(bot.toggle_shift(ctx, chat_id=900_001), bot.toggle_shift(ctx, chat_id=900_001))
    assert taps.count(True) >= 1
    assert await open_shifts() == (1 if taps == [True, True] else 0), taps
    then = await bot.toggle_shift(ctx, chat_id=900_001)
    status = await bot.status(ctx, chat_id=900_001)
    assert status is not None
    assert status.on_shift is then and await open_shifts() == (1 if then else 0), f"taps {taps}, then {then}"
