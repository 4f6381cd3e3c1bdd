"""The chain of custody the history shows (which unit held the report, who assigned it, automatically or not) is
rewritten in place in `assignments`, which no seal holds: each record is checked against the sealed `assign`
event written with it, so an assigner or unit changed in the database no longer reads as an intact record."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from backend.ledger.service import seal_pending
from tests.core.factories import triage_report
from tests.ledger.records import as_superuser, oversight_headers
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


def _id(ctx: Context, value: str) -> str:
    """A uuid as the database stores it (SQLite: 32 hex digits)."""
    return value if ctx.engine.dialect.name == "postgresql" else value.replace("-", "")


async def test_a_custody_record_changed_in_the_database_is_flagged(ctx: Context,
                                                                    app_client: httpx.AsyncClient) -> None:
    first, second = await make_unit(ctx, code="AST-C1"), await make_unit(ctx, code="AST-C2")
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    other, _ = await make_officer(ctx, role="dispatcher")
    report = await triage_report(ctx, category="public_order", district="astana")
    console = bearer(await login(app_client, dispatcher.badge_number, dpw))
    for unit in (first, second):  # a reassignment: two custody records, each with its event
        assigned = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", headers=console,
                                         json={"unit_id": str(unit.id), "reason": "ближайший наряд"})
        assert assigned.status_code == 200, assigned.text
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys)
    oversight = await oversight_headers(ctx, app_client)
    path = f"/api/v1/dispatch/reports/{report.id}/history"
    record = (await app_client.get(path, headers=oversight)).json()
    assert [c["unit_code"] for c in record["custody"]] == ["AST-C1", "AST-C2"]
    assert record["integrity"]["intact"] is True and record["integrity"]["altered"] == []

    # someone with the database makes the second assignment another dispatcher's
    await as_superuser(ctx, "UPDATE assignments SET assigned_by = :other WHERE unit_id = :unit",
                       other=str(other.id), unit=_id(ctx, str(second.id)))
    changed = (await app_client.get(path, headers=oversight)).json()
    held = next(c for c in changed["custody"] if c["unit_code"] == "AST-C2")
    assert held["assigned_by"] == str(other.id)  # what the table says now
    assert changed["integrity"]["intact"] is False
    flagged = [row for row in changed["integrity"]["altered"] if row["table"] == "assignments"]
    assert len(flagged) == 1
