"""A classifier that crashes while routing is a failure, not an abstention: the report goes to a human, the routing
job retries, and the decision record says what broke. It used to be stored as a finished "abstained" model decision:
routing done, never retried, no duplicate search, the error nowhere."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.routing.models import RoutingDecision
from tests.helpers import PartnerClient, eventually
from tests.routing.helpers import routed

pytestmark = pytest.mark.anyio


def broken_model(tmp_path: Path) -> Path:
    """A real model directory that loads (shapes per label and word are right) but whose weights do not fit its
    features: every prediction raises, as a model damaged after deployment would."""
    from ml.classifier import DEFAULT_MODEL_DIR

    broken = tmp_path / "broken-model"
    shutil.copytree(DEFAULT_MODEL_DIR, broken)
    with np.load(broken / "weights.npz", allow_pickle=False) as w:
        arrays = {name: w[name] for name in w.files}
    arrays["coef"] = arrays["coef"][:, :-1]
    np.savez_compressed(broken / "weights.npz", **arrays)  # type: ignore[arg-type]
    return broken


async def test_a_classifier_crash_sends_the_report_to_triage_and_retries(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    ctx.settings = ctx.settings.with_(router_model_dir=str(broken_model(tmp_path)))
    ctx.extras.pop("router", None)
    response = await citizen.submit("Украли велосипед из подъезда на Абая 10")
    assert response.status_code == 201, response.text
    report_id = uuid.UUID(response.json()["id"])
    report = await routed(ctx, report_id, ("done", "failed"))
    assert report.routing_state == "failed"
    assert report.status == "triage"
    async with ctx.sessions() as session:
        decisions = list(await session.scalars(
            select(RoutingDecision).where(RoutingDecision.report_id == report_id)))  # type: ignore[arg-type]
    assert [(d.source, d.abstained) for d in decisions] == [("fallback", True)]
    assert decisions[0].inputs["error"] == "ValueError"

    async def scheduled_for_retry() -> bool:
        async with ctx.sessions() as session:
            job = await session.scalar(select(OutboxTask).where(OutboxTask.dedupe_key == f"route:{report_id}"))
        return job is not None and job.status == "pending" and "ValueError" in (job.last_error or "")

    await eventually(scheduled_for_retry, timeout=20)


async def test_intake_still_admits_an_anonymous_report_when_the_classifier_crashes(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    ctx.settings = ctx.settings.with_(router_model_dir=str(broken_model(tmp_path)))
    ctx.extras.pop("router", None)
    response = await citizen.submit("Украли велосипед из подъезда на Абая 10", anonymous=True)
    assert response.status_code == 201, response.text


async def test_the_preview_answers_without_a_model_when_the_classifier_crashes(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    """The citizen's form keeps its suggestions (urgency, numbers to call) when the classifier crashes: the preview
    answers as with no model loaded instead of a 500."""
    ctx.settings = ctx.settings.with_(router_model_dir=str(broken_model(tmp_path)))
    ctx.extras.pop("router", None)
    response = await citizen.post("/api/v1/routing/preview", {"text": "Горит квартира, дым из окна"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["category"], body["model_version"], body["urgent"]) == (None, None, True)


async def test_the_preview_without_a_model_ranks_the_pick_as_registration_will(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    """Without a working classifier the preview still ranks the citizen's own pick as registration does (its rule,
    else its default: a road accident is "high"), in the district the location is in; not "normal" for any pick."""
    from backend.routing.service import assess_intake
    from ml.taxonomy import load_taxonomy

    ctx.settings = ctx.settings.with_(router_model_dir=str(broken_model(tmp_path)))
    ctx.extras.pop("router", None)
    text = "Вчера вечером на парковке у ТЦ кто-то поцарапал мне машину и уехал"
    response = await citizen.post("/api/v1/routing/preview",
                                  {"text": text, "category": "road_accident", "lat": 51.16, "lon": 71.47})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["model_version"], body["urgent"], body["district"]) == (None, False, "astana")
    assert body["priority"] == load_taxonomy().category("road_accident").default_priority == "high"
    assert body["priority"] == assess_intake(ctx, text, 51.16, 71.47, "road_accident", None).priority
