"""`zan partners list | disable | enable | rotate-secret` (README, "Partner apps"): an operator stops a partner app,
or a leaked secret, at once in every API process, not a minute later when each process's key cache expires; a
rotation with a grace period keeps the old secret working until it ends. Every change leaves an audit line without
secret material, and the webhook secret is left as it was."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.cli import main
from backend.context import Context
from backend.lib.crypto import unseal
from backend.partners.models import Partner
from backend.partners.service import create, set_webhook
from tests.core.test_outage import proxied  # noqa: F401  (fixture: the app with Redis behind a proxy we can cut)
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, eventually, make_iin, serving

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("quick_queue_retries")]
BASE = "/api/v1/reports"


def zan(ctx: Context, tmp_path: Path, *args: str) -> Result:
    """`zan …` as an operator runs it: its own process's settings, on the test's database and Redis."""
    s = ctx.settings
    cleared: dict[str, str | None] = {name: None for name in os.environ if name.startswith("ZAN_")}
    env = {**cleared, "ZAN_DATABASE_URL": s.database_url, "ZAN_SECRET_KEY": s.secret_key,
           "ZAN_VAR_DIR": str(tmp_path), "ZAN_LOG_JSON": "false", "ZAN_REDIS_PREFIX": s.redis_prefix}
    if s.redis_url:
        env["ZAN_REDIS_URL"] = s.redis_url
    return CliRunner().invoke(main, list(args), env=env)


async def run_zan(ctx: Context, tmp_path: Path, *args: str) -> dict[str, Any]:
    result = await asyncio.to_thread(zan, ctx, tmp_path, *args)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


@pytest.fixture
async def other(ctx: Context) -> AsyncIterator[httpx.AsyncClient]:
    """Another API process on the same database and Redis, with its own key cache."""
    async with serving(ctx.settings) as (_, client):
        yield client


async def status(client: PartnerClient, *, ts: int | None = None) -> tuple[int, str | None]:
    """A read of the citizen's reports: its status, and the problem's code if refused."""
    answer = await client.get(BASE, **({} if ts is None else {"ts": ts}))
    return answer.status_code, (answer.json().get("code") if answer.status_code >= 400 else None)


async def filed(client: PartnerClient) -> int:
    """A change (claimed against replay, which a read is not): a new report."""
    return (await client.submit("Украли велосипед из подъезда")).status_code


async def audit(ctx: Context, partner_id: str) -> list[AuditLog]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(AuditLog).where(AuditLog.target_type == "partner",  # type: ignore[arg-type]
                                                            AuditLog.target_id == partner_id)
                                     .order_by(AuditLog.at, AuditLog.id))  # type: ignore[arg-type]
        return list(rows)


@pytest.mark.redis
async def test_a_disabled_partner_is_refused_at_once_by_every_api_process(
    ctx: Context, app_client: httpx.AsyncClient, other: httpx.AsyncClient, partner: dict[str, str], tmp_path: Path
) -> None:
    here = PartnerClient(app_client, partner["id"], partner["secret"], make_iin(1))
    there = here.via(other)
    for client in (here, there):  # both processes have the partner's key cached
        assert await status(client) == (200, None)

    out = await run_zan(ctx, tmp_path, "partners", "disable", "--id", partner["id"], "--reason", "secret leaked")
    assert out == {"id": partner["id"], "name": partner["name"], "active": False, "changed": True}
    for client in (here, there):  # the very next request, a minute before either cache would have expired
        assert await status(client) == (403, "auth.partner_disabled")
        assert (await client.submit()).json()["code"] == "auth.partner_disabled"

    assert (await run_zan(ctx, tmp_path, "partners", "enable", "--id", partner["id"]))["active"] is True
    for client in (here, there):
        assert await status(client) == (200, None)
        assert await filed(client) == 201

    lines = await audit(ctx, partner["id"])
    assert [(a.action, a.actor_type, a.actor_id, a.data) for a in lines] == [
        ("partner.disabled", "admin", "cli", {"reason": "secret leaked"}),
        ("partner.enabled", "admin", "cli", {}),
    ]


@pytest.mark.redis
async def test_a_rotated_secret_works_and_the_old_one_is_refused_at_once(
    ctx: Context, app_client: httpx.AsyncClient, other: httpx.AsyncClient, partner: dict[str, str], tmp_path: Path
) -> None:
    async with ctx.sessions() as session:  # the partner receives webhooks: their secret is not the one rotated
        row = await session.get(Partner, uuid.UUID(partner["id"]))
        assert row is not None
        webhook_secret = set_webhook(row, "http://127.0.0.1:9/events", ctx.settings.secret_key)
        await session.commit()
    old_here = PartnerClient(app_client, partner["id"], partner["secret"], make_iin(1))
    old_there = old_here.via(other)
    for client in (old_here, old_there):
        assert await status(client) == (200, None)

    out = await run_zan(ctx, tmp_path, "partners", "rotate-secret", "--id", partner["id"])
    assert set(out) == {"id", "name", "secret", "previous_valid_until"} and out["previous_valid_until"] is None
    assert out["secret"] != partner["secret"]
    for client in (old_here, old_there):
        new = PartnerClient(client.http, partner["id"], out["secret"], make_iin(1))
        new._used_ts = client._used_ts
        assert await status(new) == (200, None)  # first, while the process has the old key cached
        assert await filed(new) == 201
        assert await status(client) == (401, "auth.signature_invalid")

    async with ctx.sessions() as session:
        row = await session.get(Partner, uuid.UUID(partner["id"]))
        assert row is not None and row.webhook_secret_sealed is not None
        assert unseal(ctx.settings.secret_keys, row.webhook_secret_sealed) == webhook_secret
        sealed = {row.secret_sealed, row.webhook_secret_sealed}
    [line] = await audit(ctx, partner["id"])
    assert (line.action, line.actor_type, line.actor_id) == ("partner.secret_rotated", "admin", "cli")
    assert line.data == {"grace_minutes": 0, "previous_valid_until": None}
    for secret in (partner["secret"], out["secret"], webhook_secret, *sealed):
        assert secret not in json.dumps(line.data)


@pytest.mark.redis
async def test_with_a_grace_period_the_old_secret_works_until_it_ends(
    ctx: Context, app_client: httpx.AsyncClient, other: httpx.AsyncClient, partner: dict[str, str], tmp_path: Path
) -> None:
    old_here = PartnerClient(app_client, partner["id"], partner["secret"], make_iin(1))
    old_there = old_here.via(other)
    for client in (old_here, old_there):
        assert await status(client) == (200, None)

    out = await run_zan(ctx, tmp_path, "partners", "rotate-secret", "--id", partner["id"], "--grace-minutes", "1")
    assert out["previous_valid_until"] is not None
    # the grace period's end without waiting for it: a request signed two minutes from now (inside the 300 s the
    # clocks may differ) is signed after it
    later = int(time.time()) + 120
    for client in (old_here, old_there):
        new = PartnerClient(client.http, partner["id"], out["secret"], make_iin(1))
        new._used_ts = client._used_ts
        assert await status(client) == (200, None)
        assert await filed(client) == 201
        assert await status(new) == (200, None)
        assert await status(client, ts=later) == (401, "auth.signature_invalid")
        assert await status(new, ts=later) == (200, None)
        later += 1

    # rotated again without a grace: neither earlier secret is accepted any more
    again = await run_zan(ctx, tmp_path, "partners", "rotate-secret", "--id", partner["id"])
    for client in (old_here, old_there):
        assert await status(client) == (401, "auth.signature_invalid")
        previous = PartnerClient(client.http, partner["id"], out["secret"], make_iin(1))
        previous._used_ts = client._used_ts
        assert await status(previous) == (401, "auth.signature_invalid")
        newest = previous.via(client.http)
        newest.secret = again["secret"]
        assert await status(newest) == (200, None)
    assert [(a.action, a.data["grace_minutes"]) for a in await audit(ctx, partner["id"])] == [
        ("partner.secret_rotated", 1), ("partner.secret_rotated", 0)]


async def test_without_redis_a_change_reaches_the_api_process_within_a_second(
    ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str], tmp_path: Path
) -> None:
    """Embedded mode: the API process and `zan` share only the database, and the API reads the key again after a
    second (it kept it a minute). The grace period works the same."""
    citizen = PartnerClient(app_client, partner["id"], partner["secret"], make_iin(1))
    assert await status(citizen) == (200, None)

    await run_zan(ctx, tmp_path, "partners", "disable", "--id", partner["id"], "--reason", "audit")

    async def refused() -> bool:
        return await status(citizen) == (403, "auth.partner_disabled")

    await eventually(refused, timeout=5)
    await run_zan(ctx, tmp_path, "partners", "enable", "--id", partner["id"])

    out = await run_zan(ctx, tmp_path, "partners", "rotate-secret", "--id", partner["id"], "--grace-minutes", "5")
    new = citizen.via(app_client)
    new.secret = out["secret"]

    async def rotated() -> bool:
        return await status(new) == (200, None)

    await eventually(rotated, timeout=5)
    assert await status(citizen) == (200, None)  # within its grace period
    assert await filed(citizen) == 201
    assert await status(citizen, ts=int(time.time()) + 200) == (200, None)  # signed within the grace period too
    await run_zan(ctx, tmp_path, "partners", "rotate-secret", "--id", partner["id"])

    async def old_refused() -> bool:
        return await status(citizen) == (401, "auth.signature_invalid")

    await eventually(old_refused, timeout=5)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_while_redis_is_down_a_change_still_reaches_the_api_process_within_a_second(
    proxied: tuple[Context, TcpProxy, httpx.AsyncClient], tmp_path: Path  # noqa: F811
) -> None:
    """The API process cached the key while Redis was up (for a minute, changes being announced); once it finds
    Redis down it keeps the key a second, as without Redis. The command, which cannot announce the change either,
    says so."""
    ctx, proxy, http = proxied
    async with ctx.sessions() as session:
        partner = await create(session=session, secret_key=ctx.settings.secret_key, name="kaspi")
    citizen = PartnerClient(http, str(partner.id), partner.secret, make_iin(1))
    assert await status(citizen) == (200, None)

    await proxy.cut()
    assert await filed(citizen) == 201  # in the database's care meanwhile
    result = await asyncio.to_thread(zan, ctx, tmp_path, "partners", "disable", "--id", str(partner.id),
                                     "--reason", "secret leaked")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["active"] is False and "did not take the announcement" in result.stderr

    async def refused() -> bool:
        return await status(citizen) == (403, "auth.partner_disabled")

    await eventually(refused, timeout=5)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_list_prints_every_partner_and_never_a_secret(ctx: Context, partner: dict[str, str],
                                                            tmp_path: Path) -> None:
    await run_zan(ctx, tmp_path, "partners", "disable", "--id", partner["id"], "--reason", "paused")
    halyk = await run_zan(ctx, tmp_path, "partners", "create", "--name", f"halyk-{uuid.uuid4().hex[:6]}")
    result = await asyncio.to_thread(zan, ctx, tmp_path, "partners", "list")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["id"], line["name"], line["active"]) for line in lines] == [
        (partner["id"], partner["name"], False), (halyk["id"], halyk["name"], True)]
    assert all(set(line) == {"id", "name", "active", "created"} for line in lines)
    assert partner["secret"] not in result.output and halyk["secret"] not in result.output


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_refusals_name_what_is_wrong(ctx: Context, partner: dict[str, str], tmp_path: Path) -> None:
    unknown = await asyncio.to_thread(zan, ctx, tmp_path, "partners", "enable", "--id", str(uuid.uuid4()))
    assert unknown.exit_code == 1 and "no partner app has the id" in unknown.output
    for args, hint in ((["disable", "--id", partner["id"], "--reason", "  "], "--reason"),
                       (["disable", "--id", "kaspi", "--reason", "x"], "--id"),
                       (["rotate-secret", "--id", partner["id"], "--grace-minutes", "-1"], "--grace-minutes")):
        refused = await asyncio.to_thread(zan, ctx, tmp_path, "partners", *args)
        assert refused.exit_code == 2 and hint in refused.output, (args, refused.output)
    assert await audit(ctx, partner["id"]) == []


@pytest.mark.redis
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_the_hot_path_reads_no_partner_row_while_nothing_changes(
    ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]
) -> None:
    """The generation comes back in the admission's round trip: a partner that did not change is not read again
    (the key this process cached is the one it keeps using)."""
    citizen = PartnerClient(app_client, partner["id"], partner["secret"], make_iin(1))
    assert await filed(citizen) == 201
    cached = ctx.extras["partner_keys"][uuid.UUID(partner["id"])]
    for _ in range(5):
        assert await filed(citizen) == 201
        assert await status(citizen) == (200, None)
    assert ctx.extras["partner_keys"][uuid.UUID(partner["id"])] is cached
