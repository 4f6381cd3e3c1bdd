"""The registration statement run by asyncpg directly binds exactly what SQLAlchemy would bind for it
(backend.reports.registration: `_Compiled.arguments` puts a registration's values straight into their positions,
while the SQLAlchemy path names them, `_params`). SQLAlchemy's own compiler is the reference: its bound values for
`_params`, in its positional order, through each column type's conversion (UTC times, booleans, JSON as text)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.orm import configure_mappers

from backend.context import Context
from backend.media.models import Media
from backend.partners.auth import CitizenPrincipal
from backend.reports import registration
from backend.reports.intake import new_registration
from backend.reports.schemas import ReportCreate
from backend.routing.service import assess_intake
from tests.helpers import sha256_hex

pytestmark = pytest.mark.anyio

_DIALECT = asyncpg.dialect()


def _reference(reg: registration.Registration) -> list[Any]:
    compiled = registration._cte_statement(len(reg.tasks), bool(reg.media_ids), True).compile(dialect=_DIALECT)
    values = compiled.construct_params(registration._params(reg))
    processors = compiled._bind_processors
    return [processors[name](values[name]) if name in processors else values[name]
            for name in compiled.positiontup or ()]


@pytest.mark.parametrize("anonymous_with_files", [False, True])
async def test_the_driver_gets_what_sqlalchemy_would_bind(ctx: Context, anonymous_with_files: bool) -> None:
    configure_mappers()  # as the app's first query does: the models are read before any query here
    text = "Ночью во дворе на Абая 10 жгут мусор, дым идёт в окна"
    data = msgspec.convert({"text": text, "anonymous": anonymous_with_files, "occurred_at": "2026-12-01T22:30:00+05:00",
                            "location": {"lat": 51.1605, "lon": 71.4704, "accuracy_m": 15}}, ReportCreate)
    assessment = assess_intake(ctx, text, data.location.lat, data.location.lon, None, None,
                               anonymous=anonymous_with_files)
    media = [Media(id=uuid.uuid4(), kind="photo", content_type="image/jpeg", size=3, sha256=sha256_hex(b"%d" % n),
                   storage_key=f"test/{n}", status="ready") for n in range(2 if anonymous_with_files else 0)]
    citizen = CitizenPrincipal(uuid.uuid4(), uuid.uuid4(), "kaspi")
    reg, _ = new_registration(ctx, citizen=citizen, partner_id=citizen.partner_id, channel="kaspi", data=data,
                              assessment=assessment, media=media, claim=("scope", "key", "hash"), lang="kk")
    # the outbox rows' own defaults (id, due now) are drawn per binding: drawn once here, both ways bind the same
    reg.tasks = [registration.with_defaults(registration._TASKS, task) for task in reg.tasks]
    assert len(reg.tasks) == (3 if anonymous_with_files else 2)  # a scrub task for an anonymous report's files

    arguments = registration._compiled(len(reg.tasks), bool(reg.media_ids), _DIALECT).arguments(reg)

    assert arguments == _reference(reg)
    assert reg.placeholder in arguments  # the JSON texts get the number from SQL, by the placeholder
