"""A desk officer listed in a crew does not move the crew's car.

`POST /api/v1/officer/location` is open to every officer (a supervisor's phone reports where it is, for the area
alerts it is shown). A heartbeat also moves the officer's unit's last position, which the console shows and `auto`
assignment ranks units by. A dispatcher still listed in the crew they were promoted from, or a supervisor scoped by
the unit they head, drives no car (field.record_location, set_unit_status, start_shift): their phone at
the station must not put the patrol car there, or `auto` sends an urgent report to the nearest car that is not.
"""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from backend.officers.models import Unit
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio

CAR = (51.1605, 71.4704)  # where the crew's tablet last put the car (Astana)
STATION = (51.1280, 71.4300)  # the desk officer's phone, at the station across the city


@pytest.mark.parametrize(("role", "car_at"), [
    ("dispatcher", CAR), ("supervisor", CAR), ("admin", CAR), ("prosecutor", CAR),
    ("patrol_officer", STATION), ("district_inspector", STATION),  # a crew's heartbeat still moves its car
])
async def test_only_a_crews_heartbeat_moves_its_car(app_client: httpx.AsyncClient, ctx: Context, role: str,
                                                   car_at: tuple[float, float]) -> None:
    unit = await make_unit(ctx, lat=CAR[0], lon=CAR[1])
    officer, password = await make_officer(ctx, role=role, unit=unit)
    headers = bearer(await login(app_client, officer.badge_number, password))
    ping = await app_client.post("/api/v1/officer/location", headers=headers,
                                 json={"lat": STATION[0], "lon": STATION[1], "accuracy_m": 10})
    assert ping.status_code == 202, ping.text
    async with ctx.sessions() as session:
        car = await session.get(Unit, unit.id)
        assert car is not None
    assert (car.last_lat, car.last_lon) == car_at
