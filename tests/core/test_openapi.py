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
    declare = paths["/api/v1/media"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in declare["parameters"])


async def test_errors_are_documented_as_the_problem_json_they_are(app_client: httpx.AsyncClient) -> None:
    """Partner developers generate clients from this document: an error shape other than the one sent would break
    them, and an answer documented as `{}` gives them nothing to generate."""
    doc = (await app_client.get("/schema/openapi.json")).json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if status.startswith(("4", "5")):
                    assert list(answer["content"]) == ["application/problem+json"], (method, path, status)
    assert {"type", "title", "status", "detail", "code"} <= set(doc["components"]["schemas"]["Problem"]["required"])
    for path, schema in (("/api/v1/reports", "ReportOut"), ("/api/v1/reports/{report_id}/comments", "CommentOut"),
                         ("/api/v1/alerts", "AlertOut"), ("/api/v1/media", "MediaCreated")):
        created = doc["paths"][path]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
        assert created == {"$ref": f"#/components/schemas/{schema}"}, path
    # and what is documented is what comes back
    problem = (await app_client.post("/api/v1/officer/auth/login", json={"badge_number": ""})).json()
    assert set(doc["components"]["schemas"]["Problem"]["required"]) <= set(problem)


async def test_every_json_answer_is_a_named_schema(app_client: httpx.AsyncClient) -> None:
    """A success answer documented as a bare object gives a generated client nothing to work with. Only /health
    is free-form: its checks are whatever the deployment runs."""
    doc = (await app_client.get("/schema/openapi.json")).json()
    untyped = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if not status.startswith("2") or schema is None or path == "/health":
                    continue
                named = [option.get("items", option) for option in schema.get("oneOf", [schema])]
                if not all("$ref" in s or s.get("type") == "null" for s in named):
                    untyped.append((method, path, status))
    assert untyped == [], untyped
