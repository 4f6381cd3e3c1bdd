"""Every reading of a restricted report's full card is in its record (history.opened). A staff comment's retry with
the same Idempotency-Key writes nothing (the first request wrote the comment and its `report.comment` line) and still
answers with the full card as it is then: the citizen's text, comments and kept texts, including whatever came since.
Found by the 2026-12 audit-log review: a supervisor replaying a key read a domestic-violence report unseen, as the
no-op steps did before tests/dispatch/test_restricted_read_by_noop.py."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.core.factories import triage_report
from tests.officers.factories import signed_in

pytestmark = pytest.mark.anyio
TEXT = "Муж снова бьёт, соседи слышат"


async def _access(app_client: httpx.AsyncClient, oversight: dict[str, str], report_id: object) -> list[tuple[str, str]]:
    record = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=oversight)).json()
    return [(a["action"], str(a["actor_id"])) for a in record["access"]
            if a["action"] in ("report.read", "report.comment")]


async def test_a_replayed_staff_comment_on_a_restricted_report_is_a_recorded_read(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="district_inspector", category="domestic_violence",
                                 restricted=True, district="astana", text=TEXT)
    supervisor, console = await signed_in(ctx, app_client, "supervisor")
    _, oversight = await signed_in(ctx, app_client, "prosecutor")
    headers = {**console, "Idempotency-Key": "note-1"}
    body = {"text": "Позвонили соседи, подтверждают", "public": False}

    first = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/comments", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/comments", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["comment"]["id"] == first.json()["comment"]["id"]  # written once
    assert again.json()["report"]["text"] == TEXT  # the full card, read again
    assert await _access(app_client, oversight, report.id) == [
        ("report.comment", str(supervisor.id)), ("report.read", str(supervisor.id))]


async def test_a_replayed_staff_comment_on_an_ordinary_report_records_no_read(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """As an ordinary card's opening: a dispatcher opens hundreds a shift."""
    report = await triage_report(ctx, district="astana", text="Во дворе шумят")
    supervisor, console = await signed_in(ctx, app_client, "supervisor")
    _, oversight = await signed_in(ctx, app_client, "prosecutor")
    headers = {**console, "Idempotency-Key": "note-2"}
    body = {"text": "Наряд выехал", "public": False}
    for _ in range(2):
        answer = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/comments", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
    assert await _access(app_client, oversight, report.id) == [("report.comment", str(supervisor.id))]
