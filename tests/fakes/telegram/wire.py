"""Bot API request bodies as Telegram accepts them: query string, JSON, urlencoded or multipart.

In form bodies every value is a string and complex fields (reply_markup, entities, commands, media...) arrive as JSON
strings; files arrive as multipart parts, either under the parameter's own name (python-telegram-bot) or under a
random name referenced as ``attach://<name>`` (aiogram, and sendMediaGroup media). `parse_call` turns all of these
into one dict of typed values plus a dict of uploaded files.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

INT_FIELDS = frozenset(
    {
        "chat_id", "from_chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id",
        "message_thread_id", "max_connections", "cache_time", "user_id", "live_period", "heading",
        "proximity_alert_radius", "width", "height", "duration", "until_date",
    }
)  # fmt: skip
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_FIELDS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "drop_pending_updates", "disable_web_page_preview",
        "allow_sending_without_reply", "has_spoiler", "disable_content_type_detection", "show_caption_above_media",
        "allow_paid_broadcast",
    }
)  # fmt: skip
JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates",
        "link_preview_options", "reply_parameters", "media", "message_ids",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code", "description", "parameters"?}``."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def parse_call(content_type: str, body: bytes, query: dict[str, str]) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Typed parameters and uploaded files of one Bot API call."""
    raw: dict[str, Any] = dict(query)
    uploads: dict[str, Upload] = {}
    mime = content_type.split(";", 1)[0].strip().lower()
    if body and mime == "application/json":
        try:
            loaded = json.loads(body)
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(loaded, dict):
            raise bad_request("JSON object expected")
        raw.update(loaded)
    elif body and mime == "application/x-www-form-urlencoded":
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif body and mime == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            data = part.get_payload(decode=True)
            payload = data if isinstance(data, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                uploads[name] = Upload(name, filename, part.get_content_type(), payload)
            else:
                raw[name] = payload.decode(part.get_content_charset() or "utf-8")
    params = {key: coerce(key, value) for key, value in raw.items()}
    return params, uploads


def coerce(key: str, value: Any) -> Any:
    """Turn a form string into the type the JSON body would have carried."""
    if not isinstance(value, str):
        return value
    try:
        if key in JSON_FIELDS and value[:1] in ("{", "["):
            return json.loads(value)
        if key in INT_FIELDS and value.lstrip("-").isdigit():
            return int(value)
        if key in FLOAT_FIELDS:
            return float(value)
    except ValueError as exc:
        raise bad_request(f"can't parse {key}") from exc
    if key in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


def file_param(params: dict[str, Any], uploads: dict[str, Upload], name: str) -> str | Upload | None:
    """The value of a file parameter: an Upload (direct or attach://), or a file_id / URL string."""
    if name in uploads:
        return uploads[name]
    value = params.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        attached = uploads.get(value.removeprefix("attach://"))
        if attached is None:
            raise bad_request(f"wrong remote file identifier specified: can't find attached file {value!r}")
        return attached
    return value if isinstance(value, str) else None
