# ruff: noqa: F811  (the bot fixtures are imported from tests/bots/conftest.py and taken as parameters)
"""Resilience edge cases beyond report intake: what a citizen or an officer sent must never be lost, and the caller
must get a sensible answer, while a downstream part (Telegram, the router model, the embedder, Redis) is down.

Every test here fails today because of a confirmed defect; the comment on each says what was lost or seen.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.reports.models import Report
from bots.officer import service as duty_service
from tests.bots.conftest import OFFICER_TOKEN, citizen_tg, officer_bot  # noqa: F401  (fixtures: bots on the fake Bot API)
from tests.fakes.telegram import FakeBot, FakeTelegram, make_user
from tests.helpers import PartnerClient, eventually
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio

DUTY_CHAT = 770001
KNIFE = "Прямо сейчас во дворе мужчина с ножом нападает на людей, Кенесары 40"


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    """SQLite, the embedded default, except for the SAQ test: SAQ is the production queue, run with PostgreSQL. On
    SQLite a job its worker's stop cancelled could hold the one write lock past the test, and the next test's setup
    then failed with "database is locked" (a fresh full run on 2026-12-07, after the test itself had passed)."""
    return str(request.getfixturevalue("pg_url" if request.node.get_closest_marker("saq") else "sqlite_url"))


async def _officer_on_duty(ctx: Context, chat_id: int = DUTY_CHAT) -> None:
    """A patrol officer of Astana, linked to the duty bot and on shift: the one an urgent report is offered to."""
    from backend.officers.models import Officer

    unit = await make_unit(ctx, code=f"AST-{uuid.uuid4().hex[:4]}", district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana")
    async with ctx.sessions() as session:
        row = await session.get(Officer, officer.id)
        assert row is not None
        code = await duty_service.issue_link_code(ctx, session, row)
        await session.commit()
    assert await duty_service.redeem_link_code(ctx, code=code, chat_id=chat_id, language="ru") is not None
    assert await duty_service.toggle_shift(ctx, chat_id=chat_id) is True


async def _task(ctx: Context, key: str) -> OutboxTask | None:
    async with ctx.sessions() as session:
        task: OutboxTask | None = await session.scalar(select(OutboxTask).where(OutboxTask.dedupe_key == key))  # type: ignore[arg-type]
    return task


async def _submitted(citizen: PartnerClient) -> tuple[uuid.UUID, str]:
    """A knife attack reported now: (report id, number)."""
    response = await citizen.submit(KNIFE)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"]), response.json()["number"]


async def _report(ctx: Context, report_id: uuid.UUID) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id, populate_existing=True)
    assert report is not None
    return report


async def test_urgent_offer_is_retried_when_the_telegram_api_fails_once(
        ctx: Context, officer_bot: FakeBot, fake_telegram: FakeTelegram, app_client: httpx.AsyncClient,
        citizen: PartnerClient) -> None:
    # DEFECT: bots/officer/push.py:push_urgent_report catches every TelegramError (NetworkError, a 5xx, a timeout)
    # per chat, logs it and returns; the "reports.offer_urgent" outbox task then counts as done. One failed call to
    # the Bot API and the officers on duty never hear of a knife attack in their district: the offer is lost, not
    # retried when Telegram answers again.
    await _officer_on_duty(ctx)
    fake_telegram.fail_next("sendMessage", 502, times=1, token=OFFICER_TOKEN)  # one Bad Gateway from the Bot API
    report_id, number = await _submitted(citizen)

    async def offer_settled() -> bool:
        task = await _task(ctx, f"offer-urgent:{report_id}")
        return task is not None and task.attempts >= 1 and task.status != "running"

    await eventually(offer_settled, timeout=60)
    assert (await _report(ctx, report_id)).urgent

    async def offered() -> bool:
        return any(number in (m.text or "") for m in officer_bot.sent_messages(DUTY_CHAT))

    # the Bot API works again right after its one failure: a retry (backoff of a few seconds) would reach the officer
    await eventually(offered, timeout=20)


async def test_an_offer_to_a_chat_telegram_refuses_for_good_is_not_retried(
        ctx: Context, officer_bot: FakeBot, fake_telegram: FakeTelegram) -> None:
    # a 400 (chat not found) fails the same way every time; python-telegram-bot makes BadRequest a NetworkError,
    # which is otherwise retried: this one must not be queued again
    from bots.officer.push import push_urgent_report
    from tests.core.factories import triage_report

    await _officer_on_duty(ctx)
    report = await triage_report(ctx, urgent=True, priority="urgent", district="astana", department="patrol_police",
                                 text=KNIFE)
    fake_telegram.fail_next("sendMessage", 400, description="Bad Request: chat not found", token=OFFICER_TOKEN)
    assert await push_urgent_report(ctx, report) == 0
    assert await _task(ctx, f"offer-urgent:{report.id}:{DUTY_CHAT}") is None


async def test_urgent_report_is_offered_to_duty_officers_while_the_router_model_is_missing(
        ctx: Context, officer_bot: FakeBot, app_client: httpx.AsyncClient, citizen: PartnerClient,
        tmp_path: Path) -> None:
    # DEFECT: the urgent offer to the duty bot is enqueued only in backend/routing/jobs.py:_apply, i.e. only after
    # the classifier ran. Urgency itself is known at intake without any model (ml.urgency lexicon: "с ножом"), but
    # while the router model is unavailable route_report only falls back to triage and raises RetryLater — no
    # officer on shift is told of a knife attack until a model is deployed (and never, once the route task dies
    # after its 8 attempts x 300 s).
    empty = tmp_path / "no-router-model"
    empty.mkdir()
    ctx.settings = ctx.settings.with_(router_model_dir=str(empty))
    ctx.extras.pop("router", None)
    await _officer_on_duty(ctx)
    report_id, number = await _submitted(citizen)

    async def waiting_for_a_model() -> bool:
        task = await _task(ctx, f"route:{report_id}")
        return task is not None and task.status == "pending" and "unavailable" in (task.last_error or "")

    await eventually(waiting_for_a_model, timeout=30)
    report = await _report(ctx, report_id)
    assert report.urgent and report.status == "triage"  # stored, urgent, with a human: intake itself was fine

    async def offered() -> bool:
        return any(number in (m.text or "") for m in officer_bot.sent_messages(DUTY_CHAT))

    await eventually(offered, timeout=10)


# -- the citizen bot ---------------------------------------------------------------------------------------------------
CITIZEN_CHAT = 660001
WEBHOOK = "/api/v1/telegram/citizen/webhook"


async def _deliver(ctx: Context, http: httpx.AsyncClient, update: dict[str, object]) -> None:
    from bots.webhook import drain
    from tests.bots.conftest import WEBHOOK_SECRET

    response = await http.post(WEBHOOK, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status_code == 200, response.text  # answered at once: Telegram will not deliver it again
    await drain(ctx)


@pytest.fixture
async def redis_down(db_url: str, tmp_path: Path, fake_telegram: FakeTelegram
                     ) -> AsyncIterator[tuple[Context, httpx.AsyncClient, FakeBot]]:
    """Production settings (Redis configured, SAQ queue, citizen bot in webhook mode) while Redis is unreachable:
    nothing listens on its port."""
    from backend.app import create_app
    from backend.context import build_context
    from tests.bots.conftest import CITIZEN_TOKEN, WEBHOOK_SECRET
    from tests.conftest import _truncate, make_settings
    from tests.fakes.tcp_proxy import free_port

    tg = fake_telegram.register_bot(CITIZEN_TOKEN, username="zan_citizen_bot")
    settings = make_settings(db_url, tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0", queue="saq",
                             telegram_citizen_token=CITIZEN_TOKEN, telegram_api_base=fake_telegram.base_url,
                             telegram_webhook_secret=WEBHOOK_SECRET)
    context = build_context(settings, null_pool=True)
    await _truncate(context)
    app = create_app(ctx=context)
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as http:
            yield context, http, tg
    finally:
        await context.close()


async def test_citizen_bot_answers_while_redis_is_down(
        redis_down: tuple[Context, httpx.AsyncClient, FakeBot]) -> None:
    # DEFECT: the citizen bot keeps its conversation state only in Redis (bots/citizen/runtime.py:make_storage →
    # RedisStorage) with no fallback, unlike every other Redis use here. With Redis down aiogram's FSM middleware
    # raises before any handler runs; bots/webhook.py:take has already answered Telegram 200 and marked the update as
    # seen (in the database), logs the exception and drops it. A citizen who writes to the bot — /start, a report,
    # an emergency — gets no reply at all, and what they wrote is gone.
    ctx, http, tg = redis_down
    user = make_user(CITIZEN_CHAT, language_code="ru")
    await _deliver(ctx, http, tg.user_sends_text(CITIZEN_CHAT, user, "/start"))
    await _deliver(ctx, http, tg.user_sends_text(CITIZEN_CHAT, user, "Соседи дерутся, один с ножом, что делать?"))
    health = (await http.get("/health")).json()
    assert health["redis"]["ok"] is False  # the outage is real
    assert tg.sent_messages(CITIZEN_CHAT), "the citizen got no answer at all"


async def test_legal_question_in_the_bot_gets_an_answer_when_the_embedder_is_missing(
        ctx: Context, citizen_tg: FakeBot, app_client: httpx.AsyncClient, tmp_path: Path) -> None:
    # DEFECT: backend/legal/service.py:get_assistant turns only LegalIndexError into `legal.unavailable`. When the
    # configured embedder cannot be loaded (ZAN_EMBEDDER names sentence-transformers weights on a volume that is not
    # mounted) get_embedder raises FileNotFoundError; bots/citizen/legal_flow.py:legal_question catches only ZanError,
    # so the citizen sees "typing…" and then nothing — not the "temporarily unavailable, call 102 / 112" text the
    # bot has for exactly this case. (POST /api/v1/legal/ask answers 500 instead of 503 for the same reason.)
    ctx.settings = ctx.settings.with_(embedder=f"st:{tmp_path / 'e5-weights-not-mounted'}")
    user = make_user(CITIZEN_CHAT, language_code="ru")
    await _deliver(ctx, app_client, citizen_tg.user_sends_text(CITIZEN_CHAT, user,
                                                               "Какое наказание за кражу телефона?"))
    assert citizen_tg.calls("sendChatAction")  # the question reached the handler
    assert any("временно недоступна" in (m.text or "") for m in citizen_tg.sent_messages(CITIZEN_CHAT)), \
        [m.text for m in citizen_tg.sent_messages(CITIZEN_CHAT)]


# -- the outbox relay and SAQ ------------------------------------------------------------------------------------------
@pytest.mark.redis
@pytest.mark.saq
async def test_a_stale_saq_job_does_not_run_its_task_a_second_time(ctx: Context, officer_bot: FakeBot) -> None:
    # DEFECT: backend/jobs/relay.py:execute runs the handler first and only checks, in service.settle, whether the
    # attempt it carries is still the task's current one. The SAQ transport's own design note (backend/jobs/saq.py:
    # "the attempt number makes a late duplicate harmless") relies on that check — but it comes after the side
    # effect. When SAQ workers are away (restart, backlog, a Redis outage) for longer than QUEUED_LEASE_S, the relay
    # hands the task out again; when the workers return and two jobs of the task reach them, both ran it and the work
    # was done twice: here two identical urgent offers reach the officer. (A task handed out again now keeps its
    # attempt, and SAQ one job of it; the second job below stands for a copy that got through all the same.)
    import asyncio
    from datetime import timedelta

    from sqlalchemy import update

    from backend.db import SQLITE_READ_ONLY
    from backend.jobs.relay import Relay
    from backend.jobs.saq import get_queue, make_worker
    from backend.jobs.service import enqueue
    from backend.lib.clock import utcnow
    from bots.citizen import service as citizen_bot

    await _officer_on_duty(ctx)
    user = await citizen_bot.link_chat(ctx, user_id=5150, chat_id=5150, language="ru")
    stored = await citizen_bot.file_report(ctx, citizen_id=user.citizen_id, text=KNIFE, lat=51.1605, lon=71.4704,
                                           accuracy_m=10, media_ids=[], language="ru", idempotency_key="stale-1")
    number = stored.body["number"]
    report_id = uuid.UUID(str(stored.body["id"]))
    async with ctx.sessions() as session:
        await enqueue(session, "reports.offer_urgent", {"report_id": str(report_id)},
                      dedupe_key=f"offer-urgent:{report_id}")
        await session.commit()

    relay = Relay(ctx)
    assert await relay.run_once() >= 1  # attempt 1 of every due task is now a SAQ job; no worker is running
    # the workers stay away past the queued lease (QUEUED_LEASE_S): the lease runs out
    async with ctx.sessions() as session:
        await session.execute(update(OutboxTask).where(OutboxTask.status == "queued")  # type: ignore[arg-type]
                              .values(locked_until=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert await relay.run_once() >= 1  # handed out again: still attempt 1, and SAQ keeps one job of it
    # a second job of the same attempt all the same (SAQ lost the first one's key while a worker held it): the
    # task must still run once
    offer = await _task(ctx, f"offer-urgent:{report_id}")
    assert offer is not None and (offer.status, offer.attempts) == ("queued", 0)
    await get_queue(ctx).enqueue("zan_run_task", task_id=str(offer.id), attempt=1, key=f"copy:{offer.id}:1",
                                 timeout=60, retries=1)

    worker = make_worker(ctx, concurrency=4)
    worker_task = asyncio.create_task(worker.start())
    try:
        async def offer_done() -> bool:
            async with ctx.sessions() as session:
                task = await session.scalar(select(OutboxTask).where(
                    OutboxTask.dedupe_key == f"offer-urgent:{report_id}"))
            return task is not None and task.status == "done"

        await eventually(offer_done, timeout=60)
        await asyncio.sleep(2.0)  # the stale attempt-1 job, if it is going to run, has run by now
    finally:
        await worker.stop()
        worker_task.cancel()
        # its jobs' cleanup (a cancelled one's rollback) finishes before the test reads on: on SQLite an unfinished
        # one held the one write lock past the busy timeout under load
        await asyncio.gather(worker_task, return_exceptions=True)
    async with ctx.sessions() as session:
        # a read that takes no write lock on SQLite (what it reads is committed): the one failure of this test in a
        # loaded full run was this read waiting out the busy timeout behind a job the worker's stop had cancelled
        await session.connection(execution_options={SQLITE_READ_ONLY: True})
        task = await session.scalar(select(OutboxTask).where(OutboxTask.dedupe_key == f"offer-urgent:{report_id}"))
    assert task is not None and task.attempts == 1  # handed out twice, run once: only a start counts an attempt
    offers = [m for m in officer_bot.sent_messages(DUTY_CHAT) if number in (m.text or "")]
    assert len(offers) == 1, f"the officer got {len(offers)} copies of the same urgent offer"


async def test_a_photo_sent_to_the_bot_while_the_media_store_is_down_is_not_called_a_bad_file(
        ctx: Context, citizen_tg: FakeBot, app_client: httpx.AsyncClient) -> None:
    # DEFECT: bots/citizen/report_files.py:report_media catches the store's `media.store_unavailable` (503) like any
    # other ZanError and answers with "report_photo_bad": "Не удалось принять этот файл: подходят фото (до 10 МБ) и
    # видео (до 20 МБ)". A citizen sending a perfectly good photo of the scene while S3 is down is told the file is
    # wrong, so they drop the evidence; they are never told that it is a temporary fault worth retrying, and the bot
    # does not keep the Telegram file to store it once S3 is back.
    from tests.fakes.tcp_proxy import free_port
    from tests.fakes.telegram import sample_jpeg

    ctx.settings = ctx.settings.with_(media_backend="s3", s3_endpoint_url=f"http://127.0.0.1:{free_port()}",
                                      s3_bucket="zan-media", s3_access_key="test", s3_secret_key="test-secret")
    ctx.extras.pop("media_store", None)
    user = make_user(CITIZEN_CHAT, language_code="ru")
    await _deliver(ctx, app_client, citizen_tg.user_sends_text(CITIZEN_CHAT, user, "/report"))
    await _deliver(ctx, app_client, citizen_tg.user_sends_text(
        CITIZEN_CHAT, user, "Во дворе дома на Кенесары 40 разбили окно машины и украли магнитолу"))
    await _deliver(ctx, app_client, citizen_tg.user_sends_location(CITIZEN_CHAT, user, 51.1605, 71.4704))
    before = len(citizen_tg.sent_messages(CITIZEN_CHAT))
    await _deliver(ctx, app_client, citizen_tg.user_sends_photo(CITIZEN_CHAT, user, sample_jpeg()))
    answers = [m.text or "" for m in citizen_tg.sent_messages(CITIZEN_CHAT)[before:]]
    assert answers, "no answer to the photo"
    assert not any("подходят фото" in a for a in answers), answers  # a good JPEG blamed for the store's outage
