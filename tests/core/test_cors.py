"""CORS is off unless origins are configured (partner apps call server-to-server); a configured web origin gets it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.app import create_app
from backend.context import build_context
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio
PREFLIGHT = {"Origin": "https://chat.zan.kz", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


@pytest.mark.parametrize("origins", [(), ("https://chat.zan.kz",)])
async def test_cors_only_for_configured_origins(sqlite_url: str, tmp_path: Path, origins: tuple[str, ...]) -> None:
    ctx = build_context(make_settings(sqlite_url, tmp_path, cors_origins=origins), null_pool=True)
    app = create_app(ctx=ctx)
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as client:
            preflight = await client.options("/api/v1/routing/preview", headers=PREFLIGHT)
            simple = await client.get("/health", headers={"Origin": "https://evil.example"})
    finally:
        await ctx.close()
    allowed = preflight.headers.get("access-control-allow-origin")
    assert allowed == ("https://chat.zan.kz" if origins else None)
    assert "access-control-allow-origin" not in simple.headers  # an origin nobody configured never gets it
