"""A closing that withdrew its reporter's unanswered question tells that reporter so first (test_question_withdrawn).
The reporters of the reports merged into it as duplicates hear the same closing in its words (reports.duplicates:
`original_closed`), but they were never asked anything: "you no longer need to answer the question we asked you" is
not theirs to hear, neither when the original closes after the merge nor when a report is merged into one closed
before."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.reports.models import ReportEvent
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer
from tests.reports.step_helpers import events_of

pytestmark = pytest.mark.anyio
WITHDRAWN = {"ru": "Отвечать на заданный вам вопрос больше не нужно.",
             "kk": "Сізге қойылған сұраққа жауап беру енді қажет емес.",
             "en": "You no longer need to answer the question we asked you."}
# the closing's own words, as its reporter reads them after the withdrawal notice
UNFOUNDED = {"ru": "По результатам проверки сведения не подтвердились. На месте нарушений нет.",
             "kk": "Тексеру нәтижесінде мәліметтер расталмады. На месте нарушений нет.",
             "en": "The check did not confirm the information. На месте нарушений нет."}


async def _console(ctx: Context, http: httpx.AsyncClient) -> dict[str, str]:
    officer, password = await make_officer(ctx, role="dispatcher")
    return bearer(await login(http, officer.badge_number, password))


async def _close(http: httpx.AsyncClient, console: dict[str, str], report_id: uuid.UUID, **how: str) -> None:
    closed = await http.post(f"/api/v1/dispatch/reports/{report_id}/close", headers=console, json=how)
    assert closed.status_code == 200, closed.text


async def _ask_then_close(ctx: Context, http: httpx.AsyncClient, console: dict[str, str],
                          report_id: uuid.UUID) -> ReportEvent:
    asked = await http.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=console,
                            json={"reason": "Какой подъезд и этаж?"})
    assert asked.status_code == 200, asked.text
    await _close(http, console, report_id, how="unfounded", reason="На месте нарушений нет.")
    (closing,) = await events_of(ctx, report_id, "close_unfounded")
    return closing


def _assert_told_without_the_question(told: list[ReportEvent], closing: ReportEvent) -> None:
    # the original's own reporter was told the question is withdrawn (the premise) ...
    assert "question_withdrawn" in closing.data
    assert all(closing.public_text[lang].startswith(WITHDRAWN[lang]) for lang in WITHDRAWN), closing.public_text
    # ... the duplicate's reporter hears the outcome in the closing's own words, and nothing of a question
    (event,) = told
    for lang in WITHDRAWN:
        assert WITHDRAWN[lang] not in event.public_text[lang], event.public_text
        assert event.public_text[lang].endswith(UNFOUNDED[lang]), event.public_text


async def test_a_duplicates_reporter_is_not_told_of_the_originals_withdrawn_question(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    original = await triage_report(ctx, district="astana", category="utilities", text="Во дворе нет горячей воды")
    duplicate = await triage_report(ctx, district="astana", category="utilities", text="Нет горячей воды")
    console = await _console(ctx, app_client)
    await _close(app_client, console, duplicate.id, how="duplicate", reason="Повтор.",
                 duplicate_of=str(original.id))
    closing = await _ask_then_close(ctx, app_client, console, original.id)
    _assert_told_without_the_question(await events_of(ctx, duplicate.id, "original_closed"), closing)


async def test_a_report_merged_into_a_closed_one_is_not_told_of_its_withdrawn_question(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    original = await triage_report(ctx, district="astana", category="utilities", text="Во дворе нет горячей воды")
    duplicate = await triage_report(ctx, district="astana", category="utilities", text="Нет горячей воды")
    console = await _console(ctx, app_client)
    closing = await _ask_then_close(ctx, app_client, console, original.id)
    await _close(app_client, console, duplicate.id, how="duplicate", reason="Повтор.",
                 duplicate_of=str(original.id))
    _assert_told_without_the_question(await events_of(ctx, duplicate.id, "original_closed"), closing)
