"""Names in the service's real log output (backend/lib/logging.py): masked by the keys that carry them in the
structures a log line quotes — a Telegram update's user and chat in aiogram's and python-telegram-bot's reprs, the
Bot API's answers python-telegram-bot logs at DEBUG, an officer's model, a message's text — and in what PostgreSQL
and aiosqlite add below SQLAlchemy's hide_parameters. Each test reads what the root handlers really write
(service_log_output), as tests/core/test_pii_leak_edge_cases.py does.

A name in free text (a citizen's "my neighbour Ivanov" quoted by no key, an exception message we format ourselves)
is not recognised: only structure is."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiogram.types
import httpx
import msgspec
import pytest
import sqlalchemy as sa
import telegram

from backend.app import create_app
from backend.context import Context
from backend.lib import logging as zan_logging
from backend.officers.models import Officer
from backend.officers.schemas import OfficerOut
from bots.cli import _set_officer_webhook
from bots.officer import service as officer_bot_service
from bots.officer.service import DutyStatus
from bots.webhook import drain
from tests.core.test_pii_leak_edge_cases import restore_root_logging, service_log_output
from tests.fakes.telegram import FakeTelegram, make_user
from tests.officers.factories import make_officer, make_unit

__all__ = ["restore_root_logging"]

pytestmark = pytest.mark.anyio

OFFICER_TOKEN = "700002:OfficerBotNamesToken"
WEBHOOK_SECRET = "names-Webhook_secret"
FIRST, LAST, USERNAME = "Айгерим", "Сапарова", "aigerim_s"
OFFICER_NAME = "Дана Омарова"
# every spelling of the names a line must not hold: as written, and as JSON escapes them (ensure_ascii)
NAMES = (FIRST, LAST, USERNAME, OFFICER_NAME, "Омарова", json.dumps(FIRST)[1:-1], json.dumps(LAST)[1:-1])


def _update() -> dict[str, Any]:
    """A citizen's message as the Bot API sends it: the user and the private chat carry the Telegram name."""
    user = make_user(616161, FIRST, last_name=LAST, username=USERNAME)
    chat = {"id": 616161, "type": "private", "first_name": FIRST, "last_name": LAST, "username": USERNAME}
    return {
        "update_id": 5,
        "message": {
            "message_id": 1,
            "date": 1_796_000_000,
            "chat": chat,
            "from": user,
            "text": f"Меня зовут {FIRST} {LAST}",
        },
    }


def _officer() -> Officer:
    return Officer(
        badge_number="0042",
        full_name=OFFICER_NAME,
        department="patrol_police",
        district="astana",
        role="patrol_officer",
        password_hash="$argon2id$v=19$m=65536$c2FsdA$aGFzaA",
    )


# what a log line or an exception's message quotes: the real objects' reprs and texts
STRUCTURES = {
    "aiogram-update": lambda: repr(aiogram.types.Update.model_validate(_update())),
    "ptb-update": lambda: repr(telegram.Update.de_json(_update(), None)),
    "bot-api-json": lambda: json.dumps({"ok": True, "result": _update()["message"]}),
    "bot-api-json-compact": lambda: json.dumps(_update(), separators=(",", ":"), ensure_ascii=False),
    "bot-api-dict": lambda: str(_update()),
    "officer-model": lambda: repr(_officer()),
    "officer-out": lambda: repr(
        OfficerOut(
            id=_officer().id,
            badge_number="0042",
            full_name=OFFICER_NAME,
            rank="",
            role="patrol_officer",
            department="patrol_police",
            district="astana",
            unit_id=None,
        )
    ),
    "officer-out-json": lambda: msgspec.json.encode({"officer": {"full_name": OFFICER_NAME}}).decode(),
    "duty-status": lambda: repr(DutyStatus(OFFICER_NAME, "P-3", "available", True, 2)),
    "plain": lambda: f"full_name: {OFFICER_NAME}, unit: P-3",
}


@pytest.mark.parametrize("structure", list(STRUCTURES))
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_names_in_reprs_and_json_are_masked_in_message_and_traceback(
    restore_root_logging: None, structure: str, as_json: bool
) -> None:
    quoted = STRUCTURES[structure]()
    assert any(name in quoted for name in NAMES), quoted  # the structure does carry a name
    zan_logging.configure("INFO", as_json=as_json)
    with service_log_output() as out:
        logging.getLogger("zan.bots.citizen").warning("update not handled: %s", quoted)
        try:
            raise ValueError(f"unexpected {quoted}")
        except ValueError:
            logging.getLogger("zan.errors").exception("citizen bot update %s failed", 5)
    text = out.getvalue()
    assert "update not handled" in text and "citizen bot update 5 failed" in text, text
    for name in NAMES:
        assert name not in text, f"{name!r} in {text!r}"


def test_what_follows_a_masked_name_stays_readable(restore_root_logging: None) -> None:
    """Masking stops at the value: the ids, states and prose around a name are what a log line is read for."""
    line = zan_logging.mask(repr(DutyStatus(OFFICER_NAME, "P-3", "available", True, 2)))
    assert line == "DutyStatus(name='***', unit_code='P-3', unit_status='available', on_shift=True, open_reports=2)"
    assert zan_logging.mask("name=Дана Омарова role=officer left the unit") == "name=*** role=officer left the unit"
    assert zan_logging.mask("Chat(first_name='Дана', last_name=None)") == "Chat(first_name='***', last_name=None)"
    for prose in (
        "scheduled job bots.purge_seen_updates failed",
        "    name = task.name",
        "task names checked: 3",
        "the officer's name was not given",
    ):
        assert zan_logging.mask(prose) == prose


async def _insert_failing_officer(ctx: Context, **values: str) -> None:
    """Insert an officer row that the database refuses, and log the error as the app's error handler does."""
    async with ctx.sessions() as session:
        try:
            await session.execute(sa.insert(Officer).values(
                id=_officer().id, district="astana", role="patrol_officer", password_hash="x", rank="", active=True,
                max_devices=3, language="ru", **values))
        except sa.exc.IntegrityError:
            logging.getLogger("zan.errors").exception("unhandled error on %s %s", "POST", "/api/v1/officers")


async def test_a_postgres_constraint_violation_does_not_print_the_row(ctx: Context, restore_root_logging: None) -> None:
    """hide_parameters keeps the values out of SQLAlchemy's text, but a traceback also prints its cause, asyncpg's
    error, whose DETAIL quotes the failing row ("Failing row contains (…, Дана Омарова, …)")."""
    zan_logging.configure("INFO", as_json=True)
    with service_log_output() as out:
        # no department: a NOT NULL violation on PostgreSQL and SQLite alike
        await _insert_failing_officer(ctx, badge_number="0042", full_name=OFFICER_NAME)
    text = out.getvalue()
    assert "unhandled error on POST /api/v1/officers" in text and "IntegrityError" in text, text
    assert OFFICER_NAME not in text and "Омарова" not in text, text


async def test_the_duty_bot_at_debug_logs_no_names_and_no_webhook_secret(
    ctx: Context, fake_telegram: FakeTelegram, restore_root_logging: None
) -> None:
    """End to end at ZAN_LOG_LEVEL=DEBUG: an officer linking the duty bot through the fake Bot API.

    python-telegram-bot logs each call's parameters and answer at DEBUG: the greeting's text holds the officer's
    name, the answer's chat the Telegram user's, setWebhook's parameters the webhook secret; aiosqlite logs each
    statement with its values (the officer's INSERT)."""
    fake_bot = fake_telegram.register_bot(OFFICER_TOKEN, username="zan_duty_names_bot")
    ctx.settings = ctx.settings.with_(
        telegram_officer_token=OFFICER_TOKEN,
        telegram_api_base=fake_telegram.base_url,
        telegram_webhook_secret=WEBHOOK_SECRET,
        log_json=True,
        log_level="DEBUG",
    )
    unit = await make_unit(ctx, district="astana")
    chat = 890077
    app = create_app(ctx=ctx)  # configures the root logger: JSON at DEBUG
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://zan.test") as client,
    ):
        with service_log_output() as out:
            await _set_officer_webhook(ctx.settings, "https://zan.example.kz/api/v1/telegram/officer/webhook")
            officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name=OFFICER_NAME)
            async with ctx.sessions() as session:
                row = await session.get(Officer, officer.id)
                assert row is not None
                code = await officer_bot_service.issue_link_code(ctx, session, row)
                await session.commit()
            update = fake_bot.user_sends_text(
                chat, make_user(chat, FIRST, last_name=LAST, username=USERNAME), f"/link {code}"
            )
            response = await client.post(
                "/api/v1/telegram/officer/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )
            assert response.status_code == 200
            await drain(ctx)
    sent = fake_bot.sent_messages(chat)
    greeted = any(OFFICER_NAME in m.message.get("text", "") for m in sent)
    assert greeted, "the duty bot greeted the officer by name through the fake Bot API"
    text = out.getvalue()
    assert "Calling Bot API endpoint `sendMessage`" in text, "python-telegram-bot's DEBUG lines were written"
    for secret in (*NAMES, WEBHOOK_SECRET):
        assert secret not in text, f"{secret!r} in the duty bot's DEBUG log: {text[:2000]!r}"


async def test_a_duplicate_key_is_not_printed(ctx: Context, restore_root_logging: None) -> None:
    """A UNIQUE violation's DETAIL quotes the key: `Key (badge_number)=(…) already exists` (PostgreSQL)."""
    badge = "KZ-7731-Омарова"
    await make_officer(ctx, badge_number=badge, full_name=OFFICER_NAME)
    zan_logging.configure("INFO", as_json=True)
    with service_log_output() as out:
        await _insert_failing_officer(ctx, badge_number=badge, full_name="Другой Офицер", department="patrol_police")
    text = out.getvalue()
    assert "IntegrityError" in text, text
    assert badge not in text and "7731" not in text, text


def test_a_rejected_value_quoted_by_pydantic_is_masked(restore_root_logging: None) -> None:
    """pydantic (aiogram's Bot API types) quotes the value it rejected: `input_value='…'`, whatever field it was."""
    with pytest.raises(ValueError) as caught:  # pydantic's ValidationError is a ValueError
        aiogram.types.User.model_validate({"id": 616161, "is_bot": f"{FIRST} {LAST}", "first_name": FIRST})
    assert FIRST in str(caught.value)
    zan_logging.configure("INFO", as_json=True)
    with service_log_output() as out:
        logging.getLogger("zan.bots.citizen").warning("update not parsed: %s", caught.value)
    text = out.getvalue()
    assert "update not parsed" in text and "input_value=" in text, text
    assert FIRST not in text and LAST not in text, text
