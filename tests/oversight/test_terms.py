"""Oversight of the law's terms (GET /api/v1/oversight/terms and its CSV export): reports open past their deadline,
closed after it, or not redirected in time — before, an open report past its term showed only as a `deadline_near`
escalation and one closed late nowhere. Real app, PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import ALMATY, utcnow
from backend.reports.models import Report
from backend.reports.workflow import Resolution, Status
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
TERMS = "/api/v1/oversight/terms"
KARAGANDA = "bukhar-zhyrauskiy"  # a district of another region than Astana


def _end_of(day: str) -> datetime:
    """23:59:59 Almaty time of `day`: where every legal term ends."""
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=ALMATY)


async def _report(
    ctx: Context,
    *,
    deadline: datetime,
    registered: datetime | None = None,
    closed: datetime | None = None,
    original: datetime | None = None,
    **fields: Any,
) -> Report:
    """A committed report with the given term, registration and (if `closed`) closing time."""
    async with ctx.sessions() as session:
        report = await make_report(
            session,
            status=Status.CLOSED if closed else Status.ASSIGNED,
            resolution=fields.pop("resolution", Resolution.RESOLVED if closed else None),
            district=fields.pop("district", "astana"),
            **fields,
        )
        report.deadline_at = deadline
        report.original_deadline_at = original or deadline
        report.created_at = registered or deadline - timedelta(days=21)
        report.closed_at = closed
        await session.commit()
    return report


async def _console(
    client: httpx.AsyncClient, ctx: Context, role: str = "prosecutor", district: str = "astana"
) -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role, district=district)
    return bearer(await login(client, officer.badge_number, password))


async def _items(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """The list's page as the console gets it."""
    response = await client.get(TERMS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    return [row["id"] for row in await _items(client, headers, **params)]  # as listed: a repeat shows


async def _rows(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in await _items(client, headers, **params)}


async def test_only_oversight_roles_read_the_list(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    patrol, password = await make_officer(ctx, unit=unit)
    tablet = bearer(await login(app_client, patrol.badge_number, password))
    dispatcher = await _console(app_client, ctx, role="dispatcher")
    for headers, status in ((dispatcher, 403), (tablet, 403), ({}, 401)):
        for path in (TERMS, f"{TERMS}.csv"):
            assert (await app_client.get(path, headers=headers)).status_code == status
    for role in ("prosecutor", "supervisor", "admin"):
        response = await app_client.get(TERMS, headers=await _console(app_client, ctx, role=role))
        assert response.status_code == 200, response.text


async def test_each_state_and_nothing_in_time(app_client: httpx.AsyncClient, ctx: Context) -> None:
    now = utcnow()
    open_late = await _report(ctx, deadline=now - timedelta(days=3))
    closed_late = await _report(ctx, deadline=now - timedelta(days=10), closed=now - timedelta(days=5))
    redirect_late = await _report(
        ctx, deadline=now + timedelta(days=10), redirect_due_at=now - timedelta(days=2), category="utilities"
    )
    redirected_late = await _report(
        ctx,
        deadline=now - timedelta(days=10),
        closed=now - timedelta(days=11),
        redirect_due_at=now - timedelta(days=14),
        resolution=Resolution.REDIRECTED,
    )
    # in time: open before its term, closed before it, redirected before its redirect term
    await _report(ctx, deadline=now + timedelta(days=1))
    await _report(ctx, deadline=now - timedelta(days=1), closed=now - timedelta(days=2))
    await _report(
        ctx,
        deadline=now + timedelta(days=5),
        closed=now - timedelta(days=1),
        redirect_due_at=now + timedelta(hours=2),
        resolution=Resolution.REDIRECTED,
    )
    headers = await _console(app_client, ctx)

    assert await _ids(app_client, headers, state="open_overdue") == [str(open_late.id)]
    assert await _ids(app_client, headers, state="closed_late") == [str(closed_late.id)]
    assert set(await _ids(app_client, headers, state="redirect_overdue")) == {
        str(redirect_late.id),
        str(redirected_late.id),
    }
    rows = (await app_client.get(TERMS, headers=headers)).json()["items"]
    states = {row["id"]: row["state"] for row in rows}
    assert states == {
        str(open_late.id): "open_overdue",
        str(closed_late.id): "closed_late",
        str(redirect_late.id): "redirect_overdue",
        str(redirected_late.id): "redirect_overdue",
    }
    row = next(r for r in rows if r["id"] == str(closed_late.id))
    assert set(row) >= {
        "number",
        "category",
        "district",
        "unit_code",
        "registered_at",
        "deadline_at",
        "original_deadline_at",
        "extended",
        "closed_at",
        "days_overdue",
        "state",
    }
    assert "text" not in row and row["closed_at"] is not None and row["extended"] is False


async def test_working_days_skip_the_holiday_and_the_weekend(app_client: httpx.AsyncClient, ctx: Context) -> None:
    """16 December (Independence Day) is a day off: a term ending Tuesday 15.12.2026 and met on Friday the 18th
    is two working days late, not three; a term ending Friday the 11th and met on Monday the 14th, one."""
    holiday = await _report(ctx, deadline=_end_of("2026-12-15"), closed=datetime(2026, 12, 18, 10, 0, tzinfo=ALMATY))
    weekend = await _report(ctx, deadline=_end_of("2026-12-11"), closed=datetime(2026, 12, 14, 9, 30, tzinfo=ALMATY))
    saturday = await _report(ctx, deadline=_end_of("2026-12-11"), closed=datetime(2026, 12, 12, 9, 30, tzinfo=ALMATY))
    assert not ctx.calendar.is_working_day(datetime(2026, 12, 16).date())
    response = await app_client.get(TERMS, params={"state": "closed_late"}, headers=await _console(app_client, ctx))
    days = {row["id"]: row["days_overdue"] for row in response.json()["items"]}
    assert days == {str(holiday.id): 2, str(weekend.id): 1, str(saturday.id): 0}


async def test_an_extended_term_counts_from_the_new_deadline(app_client: httpx.AsyncClient, ctx: Context) -> None:
    now = utcnow()
    extended = await _report(ctx, deadline=now + timedelta(days=20), original=now - timedelta(days=3))
    late_after_extension = await _report(ctx, deadline=now - timedelta(days=1), original=now - timedelta(days=30))
    rows = (await app_client.get(TERMS, headers=await _console(app_client, ctx))).json()["items"]
    assert [row["id"] for row in rows] == [str(late_after_extension.id)]
    assert rows[0]["extended"] is True and str(extended.id) not in {row["id"] for row in rows}


async def test_another_region_never_appears_restricted_ones_do_without_text(
    app_client: httpx.AsyncClient, ctx: Context
) -> None:
    past = utcnow() - timedelta(days=2)
    here = await _report(
        ctx, deadline=past, category="domestic_violence", restricted=True, text="Муж снова бьёт, соседи слышат"
    )
    there = await _report(ctx, deadline=past, district=KARAGANDA)
    astana = await _console(app_client, ctx, role="prosecutor", district="astana")
    listed = (await app_client.get(TERMS, headers=astana)).json()["items"]
    assert [row["id"] for row in listed] == [str(here.id)]
    assert listed[0]["restricted"] is True and "text" not in listed[0]
    # asking for the other region by name gives nothing either (no IDOR through a filter)
    assert await _ids(app_client, astana, district=KARAGANDA) == []
    exported = (await app_client.get(f"{TERMS}.csv", headers=astana)).content.decode("utf-8-sig")
    assert here.number in exported and there.number not in exported and "бьёт" not in exported
    national = await _console(app_client, ctx, role="supervisor", district="")
    assert set(await _ids(app_client, national)) == {str(here.id), str(there.id)}
    assert await _ids(app_client, national, district=KARAGANDA) == [str(there.id)]


async def test_filters_by_registration_date_and_unit(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx, code="AST-OV1")
    past = utcnow() - timedelta(days=2)
    early = await _report(ctx, deadline=past, registered=datetime(2026, 11, 2, 0, 30, tzinfo=ALMATY))
    late = await _report(ctx, deadline=past, registered=datetime(2026, 11, 3, 23, 50, tzinfo=ALMATY), unit_id=unit.id)
    headers = await _console(app_client, ctx)
    # Almaty dates: 00:30 on 2 November is still 1 November in UTC, and is registered on the 2nd
    assert await _ids(app_client, headers, **{"from": "2026-11-02", "to": "2026-11-02"}) == [str(early.id)]
    assert await _ids(app_client, headers, **{"from": "2026-11-03"}) == [str(late.id)]
    assert await _ids(app_client, headers, unit="AST-OV1") == [str(late.id)]
    row = (await app_client.get(TERMS, params={"unit": "AST-OV1"}, headers=headers)).json()["items"][0]
    assert row["unit_code"] == "AST-OV1"


async def test_bad_filters_are_problems_with_pointers(app_client: httpx.AsyncClient, ctx: Context) -> None:
    headers = {**await _console(app_client, ctx), "Accept-Language": "en"}
    cases = [
        ({"state": "late"}, 422, "validation.failed", "#query/state"),
        ({"from": "yesterday"}, 422, "validation.failed", "#query/from"),
        ({"from": "2026-11-05", "to": "2026-11-01"}, 422, "validation.failed", "#query/to"),
        ({"limit": "0"}, 422, "validation.failed", "#query/limit"),
        ({"to": "9999-12-31"}, 422, "validation.failed", "#query/to"),
        ({"district": "x" * 81}, 422, "validation.failed", "#query/district"),
        ({"cursor": "forged"}, 400, "pagination.cursor_invalid", "#query/cursor"),
    ]
    for params, status, code, pointer in cases:
        response = await app_client.get(TERMS, params=params, headers=headers)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert (body["code"], [e["pointer"] for e in body["errors"]]) == (code, [pointer]), params
    csv_response = await app_client.get(f"{TERMS}.csv", params={"state": "late"}, headers=headers)
    assert csv_response.status_code == 422 and csv_response.json()["errors"][0]["pointer"] == "#query/state"


async def test_pages_neither_skip_nor_repeat_while_reports_come_in(app_client: httpx.AsyncClient, ctx: Context) -> None:
    now = utcnow()
    before = [
        await _report(ctx, deadline=now - timedelta(days=1), registered=now - timedelta(days=30, hours=i))
        for i in range(5)
    ]
    headers = await _console(app_client, ctx)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await app_client.get(TERMS, params=params, headers=headers)).json()
        seen += [row["id"] for row in body["items"]]
        # a report registered (and overdue) between two pages: newer than every row already paged
        await _report(ctx, deadline=now - timedelta(hours=1), registered=now - timedelta(minutes=len(seen)))
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(r.id) for r in before]  # newest first, each once


async def test_csv_is_excel_ready_and_formula_safe(app_client: httpx.AsyncClient, ctx: Context) -> None:
    past = utcnow() - timedelta(days=2)
    unit = await make_unit(ctx, code="+SUM(A1:A9)")
    hostile = await _report(ctx, deadline=past, category='=HYPERLINK("x")', district="@evil", unit_id=unit.id)
    tabbed = await _report(ctx, deadline=past, category="\tcmd", district="astana")
    dashed = await _report(ctx, deadline=past, category="-2+3", district="astana")
    national = {**await _console(app_client, ctx, district=""), "Accept-Language": "ru"}
    response = await app_client.get(f"{TERMS}.csv", headers=national)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[1] == "Номер талона" and "Просрочено рабочих дней" in header
    by_number = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    assert by_number[hostile.number]["Категория"] == '\'=HYPERLINK("x")'
    assert by_number[hostile.number]["Район"] == "'@evil"
    assert by_number[hostile.number]["Наряд"] == "'+SUM(A1:A9)"
    assert by_number[tabbed.number]["Категория"] == "'\tcmd"
    assert by_number[dashed.number]["Категория"] == "'-2+3"
    for row in body:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


async def test_csv_headers_follow_the_language(app_client: httpx.AsyncClient, ctx: Context) -> None:
    await _report(ctx, deadline=utcnow() - timedelta(days=2))
    headers = await _console(app_client, ctx)
    kk = await app_client.get(f"{TERMS}.csv", headers={**headers, "Accept-Language": "kk-KZ, ru;q=0.5"})
    first = kk.content.decode("utf-8-sig").splitlines()[0]
    assert first.split(";")[1] == "Талон нөмірі" and "Мерзімі өткен жұмыс күндері" in first
    # Accept: text/csv on the list itself is the export too; English: Excel's comma
    en = await app_client.get(TERMS, headers={**headers, "Accept-Language": "en", "Accept": "text/csv"})
    assert en.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(en.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "Report number", "Category"] and rows[1][-2] == "Open past its term"


async def test_every_read_and_export_is_an_audit_line(app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, password = await make_officer(ctx, role="prosecutor")
    headers = bearer(await login(app_client, officer.badge_number, password))
    assert (
        await app_client.get(TERMS, params={"state": "closed_late", "district": "astana"}, headers=headers)
    ).status_code == 200
    assert (await app_client.get(f"{TERMS}.csv", params={"from": "2026-11-01"}, headers=headers)).status_code == 200
    async with ctx.sessions() as session:
        lines = list(
            await session.scalars(
                select(AuditLog)
                .where(col(AuditLog.action).startswith("oversight."))
                .order_by(col(AuditLog.at), col(AuditLog.id))
            )
        )
    assert [(line.action, line.actor_id, line.actor_type) for line in lines] == [
        ("oversight.terms", str(officer.id), "prosecutor"),
        ("oversight.export", str(officer.id), "prosecutor"),
    ]
    assert lines[0].data["state"] == "closed_late" and lines[0].data["district"] == "astana"
    assert lines[1].data["from"] == "2026-11-01" and lines[1].data["state"] == "all"
    assert all(line.ip for line in lines)
