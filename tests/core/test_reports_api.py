"""Citizen report API: registration, idempotency, ownership, validation, and the citizen's own actions."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text, update

from backend.citizens.models import Citizen
from backend.context import Context
from backend.db import make_engine, make_sessionmaker
from backend.reports.intake import register_report
from backend.reports.models import IdempotencyRecord, Report, ReportCounter, ReportEvent
from backend.reports.schemas import Location, ReportCreate
from backend.reports.workflow import CITIZEN_STATUS_NAMES, CitizenStatus
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio


async def count_reports(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def test_report_is_registered_at_once(citizen: PartnerClient) -> None:
    response = await citizen.submit("Сосед сверху каждую ночь шумит, музыка до 3 утра")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"].startswith("ZP-20") and len(body["number"]) == len("ZP-2026-0000001")
    assert body["status"] == "received" and body["internal_status"] == "registered"
    assert body["language"] == "ru"
    assert body["deadline_at"] > body["created_at"]
    assert response.headers["location"] == f"/api/v1/reports/{body['id']}"
    assert body["timeline"][0]["text"].startswith(f"Обращение зарегистрировано под номером {body['number']}")


async def test_numbers_are_unique_and_sequential(citizen: PartnerClient) -> None:
    numbers = [(await citizen.submit(f"Шум во дворе, случай {i}")).json()["number"] for i in range(3)]
    assert len(set(numbers)) == 3
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == sorted(int(n.rsplit("-", 1)[1]) for n in numbers)


async def test_kazakh_report_keeps_its_language(citizen: PartnerClient) -> None:
    citizen.lang = "kk"
    body = (await citizen.submit("Көршілер түнде қатты айқайлап, төбелесіп жатыр")).json()
    assert body["language"] == "kk"
    assert body["status_name"] == "Қабылданды"
    assert "нөмірімен тіркелді" in body["timeline"][0]["text"]


async def test_urgent_report_advises_to_call(citizen: PartnerClient) -> None:
    body = (await citizen.submit("Прямо сейчас во дворе мужчина с ножом угрожает людям")).json()
    assert body["routing"]["urgent"] is True and body["routing"]["priority"] == "urgent"
    assert "102" in body["routing"]["advice"]


async def test_kazakh_typed_in_latin_letters_is_kazakh_and_urgent_at_intake(citizen: PartnerClient) -> None:
    body = (await citizen.submit("Qazir aulada bir adam pyshaqpen qorqytyp jur, komektesinizder")).json()
    assert body["language"] == "kk"  # so the answers go out in Kazakh
    assert body["routing"]["urgent"] is True and "102" in body["routing"]["advice"]


async def test_same_key_same_body_returns_the_same_report(citizen: PartnerClient, ctx: Context) -> None:
    first = await citizen.submit("Украли велосипед из подъезда", key="key-1")
    again = await citizen.submit("Украли велосипед из подъезда", key="key-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await count_reports(ctx) == 1


async def test_same_key_different_body_is_409(citizen: PartnerClient, ctx: Context) -> None:
    assert (await citizen.submit("Украли велосипед", key="key-2")).status_code == 201
    conflict = await citizen.submit("Украли самокат", key="key-2")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency.key_reused"
    assert await count_reports(ctx) == 1


async def test_keys_are_per_citizen(citizen: PartnerClient, other_citizen: PartnerClient, ctx: Context) -> None:
    assert (await citizen.submit("Украли велосипед", key="shared")).status_code == 201
    assert (await other_citizen.submit("Украли велосипед", key="shared")).status_code == 201
    assert await count_reports(ctx) == 2


async def test_concurrent_duplicates_create_one_report(citizen: PartnerClient, ctx: Context) -> None:
    responses = await asyncio.gather(*[citizen.submit("Разбили окно машины", key="race") for _ in range(6)])
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count_reports(ctx) == 1


async def test_numbers_stay_gapless_when_duplicates_race(citizen: PartnerClient, ctx: Context) -> None:
    """Losers of an Idempotency-Key race write nothing, their number neither; the number is in every stored row."""
    texts = [f"Разбили окно машины, двор {i}" for i in range(4)]
    responses = await asyncio.gather(*[citizen.submit(texts[i % 4], key=f"gapless-{i % 4}") for i in range(12)])
    assert {r.status_code for r in responses} == {201}
    numbers = sorted({r.json()["number"] for r in responses})
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3, 4]
    async with ctx.sessions() as session:
        reports = {r.number: r for r in await session.scalars(select(Report))}
        claims = list(await session.scalars(select(IdempotencyRecord)))
        events = list(await session.scalars(select(ReportEvent)))
    assert sorted(reports) == numbers
    assert sorted(c.response["number"] for c in claims) == numbers
    for event in (e for e in events if e.action == "registered"):
        number = next(n for n, r in reports.items() if r.id == event.report_id)
        assert number in event.public_text["ru"] and number in event.public_text["kk"]
    stored = repr([c.response for c in claims]) + repr([e.public_text for e in events])
    assert "ZP-#" not in stored  # the placeholder the rows were built with never reaches a row


async def test_a_retry_does_not_queue_for_the_number(citizen: PartnerClient, ctx: Context) -> None:
    """A retried registration answers from its stored reply even while another registration holds the year's
    counter: it takes no number, so it must not wait for the counter's lock (on PostgreSQL; SQLite has one writer)."""
    first = await citizen.submit("Украли велосипед из подъезда", key="retry")
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer")
    year = int(first.json()["number"].split("-")[1])
    async with ctx.engine.connect() as holder:  # a registration in progress: the counter row is locked
        await holder.execute(select(ReportCounter).where(ReportCounter.year == year).with_for_update())  # type: ignore[arg-type]
        again = await asyncio.wait_for(citizen.submit("Украли велосипед из подъезда", key="retry"), timeout=10)
        other_body = await asyncio.wait_for(citizen.submit("Украли самокат", key="retry"), timeout=10)
        await holder.rollback()
    assert again.status_code == 201 and again.json() == first.json()
    assert other_body.status_code == 409 and other_body.json()["code"] == "idempotency.key_reused"
    assert await count_reports(ctx) == 1


async def test_the_asynchronous_commit_stays_with_the_registration(citizen: PartnerClient, ctx: Context) -> None:
    """The registration statement commits asynchronously (backend.reports.registration) through a setting local to
    its own transaction: the pooled connection must go back to the pool committing synchronously, or every later
    transaction on it could be lost in a crash after it was answered."""
    first = (await citizen.submit("Украли велосипед из подъезда")).json()
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite commits synchronously; the setting is PostgreSQL's")
    engine = make_engine(ctx.settings.database_url, pool_size=1, max_overflow=0)  # one connection, reused
    sessions = make_sessionmaker(engine)
    try:
        async with ctx.sessions() as session:
            report = await session.get(Report, uuid.UUID(first["id"]))
            assert report is not None
            reporter = await session.get(Citizen, report.citizen_id)
        assert reporter is not None
        data = ReportCreate(text="Шумят соседи, музыка до утра", location=Location(lat=51.16, lon=71.47))
        async with sessions() as session:
            stored = await register_report(ctx, session, citizen=reporter, partner_id=report.partner_id,
                                           channel="test", data=data, idempotency_key="async-commit", lang="ru")
            assert stored.status_code == 201
            replayed = await register_report(ctx, session, citizen=reporter, partner_id=report.partner_id,
                                             channel="test", data=data, idempotency_key="async-commit", lang="ru")
            assert replayed.body == stored.body
        async with sessions() as session:
            assert await session.scalar(text("SHOW synchronous_commit")) == "on"
    finally:
        await engine.dispose()
    assert int(stored.body["number"].rsplit("-", 1)[1]) == int(first["number"].rsplit("-", 1)[1]) + 1


async def test_numbers_grow_past_seven_digits(citizen: PartnerClient, ctx: Context) -> None:
    first = (await citizen.submit("Шум во дворе ночью")).json()["number"]
    year = int(first.split("-")[1])
    async with ctx.sessions() as session:
        await session.execute(update(ReportCounter).where(ReportCounter.year == year).values(value=9_999_999))  # type: ignore[arg-type]
        await session.commit()
    numbers = [(await citizen.submit(f"Шум во дворе ночью, снова {i}")).json()["number"] for i in range(2)]
    assert numbers == [f"ZP-{year}-10000000", f"ZP-{year}-10000001"]


async def test_idempotency_key_is_required(citizen: PartnerClient) -> None:
    response = await citizen.post("/api/v1/reports", {"text": "шум", "location": {"lat": 51.16, "lon": 71.47}})
    assert response.status_code == 400 and response.json()["code"] == "idempotency.key_missing"


async def test_another_citizen_gets_404(citizen: PartnerClient, other_citizen: PartnerClient) -> None:
    report_id = (await citizen.submit("Угнали машину со двора")).json()["id"]
    for method, path, body in (
        ("GET", f"/api/v1/reports/{report_id}", None),
        ("POST", f"/api/v1/reports/{report_id}/comments", {"text": "чужой комментарий"}),
        ("POST", f"/api/v1/reports/{report_id}/withdraw", {}),
        ("POST", f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 1}),
    ):
        response = await other_citizen.request(method, path, body)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "report.not_found"
    missing = await other_citizen.get(f"/api/v1/reports/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["code"] == "report.not_found"
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).status_code == 200


async def test_list_is_own_and_paginated_by_cursor(citizen: PartnerClient, other_citizen: PartnerClient) -> None:
    mine = [(await citizen.submit(f"Шум во дворе номер {i}")).json()["id"] for i in range(5)]
    await other_citizen.submit("Чужое обращение")
    seen: list[str] = []
    cursor = None
    while True:
        path = "/api/v1/reports?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await citizen.get(path)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(mine))


async def test_tampered_cursor_is_400(citizen: PartnerClient) -> None:
    response = await citizen.get("/api/v1/reports?cursor=eyJ0IjoiMjAyNiJ9.AAAA")
    assert response.status_code == 400 and response.json()["code"] == "pagination.cursor_invalid"


@pytest.mark.parametrize(
    ("body", "pointer", "field_code"),
    [
        ({"text": "", "location": {"lat": 51.1, "lon": 71.4}}, "/text", "too_short"),
        ({"text": "x" * 5001, "location": {"lat": 51.1, "lon": 71.4}}, "/text", "too_long"),
        ({"location": {"lat": 51.1, "lon": 71.4}}, "/text", "required"),
        ({"text": "шум", "location": {"lat": 95, "lon": 71.4}}, "/location/lat", "out_of_range"),
        ({"text": "шум", "location": {"lat": "north", "lon": 71.4}}, "/location/lat", "wrong_type"),
        ({"text": "шум", "location": {"lat": 51.1, "lon": 71.4}, "colour": "red"}, "/colour", "unknown_field"),
        ({"text": "шум", "location": {"lat": 51.1, "lon": 71.4}, "media_ids": ["not-a-uuid"]}, "/media_ids/0",
         "invalid"),
    ],
)
async def test_invalid_body_is_422_with_pointer(citizen: PartnerClient, ctx: Context, body: dict[str, object],
                                                pointer: str, field_code: str) -> None:
    response = await citizen.post("/api/v1/reports", body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation.failed"
    assert problem["errors"][0]["pointer"] == pointer
    if field_code != "invalid":
        assert problem["errors"][0]["code"] == field_code
    assert await count_reports(ctx) == 0


async def test_malformed_json_is_400(citizen: PartnerClient, ctx: Context) -> None:
    response = await citizen.post("/api/v1/reports", raw=b'{"text": "unterminated', headers={"Idempotency-Key": "m"})
    assert response.status_code == 400 and response.json()["code"] == "validation.body_malformed"
    assert await count_reports(ctx) == 0


async def test_oversized_body_is_413(citizen: PartnerClient) -> None:
    response = await citizen.post("/api/v1/reports", raw=b'{"text": "' + b"a" * 2_000_000 + b'"}',
                                  headers={"Idempotency-Key": "big"})
    assert response.status_code == 413 and response.json()["code"] == "request.too_large"


@pytest.mark.parametrize(("lat", "lon"), [(55.7558, 37.6173), (42.8746, 74.5698), (41.2995, 69.2401)])
async def test_points_outside_kazakhstan_are_refused(citizen: PartnerClient, ctx: Context, lat: float,
                                                     lon: float) -> None:
    response = await citizen.submit("Шум во дворе", lat=lat, lon=lon)
    assert response.status_code == 422 and response.json()["code"] == "report.outside_kazakhstan"
    assert response.json()["errors"][0]["pointer"] == "/location"
    assert await count_reports(ctx) == 0


async def test_a_point_outside_kazakhstan_is_refused_with_the_other_fields_problems(citizen: PartnerClient,
                                                                                     ctx: Context) -> None:
    """The citizen fixes the whole form at once, not the pin only to be refused for the date next."""
    response = await citizen.submit(" ", lat=55.7558, lon=37.6173, category="ufo_sighting",
                                    occurred_at="2999-01-01T10:00:00+05:00")
    assert response.status_code == 422 and response.json()["code"] == "report.outside_kazakhstan"
    # the pin's problem first, as the code says
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/location", "outside_kazakhstan"), ("/text", "too_short"), ("/occurred_at", "in_future"),
        ("/category", "invalid")]
    assert await count_reports(ctx) == 0


async def test_unknown_category_hint_is_422(citizen: PartnerClient) -> None:
    response = await citizen.submit("Шум во дворе", category="ufo_sighting")
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/category"


async def test_anonymous_allowed_only_for_crime_information(citizen: PartnerClient) -> None:
    ok = await citizen.submit("Во дворе закладки, торгуют наркотиками", anonymous=True, category="drugs")
    assert ok.status_code == 201 and ok.json()["anonymous"] is True
    refused = await citizen.submit("Яма на дороге возле школы", anonymous=True, category="not_police")
    assert refused.status_code == 422 and refused.json()["code"] == "report.anonymous_not_allowed"


async def test_comment_withdraw_reopen_feedback(citizen: PartnerClient) -> None:
    report_id = (await citizen.submit("Украли кошелёк в автобусе 12")).json()["id"]
    missing_key = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "Это было около 18:00"})
    assert missing_key.status_code == 400 and missing_key.json()["code"] == "idempotency.key_missing"
    comment = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "Это было около 18:00"},
                                 headers={"Idempotency-Key": "comment-1"})
    assert comment.status_code == 201
    early_feedback = await citizen.post(f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 5})
    assert early_feedback.status_code == 409 and early_feedback.json()["code"] == "report.feedback_not_allowed"
    withdrawn = await citizen.post(f"/api/v1/reports/{report_id}/withdraw", {"reason": "Нашёлся"})
    assert withdrawn.status_code == 200 and withdrawn.json()["resolution"] == "withdrawn"
    assert withdrawn.json()["status"] == "closed" and withdrawn.json()["can_reopen"] is False
    # the citizen cannot appeal their own withdrawal, nor comment on a closed report
    assert (await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "передумал"})).status_code == 409
    late = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "ещё"},
                              headers={"Idempotency-Key": "comment-2"})
    assert late.status_code == 409
    # a retry of the first comment still gets its first answer
    retried = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "Это было около 18:00"},
                                 headers={"Idempotency-Key": "comment-1"})
    assert retried.status_code == 201 and retried.json() == comment.json()
    # nor rate it: a withdrawal is the citizen's own choice, there is no handling to rate
    rated = await citizen.post(f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 4, "comment": "спасибо"})
    assert rated.status_code == 409 and rated.json()["code"] == "report.feedback_not_allowed"
    bad = await citizen.post(f"/api/v1/reports/{report_id}/feedback", {"satisfaction": 6})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/satisfaction"


async def test_timeline_is_in_the_readers_language(citizen: PartnerClient) -> None:
    report_id = (await citizen.submit("Украли телефон")).json()["id"]
    citizen.lang = "en"
    body = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert body["timeline"][0]["text"].startswith("Your report was registered as")
    # routing runs beside the request (in-process queue) and may already have sent the report to triage: the name
    # is that of the status the answer carries, in English
    assert body["status_name"] == CITIZEN_STATUS_NAMES[CitizenStatus(body["status"])]["en"]
    assert body["status"] in {"received", "under_review"}
