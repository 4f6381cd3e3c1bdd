"""One rule for which part of the country an officer answers for (backend.officers.jurisdiction), read three ways:
the dispatch console (which reports a supervisor may open), the tablet's sync view (which region's wanted entries it
gets) and an escalation's audience (which supervisors are pushed it). One table of officers runs through all three,
so no reader can scope an officer differently from the others again.

Before the shared rule, the tablet's view let an officer's district that is not ours fall through to their unit's
region — widening where the console and the escalations fail closed — and took the region from whatever unit id it
was handed rather than the officer's crew unit."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.notifications.jobs import escalation_audience
from backend.officers.models import Officer, UnitMember
from backend.officers.service import unit_of
from backend.reports.models import Report
from backend.sync.views import viewer_for
from tests.core.factories import triage_report
from tests.officers.factories import DEFAULT_PASSWORD, bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
KARAGANDA = "bukhar-zhyrauskiy"  # a district of Karaganda region
KARKARALINSK = "karkaralinskiy"  # another district of Karaganda region
UNKNOWN = "atlantis"  # a district code that is not in our table
NO_UNIT = None
EVERYWHERE = {"astana", "karaganda", "karkaralinsk", "unknown", "unplaced"}

# name: (own district, crew unit's district or NO_UNIT, the region of its wanted entries, the reports it reads)
CASES: dict[str, tuple[str, str | None, str | None, set[str]]] = {
    "own_district": ("astana", NO_UNIT, "astana", {"astana", "unplaced"}),
    "own_district_over_unit": (KARAGANDA, "astana", "karaganda", {"karaganda", "karkaralinsk", "unplaced"}),
    "no_district_by_unit": ("", KARKARALINSK, "karaganda", {"karaganda", "karkaralinsk", "unplaced"}),
    "national": ("", NO_UNIT, None, EVERYWHERE),
    "unit_without_district": ("", "", None, EVERYWHERE),
    # a district that is not ours fails closed: that district alone, the national wanted entries only
    "unknown_district": (UNKNOWN, NO_UNIT, None, {"unknown", "unplaced"}),
    "unknown_district_over_unit": (UNKNOWN, "astana", None, {"unknown", "unplaced"}),
    "unknown_unit_district": ("", UNKNOWN, None, {"unknown", "unplaced"}),
}


async def _probes(ctx: Context) -> dict[str, Report]:
    return {"astana": await triage_report(ctx, department="patrol_police", district="astana"),
            "karaganda": await triage_report(ctx, department="patrol_police", district=KARAGANDA),
            "karkaralinsk": await triage_report(ctx, department="patrol_police", district=KARKARALINSK),
            "unknown": await triage_report(ctx, department="patrol_police", district=UNKNOWN),
            "unplaced": await triage_report(ctx, department="patrol_police")}


async def _supervisor(ctx: Context, district: str, unit_district: str | None) -> Officer:
    unit = await make_unit(ctx, district=unit_district) if unit_district is not None else None
    officer, _ = await make_officer(ctx, role="supervisor", district=district, unit=unit)
    return officer


async def _console_reads(http: httpx.AsyncClient, officer: Officer, probes: dict[str, Report]) -> set[str]:
    """The dispatch console's answer: the probe reports the signed-in officer may open."""
    headers = bearer(await login(http, officer.badge_number, DEFAULT_PASSWORD))
    codes = {name: (await http.get(f"/api/v1/dispatch/reports/{report.id}", headers=headers)).status_code
             for name, report in probes.items()}
    assert set(codes.values()) <= {200, 404}, codes
    return {name for name, code in codes.items() if code == 200}


async def _hears(ctx: Context, officer: Officer, probes: dict[str, Report]) -> set[str]:
    """The escalation audience's answer: the probe reports whose escalation would reach the officer."""
    async with ctx.sessions() as session:
        return {name for name, report in probes.items()
                if await session.scalar(select(col(Officer.id)).where(escalation_audience(report),
                                                                      col(Officer.id) == officer.id))}


async def _wanted_region(ctx: Context, officer: Officer, unit_id: uuid.UUID | None = None) -> str | None:
    """The tablet's answer: the region of the wanted entries its sync view gets (its crew unit by default)."""
    async with ctx.sessions() as session:
        crew = unit_id if unit_id is not None else await unit_of(session, officer.id)
        return (await viewer_for(session, officer.id, crew)).region


@pytest.mark.parametrize("case", list(CASES))
async def test_the_console_the_tablet_and_the_escalations_scope_an_officer_alike(
        ctx: Context, app_client: httpx.AsyncClient, case: str) -> None:
    district, unit_district, region, reads = CASES[case]
    probes = await _probes(ctx)
    officer = await _supervisor(ctx, district, unit_district)
    answers = {"console": await _console_reads(app_client, officer, probes),
               "escalations": await _hears(ctx, officer, probes)}
    assert answers == {"console": reads, "escalations": reads}
    assert await _wanted_region(ctx, officer) == region


@pytest.mark.parametrize("case", list(CASES))
async def test_the_rule_in_python_and_in_sql_gives_the_table(ctx: Context, case: str) -> None:
    """The rule itself: for a loaded principal (Python) and on Officer (the SQL the audience filters with)."""
    from backend.officers.jurisdiction import Jurisdiction, jurisdiction_of, scoping_district

    district, unit_district, region, reads = CASES[case]
    probes = await _probes(ctx)
    officer = await _supervisor(ctx, district, unit_district)
    expected = Jurisdiction(scoping_district(district, unit_district))
    assert expected.region == region
    assert {name for name, report in probes.items() if expected.reads(report.district)} == reads
    async with ctx.sessions() as session:
        assert await jurisdiction_of(session, officer.id) == expected


async def test_an_unknown_district_does_not_fall_through_to_the_units_region_on_the_tablet(ctx: Context) -> None:
    """The console shows this officer the unknown district alone; the tablet used to hand them Astana's wanted
    entries as if they had no district."""
    officer = await _supervisor(ctx, UNKNOWN, "astana")
    assert await _wanted_region(ctx, officer) is None


async def test_the_tablets_region_is_the_crew_units_not_a_unit_it_is_handed(ctx: Context) -> None:
    """Custody checks call the sync view with a report's former unit; the officer's region stays their crew's."""
    officer = await _supervisor(ctx, "", KARAGANDA)
    elsewhere = await make_unit(ctx, district="astana")
    assert await _wanted_region(ctx, officer, elsewhere.id) == "karaganda"


async def test_an_officer_is_a_member_of_one_unit_at_most(ctx: Context) -> None:
    """The rule reads "their unit" from crew membership, keyed by the officer: a second unit cannot be added beside
    the first (the SQL rule's scalar subquery never sees two rows), and moving replaces it."""
    from sqlalchemy.exc import IntegrityError

    officer = await _supervisor(ctx, "", KARAGANDA)
    other = await make_unit(ctx, district="astana")
    async with ctx.sessions() as session:
        session.add(UnitMember(officer_id=officer.id, unit_id=other.id))
        with pytest.raises(IntegrityError):
            await session.flush()
