"""A dispatcher's reclassify becomes a training example: with personal data masked, and never for a restricted
report, whose text must not leave the protected record (it is copied next to every retrained model)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from backend.routing.models import LabelledExample
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio
DISPATCHER = By(Actor.DISPATCHER, "disp-1", "console")


async def test_reclassify_stores_masked_text_and_no_restricted_example(ctx: Context) -> None:
    async with ctx.sessions() as session:
        plain = await make_report(session, status=Status.TRIAGE, category="other_offence",
                                  text="Украли велосипед, звоните +7 701 123 45 67, ИИН 900101300127")
        family = await make_report(session, status=Status.TRIAGE, category="public_order",
                                   text="Муж снова бьёт меня, звоните +7 701 765 43 21")
        await corrections.lock_incidents(session, [plain.id, family.id])
        await corrections.reclassify(session, plain, "theft", "это кража", DISPATCHER)
        await corrections.reclassify(session, family, "domestic_violence", "бытовое насилие", DISPATCHER)
        await session.commit()
    async with ctx.sessions() as session:
        examples = list(await session.scalars(select(LabelledExample)))
    assert [(e.report_id, e.label) for e in examples] == [(plain.id, "theft")]
    assert "123 45 67" not in examples[0].text and "900101300127" not in examples[0].text
    assert "велосипед" in examples[0].text
