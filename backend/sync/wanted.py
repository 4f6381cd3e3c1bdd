"""The down-only wanted lists. Server-only writes; a removal is a tombstone so tablets learn of it.

Each entry has a scope (tablet-sync.md: "national / region"): `national`, sent to every tablet, or one region
(an `ml.geo.REGION_CODES` slug), sent to the tablets of that region's officers (views.Viewer.region). Every write
marks the entry in its scope's change log; a change of scope marks both the old and the new one, so the old
region's tablets get the entry as deleted (the tombstone) on their next pull and the new region's get it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.sync import messages as _messages  # noqa: F401  (the error texts)
from backend.sync.changes import NATIONAL, mark_dirty, region_scope
from backend.sync.models import WantedPerson, WantedVehicle
from ml.geo import REGION_CODES

WANTED: dict[str, type[WantedPerson] | type[WantedVehicle]] = {"wanted_persons": WantedPerson,
                                                                "wanted_vehicles": WantedVehicle}


def checked_region(region: str) -> str:
    """`national` or a region slug; anything else would be an entry no tablet ever gets (422)."""
    if region != NATIONAL and region not in REGION_CODES:
        raise ZanError("sync.wanted_region_unknown", 422, errors=[FieldProblem("/region", "invalid")])
    return region


async def add_person(session: AsyncSession, *, full_name: str, reason: str, birth_year: int | None = None,
                     region: str = NATIONAL, danger: str = "normal") -> WantedPerson:
    person = WantedPerson(full_name=full_name, reason=reason, birth_year=birth_year, region=checked_region(region),
                          danger=danger)
    session.add(person)
    mark_dirty(session, region_scope(person.region), "wanted_persons", person.id)
    return person


async def add_vehicle(session: AsyncSession, *, plate: str, reason: str, make: str = "", model: str = "",
                      color: str = "", region: str = NATIONAL) -> WantedVehicle:
    vehicle = WantedVehicle(plate=plate.upper(), reason=reason, make=make, model=model, color=color,
                            region=checked_region(region))
    session.add(vehicle)
    mark_dirty(session, region_scope(vehicle.region), "wanted_vehicles", vehicle.id)
    return vehicle


async def _locked(session: AsyncSession, collection: str, item_id: uuid.UUID) -> WantedPerson | WantedVehicle | None:
    """The entry, locked and read afresh: a write marks the scope the entry is in, so it must read the scope a
    concurrent write has just committed (a search handed to another region while someone marks the person found),
    not the one before it. Otherwise the region that just received the entry never hears of the second change, and
    its tablets keep a found person "wanted" for good."""
    row: WantedPerson | WantedVehicle | None = await session.get(WANTED[collection], item_id, with_for_update=True,
                                                                 populate_existing=True)
    return row


async def set_region(session: AsyncSession, *, collection: str, item_id: uuid.UUID, region: str) -> bool:
    """Change an entry's scope (a search widened to the whole country, or handed to another region). Returns False
    if it did not exist."""
    region = checked_region(region)
    row = await _locked(session, collection, item_id)
    if row is None:
        return False
    if row.region != region:
        # the old scope's tablets must hear of it too: their pull answers it as deleted
        mark_dirty(session, region_scope(row.region), collection, row.id)
        row.region, row.updated_at = region, utcnow()
        mark_dirty(session, region_scope(region), collection, row.id)
    return True


async def remove(session: AsyncSession, *, collection: str, item_id: uuid.UUID) -> bool:
    """Tombstone an entry (found, arrested, plate recovered). Returns False if it did not exist."""
    row = await _locked(session, collection, item_id)
    if row is None:
        return False
    if row.removed_at is None:
        row.removed_at = row.updated_at = utcnow()
        mark_dirty(session, region_scope(row.region), collection, row.id)
    return True
