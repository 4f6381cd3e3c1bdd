"""Structured JSON logs with personal data masked before anything reaches a handler."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# Lightweight patterns; ml.pii has the full detector but logging must not import a model stack.
_IIN = re.compile(r"(?<!\d)(\d{8})(\d{4})(?!\d)")
# written 6 + 6 with a space or dash ("ИИН 900101 300123"), as ml.pii accepts it; only with an IIN's shape (a
# birth date, a century digit 0-6), so two numbers that happen to stand side by side in a log line stay readable
_IIN_SPLIT = re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ -][0-6]\d(\d{4})(?!\d)")
# Kazakh numbers: +7 / 8 / 7 and the 7xx code, or the 7xx code alone ("7011234567", as ml.pii finds it)
_PHONE = re.compile(r"(?<![\d+])(?:(\+?[78])[\s\-(]*)?(7\d{2})[\s\-)]*(\d{3})[\s\-]*(\d{2})[\s\-]*(\d{2})(?!\d)")
# never personal data, but their digit runs look like some (a last group "ab7012345678" like a mobile, 8-4-4 digits
# like a card): ids must stay whole for a log line to be followed
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_CARD = re.compile(r"(?<!\d)(\d{4})[\s\-]?(\d{4})[\s\-]?(\d{4})[\s\-]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# a Telegram Bot API URL carries the bot's token (https://api.telegram.org/bot<id>:<secret>/sendMessage)
_BOT_TOKEN = re.compile(r"(?<=/bot)(\d+):[A-Za-z0-9_-]+")
# capability URLs: a signed media link or upload token in an access-log line would let whoever reads the logs fetch
# or overwrite evidence until it expires; S3 presigned URLs carry their signature the same way
_URL_SECRETS = re.compile(r"([?&](?:token|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature)=)[^&\s\"']+",
                          re.IGNORECASE)
_SENSITIVE_HEADERS = re.compile(r"(x-citizen-iin|x-signature|authorization)(['\"]?\s*[:=]\s*['\"]?)([^'\",\s]+)",
                                re.IGNORECASE)


def _outside_uuids(pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], text: str) -> str:
    """`pattern.sub(replace, text)`, leaving alone any match that touches a UUID."""
    ids = [m.span() for m in _UUID.finditer(text)] if "-" in text else []
    if not ids:
        return pattern.sub(replace, text)
    return pattern.sub(lambda m: m.group(0) if any(s < m.end() and m.start() < e for s, e in ids) else replace(m),
                       text)


def mask(text: str) -> str:
    # secrets first, whatever they look like (a token may well be a UUID)
    text = _BOT_TOKEN.sub(lambda m: f"{m.group(1)}:***", text)
    text = _URL_SECRETS.sub(lambda m: f"{m.group(1)}***", text)
    text = _SENSITIVE_HEADERS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _outside_uuids(_CARD, lambda m: f"****-****-****-{m.group(4)}", text)
    text = _outside_uuids(_PHONE, lambda m: f"+7***{m.group(5)}", text)
    text = _outside_uuids(_IIN, lambda m: f"********{m.group(2)}", text)
    text = _outside_uuids(_IIN_SPLIT, lambda m: f"********{m.group(1)}", text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        return True


class MaskingTextFormatter(logging.Formatter):
    """Plain-text lines (ZAN_LOG_JSON=false). The filter masks the message only: a traceback is appended by the
    formatter, and an exception's text carries whatever it was raised with."""

    def formatException(self, ei: Any) -> str:
        return mask(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return mask(super().formatStack(stack_info))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        # only these extras, which carry no personal data, are written ("ledger": a new seal's id and MAC, kept
        # unmasked: a MAC's digit runs can look like an IIN or a card)
        for key in ("event", "report_id", "code", "status", "duration_ms", "path", "method", "ledger"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def configure(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(JsonFormatter() if as_json else MaskingTextFormatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx writes every request's URL at INFO: Bot API URLs hold the bot token, partners' webhook URLs may hold
    # theirs. Failures are logged by the code that made the request
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
