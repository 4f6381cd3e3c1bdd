"""Routing preview for partner apps (suggest a category while the citizen types)."""

from __future__ import annotations

import asyncio

from litestar import Controller, post

from backend.context import Context
from backend.lib.i18n import Lang
from backend.partners.auth import CitizenPrincipal, partner_guard
from backend.routing.schemas import Alternative, PreviewIn, PreviewOut
from backend.routing.service import router
from ml.taxonomy import load_taxonomy


class RoutingController(Controller):
    path = "/api/v1/routing"
    tags = ["routing"]

    @post("/preview", status_code=200, guards=[partner_guard], summary="Suggest category, department and urgency")
    async def preview(self, ctx: Context, principal: CitizenPrincipal, lang: Lang, data: PreviewIn) -> PreviewOut:
        del principal  # authenticated, but a preview touches no citizen data
        lat, lon = (data.lat, data.lon) if data.lat is not None and data.lon is not None else (None, None)
        model = router(ctx)
        if model is None:
            from ml.lang import detect_language
            from ml.urgency import detect_urgency

            language = detect_language(data.text)
            urgency = detect_urgency(data.text, language)
            return PreviewOut(category=None, category_name=None, confidence=None, department=None,
                              priority="urgent" if urgency.urgent else "normal", urgent=urgency.urgent,
                              advise=list(urgency.advise), language=language, district=None, alternatives=[],
                              model_version=None)
        decision = await asyncio.to_thread(model.route, data.text, lat, lon, None, None)
        taxonomy = load_taxonomy()
        name = taxonomy.category(decision.category).names.get(lang) if decision.category else None
        return PreviewOut(
            category=decision.category, category_name=name, confidence=decision.confidence,
            department=decision.department, priority=decision.priority, urgent=decision.urgent,
            advise=list(decision.advise), language=decision.language, district=decision.district,
            alternatives=[Alternative(category=c, confidence=round(p, 4)) for c, p in decision.alternatives[:3]],
            model_version=decision.model_version,
        )
