"""A question to the reporter ends explicitly when the duty officer does not wait for its answer. Assigning a unit (or
closing the report) while the reporter is asked used to end the question silently: the report moved on, the citizen,
last told "needs your input", still thought an answer was awaited, and oversight could not tell from the record that
the question was dropped. Now the step that ends it says so: its event names the question it withdrew (the history
shows who and when), its one notice tells the reporter in their language that no answer is needed (an assignment:
also that they may still send anything), and an answer that still comes is kept as a comment on the open report.

The reporters of the reports merged into a closing one as duplicates hear that closing in its words (reports.duplicates:
`original_closed`), but they were never asked anything: "you no longer need to answer the question we asked you" is
not theirs to hear, neither when the original closes after the merge nor when a report is merged into one closed
before."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlmodel import col, select

from backend.context import Context
from backend.notifications.models import Delivery
from backend.reports.models import Report, ReportEvent
from tests.core.factories import triage_report
from tests.fakes.fcm import registration_token
from tests.helpers import PartnerClient, eventually
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.reports.step_helpers import events_of, settled_report

pytestmark = pytest.mark.anyio
QUESTION = "Какой подъезд и этаж? Он всё ещё там?"
# what the reporter is told, per language, before and after the step's own text
WITHDRAWN = {"ru": "Отвечать на заданный вам вопрос больше не нужно.",
             "kk": "Сізге қойылған сұраққа жауап беру енді қажет емес.",
             "en": "You no longer need to answer the question we asked you."}
STILL_OPEN = {"ru": "Если у вас есть дополнительные сведения, их по-прежнему можно отправить.",
              "kk": "Қосымша мәліметтеріңіз болса, оларды бұрынғыша жібере аласыз.",
              "en": "If you have anything to add, you can still send it."}
ASSIGNED = {"ru": "Обращение передано в подразделение:", "kk": "Өтініш бөлімшеге жіберілді:",
            "en": "Your report was assigned to:"}
# a closing's own words, as its reporter reads them after the withdrawal notice
UNFOUNDED = {"ru": "По результатам проверки сведения не подтвердились. На месте нарушений нет.",
             "kk": "Тексеру нәтижесінде мәліметтер расталмады. На месте нарушений нет.",
             "en": "The check did not confirm the information. На месте нарушений нет."}
PUSH_BODY = {"ru": "Обращение передано в подразделение полиции. Отвечать на вопрос не нужно.",
             "kk": "Өтініш бөлімшеге жіберілді. Сұраққа жауап беру қажет емес.",
             "en": "Your report was assigned to a police unit. No need to answer our question."}


async def _officer(ctx: Context, http: httpx.AsyncClient, role: str = "dispatcher") -> tuple[str, dict[str, str]]:
    officer, password = await make_officer(ctx, role=role)  # type: ignore[arg-type]
    return str(officer.id), bearer(await login(http, officer.badge_number, password))


async def _ask(http: httpx.AsyncClient, console: dict[str, str], report_id: object) -> None:
    asked = await http.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=console,
                            json={"reason": QUESTION})
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "awaiting_reporter"


async def _close(http: httpx.AsyncClient, console: dict[str, str], report_id: uuid.UUID, **how: str) -> None:
    closed = await http.post(f"/api/v1/dispatch/reports/{report_id}/close", headers=console, json=how)
    assert closed.status_code == 200, closed.text


async def _ask_then_close(ctx: Context, http: httpx.AsyncClient, console: dict[str, str],
                          report_id: uuid.UUID) -> ReportEvent:
    await _ask(http, console, report_id)
    await _close(http, console, report_id, how="unfounded", reason="На месте нарушений нет.")
    (closing,) = await events_of(ctx, report_id, "close_unfounded")
    return closing


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_assigning_a_unit_while_the_reporter_is_asked_withdraws_the_question_in_one_notice(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient, lang: str) -> None:
    citizen.lang = lang
    device = await citizen.post("/api/v1/devices", {"platform": "android", "token": registration_token(lang)})
    assert device.status_code == 200, device.text
    report_id = await settled_report(ctx, citizen, "Угнали машину со двора на Кенесары 40")
    dispatcher_id, console = await _officer(ctx, app_client)
    await _ask(app_client, console, report_id)
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).json()["status"] == "needs_input"

    unit = await make_unit(ctx)
    sent = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=console,
                                 json={"unit_id": str(unit.id)})
    assert sent.status_code == 200, sent.text
    assert sent.json()["report"]["status"] == "assigned"

    # the citizen: no longer "needs your input", and one entry after the question says why, in their language
    shown = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert shown["status"] == "under_review"
    actions = [entry["action"] for entry in shown["timeline"]]
    after_question = shown["timeline"][actions.index("request_info") + 1:]
    assert [entry["action"] for entry in after_question] == ["assign"], after_question
    told = after_question[0]["text"]
    assert told.startswith(WITHDRAWN[lang]) and ASSIGNED[lang] in told and told.endswith(STILL_OPEN[lang]), told

    # the record: the assignment names the question it withdrew; who and when are the assignment's own
    (question,) = await events_of(ctx, report_id, "request_info")
    (assigned,) = await events_of(ctx, report_id, "assign")
    assert assigned.data["question_withdrawn"] == {"event_id": str(question.id),
                                                   "asked_at": question.created_at.isoformat()}
    _, supervisor = await _officer(ctx, app_client, "supervisor")
    history = await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=supervisor)
    assert history.status_code == 200, history.text
    (entry,) = [e for e in history.json()["events"] if e["action"] == "assign"]
    assert (entry["actor_id"], entry["data"]["question_withdrawn"]["event_id"]) == (dispatcher_id, str(question.id))

    # the push of that one notice says it too, in the device's language
    async def pushed() -> Delivery | None:
        async with ctx.sessions() as session:
            return await session.scalar(select(Delivery).where(
                col(Delivery.dedupe_key) == f"report-event:{assigned.id}:device:{device.json()['id']}"))

    async def fanned_out() -> bool:
        return await pushed() is not None

    await eventually(fanned_out, timeout=30)
    delivery = await pushed()
    assert delivery is not None
    assert delivery.payload.get("body") == PUSH_BODY[lang], delivery.payload

    # an answer that still comes is kept: a comment on the unit's report, which stays with its unit
    answered = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "Третий подъезд, он ушёл"},
                                  headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answered.status_code == 201, answered.text
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=console)).json()
    assert (card["status"], card["unit_id"]) == ("assigned", str(unit.id))
    assert [c["text"] for c in card["comments"]] == ["Третий подъезд, он ушёл"]
    assert len(await events_of(ctx, report_id, "comment")) == 1
    assert await events_of(ctx, report_id, "reporter_replied") == []


async def test_an_answered_question_is_not_withdrawn_by_the_assignment_after_it(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen, "Угнали машину со двора на Кенесары 40")
    _, console = await _officer(ctx, app_client)
    await _ask(app_client, console, report_id)
    answered = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "Третий подъезд"},
                                  headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answered.status_code == 201, answered.text
    unit = await make_unit(ctx)
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=console,
                                  json={"unit_id": str(unit.id)})).status_code == 200
    (assigned,) = await events_of(ctx, report_id, "assign")
    assert "question_withdrawn" not in assigned.data
    assert not assigned.public_text["ru"].startswith(WITHDRAWN["ru"])


async def test_reassigning_a_report_whose_crew_asked_withdraws_the_crews_question(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    """Asked under one unit and handed to another: the new crew does not wait for an answer to the old one's
    question, and the reporter is told so."""
    report_id = await settled_report(ctx, citizen, "Угнали машину со двора на Кенесары 40")
    _, console = await _officer(ctx, app_client)
    first, second = await make_unit(ctx), await make_unit(ctx)
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=console,
                                  json={"unit_id": str(first.id)})).status_code == 200
    await _ask(app_client, console, report_id)
    moved = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=console,
                                  json={"unit_id": str(second.id)})
    assert moved.status_code == 200, moved.text
    _, reassigned = await events_of(ctx, report_id, "assign")
    assert "question_withdrawn" in reassigned.data
    shown = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert shown["status"] == "under_review" and shown["timeline"][-1]["text"].startswith(WITHDRAWN["ru"])


@pytest.mark.parametrize("how", ["redirected", "rejected", "unfounded"])
async def test_closing_while_the_reporter_is_asked_withdraws_the_question_alike(
        ctx: Context, app_client: httpx.AsyncClient, how: str) -> None:
    """Each closing the workflow allows while the reporter is asked (before a unit holds it) ends the question the
    same way: named in the closing's event, said first in its one notice. The closed report takes no answer (the
    reporter may appeal it), as any closed report."""
    report = await triage_report(ctx, district="astana", category="utilities", text="Во дворе нет горячей воды")
    _, console = await _officer(ctx, app_client)
    await _ask(app_client, console, report.id)
    closed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close", headers=console,
                                   json={"how": how, "reason": "Вопрос коммунальных служб.", "redirect_to": "akimat"})
    assert closed.status_code == 200, closed.text
    async with ctx.sessions() as session:
        events = list(await session.scalars(select(ReportEvent).where(col(ReportEvent.report_id) == report.id)
                                            .order_by(col(ReportEvent.created_at), col(ReportEvent.id))))
        row = await session.get(Report, report.id)
    assert row is not None and row.status == "closed"
    public = [e for e in events if e.public]
    question = next(e for e in public if e.action == "request_info")
    after = public[public.index(question) + 1:]
    assert len(after) == 1, [e.action for e in after]
    assert after[0].data["question_withdrawn"]["event_id"] == str(question.id)
    for lang in ("ru", "kk", "en"):
        assert after[0].public_text[lang].startswith(WITHDRAWN[lang]), after[0].public_text
        assert STILL_OPEN[lang] not in after[0].public_text[lang]


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
    _, console = await _officer(ctx, app_client)
    await _close(app_client, console, duplicate.id, how="duplicate", reason="Повтор.",
                 duplicate_of=str(original.id))
    closing = await _ask_then_close(ctx, app_client, console, original.id)
    _assert_told_without_the_question(await events_of(ctx, duplicate.id, "original_closed"), closing)


async def test_a_report_merged_into_a_closed_one_is_not_told_of_its_withdrawn_question(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    original = await triage_report(ctx, district="astana", category="utilities", text="Во дворе нет горячей воды")
    duplicate = await triage_report(ctx, district="astana", category="utilities", text="Нет горячей воды")
    _, console = await _officer(ctx, app_client)
    closing = await _ask_then_close(ctx, app_client, console, original.id)
    await _close(app_client, console, duplicate.id, how="duplicate", reason="Повтор.",
                 duplicate_of=str(original.id))
    _assert_told_without_the_question(await events_of(ctx, duplicate.id, "original_closed"), closing)
