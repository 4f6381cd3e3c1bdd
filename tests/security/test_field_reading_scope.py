"""What a crew reads on the console, case by case, from the rules as written (not from the code's own clauses).

backend/dispatch/visibility.py and docs/dispatch-console.md: field officers (patrol officers, district inspectors)
read their unit's reports and their district's; a restricted report (domestic violence, a child, a complaint about
the police) only while their unit holds it and is designated for the category it is restricted under — "visible only
to the designated unit and supervisors". Anything else answers exactly as a report that does not exist (404
`report.not_found`, problem+json), on the card and on its files alike, so a crew cannot probe which restricted
reports exist in its district. The oversight record (history, proof) is never theirs (403, whatever the report).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest

from backend.context import Context
from backend.officers.models import Unit
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio

HOME, NEIGHBOUR = "astana", "almaty"  # the crew's district, and one they do not patrol
MISSING = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Case:
    name: str
    district: str
    holder: str | None  # "own" (the crew's unit), "other" (another unit of the district, designated alike), None
    restricted: str | None  # the restricted category, or None for an ordinary report
    readable: bool


# designated: the crew's unit and the other unit are both designated for domestic violence only
CASES = [
    Case("own unit's ordinary report", HOME, "own", None, True),
    Case("district's ordinary report, no unit", HOME, None, None, True),
    Case("district's ordinary report, another unit's", HOME, "other", None, True),
    Case("another district's ordinary report, no unit", NEIGHBOUR, None, None, False),
    Case("another district's ordinary report, another unit's", NEIGHBOUR, "other", None, False),
    Case("restricted, designated category, held by own unit", HOME, "own", "domestic_violence", True),
    Case("restricted, designated category, in the queue", HOME, None, "domestic_violence", False),
    Case("restricted, designated category, another unit's", HOME, "other", "domestic_violence", False),
    Case("restricted, undesignated category, held by own unit", HOME, "own", "police_complaint", False),
    Case("restricted, undesignated category, in the queue", HOME, None, "police_complaint", False),
]


async def _report(ctx: Context, case: Case, units: dict[str, Unit]) -> str:
    holder = units[case.holder] if case.holder else None
    report = await triage_report(
        ctx, district=case.district, unit_id=holder.id if holder else None,
        category=case.restricted or "theft", restricted=case.restricted is not None,
        department="district_inspector" if case.restricted else "criminal_police",
        text="Сосед избивает жену, адрес: ул. Абая 10" if case.restricted else "Украли велосипед у подъезда")
    return str(report.id)


@pytest.mark.parametrize("role", ["patrol_officer", "district_inspector"])
async def test_a_crew_reads_only_what_the_rules_give_it(app_client: httpx.AsyncClient, ctx: Context,
                                                        role: str) -> None:
    units = {"own": await make_unit(ctx, district=HOME, department="district_inspector",
                                    restricted_categories=["domestic_violence"]),
             "other": await make_unit(ctx, district=HOME, department="district_inspector",
                                      restricted_categories=["domestic_violence"])}
    crew, password = await make_officer(ctx, role=role, district=HOME, department="district_inspector",
                                        unit=units["own"])
    headers = bearer(await login(app_client, crew.badge_number, password))
    wrong = []
    for case in CASES:
        report_id = await _report(ctx, case, units)
        for suffix in ("", "/attachments"):
            answer = await app_client.get(f"/api/v1/dispatch/reports/{report_id}{suffix}", headers=headers)
            if case.readable:
                if answer.status_code != 200:
                    wrong.append((case.name, suffix, answer.status_code, answer.text[:200]))
                continue
            absent = await app_client.get(f"/api/v1/dispatch/reports/{MISSING}{suffix}", headers=headers)
            seen = (answer.status_code, answer.headers.get("content-type", "").split(";")[0],
                    answer.json().get("code"))
            if seen != (404, "application/problem+json", "report.not_found") or seen[2] != absent.json().get("code"):
                wrong.append((case.name, suffix, seen))
        # the oversight record is never a crew's, readable card or not, and the refusal names nothing of the report
        for suffix in ("/history", "/proof"):
            refused = await app_client.get(f"/api/v1/dispatch/reports/{report_id}{suffix}", headers=headers)
            absent = await app_client.get(f"/api/v1/dispatch/reports/{uuid.uuid4()}{suffix}", headers=headers)
            if {(r.status_code, r.json().get("code")) for r in (refused, absent)} != {(403, "auth.forbidden")}:
                wrong.append((case.name, suffix, refused.status_code, refused.text[:200]))
    assert wrong == []
