"""The routing preview partner apps call while the citizen types names restricted categories (domestic violence,
children, complaints about officers) as neutrally as a report's routing does: the person the report is about may
see the screen (backend/reports/views.py routing_view)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.routing.service import router
from ml.taxonomy import load_taxonomy
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio
PREVIEW = "/api/v1/routing/preview"
# texts the bundled model routes to a restricted category (and its department)
DOMESTIC = "Муж избивает меня дома, угрожает убить"  # domestic_violence, with police_complaint as a runner-up
COMPLAINT = "Сотрудник полиции требовал взятку"  # police_complaint → internal_security
NEUTRAL = {"ru": "Обращение", "kk": "Өтініш", "en": "Report"}


def restricted_words() -> list[str]:
    """Every code and name a restricted preview must not show: the categories' and their departments'."""
    taxonomy = load_taxonomy()
    words: list[str] = []
    for code in taxonomy.restricted_codes():
        category = taxonomy.category(code)
        department = taxonomy.department(category.department)
        words += [code, department.code]
        for names in (category.names, department.names):
            words += [names.kk, names.ru, names.en]
    return words


def assert_tells_nothing(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    leaked = [word for word in restricted_words() if word in response.text]
    assert not leaked, (leaked, response.text)
    body: dict[str, Any] = response.json()
    assert body["restricted"] is True
    assert body["category"] is None and body["department"] is None and body["confidence"] is None
    return body


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_restricted_preview_names_neither_its_category_nor_its_department(ctx: Context, citizen: PartnerClient,
                                                                                 lang: str) -> None:
    citizen.lang = lang
    for text in (DOMESTIC, COMPLAINT):
        body = assert_tells_nothing(await citizen.post(PREVIEW, {"text": text, "lat": 51.13, "lon": 71.43}))
        assert body["category_name"] == NEUTRAL[lang]
        # what keeps the citizen safe stays: urgency, priority, the numbers to call; and the runner-ups that are
        # not restricted themselves
        decision = router(ctx).route(text, 51.13, 71.43)
        assert decision.restricted
        assert (body["urgent"], body["priority"], body["advise"]) == (decision.urgent, decision.priority,
                                                                       decision.advise)
        assert body["district"] == "astana" and body["language"] == decision.language and body["model_version"]
    assert body["alternatives"], "the non-restricted runner-ups are still offered"


async def test_a_restricted_category_is_never_offered_as_a_runner_up(ctx: Context, citizen: PartnerClient) -> None:
    text = "Пьяный сосед ломится в дверь, угрожает"
    decision = router(ctx).route(text)
    assert not decision.restricted and "domestic_violence" in dict(decision.alternatives)  # the model's runner-up
    response = await citizen.post(PREVIEW, {"text": text})
    assert response.status_code == 200, response.text
    body = response.json()
    offered = [a["category"] for a in body["alternatives"]]
    assert offered and not set(offered) & load_taxonomy().restricted_codes(), offered
    assert body["restricted"] is False and body["category"] == decision.category
    assert body["department"] == decision.department and body["category_name"]


async def test_a_restricted_pick_makes_the_preview_restricted_as_it_makes_the_report(
        ctx: Context, citizen: PartnerClient) -> None:
    """ReportCreate takes the citizen's own category: a restricted one makes the report restricted whatever the
    model says (ml/router.py). The preview takes it the same way, and refuses an unknown one the same way."""
    text = "Во дворе шумят подростки, мешают спать"  # public_order to the model
    assert_tells_nothing(await citizen.post(PREVIEW, {"text": text, "category": "domestic_violence"}))
    plain = await citizen.post(PREVIEW, {"text": text})
    assert plain.json()["restricted"] is False and plain.json()["category"] == "public_order"
    # the report filed with that pick is restricted too, and shows as neutrally
    filed = await citizen.submit(text, category="domestic_violence")
    assert filed.status_code == 201 and filed.json()["routing"]["category_name"] == NEUTRAL["ru"]
    # a pick that is not restricted leaves the model's suggestion as it was
    picked = await citizen.post(PREVIEW, {"text": text, "category": "theft"})
    assert picked.json()["restricted"] is False and picked.json()["category"] == "public_order"
    unknown = await citizen.post(PREVIEW, {"text": text, "category": "no_such_category"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["pointer"] == "/category"


async def test_without_a_router_a_restricted_pick_still_makes_the_preview_restricted(
        ctx: Context, citizen: PartnerClient) -> None:
    ctx.extras["router"] = None  # what backend.routing.service.router keeps when not even a router can be built
    assert_tells_nothing(await citizen.post(PREVIEW, {"text": "Помогите", "category": "child_incident"}))
    plain = await citizen.post(PREVIEW, {"text": "Помогите"})
    assert plain.status_code == 200 and plain.json()["restricted"] is False and plain.json()["category_name"] is None


async def test_the_restricted_flag_is_in_the_published_schema(app_client: httpx.AsyncClient) -> None:
    schema = (await app_client.get("/schema/openapi.json")).json()["components"]["schemas"]
    preview_out = next(s for name, s in schema.items() if name.endswith("PreviewOut"))
    assert preview_out["properties"]["restricted"]["type"] == "boolean"
    assert "restricted" in preview_out["required"]
    preview_in = next(s for name, s in schema.items() if name.endswith("PreviewIn"))
    assert "category" in preview_in["properties"] and "category" not in preview_in.get("required", [])


@pytest.mark.parametrize(("point", "missing"), [({"lat": 51.13}, "/lon"), ({"lon": 71.43}, "/lat")])
async def test_half_a_point_is_named_not_ignored(citizen: PartnerClient, point: dict[str, float],
                                                 missing: str) -> None:
    """A latitude without its longitude was dropped silently: the suggestion came back without a district, as if
    the app had sent no place."""
    answer = await citizen.post(PREVIEW, {"text": "Во дворе шумят подростки", **point})
    assert answer.status_code == 422 and answer.json()["code"] == "validation.failed", answer.text
    assert [(e["pointer"], e["code"]) for e in answer.json()["errors"]] == [(missing, "required")]
