"""An instant the service cannot compute with (its UTC time before year 2 or past 9998: "0001-01-01T00:00:00+05:00"
is 31 December of year 0 in UTC, which Python's datetime cannot hold) is 422 `out_of_range` at its pointer, on every
operation alike, not a 500 from wherever the service first converts or adds to it (an extension's new term, a
tablet's location time)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio

BEFORE_YEAR_ONE_IN_UTC = "0001-01-01T00:00:00+05:00"
PAST_YEAR_9999_IN_UTC = "9999-12-31T23:59:59-05:00"


def _out_of_range_at(response: httpx.Response, pointer: str) -> None:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation.failed"
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [(pointer, "out_of_range")]
    assert problem["errors"][0]["detail"] == "Мән рұқсат етілген ауқымнан тыс"


@pytest.mark.parametrize("instant", [BEFORE_YEAR_ONE_IN_UTC, PAST_YEAR_9999_IN_UTC])
async def test_an_extension_to_an_impossible_instant_is_out_of_range(ctx: Context, citizen: PartnerClient,
                                                                     app_client: httpx.AsyncClient,
                                                                     instant: str) -> None:
    created = await citizen.submit()
    assert created.status_code == 201, created.text
    admin, password = await make_officer(ctx, role="admin")
    headers = {**bearer(await login(app_client, admin.badge_number, password)), "Accept-Language": "kk",
               "Idempotency-Key": str(uuid.uuid4())}
    answer = await app_client.post(f"/api/v1/dispatch/reports/{created.json()['id']}/extend",
                                   json={"deadline_at": instant, "reason": "Нужна экспертиза"}, headers=headers)
    _out_of_range_at(answer, "/deadline_at")
    after = await citizen.get(f"/api/v1/reports/{created.json()['id']}")
    assert after.json()["deadline_at"] == created.json()["deadline_at"]  # the term is as it was


async def test_a_location_at_an_impossible_instant_is_out_of_range(ctx: Context, app_client: httpx.AsyncClient) -> None:
    officer, password = await make_officer(ctx, role="patrol_officer")
    headers = {**bearer(await login(app_client, officer.badge_number, password)), "Accept-Language": "kk"}
    answer = await app_client.post("/api/v1/officer/location",
                                   json={"lat": 51.1, "lon": 71.4, "at": BEFORE_YEAR_ONE_IN_UTC}, headers=headers)
    _out_of_range_at(answer, "/at")
    fine = await app_client.post("/api/v1/officer/location", json={"lat": 51.1, "lon": 71.4}, headers=headers)
    assert fine.status_code == 202, fine.text
