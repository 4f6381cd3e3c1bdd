"""Structured JSON logs with personal data masked before anything reaches a handler."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

# IINs, cards and phones are found by ml.pii's rules (one set for the report views and the logs, so a spelling masked
# on a tablet is masked in the log too). It is cheap to import at log time: ml.pii imports only the standard library
# and ml/__init__ only sets an environment variable, no model stack
from ml.pii import Span, find_numbers

# starts only where a local part starts: without the lookbehind a long run of digits or letters with no "@" was
# retried from each of its characters (quadratic: ~10 s on a 100,000-character line)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# a Telegram Bot API URL carries the bot's token (https://api.telegram.org/bot<id>:<secret>/sendMessage)
_BOT_TOKEN = re.compile(r"(?<=/bot)(\d+):[A-Za-z0-9_-]+")
# capability URLs: a signed media link or upload token in an access-log line would let whoever reads the logs fetch
# or overwrite evidence until it expires; S3 presigned URLs carry their signature the same way
_URL_SECRETS = re.compile(
    r"([?&](?:token|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature)=)[^&\s\"']+", re.IGNORECASE
)
# a header as written in a request line dump (`Authorization: Bearer …`), a dict (`'authorization': '…'`) or the
# ASGI/httpx pairs (`(b'authorization', b'…')`); an Authorization value is its scheme and then the credential, both
# masked (the scheme alone was, leaving the officer's token in the line)
# Telegram's X-Telegram-Bot-Api-Secret-Token (received) proves an update comes from Telegram: whoever holds it feeds
# the bots forged updates. X-Zan-Signature (sent with partners' webhooks), with its body, replays the webhook within
# its time window. Those names are matched only where they start (X-Signature is not the tail of X-Zan-Signature);
# "authorization" anywhere: X-Forwarded-Authorization (gateways), Proxy-Authorization, WSGI's HTTP_AUTHORIZATION
# An API key header (X-Api-Key, Api-Key) is a credential as it stands: its hyphens keep it out of _SECRET_KEYS' words
_SENSITIVE_HEADERS = re.compile(
    r"((?<![\w-])(?:x-citizen-iin|x-signature|x-zan-signature|x-telegram-bot-api-secret-token|(?:x-)?api-key)"
    r"|authorization)"
    r"(['\"]?\s*[:=]\s*(?:b?['\"])?|['\"]\s*,\s*b?['\"])"
    r"((?:(?:Bearer|Basic|Digest|Token|Zan-HMAC-SHA256)\s+)?[^'\",\s]+)",
    re.IGNORECASE,
)
# A Cookie or Set-Cookie header holds a session: its whole value, which is many `name=value;` pairs (the keyed
# masking below would take only the first name). Quoted (a dict, ASGI's byte pairs): up to its closing quote; as a
# header line: up to the line's end
_COOKIES = re.compile(
    r"((?<![\w-])(?:set-)?cookies?)"
    r"(?:(?P<quote>['\"])\s*(?::\s*|,\s*b?)(?P<open>['\"])(?:(?!(?P=open))[^\\\n]|\\.)*(?P=open)"
    r"|(?P<plain>\s*[:=][ \t]*)[^\r\n]*)",
    re.IGNORECASE,
)
# a PEM private key (an FCM service account's, a signing key's) wherever it is written: its lines, or its repr with
# "\n" (up to the block's end, or the text's when it is cut)
_PEM_KEY = re.compile(
    r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)"
)

# Names are masked by where they stand, not by what they look like (no rule tells a name from other words): under the
# keys that carry them in the structures that reach a log line. A Telegram update's user and chat (`first_name='…'`
# in aiogram's and python-telegram-bot's reprs, `'first_name': '…'` in the Bot API answers python-telegram-bot logs
# at DEBUG, `"first_name":"…"` in JSON an exception quotes), an officer's or a wanted person's `full_name` in a
# model's repr, a message's or a report's `text` (a citizen writes names there, the duty bot greets an officer by
# name), pydantic's `input_value` (the rejected value itself). Secrets the same way (`secret_token` of setWebhook, a
# settings repr's `…_token`, `…_secret`, `…password`)
# keys other than the `…name` ones (whose hint is "name"), and the words a secret's key holds: each is also what the
# masker looks for before it tries the pattern (_KEY_HINTS)
_OTHER_NAME_KEYS = ("patronymic", "author_signature", "title", "vcard", "bio", "text", "caption", "input_value")
# an API key (`api_key`, `apiKey`), a private key (and an FCM service account's `private_key_id`) and a cloud
# access key (`s3_access_key`) are credentials as much as a token is
_SECRET_WORDS = ("token", "secret", "password", "passwd", "api_key", "apikey", "private_key", "access_key")
_NAME_KEYS = (
    r"name|(?:first|last|middle|full|display|given|family|user|sender|sender_user|forward_sender)_name"
    r"|username|surname|" + "|".join(_OTHER_NAME_KEYS)
)
# any identifier holding one of these words (`secret_token`, `telegram_officer_token`, `password_hash`), taken whole
# and at once: a key spelt as alternatives of underscore-joined words backtracked through a long one quadratically
# (80 s for "token_" repeated over 100,000 characters)
_SECRET_KEYS = rf"(?=\w*?(?:{'|'.join(_SECRET_WORDS)}))\w++"
_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_WORD = r"[^\s,;&()\[\]{}<>'\"=:|]+"
# one quoted string of a repr or JSON (bytes too): a keyed value, or an item of a tuple or list of them
_QUOTED_ITEM = r"b?'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
_KEYED = re.compile(
    # `key=` without spaces (a repr's keyword, a query), `key:` with or without them (a dict, JSON, YAML-like text);
    # `name = …` with spaces is code, a traceback's source line
    rf"(?<![\w-])(\\?['\"]?)(?:{_NAME_KEYS}|{_SECRET_KEYS})\1(=|\s*:\s*)"
    # a quoted value (repr, JSON, JSON quoted inside a string), or an unquoted one: its first word and then the
    # capitalised words of a name ("full_name: Дана Омарова, unit: …"), not the lower-case prose after it
    rf"(?:(?P<quoted>{_QUOTED_ITEM}|\\\"(?:[^\"\\\n]|\\[^\"])*\\\")"
    # a tuple or list of quoted strings: Settings' previous_secret_keys, a JSON array of tokens (a value starting
    # with a bracket matched neither alternative, and the old keys, which still open stored secrets, were kept)
    rf"|(?P<sequence>[(\[]\s*(?:(?:{_QUOTED_ITEM})\s*,\s*)*(?:(?:{_QUOTED_ITEM})\s*)?[)\]])"
    rf"|(?!(?:None|null|True|False)\b){_WORD}(?:[ \t](?-i:(?=[{_UPPER}])){_WORD}(?![^\s,;&()\[\]{{}}<>'\"|]))*)",
    re.IGNORECASE,
)
# PostgreSQL's DETAIL of a constraint violation quotes the values: the whole row for NOT NULL and CHECK (a report's
# text, an officer's name), the key for UNIQUE and foreign keys. asyncpg puts it in its exception's text, which a
# traceback prints as the cause of SQLAlchemy's error (whose own text keeps the parameters hidden: backend.db,
# hide_parameters). A row's text may span lines and hold parentheses: masked up to where asyncpg's text ends
_PG_VALUES = re.compile(
    r"(?P<row>Failing row contains )\((?s:.*?)(?=\n\nThe above exception|\n\nDuring handling|\nHINT: |\Z)"
    # a key's value is a column's (the longest unique one holds 512 characters): bounded, so that a line of many
    # "Key (…)=(" without their ending is not read to its end from each
    r"|(?P<key>Key \((?:[^()\n]|\([^()\n]*\))*\)=)\((?s:.{0,600}?)\)"
    r"(?= already exists| is not present| is still referenced| conflicts with)"
)


# What each pattern above cannot match without (literally, or case-insensitively in the text as _folded gives it): a
# line without any is not searched. Each pattern is tried at every position of a line (a lookbehind or alternation
# first leaves the regex engine no character to skip ahead to), and the masker runs on every log line: an access line
# paid for six searches that found nothing
_KEY_HINTS = ("name", *_OTHER_NAME_KEYS, *_SECRET_WORDS)
_HEADER_HINTS = ("x-", "authorization", "api-key")
# re.IGNORECASE matches these letters to ASCII ones (İ and ı to i, ſ to s, the Kelvin sign to k); str.lower alone
# does not (İ is lowered to i and a combining dot), so they are spelt as the pattern reads them. Only when there are
# any: translating a line costs more than masking it
_ASCII_TWINS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_ANY_TWIN = re.compile("[\u0130\u0131\u017f\u212a]")


def _folded(text: str) -> str:
    """`text` lower-cased as the IGNORECASE patterns see it, for looking up their hints."""
    if not text.isascii() and _ANY_TWIN.search(text):
        text = text.translate(_ASCII_TWINS)
    return text.lower()


def _any_in(hints: tuple[str, ...], text: str) -> bool:
    return any(hint in text for hint in hints)


def _keyed_starts(text: str, folded: str) -> list[int]:
    """Every position a _KEYED match can start at, in order. Its key is a whole word holding a hint (no word
    character before it), and the match starts at that word or at the backslash and quote (two characters at most)
    before it. `folded` is _folded(text): the same length, each character in its place."""
    hits = sorted({at for hint in _KEY_HINTS for at in _occurrences(folded, hint)})
    starts: set[int] = set()
    previous, previous_start = -1, -1
    for hit in hits:
        start = hit
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):  # re's \w
            start -= 1
            if start == previous:  # the same word as the hit before: walked once ("token_" * 50,000 is one word)
                start = previous_start
                break
        previous, previous_start = hit, start
        starts.update(range(max(start - 2, 0), start + 1))
    return sorted(starts)


def _occurrences(text: str, part: str) -> list[int]:
    found: list[int] = []
    at = text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def _mask_keyed(text: str, folded: str) -> str:
    """_KEYED.sub(_keyed, text), the pattern tried only where a match can start: tried at every position, it was
    the costliest of the masker's searches on a line with a hint (a traceback's SQL naming a full_name column)."""
    out: list[str] = []
    pos = 0
    for start in _keyed_starts(text, folded):
        m = _KEYED.match(text, start) if start >= pos else None  # the lookbehind still sees what is before `start`
        if m is not None:
            out += [text[pos:start], _keyed(m)]
            pos = m.end()
    return "".join(out) + text[pos:] if out else text


def _keyed(m: re.Match[str]) -> str:
    kept = m.group(0)[: m.end(2) - m.start()]  # the key and its separator
    sequence = m.group("sequence")
    if sequence is not None:
        return f"{kept}{sequence[0]}***{sequence[-1]}"
    quoted = m.group("quoted")
    if quoted is None:
        return f"{kept}***"
    close = '\\"' if quoted.startswith("\\") else quoted[-1]
    return f"{kept}{'b' if quoted.startswith('b') else ''}{close}***{close}"


# the id of the HTTP request being served (backend.lib.edge sets it), written into every log line made meanwhile:
# a partner's support ticket quoting an answer's X-Request-Id finds that request's lines, error and traceback
REQUEST_ID: ContextVar[str | None] = ContextVar("zan_request_id", default=None)


def _masked(span: Span) -> str:
    d = "".join(str(int(c)) for c in span.text if c.isdecimal())
    if span.kind == "card":
        return f"****-****-****-{d[-4:]}"
    if span.kind == "phone":
        # a +7 / 8 / 7 number, or a bare Kazakh 7xx one, is "+7"; another country's only "+"
        kazakh = not span.text.startswith("+") or d.startswith("7")
        return f"{'+7' if kazakh else '+'}***{d[-2:]}"
    return f"********{d[-4:]}"


def _cookie(m: re.Match[str]) -> str:
    if m.group("plain") is not None:
        return f"{m.group(1)}{m.group('plain')}***"
    # the key, its quotes and separator up to the value's opening quote, kept; the value masked
    return f"{m.group(0)[: m.end('open') - m.start()]}***{m.group('open')}"


# A URL in a log line (uvicorn's access line: the path as requested, with its query) spells what it holds
# percent-encoded, a query's space also as "+": `?phone=%2B7%20701…`, an IIN as `%39%30…` in a path. A run of such
# text is read decoded, and, when that shows anything to mask, written decoded and masked; otherwise it is left as
# it came (a line with nothing personal reads as the request did)
_URL_RUN = re.compile(r"[^\s\"'<>]+")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# a query value of digit groups joined by "+" (a phone's brackets percent-encoded, as a form sends them)
_FORM_GROUP = r"(?:%28)?\d+(?:%29)?(?:-\d+)*"
_FORM_NUMBER = re.compile(rf"(?<==)\+?{_FORM_GROUP}(?:\+{_FORM_GROUP})+(?=[&#]|$)", re.IGNORECASE)


def _url_decoded(run: str) -> str:
    path, query_mark, query = run.partition("?")
    # "%25" stays as it is: decoded, it would make an escape of what follows it
    path = unquote(path.replace("%25", "%2525"), errors="replace")
    if not query_mark:
        return path
    # a form's "+" for a space only in a value of digits (`phone=8+701+123+45+67`): elsewhere it is as likely itself
    # (an e-mail's `name+tag@`, a time zone's `+05:00`)
    query = _FORM_NUMBER.sub(lambda m: m.group(0)[:1] + m.group(0)[1:].replace("+", " "), query)
    return f"{path}?{unquote(query.replace('%25', '%2525'), errors='replace')}"


def _unprintable_escaped(text: str) -> str:
    """`text` with what is not printable (a decoded new line, a control character) escaped again: decoding must not
    let a client write a line of its own into a plain-text log."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else quote(c, safe="") for c in text)


def _mask_url_runs(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _URL_RUN.finditer(text):
        run = m.group(0)
        if not ("%" in run and _ESCAPE.search(run)) and not ("+" in run and "?" in run and _FORM_NUMBER.search(run)):
            continue
        decoded = _url_decoded(run)
        if decoded == run:
            continue
        masked = _mask(decoded)
        if masked != decoded:
            out += [text[pos : m.start()], _unprintable_escaped(masked)]
            pos = m.end()
    return "".join(out) + text[pos:] if out else text


def mask(text: str) -> str:
    # the runs are looked at only when the line has what they need: an escape, or a query with a "+" (a traceback's
    # "+00" time zone alone would walk every word of it)
    if ("%" in text and _ESCAPE.search(text)) or ("+" in text and "?" in text):
        text = _mask_url_runs(text)
    return _mask(text)


def _mask(text: str) -> str:
    # secrets first, whatever they look like (a token may well be a UUID)
    if "PRIVATE KEY-----" in text:
        text = _PEM_KEY.sub(lambda m: f"{m.group(1)}***", text)
    if "/bot" in text:
        text = _BOT_TOKEN.sub(lambda m: f"{m.group(1)}:***", text)
    if "=" in text:
        text = _URL_SECRETS.sub(lambda m: f"{m.group(1)}***", text)
    folded = _folded(text)
    if "cookie" in folded:
        masked = _COOKIES.sub(_cookie, text)
        folded, text = (folded, text) if masked == text else (_folded(masked), masked)
    if _any_in(_HEADER_HINTS, folded):
        masked = _SENSITIVE_HEADERS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
        # positions moved: _mask_keyed reads the hits' places in the folded text
        folded, text = (folded, text) if masked == text else (_folded(masked), masked)
    if ("=" in text or ":" in text) and _any_in(_KEY_HINTS, folded):
        text = _mask_keyed(text, folded)
    if "Failing row contains " in text or "Key (" in text:
        text = _PG_VALUES.sub(lambda m: f"{m.group('row') or m.group('key')}(***)", text)
    # numbers with a typo too (any unbroken 12 digits, a card's 16 with a wrong Luhn digit): nobody needs them in a log
    spans = find_numbers(text, mistyped=True)
    if spans:
        out: list[str] = []
        pos = 0
        for span in spans:
            out += [text[pos : span.start], _masked(span)]
            pos = span.end
        text = "".join(out) + text[pos:]
    if "@" not in text:
        return text
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
        # only these extras are written ("ledger": a new seal's id and MAC, kept unmasked: a MAC's digit runs can
        # look like an IIN or a card); a path is a client's text, which may carry an IIN or a phone: masked
        for key in ("event", "report_id", "code", "status", "duration_ms", "path", "method", "ledger", "request_id"):
            if hasattr(record, key):
                value = getattr(record, key)
                payload[key] = mask(value) if key == "path" and isinstance(value, str) else value
        if record.exc_info:
            payload["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def _stamp_request_id(factory: Any) -> Any:
    """A log record factory that gives each record the current request's id: stamped when the record is made, so
    every handler (and a record formatted later, off the request) has it."""

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = factory(*args, **kwargs)
        request_id = REQUEST_ID.get()
        if request_id is not None:
            record.request_id = request_id
        return record

    make.stamps_request_id = True  # type: ignore[attr-defined]
    return make


def configure(level: str = "INFO", as_json: bool = True) -> None:
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "stamps_request_id", False):  # configured once per process, or once per app in tests
        logging.setLogRecordFactory(_stamp_request_id(factory))
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
    # aiosqlite writes each statement with its bound values at DEBUG, below SQLAlchemy's hide_parameters (backend.db):
    # a report's text, an officer's name. Its other lines say only that a call on a connection ran
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
