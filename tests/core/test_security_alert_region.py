"""An area alert goes out over the sending duty officer's own region (the whole country, for a national one).

Before: a dispatcher of Astana sent a "missing child" alert over central Almaty (201, pushed to every officer tablet
there and to every citizen subscribed to Almaty's districts), a region whose reports they may not even read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from tests.officers.factories import bearer, keyed, login, make_officer

pytestmark = pytest.mark.anyio

ASTANA = (51.1605, 71.4704)
ALMATY = (43.2380, 76.9450)


def _alert(centre: tuple[float, float]) -> dict[str, Any]:
    return {"category": "missing_child", "centre": {"lat": centre[0], "lon": centre[1]}, "radius_m": 2000,
            "texts": {"kk": "Бала жоғалды: 7 жаста", "ru": "Пропал мальчик 7 лет"},
            "expires_at": (utcnow() + timedelta(hours=6)).isoformat()}


@pytest.mark.parametrize(("district", "centre", "sent"), [
    ("astana", ALMATY, False),  # another region: refused
    ("astana", ASTANA, True),  # their own (its spill over the border reaches only their region's topics)
    ("", ALMATY, True),  # a national duty officer alerts anywhere
])
async def test_a_duty_officer_alerts_only_their_own_region(ctx: Context, app_client: httpx.AsyncClient,
                                                           district: str, centre: tuple[float, float],
                                                           sent: bool) -> None:
    duty, password = await make_officer(ctx, role="dispatcher", district=district)
    headers = keyed(bearer(await login(app_client, duty.badge_number, password)))

    response = await app_client.post("/api/v1/alerts", json=_alert(centre), headers=headers)

    if sent:
        assert response.status_code == 201, response.text
        # central Astana's 2 km touch Akmola region's tselinogradskiy in the 2017 layer: not an Astana officer's topic
        assert district != "astana" or response.json()["districts"] == ["astana"]
    else:
        assert response.status_code == 422, response.text
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("/centre", "out_of_range")]
