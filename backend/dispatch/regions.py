"""Which part of the country a staff officer answers for: least privilege for the dispatch console.

Police work is organised per region (17 oblasts and the 3 cities of republican significance, `ml.geo.REGION_CODES`):
a duty officer of Karaganda has no business reading Almaty's reports. Dispatchers, supervisors, admins and
prosecutors see the reports of their region only, and the region is the one of the officer's own district, else of
their unit's district. An officer with neither (district left empty, no unit: the national 102 centre, the General
Prosecutor's Office) keeps national scope. A district that is not one of ours is refused nationally too: it scopes
the officer to itself (fail closed, never "unknown, so everything").

Supervisors and prosecutors follow the same rule: a regional department's head and a regional prosecutor's office
oversee their region; oversight of the whole country is an officer without a district. Field officers are scoped
by their own rule (their unit's reports, their district's: `dispatch.service.visible_to`).

A report with no district (rows registered before reports were placed; every report accepted since has one: intake
refuses a point outside Kazakhstan) belongs to no region, and is shown to every regional officer rather than to
none: hiding it would leave it to the national centre alone, which an installation may not have.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from backend.officers.auth import OfficerPrincipal
from backend.officers.models import Unit
from ml.geo import load_regions, region_of


@lru_cache(maxsize=32)
def districts_of(region: str) -> tuple[str, ...]:
    """The district codes of a region (the database filters reports by district: `Report.district.in_(...)`)."""
    return tuple(sorted(code for code, slug in load_regions().districts.items() if slug == region))


def _districts_around(district: str) -> tuple[str, ...] | None:
    """The districts of `district`'s region; None for no district; the district alone for one not in the table."""
    if not district:
        return None
    region = region_of(district)
    return districts_of(region) if region is not None else (district,)


async def districts_for(session: AsyncSession, principal: OfficerPrincipal) -> tuple[str, ...] | None:
    """The district codes whose reports `principal` may read (before the restricted-category rule); None: all."""
    own = _districts_around(principal.district)
    if own is not None or principal.unit_id is None:
        return own
    unit = await session.get(Unit, principal.unit_id)
    return _districts_around(unit.district) if unit is not None else None
