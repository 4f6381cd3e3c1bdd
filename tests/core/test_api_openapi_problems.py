"""The published description documents the errors as they are sent (api-conventions.md: "413 too large"): a
partner's client generated from it handles an oversized body as the problem+json it gets."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_operations_taking_a_body_document_413_as_a_problem(app_client: httpx.AsyncClient) -> None:
    doc = (await app_client.get("/schema/openapi.json")).json()
    taking = {(method, path): op for path, ops in doc["paths"].items() for method, op in ops.items()
              if method in ("post", "put", "patch")}
    assert ("post", "/api/v1/reports") in taking and ("put", "/api/v1/sync/evidence/{sha256}") in taking
    undocumented = [f"{method.upper()} {path}" for (method, path), op in taking.items()
                    if list(op["responses"].get("413", {}).get("content", {})) != ["application/problem+json"]]
    assert not undocumented
    # a read has no body to be too large
    assert "413" not in doc["paths"]["/api/v1/reports"]["get"]["responses"]


async def test_an_oversized_body_is_the_documented_problem(app_client: httpx.AsyncClient) -> None:
    response = await app_client.post("/api/v1/officer/auth/login", content=b" " * (1024 * 1024 + 1),
                                     headers={"Content-Type": "application/json", "Accept-Language": "kk"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "request.too_large" and response.headers["content-language"] == "kk"
