"""The down-only wanted lists. Server-only writes; a removal is a tombstone so tablets learn of it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.clock import utcnow
from backend.sync.changes import NATIONAL, mark_dirty
from backend.sync.models import WantedPerson, WantedVehicle


async def add_person(session: AsyncSession, *, full_name: str, reason: str, birth_year: int | None = None,
                     region: str = "national", danger: str = "normal") -> WantedPerson:
    person = WantedPerson(full_name=full_name, reason=reason, birth_year=birth_year, region=region, danger=danger)
    session.add(person)
    mark_dirty(session, NATIONAL, "wanted_persons", person.id)
    return person


async def add_vehicle(session: AsyncSession, *, plate: str, reason: str, make: str = "", model: str = "",
                      color: str = "", region: str = "national") -> WantedVehicle:
    vehicle = WantedVehicle(plate=plate.upper(), reason=reason, make=make, model=model, color=color, region=region)
    session.add(vehicle)
    mark_dirty(session, NATIONAL, "wanted_vehicles", vehicle.id)
    return vehicle


async def remove(session: AsyncSession, *, collection: str, item_id: uuid.UUID) -> bool:
    """Tombstone an entry (found, arrested, plate recovered). Returns False if it did not exist."""
    model = WantedPerson if collection == "wanted_persons" else WantedVehicle
    row = await session.get(model, item_id)
    if row is None:
        return False
    if row.removed_at is None:  # type: ignore[attr-defined]
        row.removed_at = row.updated_at = utcnow()
        mark_dirty(session, NATIONAL, collection, row.id)  # type: ignore[attr-defined]
    return True
