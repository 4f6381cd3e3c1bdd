"""A citizen who withdraws their appeal ends the reconsideration, not the matter: the decision appealed stays in
force. Before, the report was closed as "withdrawn by you" with its outcome erased, and the reporters of reports
merged into it were told the matter had been closed without being considered on its merits."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.texts import DUPLICATE_NOT_CONSIDERED
from backend.reports.workflow import Action, Actor, Outcome, Status
from tests.core.factories import make_report
from tests.helpers import PartnerClient
from tests.reports.step_helpers import events_of
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


async def _resolve(ctx: Context, report_id: uuid.UUID) -> None:
    async with ctx.sessions() as session:
        row = await reports.lock(session, report_id)
        assert row is not None
        await dispatch.close(session, row, "unfounded", DISPATCHER, reason="нарушений не выявлено")
        await session.commit()


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_withdrawn_appeal_leaves_the_decision_appealed_in_force(ctx: Context, citizen: PartnerClient,
                                                                        lang: str) -> None:
    report_id = (await citizen.submit("Соседи шумят каждую ночь после полуночи")).json()["id"]
    await _resolve(ctx, uuid.UUID(report_id))
    closed = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert (await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "шум продолжается"})).status_code \
        == 200
    citizen.lang = lang
    withdrawn = await citizen.post(f"/api/v1/reports/{report_id}/withdraw", {"reason": "договорились с соседями"})
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert (body["status"], body["resolution"], body["outcome"]) == ("closed", "unfounded", None)
    citizen.lang = "ru"
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).json()["outcome_text"] == closed["outcome_text"]
    last = body["timeline"][-1]
    assert last["action"] == "withdraw" and last["status"] == "closed"
    expected = {"ru": "Вы отозвали жалобу. В силе остаётся прежнее решение: сведения не подтвердились.",
                "kk": "Сіз шағымыңызды кері қайтарып алдыңыз. Бұрынғы шешім күшінде қалады: мәліметтер расталмады.",
                "en": "You withdrew your appeal. The earlier decision stands: the information was not confirmed."}
    assert last["text"] == expected[lang]
    # the decision stands as it was, and its handling may be rated
    rated = await citizen.post(f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 3})
    assert rated.status_code == 200, rated.text
    # but not appealed again by its citizen: appealing and withdrawing in turn would reopen it without end (as a
    # withdrawn report, before, could not be appealed either)
    assert body["can_reopen"] is False and body["can_withdraw"] is False
    again = await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "всё-таки шумят"})
    assert again.status_code == 409 and again.json()["code"] == "report.transition_forbidden"
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).json()["resolution"] == "unfounded"


async def test_a_withdrawal_without_an_appeal_is_still_a_withdrawal(citizen: PartnerClient) -> None:
    report_id = (await citizen.submit("Соседи шумят каждую ночь после полуночи")).json()["id"]
    body = (await citizen.post(f"/api/v1/reports/{report_id}/withdraw", {"reason": "уже тихо"})).json()
    assert (body["resolution"], body["timeline"][-1]["text"]) == ("withdrawn", "Вы отозвали обращение.")


async def test_merged_reporters_hear_the_decision_that_stands_not_that_it_was_never_considered(
        ctx: Context) -> None:
    async with ctx.sessions() as session:
        original = await make_report(session, status=Status.ASSIGNED)
        duplicate = await make_report(session, status=Status.TRIAGE)
        await session.commit()
    async with ctx.sessions() as session:
        row = await reports.lock(session, duplicate.id)
        assert row is not None
        await dispatch.close(session, row, "duplicate", DISPATCHER, reason="повтор", duplicate_of=original.id)
        await session.commit()
    async with ctx.sessions() as session:
        row = await reports.lock(session, original.id)
        assert row is not None
        await reports.change_status(session, row, Action.RESOLVE, DISPATCHER, outcome=Outcome.PROTOCOL)
        await session.commit()
    [first] = await events_of(ctx, duplicate.id, "original_closed")
    async with ctx.sessions() as session:
        row = await reports.lock(session, original.id)
        assert row is not None
        await reports.reopen(session, row, reports.By(Actor.CITIZEN, str(row.citizen_id), "test"),
                             "не согласен с итогом")
        await session.commit()
    async with ctx.sessions() as session:
        row = await reports.lock(session, original.id)
        assert row is not None
        await reports.withdraw(session, row, reports.By(Actor.CITIZEN, str(row.citizen_id), "test"), None)
        await session.commit()
    async with ctx.sessions() as session:
        report = await session.get(Report, original.id)
        assert report is not None and (report.resolution, report.outcome) == ("resolved", "protocol")
    told = await events_of(ctx, duplicate.id, "original_closed")
    assert len(told) == 2
    # the words of the decision in force again, never "closed without being considered on its merits"
    assert told[-1].public_text == first.public_text
    assert DUPLICATE_NOT_CONSIDERED["ru"] not in told[-1].public_text["ru"]
    assert "протокол" in told[-1].public_text["ru"]

    # a report merged into it afterwards hears that decision too, not the words of the appeal's withdrawal
    async with ctx.sessions() as session:
        late = await make_report(session, status=Status.TRIAGE)
        await session.commit()
    async with ctx.sessions() as session:
        row = await reports.lock(session, late.id)
        assert row is not None
        await dispatch.close(session, row, "duplicate", DISPATCHER, reason="повтор", duplicate_of=original.id)
        await session.commit()
    [late_told] = await events_of(ctx, late.id, "original_closed")
    assert late_told.public_text == first.public_text
