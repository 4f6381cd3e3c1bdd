"""A citizen's report through its whole life, as the partner app sees it: the five projected states at each step,
the timeline in the report's language, the notices queued for every public step, and every closing way.

Staff steps go through the dispatch API where one exists (assign, close); the crew's steps (on the way, at work, a
request for information, resolve) through the workflow service, as the tablet sync applies them."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from backend.context import Context
from backend.reports import service
from backend.reports.texts import OUTCOME_TEXTS, PUBLIC_TEXTS, RESOLUTION_TEXTS
from backend.reports.workflow import Action, Outcome
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.reports.step_helpers import DISPATCHER, events_of, notifications_of, settled_report

pytestmark = pytest.mark.anyio
KK_TEXT = "Көлігімді ауладан ұрлап кетті, терезесін сындырды"
# public steps the reporter is not pushed about: their own comment and rating
SILENT = {"comment", "feedback"}


async def crew(ctx: Context, report_id: str, action: Action, **details: object) -> None:
    async with ctx.sessions() as session:
        row = await service.lock(session, uuid.UUID(report_id))
        assert row is not None
        await service.change_status(session, row, action, DISPATCHER, **details)  # type: ignore[arg-type]
        await session.commit()


async def staff(ctx: Context, http: httpx.AsyncClient, role: str = "dispatcher") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role)
    return {**bearer(await login(http, officer.badge_number, password)), "Accept-Language": "kk"}


async def seen(citizen: PartnerClient, report_id: str) -> dict[str, object]:
    response = await citizen.get(f"/api/v1/reports/{report_id}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def all_public_steps_were_announced(ctx: Context, report_id: str) -> None:
    async with ctx.sessions() as session:
        public = [
            e for e in await service.events(session, uuid.UUID(report_id), public_only=True) if e.action not in SILENT
        ]
    assert await notifications_of(ctx, public) == len(public), [e.action for e in public]


@pytest.mark.parametrize("outcome", list(Outcome))
async def test_from_registration_through_a_request_for_information_to_a_resolution(
    ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient, outcome: Outcome
) -> None:
    citizen.lang = "kk"
    report_id = await settled_report(ctx, citizen, KK_TEXT)
    first = await seen(citizen, report_id)
    assert first["status"] in {"received", "under_review"} and first["language"] == "kk"
    unit = await make_unit(ctx)
    assigned = await app_client.post(
        f"/api/v1/dispatch/reports/{report_id}/assign",
        headers=await staff(ctx, app_client),
        json={"unit_id": str(unit.id)},
    )
    assert assigned.status_code == 200, assigned.text
    assert (await seen(citizen, report_id))["status"] == "under_review"

    states = []
    for action in (Action.EN_ROUTE, Action.ON_SCENE, Action.START_WORK):
        await crew(ctx, report_id, action)
        states.append((await seen(citizen, report_id))["status"])
    assert states == ["in_work", "in_work", "in_work"]
    await crew(ctx, report_id, Action.REQUEST_INFO, reason="Көліктің нөмірін жазыңыз")
    waiting = await seen(citizen, report_id)
    assert (waiting["status"], waiting["status_name"]) == ("needs_input", "Сіздің мәліметтеріңіз қажет")
    assert waiting["can_withdraw"] is True and waiting["can_reopen"] is False

    replied = await citizen.post(
        f"/api/v1/reports/{report_id}/comments", {"text": "123 ABC 01"}, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert replied.status_code == 201, replied.text
    assert (await seen(citizen, report_id))["status"] == "in_work"

    early = await citizen.post(f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 5})
    assert early.status_code == 409 and early.json()["code"] == "report.feedback_not_allowed"

    await crew(ctx, report_id, Action.RESOLVE, outcome=outcome)
    closed = await seen(citizen, report_id)
    assert (closed["status"], closed["status_name"], closed["resolution"], closed["outcome"]) == (
        "closed",
        "Жабылды",
        "resolved",
        outcome.value,
    )
    assert closed["outcome_text"] == OUTCOME_TEXTS[outcome.value]["kk"]
    assert closed["can_reopen"] is True and closed["can_withdraw"] is False
    timeline = closed["timeline"]
    assert isinstance(timeline, list)
    by_action = {entry["action"]: entry for entry in timeline}
    assert [
        e["status"] for e in timeline if e["action"] in ("en_route", "request_info", "reporter_replied", "resolve")
    ] == ["in_work", "needs_input", "in_work", "closed"]
    assert by_action["request_info"]["text"] == "Қосымша мәліметтер қажет: Көліктің нөмірін жазыңыз"
    assert by_action["reporter_replied"]["text"] == PUBLIC_TEXTS["reporter_replied"]["kk"]
    assert by_action["resolve"]["text"] == f"Қарау аяқталды. Нәтиже: {OUTCOME_TEXTS[outcome.value]['kk']}."
    assert by_action["assign"]["text"].startswith("Өтініш бөлімшеге жіберілді: ")
    assert by_action["assign"]["text"] != "Өтініш бөлімшеге жіберілді: ."  # the department is named
    await all_public_steps_were_announced(ctx, report_id)


@pytest.mark.parametrize("how", ["unfounded", "redirected", "duplicate", "rejected"])
async def test_each_closing_by_dispatch_in_the_reports_language(
    ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient, how: str
) -> None:
    citizen.lang = "kk"
    original = await settled_report(ctx, citizen, "Пәтерімнен теледидарды ұрлап кетті")
    report_id = await settled_report(ctx, citizen, KK_TEXT)
    body: dict[str, object] = {"how": how, "reason": "Тексеру жүргізілді"}
    if how == "duplicate":
        body["duplicate_of"] = original
    if how == "redirected":
        body["redirect_to"] = "akimat"
    closed = await app_client.post(
        f"/api/v1/dispatch/reports/{report_id}/close", headers=await staff(ctx, app_client), json=body
    )
    assert closed.status_code == 200, closed.text
    shown = await seen(citizen, report_id)
    resolution = {
        "redirected": "redirected",
        "unfounded": "unfounded",
        "duplicate": "duplicate",
        "rejected": "rejected",
    }[how]
    assert (shown["status"], shown["resolution"], shown["outcome_text"]) == (
        "closed",
        resolution,
        RESOLUTION_TEXTS[resolution]["kk"],
    )
    timeline = shown["timeline"]
    assert isinstance(timeline, list) and timeline[-1]["status"] == "closed"
    last = timeline[-1]["text"]
    expected_start = {
        "unfounded": "Тексеру нәтижесінде мәліметтер расталмады. Тексеру жүргізілді",
        "redirected": "Мәселе полицияның құзыретіне жатпайды, сондықтан құзыреті бойынша жолданды: ",
        "duplicate": PUBLIC_TEXTS["mark_duplicate"]["kk"],
        "rejected": "Өтініш қараусыз қалдырылды: Тексеру жүргізілді",
    }[how]
    assert last.startswith(expected_start), last
    # every one of these closings may be appealed, and is rated once
    assert shown["can_reopen"] is True
    await all_public_steps_were_announced(ctx, report_id)
    rated = await citizen.post(f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 3})
    assert rated.status_code == 200 and rated.json()["satisfaction"] == 3
    appealed = await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "Келіспеймін"})
    assert appealed.status_code == 200, appealed.text
    assert (appealed.json()["status"], appealed.json()["satisfaction"]) == ("under_review", None)
    assert appealed.json()["timeline"][-1]["text"].startswith("Өтініш шағым бойынша қайта ашылды.")


async def test_appealed_more_than_once_but_not_again_after_withdrawing_an_appeal(
    ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient
) -> None:
    citizen.lang = "en"
    report_id = await settled_report(ctx, citizen, "Someone stole my bicycle from the entrance of my building")
    base = f"/api/v1/reports/{report_id}"
    for reason in ("Nobody came", "Nobody came"):  # the same grounds again, after the report closed again
        closed = await app_client.post(
            f"/api/v1/dispatch/reports/{report_id}/close",
            # another duty officer each time: an appeal is never decided by the one whose closing it appeals
            headers=await staff(ctx, app_client),
            json={"how": "unfounded", "reason": "Nothing found"},
        )
        assert closed.status_code == 200, closed.text
        appealed = await citizen.post(f"{base}/reopen", {"reason": reason})
        assert appealed.status_code == 200 and appealed.json()["status"] == "under_review"
    assert len(await events_of(ctx, report_id, "reopen")) == 2

    withdrawn = await citizen.post(f"{base}/withdraw", {"reason": "Sorted out"})
    body = withdrawn.json()
    assert (body["status"], body["resolution"], body["can_reopen"]) == ("closed", "unfounded", False)
    assert body["timeline"][-1]["text"] == (
        "You withdrew your appeal. The earlier decision stands: the information was not confirmed."
    )
    again = await citizen.post(f"{base}/reopen", {"reason": "Changed my mind"})
    assert again.status_code == 409 and again.json()["code"] == "report.transition_forbidden"


async def test_a_withdrawn_report_is_neither_appealed_rated_nor_commented(ctx: Context, citizen: PartnerClient) -> None:
    citizen.lang = "kk"
    report_id = await settled_report(ctx, citizen, KK_TEXT)
    base = f"/api/v1/reports/{report_id}"
    withdrawn = (await citizen.post(f"{base}/withdraw", {"reason": "Табылды"})).json()
    assert (withdrawn["status"], withdrawn["resolution"], withdrawn["outcome_text"]) == (
        "closed",
        "withdrawn",
        "сіз кері қайтарып алдыңыз",
    )
    assert withdrawn["timeline"][-1]["text"] == "Сіз өтінішті кері қайтарып алдыңыз."
    refused = {
        "reopen": await citizen.post(f"{base}/reopen", {"reason": "Қайта қараңыз"}),
        "feedback": await citizen.post(f"{base}/feedback", {"satisfaction": 5}),
        "comments": await citizen.post(
            f"{base}/comments", {"text": "тағы"}, headers={"Idempotency-Key": str(uuid.uuid4())}
        ),
        "withdraw": await citizen.post(f"{base}/withdraw", {"reason": "басқа себеп"}),
    }
    assert {step: (r.status_code, r.json()["code"]) for step, r in refused.items()} == {
        "reopen": (409, "report.transition_forbidden"),
        "feedback": (409, "report.feedback_not_allowed"),
        "comments": (409, "report.transition_forbidden"),
        "withdraw": (409, "report.already_closed"),
    }
    assert all(
        r.json()["title"] and r.headers["content-type"].startswith("application/problem+json") for r in refused.values()
    )


async def test_the_list_cursor_is_stable_while_new_reports_arrive(citizen: PartnerClient) -> None:
    ids = []
    for i in range(5):
        response = await citizen.submit(f"Во дворе разбили машину, случай {i}")
        assert response.status_code == 201
        ids.append(response.json()["id"])
    first = (await citizen.get("/api/v1/reports?limit=2")).json()
    # new reports arrive between the pages, some while the next page is read
    arrivals = [citizen.submit(f"Новый случай {i}") for i in range(3)]
    results = await asyncio.gather(*arrivals, citizen.get(f"/api/v1/reports?limit=2&cursor={first['next_cursor']}"))
    second = results[-1].json()
    third = (await citizen.get(f"/api/v1/reports?limit=2&cursor={second['next_cursor']}")).json()
    assert third["next_cursor"] is None
    paged = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert paged == list(reversed(ids))  # each once, newest first, none of the newcomers
    fresh = (await citizen.get("/api/v1/reports?limit=3")).json()["items"]
    assert {item["id"] for item in fresh}.isdisjoint(ids)
