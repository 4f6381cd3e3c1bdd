"""The published API description: every capability's routes, security schemes and typed bodies."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_openapi_document_describes_every_capability(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/schema/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    paths = doc["paths"]
    for path in ("/api/v1/reports", "/api/v1/reports/{report_id}", "/api/v1/reports/{report_id}/withdraw",
                 "/api/v1/media", "/api/v1/routing/preview", "/api/v1/devices", "/api/v1/alerts",
                 "/api/v1/dispatch/reports/{report_id}/reclassify", "/api/v1/sync/pull", "/health"):
        assert path in paths, path
    create = paths["/api/v1/reports"]["post"]
    # explicit markers: the body is a typed schema and the path parameter a uuid, not inferred strings
    assert create["requestBody"]["content"]["application/json"]["schema"]
    withdraw = paths["/api/v1/reports/{report_id}/withdraw"]["post"]
    report_id = next(p for p in withdraw["parameters"] if p["name"] == "report_id")
    assert report_id["in"] == "path" and report_id["schema"]["format"] == "uuid"
    assert {"partnerSignature", "officerBearer"} <= set(doc["components"]["securitySchemes"])
