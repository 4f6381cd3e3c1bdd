"""What the fake Telegram remembers, and the Bot API JSON objects it builds (User, Chat, Message, Update...).

All state lives in one `Hub` guarded by one re-entrant lock: the server thread mutates it while answering the bot,
the test thread mutates it when a "user" acts and reads it to assert. `Hub.changed` is notified on every change so
blocking waits in tests wake up; `Hub.wake` (set by the server) wakes long polls and webhook delivery.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BOT_ID_PREFIX_ERROR = "a bot token looks like '123456:ABC...' (the bot's id before the colon)"


def make_user(
    user_id: int,
    first_name: str = "Aigerim",
    *,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "ru",
) -> dict[str, Any]:
    """A Bot API User (a person, not a bot)."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def as_user(user: int | dict[str, Any]) -> dict[str, Any]:
    return make_user(user) if isinstance(user, int) else dict(user)


def chat_for(chat_id: int, user: dict[str, Any]) -> dict[str, Any]:
    """Private chat when chat_id is the user's id, else a group (negative ids) — as Telegram numbers them."""
    if chat_id == user["id"]:
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def unix_now() -> int:
    return int(time.time())


@dataclass
class StoredFile:
    """A file Telegram holds: uploaded by a user (test helpers) or by the bot. `data` is None for URL sends."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def file_size(self) -> int | None:
        return len(self.data) if self.data is not None else None

    def as_file(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_path": self.file_path,
        }
        if self.file_size is not None:
            result["file_size"] = self.file_size
        return result


@dataclass
class SentMessage:
    """A message the bot sent, as the test sees it (a snapshot: later edits do not change it)."""

    chat_id: int
    message_id: int
    method: str
    message: dict[str, Any]  # the Bot API Message, reflecting edits up to the snapshot
    reply_markup: dict[str, Any] | None  # as sent or last edited, any keyboard kind (Telegram echoes only inline ones)
    params: dict[str, Any]
    edits: list[dict[str, Any]] = field(default_factory=list)  # params of each edit call
    deleted: bool = False

    @property
    def text(self) -> str | None:
        """Plain text (markup stripped like Telegram does) or caption."""
        return self.message.get("text", self.message.get("caption"))

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        return list((self.reply_markup or {}).get("inline_keyboard", []))

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        """Reply-keyboard rows (buttons as dicts with "text", maybe "request_location"/"request_contact")."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [[{"text": b} if isinstance(b, str) else b for b in row] for row in rows]

    def button(self, text_contains: str) -> dict[str, Any]:
        """The first inline or reply-keyboard button whose text contains `text_contains`."""
        for row in self.inline_keyboard + self.keyboard:
            for button in row:
                if text_contains in button.get("text", ""):
                    return button
        raise LookupError(f"no button containing {text_contains!r} in message {self.message_id}: {self.reply_markup}")


@dataclass(frozen=True)
class ApiCall:
    """One Bot API request as the fake saw it."""

    token: str
    method: str  # as requested (case preserved)
    params: dict[str, Any]
    files: dict[str, bytes]
    status: int
    response: dict[str, Any]
    via_webhook_answer: bool = False  # the bot returned this method in its webhook HTTP answer

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class InjectedError:
    method: str  # lower-case, "*" for any
    token: str | None
    error_code: int
    description: str
    parameters: dict[str, Any] | None
    remaining: int


@dataclass
class HeldCall:
    """The next call of `method` to `chat_id`, held unanswered until the test releases it (`FakeBot.hold_next`), as
    a slow network or a stalled Bot API would: the bot's handler waits on it meanwhile."""

    method: str  # lower-case
    token: str
    chat_id: int
    taken: bool = False
    reached: threading.Event = field(default_factory=threading.Event)  # the call came and is being held
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class BotState:
    token: str
    me: dict[str, Any]
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 0
    webhook: Webhook | None = None
    allowed_updates: list[str] | None = None
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # (chat, id) -> Message
    sent: dict[tuple[int, int], SentMessage] = field(default_factory=dict)  # insertion order = send order
    last_message_id: dict[int, int] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    deactivated: set[int] = field(default_factory=set)  # users who deleted their account
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    callback_queries: dict[str, bool] = field(default_factory=dict)  # id -> answered
    consumed: set[tuple[int, int]] = field(default_factory=set)
    poll_generation: int = 0

    def next_message_id(self, chat_id: int) -> int:
        self.last_message_id[chat_id] = self.last_message_id.get(chat_id, 0) + 1
        return self.last_message_id[chat_id]


class Hub:
    """All bots, files and calls of one fake Telegram server."""

    def __init__(self) -> None:
        self.changed = threading.Condition(threading.RLock())
        self.bots: dict[str, BotState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.calls: list[ApiCall] = []
        self.injected: list[InjectedError] = []
        self.held: list[HeldCall] = []
        self.wake: Callable[[str], None] = lambda token: None
        self.strict_chats = False  # True: sending to a chat that never wrote to the bot is "400 chat not found"
        self._file_numbers = itertools.count(1)

    def notify(self, token: str | None = None) -> None:
        with self.changed:
            self.changed.notify_all()
        if token is not None:
            self.wake(token)

    def bot(self, token: str) -> BotState | None:
        with self.changed:
            return self.bots.get(token)

    def register(self, token: str, username: str, first_name: str) -> BotState:
        bot_id, sep, _ = token.partition(":")
        if not sep or not bot_id.isdigit():
            raise ValueError(BOT_ID_PREFIX_ERROR)
        with self.changed:
            if token not in self.bots:
                me = {
                    "id": int(bot_id),
                    "is_bot": True,
                    "first_name": first_name,
                    "username": username,
                    "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                    "can_connect_to_business": False,
                    "has_main_web_app": False,
                }
                start = 100_000_000 + int(hashlib.sha256(token.encode()).hexdigest()[:6], 16)
                self.bots[token] = BotState(token=token, me=me, next_update_id=start)
            return self.bots[token]

    def store_file(
        self,
        data: bytes | None,
        *,
        kind: str,
        mime_type: str | None = None,
        file_name: str | None = None,
        extension: str = "",
    ) -> StoredFile:
        with self.changed:
            number = next(self._file_numbers)
            unique = "AQAD" + secrets.token_urlsafe(9)
            stored = StoredFile(
                file_id=f"AgACAgIAAxkBAAI{number:05d}" + secrets.token_urlsafe(24),
                file_unique_id=unique,
                file_path=f"{kind}/file_{number}{extension}",
                data=data,
                mime_type=mime_type,
                file_name=file_name,
            )
            self.files[stored.file_id] = stored
            self.files_by_path[stored.file_path] = stored
            return stored

    def push_update(self, token: str, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (assigning `update_id` when absent); dropped if the bot's allowed_updates excludes it."""
        with self.changed:
            bot = self.bots[token]
            update = copy.deepcopy(update)
            if "update_id" not in update:
                update["update_id"] = bot.next_update_id
            bot.next_update_id = max(bot.next_update_id, update["update_id"]) + 1
            kind = next(key for key in update if key != "update_id")
            allowed = bot.webhook.allowed_updates if bot.webhook else bot.allowed_updates
            if not allowed or kind in allowed:
                bot.updates.append(update)
        self.notify(token)
        return update

    def take_injected(self, token: str, method: str) -> InjectedError | None:
        with self.changed:
            for injected in self.injected:
                if injected.remaining > 0 and injected.method in (method, "*") and injected.token in (None, token):
                    injected.remaining -= 1
                    return injected
        return None

    def take_held(self, token: str, method: str, params: dict[str, Any]) -> HeldCall | None:
        with self.changed:
            for held in self.held:
                if (not held.taken and (held.token, held.method) == (token, method)
                        and str(params.get("chat_id")) == str(held.chat_id)):
                    held.taken = True
                    return held
        return None

    def record(self, call: ApiCall) -> None:
        with self.changed:
            self.calls.append(call)
        self.notify()
