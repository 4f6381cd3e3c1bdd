"""Bot API methods about chats and messages, answered the way Telegram answers them (including its 400/403 errors).

Each handler runs on the server thread under the hub lock: ``handler(hub, bot, params, uploads) -> result``.
File and media methods live in media.py, transport methods (getUpdates, webhooks) in server.py.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from tests.fakes.telegram.state import BotState, Hub, SentMessage, unix_now
from tests.fakes.telegram.text import MAX_CAPTION, MAX_TEXT, EntityParseError, render, utf16_len
from tests.fakes.telegram.wire import ApiError, Upload, bad_request

Handler = Callable[[Hub, BotState, dict[str, Any], dict[str, Upload]], Any]
METHODS: dict[str, Handler] = {}

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
        "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip
INLINE_ACTIONS = frozenset(
    {
        "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
    }
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a current "
    "content and reply markup of the message"
)
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


def registrar(registry: dict[str, Handler]) -> Callable[[str], Callable[[Handler], Handler]]:
    """A decorator factory adding handlers to `registry` under their lower-cased Bot API method name."""

    def method(name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            registry[name.lower()] = handler
            return handler

        return register

    return method


method = registrar(METHODS)


# -- shared pieces -----------------------------------------------------------------------------------------------------
def chat_of(hub: Hub, bot: BotState, params: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """The chat a method targets; 403 when the user blocked the bot or deleted the account, 400 when unknown (strict
    mode)."""
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    if not isinstance(chat_id, int):
        raise bad_request("chat not found")
    if chat_id in bot.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if chat_id in bot.deactivated:
        raise ApiError(403, "Forbidden: user is deactivated")
    known = next((m["chat"] for (c, _), m in reversed(bot.messages.items()) if c == chat_id), None)
    if known is not None:
        return dict(known)
    if strict:
        raise bad_request("chat not found")
    user = bot.users.get(chat_id)
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": user["first_name"] if user else f"User {chat_id}"}
    return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}


def rendered(params: dict[str, Any], text_key: str, entities_key: str, limit: int, what: str) -> dict[str, Any]:
    """{text_key: plain, entities_key: [...]} for a text/caption parameter, or a Telegram 400."""
    raw = params.get(text_key)
    if raw is None:
        return {}
    try:
        plain, entities = render(str(raw), params.get("parse_mode"), params.get(entities_key))
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    if text_key == "text" and not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request(f"{what} is too long")
    content: dict[str, Any] = {text_key: plain}
    if entities:
        content[entities_key] = entities
    return content


def check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text is empty")
            if len(INLINE_ACTIONS & set(button)) != 1:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def new_message(
    hub: Hub, bot: BotState, chat: dict[str, Any], method_name: str, params: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    chat_id = chat["id"]
    markup = check_markup(params.get("reply_markup"))
    message: dict[str, Any] = {"message_id": 0, "from": dict(bot.me), "chat": chat, "date": unix_now(), **content}
    reply = params.get("reply_parameters") or {}
    reply_to = reply.get("message_id", params.get("reply_to_message_id"))
    if reply_to is not None:
        original = bot.messages.get((int(reply.get("chat_id", chat_id)), int(reply_to)))
        if original is not None:
            message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        elif not (reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")):
            raise bad_request("message to be replied not found")
    message["message_id"] = bot.next_message_id(chat_id)
    if params.get("message_thread_id"):
        message["message_thread_id"] = params["message_thread_id"]
    if markup and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    key = (chat_id, message["message_id"])
    bot.messages[key] = message
    bot.sent[key] = SentMessage(chat_id, message["message_id"], method_name, copy.deepcopy(message), markup, params)
    return message


def editable(bot: BotState, params: dict[str, Any]) -> tuple[tuple[int, int], dict[str, Any]] | None:
    """The (key, message) an edit targets, None for inline messages; 400 when missing or not the bot's."""
    if params.get("inline_message_id"):
        return None
    key = (params.get("chat_id"), params.get("message_id"))
    message = bot.messages.get(key)  # type: ignore[arg-type]
    if message is None:
        raise bad_request("message to edit not found")
    if message.get("from", {}).get("id") != bot.me["id"]:
        raise bad_request("message can't be edited")
    return key, message  # type: ignore[return-value]


def apply_edit(
    bot: BotState, key: tuple[int, int], changes: dict[str, Any], replaced: tuple[str, ...], params: dict[str, Any]
) -> dict[str, Any]:
    """Apply an edit. The inline keyboard becomes `reply_markup` — or disappears when the edit omits it, like in
    Telegram. An edit that changes nothing is Telegram's 400 "message is not modified"."""
    message = bot.messages[key]
    markup = check_markup(params.get("reply_markup"))
    updated = {k: v for k, v in message.items() if k not in replaced and k != "reply_markup"} | changes
    if markup and "inline_keyboard" in markup:
        updated["reply_markup"] = markup
    comparable = ("text", "entities", "caption", "caption_entities", "reply_markup")
    if all(updated.get(k) == message.get(k) for k in comparable):
        raise bad_request(NOT_MODIFIED)
    updated["edit_date"] = unix_now()
    bot.messages[key] = updated
    sent = bot.sent.get(key)
    if sent is not None:
        sent.message = copy.deepcopy(updated)
        sent.reply_markup = markup
        sent.edits.append(params)
    return updated


# -- methods -----------------------------------------------------------------------------------------------------------
@method("getMe")
def get_me(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    return bot.me


@method("logOut")
@method("close")
def log_out(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    return True


@method("getChat")
def get_chat(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
    )
    return {
        **chat_of(hub, bot, params, strict=True),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": gifts,
    }


@method("sendMessage")
def send_message(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    chat = chat_of(hub, bot, params, strict=hub.strict_chats)
    if "text" not in params:
        raise bad_request("message text is empty")
    content = rendered(params, "text", "entities", MAX_TEXT, "message")
    if params.get("link_preview_options"):
        content["link_preview_options"] = params["link_preview_options"]
    return new_message(hub, bot, chat, "sendMessage", params, content)


@method("sendLocation")
def send_location(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    chat = chat_of(hub, bot, params, strict=hub.strict_chats)
    location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
    if not all(isinstance(v, int | float) for v in location.values()):
        raise bad_request("wrong latitude or longitude")
    for key in ("horizontal_accuracy", "live_period", "heading"):
        if params.get(key) is not None:
            location[key] = params[key]
    return new_message(hub, bot, chat, "sendLocation", params, {"location": location})


@method("sendVenue")
def send_venue(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    chat = chat_of(hub, bot, params, strict=hub.strict_chats)
    location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
    venue = {"location": location, "title": params.get("title", ""), "address": params.get("address", "")}
    return new_message(hub, bot, chat, "sendVenue", params, {"venue": venue, "location": location})


@method("sendContact")
def send_contact(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    chat = chat_of(hub, bot, params, strict=hub.strict_chats)
    contact = {k: params[k] for k in ("phone_number", "first_name", "last_name") if params.get(k)}
    return new_message(hub, bot, chat, "sendContact", params, {"contact": contact})


@method("editMessageText")
def edit_message_text(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    target = editable(bot, params)
    content = rendered(params, "text", "entities", MAX_TEXT, "message")
    if not content:
        raise bad_request("message text is empty")
    if target is None:
        return True
    key, message = target
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    return apply_edit(bot, key, content, ("text", "entities"), params)


@method("editMessageCaption")
def edit_message_caption(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    target = editable(bot, params)
    content = rendered(params, "caption", "caption_entities", MAX_CAPTION, "message caption")
    if target is None:
        return True
    key, message = target
    if "text" in message:
        raise bad_request("there is no caption in the message to edit")
    return apply_edit(bot, key, content, ("caption", "caption_entities"), params)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    target = editable(bot, params)
    if target is None:
        return True
    return apply_edit(bot, target[0], {}, (), params)


@method("deleteMessage")
def delete_message(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    key = (params.get("chat_id"), params.get("message_id"))
    if bot.messages.pop(key, None) is None:  # type: ignore[arg-type]
        raise bad_request("message to delete not found")
    sent = bot.sent.get(key)  # type: ignore[arg-type]
    if sent is not None:
        sent.deleted = True
    return True


@method("answerCallbackQuery")
def answer_callback_query(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    query_id = str(params.get("callback_query_id", ""))
    if bot.callback_queries.get(query_id, True):  # unknown or already answered
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(str(params.get("text", ""))) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    bot.callback_queries[query_id] = True
    return True


def commands_key(params: dict[str, Any]) -> str:
    return json.dumps([params.get("scope") or {"type": "default"}, params.get("language_code") or ""], sort_keys=True)


@method("setMyCommands")
def set_my_commands(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not COMMAND_NAME.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    bot.commands[commands_key(params)] = commands
    return True


@method("getMyCommands")
def get_my_commands(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    return bot.commands.get(commands_key(params), [])


@method("deleteMyCommands")
def delete_my_commands(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    bot.commands.pop(commands_key(params), None)
    return True


@method("sendChatAction")
def send_chat_action(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    chat_of(hub, bot, params, strict=hub.strict_chats)
    if params.get("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True
