"""Which part of the country an officer answers for: one rule for the dispatch console, the tablets' wanted lists
and who hears of an escalation.

Police work is organised per region (17 oblasts and the 3 cities of republican significance, `ml.geo.REGION_CODES`):
a duty officer of Karaganda has no business reading Almaty's reports. An officer answers for the region of the
district they are scoped by: their own district, else their unit's district; with neither (district left empty, no
unit or a unit without a district: the national 102 centre, the General Prosecutor's Office) the whole country.

The cases every reader of this rule answers the same way (tests/dispatch/test_jurisdiction.py runs one table of
officers through all three):
- A district that is not one of ours (a typo, a code retired from the table) fails closed: it scopes the officer to
  that district alone — the console shows that district's reports, a tablet gets the national wanted entries only
  (no region's), an escalation reaches them only for that district. It never falls through to the unit's district
  nor widens to the country: "unknown, so something else" would hand an officer a region nobody assigned them.
- An empty district and a missing one (NULL) are the same: no district of one's own (then the unit's decides).
  Whitespace is not trimmed here: `zan officers create` refuses such codes, and a stored one fails closed as above.
- "Their unit" is the unit they are a crew member of (`UnitMember`): its primary key is the officer, so there is at
  most one, and it is what `OfficerPrincipal.unit_id` carries. A unit they merely hold a report of, a shift's unit or
  a unit id a caller passes for another purpose never scopes them.

Python (`scoping_district`, for a loaded principal) and SQL (`scoping_district_sql`, on `Officer`) are the same
COALESCE; `Jurisdiction` then maps the district to what each reader needs.

A report with no district (rows registered before reports were placed; every report accepted since has one: intake
refuses a point outside Kazakhstan) belongs to no region, and is shown to every regional officer rather than to
none: hiding it would leave it to the national centre alone, which an installation may not have.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from backend.officers.models import Officer, Unit, UnitMember
from ml.geo import load_regions, region_of

if TYPE_CHECKING:
    from backend.officers.auth import OfficerPrincipal

NATIONAL = ""  # the scoping district of an officer of no region


@lru_cache(maxsize=32)
def districts_of(region: str) -> tuple[str, ...]:
    """The district codes of a region (the database filters reports by district: `Report.district.in_(...)`)."""
    return tuple(sorted(code for code, slug in load_regions().districts.items() if slug == region))


def around(district: str) -> tuple[str, ...]:
    """The districts read together with `district`: its region's, or itself alone for a code that is not ours.
    Symmetric (d reads r exactly when r reads d), so it answers both "what does this officer read" and "which
    officers read this report"."""
    region = region_of(district)
    return districts_of(region) if region is not None else (district,)


def scoping_district(own: str | None, unit: str | None) -> str:
    """The district an officer is scoped by: their own, else their unit's; NATIONAL ("") with neither."""
    return own or unit or NATIONAL


def scoping_district_sql() -> ColumnElement[str]:
    """`scoping_district` as a column expression on `Officer` (their crew unit read in a scalar subquery: at most
    one row, `unit_members` is keyed by the officer)."""
    unit = (select(col(Unit.district)).join(UnitMember, col(UnitMember.unit_id) == col(Unit.id))
            .where(col(UnitMember.officer_id) == col(Officer.id)).scalar_subquery())
    return func.coalesce(func.nullif(col(Officer.district), ""), func.nullif(unit, ""), NATIONAL)


@dataclass(frozen=True)
class Jurisdiction:
    district: str  # the scoping district; NATIONAL for the whole country

    @property
    def national(self) -> bool:
        return self.district == NATIONAL

    @property
    def region(self) -> str | None:
        """The region slug (the tablets' wanted lists are per region); None nationally and for a district that is
        not ours (fail closed: the national entries only)."""
        return None if self.national else region_of(self.district)

    @property
    def districts(self) -> tuple[str, ...] | None:
        """The districts whose reports the officer reads; None: all of them."""
        return None if self.national else around(self.district)

    def answers_for(self, other: Jurisdiction) -> bool:
        """Whether an officer of this jurisdiction is over one of `other` (an admin revoking a tablet or an account):
        a national one over everyone, a regional one over their region's officers only, never over a national
        officer (nor one of a district that is not ours, unless it is their very own code: fail closed)."""
        return self.national or (not other.national and other.district in around(self.district))

    def reads(self, report_district: str | None) -> bool:
        """Whether a report placed in `report_district` is within this jurisdiction (before role rules)."""
        return self.national or report_district is None or report_district in around(self.district)


def reads_report_sql(report_district: str | None) -> ColumnElement[bool]:
    """`Jurisdiction.reads` turned around, as a filter on `Officer`: the officers a report of `report_district` is
    within the jurisdiction of (national ones, and those scoped by a district read together with it)."""
    if report_district is None:
        return true()
    scoped = scoping_district_sql()
    return or_(scoped == NATIONAL, scoped.in_(around(report_district)))


async def jurisdiction_for(session: AsyncSession, principal: OfficerPrincipal) -> Jurisdiction:
    """The jurisdiction of a signed-in officer (their district and crew unit as read for this request); the unit
    is read only when they have no district of their own."""
    if principal.district or principal.unit_id is None:
        return Jurisdiction(scoping_district(principal.district, None))
    unit = await session.get(Unit, principal.unit_id)
    return Jurisdiction(scoping_district(principal.district, unit.district if unit is not None else None))


async def jurisdiction_of(session: AsyncSession, officer_id: uuid.UUID) -> Jurisdiction:
    """The jurisdiction of an officer by id, read with the SQL rule itself; national for an officer not found."""
    district = await session.scalar(select(scoping_district_sql()).where(col(Officer.id) == officer_id))
    return Jurisdiction(district or NATIONAL)
