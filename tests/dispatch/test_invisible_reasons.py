"""A reason the reporter reads (a question to them, why their report was closed, why its term was extended) made of
invisible characters only was accepted: the report waited for an answer to an empty question. Found by a second
reading."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from tests.dispatch.test_staff_comments import _console
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.reports.step_helpers import settled_report

pytestmark = pytest.mark.anyio

INVISIBLE = "\u200b\u200b\u3164"


async def test_an_invisible_reason_is_refused(ctx: Context, citizen: PartnerClient,
                                              app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen, "Угнали машину со двора на Кенесары 40")
    console, _ = await _console(ctx, app_client)
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=console,
                                     json={"unit_id": str((await make_unit(ctx)).id)})
    assert assigned.status_code == 200, assigned.text
    supervisor, password = await make_officer(ctx, role="supervisor")
    head = bearer(await login(app_client, supervisor.badge_number, password))
    for path, body, headers in (
            ("request-info", {"reason": INVISIBLE}, console),
            ("close", {"how": "unfounded", "reason": INVISIBLE}, console),
            ("extend", {"deadline_at": (utcnow() + timedelta(days=30)).isoformat(), "reason": INVISIBLE}, head)):
        refused = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/{path}", headers=headers, json=body)
        assert refused.status_code == 422, (path, refused.text)
        assert [e["pointer"] for e in refused.json()["errors"]] == ["/reason"], (path, refused.text)
    card = await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=console)
    assert card.json()["status"] == "assigned"
