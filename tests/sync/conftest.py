"""A simulated patrol tablet (local replica + outbox) driving the sync services, and report helpers."""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.lib.errors import ZanError
from backend.officers import service as officers
from backend.officers.auth import OfficerPrincipal, Role
from backend.officers.models import Officer, Unit
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.sync import hlc as hlcs
from backend.sync.pull import pull
from backend.sync.push import Mutation, push
from backend.sync.views import COLLECTIONS, viewer_for
from tests.core.factories import make_report
from tests.officers.factories import make_officer, make_unit

DISPATCHER = By(Actor.DISPATCHER, "disp-1", "console")
_counter = itertools.count(1)


def uuid7() -> str:
    """A UUIDv7 as tablets make them (time-ordered)."""
    ms = int(time.time() * 1000)
    rand = uuid.uuid4().int & ((1 << 74) - 1)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


class LostResponse(Exception):
    """The server did its work but the answer never reached the tablet."""


@dataclass
class Tablet:
    ctx: Context
    officer: Officer
    unit_id: uuid.UUID | None
    device_id: str = field(default_factory=lambda: f"tab-{uuid.uuid4().hex[:8]}")
    replica: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {c: {} for c in COLLECTIONS})
    outbox: list[Mutation] = field(default_factory=list)
    cursor: str | None = None
    resets: int = 0
    clock_offset_ms: int = 0
    counter: int = 0
    server_hlc: str | None = None  # the last pull's, for `merge_server_clock`

    def principal(self) -> OfficerPrincipal:
        return OfficerPrincipal(self.officer.id, Role(self.officer.role), self.unit_id, self.officer.department,
                                self.officer.district, self.device_id, uuid.uuid4())

    def hlc(self) -> str:
        self.counter += 1
        return f"{int(time.time() * 1000) + self.clock_offset_ms:013d}-{self.counter:05d}-{self.device_id}"

    def merge_server_clock(self) -> None:
        """Merge the last pull's `server_hlc` into this tablet's clock, as the protocol tells tablets to: its next
        stamps come after anything the server stamped or accepted. The server's clock runs ahead of the wall by what
        it merged from other tablets (stamps up to 5 minutes ahead, one process for every test of a worker); a
        tablet that does not merge may stamp behind it. Tests of deviant clocks leave it out."""
        assert self.server_hlc is not None, "pull first"
        ahead = hlcs.parse(self.server_hlc).ms - int(time.time() * 1000)
        self.clock_offset_ms = max(self.clock_offset_ms, ahead + 1)

    def edit(self, entity: str, entity_id: str, op: str = "update", **fields: Any) -> Mutation:
        m = Mutation(mutation_id=f"m{next(_counter)}-{uuid.uuid4().hex[:6]}", entity=entity, id=entity_id, op=op,
                     hlc=self.hlc(), fields=fields)
        self.outbox.append(m)
        # optimistic local apply
        if entity == "reports" and entity_id in self.replica["reports"]:
            self.replica["reports"][entity_id].update(fields)
        elif entity == "notes" and op == "create":
            self.replica["notes"][entity_id] = {"id": entity_id, **fields}
        return m

    async def pull_page(self, limit: int = 500) -> bool:
        """One page; returns has_more. A 410 wipes the replica (never the outbox)."""
        async with self.ctx.sessions() as session:
            viewer = await viewer_for(session, self.officer.id, self.unit_id)
            try:
                page = await pull(session, secret_key=self.ctx.settings.secret_key, viewer=viewer,
                                  cursor=self.cursor, limit=limit)
            except ZanError as exc:
                if exc.status != 410:
                    raise
                self.replica = {c: {} for c in COLLECTIONS}
                self.cursor = None
                self.resets += 1
                return True
        # apply page + store cursor "in one local transaction"
        for name, change in page.changes.items():
            for row in change["upserted"]:
                self.replica[name][row["id"]] = row
            for gone in change["deleted"]:
                self.replica[name].pop(gone, None)
        self.cursor, self.server_hlc = page.cursor, page.server_hlc
        return page.has_more

    async def pull_all(self, limit: int = 500) -> None:
        for _ in range(10000):
            if not await self.pull_page(limit):
                return
        raise AssertionError("pull never finished")

    async def push(self, *, lose_response: bool = False, batch: int = 500) -> list[dict[str, Any]]:
        sent = self.outbox[:batch]
        if not sent:
            return []
        async with self.ctx.sessions() as session:
            viewer = await viewer_for(session, self.officer.id, self.unit_id)
            result = await push(session, officer=self.principal(), viewer=viewer, mutations=sent)
        if lose_response:
            raise LostResponse
        self.outbox = self.outbox[len(sent):]
        return result.results

    async def sync(self) -> None:
        while self.outbox:
            await self.push()
        await self.pull_all()


async def crew_tablets(ctx: Context) -> tuple[Unit, Tablet, Tablet]:
    """A unit of two officers, each on a tablet of their own."""
    unit = await make_unit(ctx)
    first, _ = await make_officer(ctx, unit=unit)
    second, _ = await make_officer(ctx, unit=unit)
    return unit, Tablet(ctx, first, unit.id), Tablet(ctx, second, unit.id)


async def move_officer(ctx: Context, officer: Officer, unit: Unit | None) -> None:
    """The officer moved to `unit` (None: out of any), as an admin does."""
    async with ctx.sessions() as session:
        row = await session.get(Officer, officer.id)
        assert row is not None
        await officers.set_unit(session, officer=row, unit=unit)
        await session.commit()


async def assigned_report(ctx: Context, unit: Unit, **fields: Any) -> Report:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, department=unit.department, **fields)
        await dispatch.assign(session, report, unit, DISPATCHER)
        await session.commit()
    return report


async def reassign(ctx: Context, report: Report, unit: Unit) -> None:
    """The dispatcher sends the report to another unit (its crew's tablets then write to a report no longer theirs)."""
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.assign(session, row, unit, DISPATCHER)
        await session.commit()


async def server_view(ctx: Context, tablet: Tablet) -> dict[str, dict[str, dict[str, Any]]]:
    """What a fresh tablet of the same officer would get."""
    fresh = Tablet(ctx, tablet.officer, tablet.unit_id, device_id="fresh-" + uuid.uuid4().hex[:6])
    await fresh.pull_all()
    return fresh.replica


@pytest.fixture(params=["postgres"])
def pg_only(request: pytest.FixtureRequest) -> str:
    return str(request.param)
