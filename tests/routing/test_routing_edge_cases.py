"""Routing edge cases found in an audit (2026-12-04): each test failed on the code before its fix."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backend.context import Context
from backend.routing.duplicates import find_cluster
from backend.routing.models import ReportEmbedding
from tests.core.factories import make_report
from tests.helpers import PartnerClient
from tests.routing.helpers import routed

pytestmark = pytest.mark.anyio


def _vec() -> np.ndarray:
    v = np.ones(16, dtype=np.float32)
    return v / np.linalg.norm(v)


async def test_duplicate_search_never_joins_a_restricted_report(ctx: Context) -> None:
    """A report made restricted by the citizen's own hint ("domestic violence") while the model said "violence"
    keeps category violence; a neighbour's violence report must not join its incident (me-too count, unit)."""
    vec = _vec()
    async with ctx.sessions() as session:
        secret = await make_report(session, text="Сосед бьёт жену", category="violence", restricted=True,
                                   category_hint="domestic_violence", lat=51.16, lon=71.47)
        session.add(ReportEmbedding(report_id=secret.id, embedder="t", vector=vec.tobytes()))
        newcomer = await make_report(session, text="Сосед бьёт жену, крики", category="violence",
                                     lat=51.1601, lon=71.4701)
        await session.flush()
        match = await find_cluster(session, newcomer, vec)
        await session.rollback()
    assert match is None, "a restricted report was offered as a duplicate cluster"


async def test_a_model_for_another_taxonomy_is_retried_not_marked_done(ctx: Context, citizen: PartnerClient,
                                                                     tmp_path: Path) -> None:
    """A deployed model whose labels are not the taxonomy's (an eval model, say) must not route reports, and the
    report must go to triage with its routing job retried. It used to be cached as "no router" for the life of the
    process, and every report marked routed ("done") as if routing were switched off: never retried."""
    from ml.classifier import DEFAULT_MODEL_DIR

    foreign = tmp_path / "kursk-model"
    shutil.copytree(DEFAULT_MODEL_DIR, foreign)
    meta = json.loads((foreign / "meta.json").read_text())
    meta["labels"] = [f"topic-{n}" for n in range(len(meta["labels"]))]
    (foreign / "meta.json").write_text(json.dumps(meta))
    ctx.settings = ctx.settings.with_(router_model_dir=str(foreign))
    ctx.extras.pop("router", None)
    response = await citizen.submit("Украли велосипед из подъезда")
    assert response.status_code == 201, response.text
    report = await routed(ctx, uuid.UUID(response.json()["id"]), ("done", "failed"))
    assert report.status == "triage"
    assert report.routing_state == "failed", "a routing failure recorded as finished: the job is never retried"


async def test_urgent_report_is_not_auto_redirected_and_closed(ctx: Context, citizen: PartnerClient) -> None:
    """A confident not_police report that is also urgent (someone injured, bleeding) is closed by the automatic
    redirect to the akimat: _next_step ignores decision.urgent, and the urgent offer is skipped because it is
    closed. Danger to life must reach a human."""
    response = await citizen.submit("Не работает уличное освещение, яма на дороге, человек упал в яму, кровь идет")
    assert response.status_code == 201, response.text
    report = await routed(ctx, uuid.UUID(response.json()["id"]))
    assert report.urgent is True
    assert report.status != "closed", (report.status, report.resolution, report.category)


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_merging_a_restricted_report_says_why_in_the_readers_language(
        ctx: Context, app_client: Any, citizen: PartnerClient, lang: str) -> None:
    """corrections.merge refuses a restricted report with the field reason `restricted`: its detail is that
    reason's own text, not the generic "invalid value" a reason missing from FIELD_ERRORS falls back to."""
    from backend.lib.messages import FIELD_ERRORS
    from tests.officers.factories import bearer, login, make_officer

    plain = await citizen.submit("Украли велосипед из подъезда")
    secret = await citizen.submit("Сосед бьёт жену", category="domestic_violence")  # restricted from intake
    assert plain.status_code == secret.status_code == 201
    supervisor, password = await make_officer(ctx, role="supervisor")  # may read restricted reports
    headers = {**bearer(await login(app_client, supervisor.badge_number, password)), "Accept-Language": lang}
    refused = await app_client.post("/api/v1/dispatch/incidents/merge", headers=headers,
                                    json={"report_ids": [plain.json()["id"], secret.json()["id"]]})
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["errors"]
    assert problem["pointer"] == "/report_ids/1" and problem["code"] == "restricted"
    assert problem["detail"] == FIELD_ERRORS["restricted"][lang] != FIELD_ERRORS["invalid"][lang]


async def test_a_report_routed_late_does_not_join_one_made_long_after_it(ctx: Context) -> None:
    """The duplicate window looked back only: a report whose routing came late (a day's outage of the model) matched
    an open report made a day after it, as if the two were the same event; the window runs both ways."""
    vec = _vec()
    async with ctx.sessions() as session:
        later = await make_report(session, text="Драка во дворе", category="public_order", lat=51.16, lon=71.47)
        session.add(ReportEmbedding(report_id=later.id, embedder="t", vector=vec.tobytes()))
        late = await make_report(session, text="Драка во дворе, крики", category="public_order", lat=51.1601,
                                 lon=71.4701, created_at=later.created_at - timedelta(days=1))
        await session.flush()
        assert await find_cluster(session, late, vec) is None
        late.created_at = later.created_at - timedelta(hours=1)  # within the rule's 6 hours: the same event
        await session.flush()
        match = await find_cluster(session, late, vec)
        await session.rollback()
    assert match is not None and match[0].id == later.id
