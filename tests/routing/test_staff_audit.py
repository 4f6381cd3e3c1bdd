"""Staff corrections of routing are audited as every other staff step on a report (assign, close, extend): the
oversight record of a report names who reclassified it, merged it into an incident or split it off."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def test_reclassify_merge_and_split_are_in_the_oversight_record(app_client: httpx.AsyncClient,
                                                                      ctx: Context) -> None:
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    prosecutor, rpw = await make_officer(ctx, role="prosecutor")
    first = await triage_report(ctx, text="Драка у подъезда", category="public_order",
                                district="astana")
    second = await triage_report(ctx, text="У подъезда дерутся", category="public_order")
    console = bearer(await login(app_client, dispatcher.badge_number, dpw))
    reclassified = await app_client.post(f"/api/v1/dispatch/reports/{first.id}/reclassify",
                                         json={"category": "violence", "reason": "избивают человека"},
                                         headers=console)
    assert reclassified.status_code == 200, reclassified.text
    await app_client.post(f"/api/v1/dispatch/reports/{second.id}/reclassify",
                          json={"category": "violence", "reason": "та же драка"}, headers=console)
    merged = await app_client.post("/api/v1/dispatch/incidents/merge",
                                   json={"report_ids": [str(first.id), str(second.id)]}, headers=console)
    assert merged.status_code == 200, merged.text
    split = await app_client.post(f"/api/v1/dispatch/reports/{second.id}/split", headers=console)
    assert split.status_code == 200, split.text

    oversight = bearer(await login(app_client, prosecutor.badge_number, rpw))
    records = {}
    for report, expected in ((first, ["report.reclassify", "report.merge"]),
                             (second, ["report.reclassify", "report.merge", "report.split"])):
        record = (await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history", headers=oversight)).json()
        trail = [(a["action"], a["actor_id"]) for a in record["access"] if a["action"] != "report.history"]
        assert trail == [(action, str(dispatcher.id)) for action in expected]
        records[report.id] = record
    entry = next(a for a in records[first.id]["access"] if a["action"] == "report.reclassify")
    assert entry["data"] == {"from": "public_order", "to": "violence", "rule_id": "criminal-astana",
                             "restricted": False}
    assert "та же драка" not in str(records[second.id]["access"])  # the reason may name people: not in the audit log
