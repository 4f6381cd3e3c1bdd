"""A regional duty officer's area alert may not reach another region by adding a sliver of their own to it.

Before: an Astana dispatcher's MultiPolygon of a 200 m square in Astana and central Almaty was accepted (201) and
pushed to the topics of Almaty's districts: "touches one district of the region" was the whole check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from tests.officers.factories import bearer, keyed, login, make_officer

pytestmark = pytest.mark.anyio


def _square(lat: float, lon: float, half: float) -> list[list[float]]:
    return [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]


async def test_a_sliver_at_home_does_not_carry_an_alert_to_another_region(
    ctx: Context, app_client: httpx.AsyncClient
) -> None:
    duty, password = await make_officer(ctx, role="dispatcher", district="astana")
    headers = keyed(bearer(await login(app_client, duty.badge_number, password)))
    area: dict[str, Any] = {
        "type": "MultiPolygon",
        "coordinates": [[_square(51.1605, 71.4704, 0.002)], [_square(43.2380, 76.9450, 0.05)]],
    }
    body = {
        "category": "missing_child",
        "polygon": area,
        "texts": {"kk": "Бала жоғалды: 7 жаста", "ru": "Пропал мальчик 7 лет"},
        "expires_at": (utcnow() + timedelta(hours=6)).isoformat(),
    }

    response = await app_client.post("/api/v1/alerts", json=body, headers=headers)

    assert response.status_code == 422, response.text
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("/polygon", "out_of_range")]
