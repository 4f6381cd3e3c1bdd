"""Webhook mode: the secret header is checked in constant time, updates are answered at once, replays are dropped,
and the FSM lives in Redis with TTLs when Redis is configured."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from backend.context import Context
from bots.citizen import runtime
from bots.webhook import drain
from tests.bots.conftest import WEBHOOK_SECRET
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
URL = "/api/v1/telegram/citizen/webhook"
USER = 616161
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


async def _deliver(client: httpx.AsyncClient, update: dict[str, Any], secret: str = WEBHOOK_SECRET) -> httpx.Response:
    return await client.post(URL, json=update, headers={HEADER: secret})


async def test_forged_or_missing_secret_gets_401(ctx: Context, citizen_tg: FakeBot,
                                                 app_client: httpx.AsyncClient) -> None:
    update = citizen_tg.user_sends_text(USER, USER, "/start")
    for headers in ({HEADER: WEBHOOK_SECRET + "x"}, {HEADER: ""}, {}):
        response = await app_client.post(URL, json=update, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"].startswith("application/problem+json")
    await drain(ctx)
    assert citizen_tg.sent_messages(USER) == []


async def test_a_replayed_update_is_processed_once(ctx: Context, citizen_tg: FakeBot,
                                                   app_client: httpx.AsyncClient) -> None:
    update = citizen_tg.user_sends_text(USER, make_user(USER), "/start")
    first, again = await _deliver(app_client, update), await _deliver(app_client, update)
    assert (first.status_code, again.status_code) == (200, 200)  # Telegram must stop re-delivering either way
    await drain(ctx)
    assert len(citizen_tg.sent_messages(USER)) == 1
    # a different update of the same chat is handled
    await _deliver(app_client, citizen_tg.user_sends_text(USER, make_user(USER), "/start"))
    await drain(ctx)
    assert len(citizen_tg.sent_messages(USER)) == 2


async def test_malformed_update_is_a_400_problem(ctx: Context, citizen_tg: FakeBot,
                                                 app_client: httpx.AsyncClient) -> None:
    response = await app_client.post(URL, content=b'{"update_id": "x"}', headers={HEADER: WEBHOOK_SECRET})
    assert response.status_code == 400 and response.json()["code"] == "validation.body_malformed"


async def test_without_a_token_the_webhook_is_not_there(ctx: Context, app_client: httpx.AsyncClient) -> None:
    ctx.settings = ctx.settings.with_(telegram_webhook_secret=WEBHOOK_SECRET)
    response = await app_client.post(URL, json={"update_id": 1}, headers={HEADER: WEBHOOK_SECRET})
    assert response.status_code == 404


@pytest.mark.redis
async def test_conversation_state_in_redis_with_ttl_and_replays_dropped_there(
        ctx: Context, citizen_tg: FakeBot, app_client: httpx.AsyncClient) -> None:
    user = make_user(USER, language_code="kk")
    start = citizen_tg.user_sends_text(USER, user, "/start")
    await _deliver(app_client, start)
    await _deliver(app_client, start)
    await drain(ctx)
    choose = await citizen_tg.wait_for_message_async(USER, contains="Тілді")
    assert len(citizen_tg.sent_messages(USER)) == 1
    await _deliver(app_client, citizen_tg.user_taps_button(choose, "lang:kk", user=user))
    await drain(ctx)
    await _deliver(app_client, citizen_tg.user_sends_text(USER, user, "🚨 Құқық бұзушылық туралы хабарлау"))
    await drain(ctx)
    await citizen_tg.wait_for_message_async(USER, contains="Не болғанын сипаттаңыз")
    await _deliver(app_client, citizen_tg.user_sends_text(USER, user, "Подъезде шприцы валяются, дети ходят"))
    await drain(ctx)
    await citizen_tg.wait_for_message_async(USER, contains="Оқиға орнын")

    assert ctx.redis is not None
    redis: Redis = ctx.redis
    prefix = ctx.keys("fsm", "citizen")
    keys = sorted([k.decode() async for k in redis.scan_iter(match=f"{prefix}:*")])
    bot_id = CITIZEN_ID
    assert f"{prefix}:{bot_id}:{USER}:{USER}:state" in keys and f"{prefix}:{bot_id}:{USER}:{USER}:data" in keys
    state_key = f"{prefix}:{bot_id}:{USER}:{USER}:state"
    assert (await redis.get(state_key)) == b"ReportForm:location"
    assert 0 < await redis.ttl(state_key) <= runtime.FSM_TTL_S
    assert 0 < await redis.ttl(f"{prefix}:{bot_id}:{USER}:{USER}:data") <= runtime.FSM_TTL_S
    seen = [k async for k in redis.scan_iter(match=ctx.keys("tg", "citizen", "update", "*"))]
    assert len(seen) == 4


CITIZEN_ID = 700001
