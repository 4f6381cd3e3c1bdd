"""Every way of writing a registration reads its outcome the same (backend.reports.registration): SQLite statement by
statement, PostgreSQL's one statement joined to the caller's transaction (files attached), and PostgreSQL's one
statement autocommitted through asyncpg. Each is driven through every outcome in turn: the year's first number (no
counter row yet), a number, a replay of a key already claimed, a file another report took (409, or the replay when
that report held the same key), and the next number after all of those, which none of them used up."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from backend.citizens.service import get_or_create_by_iin
from backend.context import Context
from backend.lib.clock import ALMATY, utcnow
from backend.lib.errors import ZanError
from backend.media.models import Media
from backend.partners import service as partners
from backend.partners.auth import CitizenPrincipal
from backend.reports import registration
from backend.reports.idempotency import request_hash
from backend.reports.intake import new_registration
from backend.reports.models import IdempotencyRecord, Report, ReportCounter
from backend.reports.schemas import ReportCreate
from backend.routing.service import assess_intake
from tests.helpers import make_iin, sha256_hex

pytestmark = pytest.mark.anyio

_LOCATION = {"lat": 51.1605, "lon": 71.4704, "accuracy_m": 15}


async def _citizen(ctx: Context) -> CitizenPrincipal:
    async with ctx.sessions() as session:
        partner = await partners.create(session=session, secret_key=ctx.settings.secret_key, name="kaspi")
        citizen = await get_or_create_by_iin(session=session, secret_keys=ctx.settings.secret_keys, iin=make_iin(7))
        await session.commit()
        return CitizenPrincipal(citizen.id, partner.id, "kaspi")


async def _files(ctx: Context, owner: CitizenPrincipal, count: int) -> list[uuid.UUID]:
    async with ctx.sessions() as session:
        rows = [Media(owner_citizen_id=owner.citizen_id, partner_id=owner.partner_id, kind="photo",
                      content_type="image/jpeg", size=3, sha256=sha256_hex(b"%d" % n), storage_key=f"test/{n}",
                      status="ready") for n in range(count)]
        session.add_all(rows)
        await session.commit()
        return [row.id for row in rows]


def _registration(ctx: Context, citizen: CitizenPrincipal, key: str, text: str,
                  media_ids: list[uuid.UUID]) -> registration.Registration:
    """A registration as intake builds it, with files as if the caller had found them free."""
    data = msgspec.convert({"text": text, "location": _LOCATION}, ReportCreate)
    assessment = assess_intake(ctx, text, data.location.lat, data.location.lon, None, None)
    media = [Media(id=media_id, kind="photo", content_type="image/jpeg", size=3, sha256=sha256_hex(b"x"),
                   storage_key="test/x") for media_id in media_ids]
    scope = f"report:{citizen.partner_id}:{citizen.citizen_id}"
    reg, _ = new_registration(ctx, citizen=citizen, partner_id=citizen.partner_id, channel=citizen.channel,
                              data=data, assessment=assessment, media=media,
                              claim=(scope, key, request_hash(data)), lang="ru")
    return reg


async def _write(ctx: Context, reg: registration.Registration, *, in_transaction: bool) -> Any:
    """The number, None (the caller replays the stored answer) or the refusal's code and pointers."""
    async with ctx.sessions() as session:
        if in_transaction:  # as after intake read the files it attaches
            await session.connection()
        try:
            number = await registration.register(session, reg)
        except ZanError as exc:
            return exc.code, [problem.pointer for problem in exc.errors]
        if session.in_transaction():
            await session.commit()
        return number


@pytest.mark.parametrize("in_transaction", [False, True], ids=["no-transaction", "in-transaction"])
async def test_every_outcome_reads_the_same_on_every_path(ctx: Context, in_transaction: bool) -> None:
    if in_transaction and ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes statement by statement in either case")
    citizen = await _citizen(ctx)
    taken, free = await _files(ctx, citizen, 2)
    year = utcnow().astimezone(ALMATY).year

    answers = [
        await _write(ctx, _registration(ctx, citizen, "a", "Шумят соседи", []), in_transaction=in_transaction),
        await _write(ctx, _registration(ctx, citizen, "b", "Разбили окно", [taken]), in_transaction=in_transaction),
        # a retry of "a": the key is claimed
        await _write(ctx, _registration(ctx, citizen, "a", "Шумят соседи", []), in_transaction=in_transaction),
        # the file went to "b"'s report: refused, or, with "b"'s own key, its stored answer
        await _write(ctx, _registration(ctx, citizen, "c", "Разбили окно", [taken]), in_transaction=in_transaction),
        await _write(ctx, _registration(ctx, citizen, "b", "Разбили окно", [taken]), in_transaction=in_transaction),
        await _write(ctx, _registration(ctx, citizen, "d", "Угнали машину", [free]), in_transaction=in_transaction),
    ]

    assert answers == [f"ZP-{year}-0000001", f"ZP-{year}-0000002", None,
                       ("media.already_attached", ["/media_ids/0"]), None, f"ZP-{year}-0000003"]
    async with ctx.sessions() as session:
        assert await session.scalar(select(col(ReportCounter.value)).where(col(ReportCounter.year) == year)) == 3
        numbers: dict[uuid.UUID, str] = dict(
            (await session.execute(select(col(Report.id), col(Report.number)))).all())
        assert sorted(numbers.values()) == [f"ZP-{year}-000000{n}" for n in (1, 2, 3)]
        keys = set(await session.scalars(select(col(IdempotencyRecord.key))))
        assert keys == {"a", "b", "d"}
        attached: dict[uuid.UUID, uuid.UUID | None] = dict(
            (await session.execute(select(col(Media.id), col(Media.report_id)))).all())
        assert [numbers.get(attached[taken] or uuid.uuid4()), numbers.get(attached[free] or uuid.uuid4())] == [
            f"ZP-{year}-0000002", f"ZP-{year}-0000003"]
        assert await session.scalar(select(func.count()).select_from(Report)) == 3
