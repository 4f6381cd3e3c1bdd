"""`FakeBot`: the test's handle on one bot of the fake Telegram — what users do, and what the bot sent."""

from __future__ import annotations

import copy
import hashlib
import io
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.fakes._loopback import wait_until, wait_until_async
from tests.fakes.telegram.media import photo_sizes
from tests.fakes.telegram.methods import commands_key
from tests.fakes.telegram.state import (
    ApiCall,
    BotState,
    HeldCall,
    SentMessage,
    Webhook,
    as_user,
    chat_for,
    unix_now,
)
from tests.fakes.telegram.text import utf16_len

if TYPE_CHECKING:
    from tests.fakes.telegram.server import FakeTelegram, WebhookAttempt

UserLike = int | dict[str, Any]
MessageLike = SentMessage | dict[str, Any]
COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")


def sample_jpeg(width: int = 640, height: int = 480) -> bytes:
    """A real JPEG (needs Pillow) — what a citizen's phone would upload, only smaller."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


class FakeBot:
    """One registered bot token. Helpers return the Update they queued (as the bot will receive it)."""

    def __init__(self, server: FakeTelegram, token: str) -> None:
        self.server = server
        self.token = token
        self._hub = server.hub

    @property
    def _state(self) -> BotState:
        return self._hub.bots[self.token]

    @property
    def me(self) -> dict[str, Any]:
        return dict(self._state.me)

    @property
    def id(self) -> int:
        return int(self._state.me["id"])

    @property
    def username(self) -> str:
        return str(self._state.me["username"])

    # -- what users do -------------------------------------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        return self._hub.push_update(self.token, update)

    def _user_message(
        self, chat_id: int, user: UserLike, content: dict[str, Any], reply_to: MessageLike | None = None
    ) -> dict[str, Any]:
        with self._hub.changed:
            bot, sender = self._state, as_user(user)
            bot.users[sender["id"]] = sender
            message = {
                "message_id": bot.next_message_id(chat_id),
                "from": sender,
                "chat": chat_for(chat_id, sender),
                "date": unix_now(),
                **content,
            }
            if reply_to is not None:
                message["reply_to_message"] = _message_dict(reply_to)
            bot.messages[(chat_id, message["message_id"])] = message
            return self.push_update({"message": message})

    def user_sends_text(
        self, chat_id: int, user: UserLike, text: str, *, reply_to: MessageLike | None = None
    ) -> dict[str, Any]:
        """A text message; a leading /command gets its bot_command entity (python-telegram-bot's filters need it)."""
        content: dict[str, Any] = {"text": text}
        command = COMMAND.match(text)
        if command:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        return self._user_message(chat_id, user, content, reply_to)

    def user_sends_location(
        self,
        chat_id: int,
        user: UserLike,
        latitude: float,
        longitude: float,
        *,
        horizontal_accuracy: float | None = None,
        live_period: int | None = None,
    ) -> dict[str, Any]:
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        if live_period is not None:
            location["live_period"] = live_period
        return self._user_message(chat_id, user, {"location": location})

    def user_sends_photo(
        self, chat_id: int, user: UserLike, data: bytes | None = None, *, caption: str | None = None,
        media_group_id: str | None = None,
    ) -> dict[str, Any]:
        """A photo (a generated JPEG by default), stored so getFile and the file download return `data`. Photos
        sent as one album share a `media_group_id` and arrive as one update each, as from Telegram."""
        payload = data if data is not None else sample_jpeg()
        stored = self._hub.store_file(payload, kind="photos", mime_type="image/jpeg", extension=".jpg")
        content: dict[str, Any] = {"photo": photo_sizes(self._hub, stored)}
        if caption:
            content["caption"] = caption
        if media_group_id:
            content["media_group_id"] = media_group_id
        return self._user_message(chat_id, user, content)

    def user_sends_document(
        self,
        chat_id: int,
        user: UserLike,
        data: bytes,
        *,
        file_name: str,
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> dict[str, Any]:
        stored = self._hub.store_file(
            data,
            kind="documents",
            mime_type=mime_type,
            file_name=file_name,
            extension="." + file_name.rsplit(".", 1)[-1] if "." in file_name else "",
        )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self._user_message(chat_id, user, {"document": document} | ({"caption": caption} if caption else {}))

    def user_sends_video(
        self, chat_id: int, user: UserLike, data: bytes, *, mime_type: str = "video/mp4", duration: int = 5,
        file_size: int | None = None, media_group_id: str | None = None,
    ) -> dict[str, Any]:
        """A video message; `file_size` may claim more than `data` holds (to test size limits without the bytes)."""
        stored = self._hub.store_file(data, kind="videos", mime_type=mime_type, extension=".mp4")
        video = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 640, "height": 360,
                 "duration": duration, "mime_type": mime_type, "file_size": file_size or len(data)}
        return self._user_message(chat_id, user, {"video": video} | (
            {"media_group_id": media_group_id} if media_group_id else {}))

    def user_shares_contact(self, chat_id: int, user: UserLike, phone_number: str) -> dict[str, Any]:
        """The user's own contact, as sent by a ``request_contact`` keyboard button."""
        sender = as_user(user)
        contact = {"phone_number": phone_number, "first_name": sender["first_name"], "user_id": sender["id"]}
        return self._user_message(chat_id, sender, {"contact": contact})

    def user_taps_button(self, message: MessageLike, data: str, *, user: UserLike | None = None) -> dict[str, Any]:
        """Tap the inline button with callback_data `data` on the message as it is now (after edits)."""
        original = _message_dict(message)
        chat_id, message_id = original["chat"]["id"], original["message_id"]
        with self._hub.changed:
            bot = self._state
            current = bot.messages.get((chat_id, message_id))
            if current is None:
                raise LookupError(f"message {message_id} in chat {chat_id} no longer exists")
            rows = current.get("reply_markup", {}).get("inline_keyboard", [])
            if not any(button.get("callback_data") == data for row in rows for button in row):
                raise LookupError(f"message {message_id} has no button with callback_data {data!r}: {rows}")
            sender = as_user(user) if user is not None else bot.users.get(chat_id)
            if sender is None:
                raise ValueError("pass user= : the chat is not a private chat with a known user")
            query_id = str(secrets.randbits(63))
            bot.callback_queries[query_id] = False
            instance = int(hashlib.sha256(f"{self.token}{chat_id}".encode()).hexdigest()[:15], 16)
            query = {
                "id": query_id,
                "from": sender,
                "message": copy.deepcopy(current),
                "chat_instance": str(instance),
                "data": data,
            }
            return self.push_update({"callback_query": query})

    def user_blocks_bot(self, chat_id: int, *, notify: bool = True) -> dict[str, Any] | None:
        """From now on sends to `chat_id` get 403; with `notify`, the bot gets the my_chat_member update."""
        with self._hub.changed:
            self._state.blocked.add(chat_id)
        return self._membership_update(chat_id, "member", "kicked") if notify else None

    def user_deletes_account(self, chat_id: int) -> None:
        """From now on sends to `chat_id` get 403 "Forbidden: user is deactivated" (Telegram sends no update)."""
        with self._hub.changed:
            self._state.deactivated.add(chat_id)

    def user_unblocks_bot(self, chat_id: int, *, notify: bool = True) -> dict[str, Any] | None:
        with self._hub.changed:
            self._state.blocked.discard(chat_id)
        return self._membership_update(chat_id, "kicked", "member") if notify else None

    def _membership_update(self, chat_id: int, old: str, new: str) -> dict[str, Any]:
        with self._hub.changed:
            user = self._state.users.get(chat_id) or as_user(chat_id)
            me = self.me
        banned = {"until_date": 0}
        member = {
            "chat": chat_for(chat_id, user),
            "from": user,
            "date": unix_now(),
            "old_chat_member": {"status": old, "user": me} | (banned if old == "kicked" else {}),
            "new_chat_member": {"status": new, "user": me} | (banned if new == "kicked" else {}),
        }
        return self.push_update({"my_chat_member": member})

    # -- what the bot did ----------------------------------------------------------------------------------------------
    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Snapshots of the messages the bot sent (to one chat or all), in send order, with edits applied."""
        with self._hub.changed:
            return [copy.deepcopy(m) for m in self._state.sent.values() if chat_id in (None, m.chat_id)]

    def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        contains: str | None = None,
        timeout: float = 5.0,
    ) -> SentMessage:
        """Block until the bot sent `chat_id` a message (matching `predicate` / `contains`) not returned before."""
        check = self._unseen(chat_id, predicate, contains)
        return wait_until(check, timeout, f"a bot message to chat {chat_id}", self._hub.changed)

    async def wait_for_message_async(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        contains: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """`wait_for_message` for async tests (does not block the loop the bot under test runs in)."""
        return await wait_until_async(
            self._unseen(chat_id, predicate, contains), timeout, f"a bot message to chat {chat_id}"
        )

    def _unseen(
        self, chat_id: int, predicate: Callable[[SentMessage], bool] | None, contains: str | None
    ) -> Callable[[], SentMessage | None]:
        def check() -> SentMessage | None:
            with self._hub.changed:
                bot = self._state
                for key, sent in bot.sent.items():
                    if sent.chat_id != chat_id or key in bot.consumed:
                        continue
                    snapshot = copy.deepcopy(sent)
                    if contains is not None and contains not in (snapshot.text or ""):
                        continue
                    if predicate is None or predicate(snapshot):
                        bot.consumed.add(key)
                        return snapshot
            return None

        return check

    def hold_next(self, method: str, chat_id: int) -> HeldCall:
        """Hold the bot's next `method` call to `chat_id` unanswered until `release()` (see `HeldCall`)."""
        held = HeldCall(method.lower(), self.token, chat_id)
        with self._hub.changed:
            self._hub.held.append(held)
        return held

    async def wait_held(self, held: HeldCall, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Until the held call came (the bot's handler now waits on it)."""
        await wait_until_async(lambda: True if held.reached.is_set() else None, timeout, f"a held {held.method} call")

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """This bot's Bot API calls (optionally of one method, case-insensitive), in order."""
        return self.server.calls(method, self.token)

    def wait_for_call(
        self, method: str, predicate: Callable[[ApiCall], bool] | None = None, *, timeout: float = 5.0
    ) -> ApiCall:
        """Block until the bot made a `method` call (matching `predicate`); returns the first such call."""
        return wait_until(self._call_check(method, predicate), timeout, f"a {method} call", self._hub.changed)

    async def wait_for_call_async(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> ApiCall:
        return await wait_until_async(self._call_check(method, predicate), timeout, f"a {method} call")

    def _call_check(self, method: str, predicate: Callable[[ApiCall], bool] | None) -> Callable[[], ApiCall | None]:
        return lambda: next((c for c in self.calls(method) if predicate is None or predicate(c)), None)

    def file_bytes(self, file_id: str) -> bytes | None:
        with self._hub.changed:
            stored = self._hub.files.get(file_id)
            return stored.data if stored else None

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """What setMyCommands registered for `scope` (default scope when None) and language."""
        with self._hub.changed:
            key = commands_key({"scope": scope, "language_code": language_code})
            return copy.deepcopy(self._state.commands.get(key, []))

    @property
    def webhook(self) -> Webhook | None:
        with self._hub.changed:
            return copy.deepcopy(self._state.webhook)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed (polling) or delivered (webhook)."""
        with self._hub.changed:
            return copy.deepcopy(self._state.updates)

    def webhook_attempts(self) -> list[WebhookAttempt]:
        with self._hub.changed:
            return [a for a in self.server.webhook_attempts if a.token == self.token]

    def wait_for_webhook_attempts(self, count: int, timeout: float = 5.0) -> list[WebhookAttempt]:
        """Block until the fake POSTed this bot's webhook `count` times (successful or not)."""
        return wait_until(self._attempts_check(count), timeout, f"{count} webhook attempts", self._hub.changed)

    async def wait_for_webhook_attempts_async(
        self,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[WebhookAttempt]:
        return await wait_until_async(self._attempts_check(count), timeout, f"{count} webhook attempts")

    def _attempts_check(self, count: int) -> Callable[[], list[WebhookAttempt] | None]:
        def check() -> list[WebhookAttempt] | None:
            attempts = self.webhook_attempts()
            return attempts if len(attempts) >= count else None

        return check

    def wait_until_delivered(self, timeout: float = 5.0) -> None:
        """Block until no update is pending (all confirmed by getUpdates or accepted by the webhook)."""
        wait_until(
            lambda: True if not self._state.updates else None, timeout, "pending updates to drain", self._hub.changed
        )

    async def wait_until_delivered_async(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        def drained() -> bool | None:
            with self._hub.changed:
                return True if not self._state.updates else None

        await wait_until_async(drained, timeout, "pending updates to drain")


def _message_dict(message: MessageLike) -> dict[str, Any]:
    return copy.deepcopy(message.message if isinstance(message, SentMessage) else message)
