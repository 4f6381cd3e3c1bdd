"""Every operation the OpenAPI document lists, sent junk by a caller it lets in: out-of-range numbers (past the
32-bit and 64-bit columns behind them), wrong types, malformed bodies, ids that are not ids. Each answer is a 2xx or
an RFC 9457 problem+json with a stable `code`, never a 500 (api-conventions.md: bad input gets a clear error).

Walking all of them found `GET /ledger/seals?after=`: past 2**31 a 500 from the driver on PostgreSQL, past 2**63 on
both databases. A new operation is covered by being in the document; its body is built from its schema, so each
field is reached with a valid rest.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import httpx
import pytest

from backend.context import Context
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer

# passwords set here hashed at the factories' cost (conftest cheap_hashing)
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_hashing")]


ROLES = ("patrol_officer", "dispatcher", "prosecutor", "admin")
# what a field, a query parameter or a path segment gets instead of its value
FIELD_JUNK: list[Any] = [None, 2**70, -1, "x" * 20_000, "\u0000", [], {"a": None}]
QUERY_JUNK = ["-1", str(2**31), "9" * 20, "abc", "1e309", "%00"]
PATH_JUNK = ["not-a-uuid", str(2**31), "9" * 20]
RAW_BODIES = [b"[]", b"null", b"{", b"1e999", b'"x"']
SKIPPED = ("/webhook", "/auth/logout")  # signed by another party (tested on their own), or ending the caller's session


def _resolved(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _example(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A value of the schema's shape (not necessarily one the service accepts: enough to get past the decoder)."""
    schema = _resolved(spec, schema)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolved(spec, o).get("type") != "null"]
            return _example(spec, options[0], depth) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        return {name: _example(spec, sub, depth + 1) for name, sub in schema.get("properties", {}).items()
                } if depth < 4 else {}
    if kind == "array":
        return [_example(spec, schema.get("items", {}), depth + 1)] if depth < 4 else []
    if kind in ("integer", "number"):
        return max(1, int(schema.get("minimum", 1))) if kind == "integer" else 51.16
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt in ("date-time", "date"):
            return "2026-12-07T10:00:00+00:00" if fmt == "date-time" else "2026-12-07"
        return "Украли велосипед у подъезда"[: schema.get("maxLength", 100)]
    return None


def _body(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    for content in operation.get("requestBody", {}).get("content", {}).values():
        value = _example(spec, content.get("schema", {}))
        return value if isinstance(value, dict) else {}
    return {}


def _requests(spec: dict[str, Any], path: str, method: str, report_id: str) -> list[tuple[str, bytes | None]]:
    """(path with query, body) pairs: junk in one place at a time, the rest as valid as the schema says."""
    operation = spec["paths"][path][method]
    real = re.sub(r"\{[^}]+\}", report_id, path)
    paths = [real, *(re.sub(r"\{[^}]+\}", junk, path) for junk in PATH_JUNK)] if "{" in path else [real]
    queries = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    out: list[tuple[str, bytes | None]] = [(f"{real}?{name}={junk}", None) for name in queries for junk in QUERY_JUNK]
    if method in ("get", "delete"):
        return out + [(each, None) for each in paths]
    base = _body(spec, operation)
    out += [(each, json.dumps(base).encode()) for each in paths] + [(real, raw) for raw in RAW_BODIES]
    return out + [(real, json.dumps({**base, name: junk}).encode()) for name in base for junk in FIELD_JUNK]


async def test_no_operation_answers_junk_with_a_500(ctx: Context, app_client: httpx.AsyncClient,
                                                    citizen: PartnerClient) -> None:
    spec = (await app_client.get("/schema/openapi.json")).json()
    created = await citizen.submit()
    assert created.status_code == 201, created.text
    officers: dict[str, dict[str, str]] = {}
    for role in ROLES:
        officer, password = await make_officer(ctx, role=role)
        officers[role] = bearer(await login(app_client, officer.badge_number, password))

    async def send(caller: str, method: str, path: str, body: bytes | None) -> httpx.Response:
        headers = {"Accept-Language": "kk", "Idempotency-Key": str(uuid.uuid4())}
        if caller == "partner":
            # signed in the current second: no two requests here have the same method, path and body, so each
            # signature is its own (the client's default steps every request a second back from the last, and the
            # ~400 sent here faster than one a second ran out of the 300 s skew window: 401 auth.clock_skew, a
            # problem with a code, so the junk behind it went unchecked)
            return await citizen.request(method, path, raw=body or b"", headers=headers, ts=int(time.time()))
        if body is not None:
            headers["Content-Type"] = "application/json"
        return await app_client.request(method, path, content=body or b"", headers={**headers, **officers[caller]})

    wrong: list[str] = []
    walked = 0
    for path, operations in spec["paths"].items():
        if any(part in path for part in SKIPPED) or path.startswith("/schema"):
            continue
        for method in [m for m in operations if m in ("get", "post", "put", "patch", "delete")]:
            requests = _requests(spec, path, method, created.json()["id"])
            # the first caller the operation lets in (a caller refused is refused before any input is read)
            for caller in ("partner", *ROLES):
                first = await send(caller, method.upper(), *requests[0])
                if first.status_code not in (401, 403):
                    break
            walked += 1
            for index, (target, body) in enumerate(requests):
                # the first request was just sent by this caller: its answer is checked, not sent again (a partner's
                # request again in the same second would be its signature replayed)
                answer = first if index == 0 else await send(caller, method.upper(), target, body)
                problem = answer.headers.get("content-type", "").startswith("application/problem+json")
                if (answer.status_code >= 500 and answer.status_code != 503) or (
                        answer.status_code >= 400 and not (problem and "code" in answer.json())):
                    wrong.append(f"{caller} {method.upper()} {target} {(body or b'')[:60]!r}: {answer.status_code} "
                                 f"{answer.text[:200]}")
    assert walked >= 50, walked  # the document was read, and its operations walked
    assert wrong == [], "\n".join(wrong)
