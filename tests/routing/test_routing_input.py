"""Zero-width spaces or stress marks inside the words of an urgent report (Telegram, web pages and dictionaries put
them there) hid it from the urgency lexicon and the classifier at intake, in the routing job and in the preview: the
report was neither urgent nor routed. They read the text in one normal form (ml.text.normalize_input)."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.helpers import PartnerClient
from tests.routing.helpers import submit_and_route

pytestmark = pytest.mark.anyio
TYPED = [
    # "Пожар в доме, горит квартира" with a zero-width space in every word: went to triage, not urgent
    pytest.param("Пож\u200bар в до\u200bме, го\u200bрит кв\u200bартира", "emergency", id="zero-width-spaces"),
    # "Муж бьёт меня сейчас, убьёт" with stress marks: domestic violence, but not urgent
    pytest.param("Му\u0301ж бьёт меня\u0301 сейча\u0301с, убьёт", "domestic_violence", id="stress-marks"),
]


@pytest.mark.parametrize(("text", "category"), TYPED)
async def test_an_urgent_report_typed_with_invisible_characters_is_urgent_and_routed(
        ctx: Context, citizen: PartnerClient, text: str, category: str) -> None:
    report = await submit_and_route(ctx, citizen, text)
    assert report.text == text  # kept as the citizen wrote it: only what reads it sees the normal form
    assert (report.urgent, report.priority, report.category) == (True, "urgent", category)


@pytest.mark.parametrize(("text", "category"), TYPED)
async def test_the_preview_reads_through_invisible_characters(ctx: Context, citizen: PartnerClient, text: str,
                                                             category: str) -> None:
    response = await citizen.post("/api/v1/routing/preview", {"text": text, "lat": 51.13, "lon": 71.43})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["urgent"], body["priority"]) == (True, "urgent")
    # a restricted category (domestic violence) is not named in a preview; the others are
    assert body["category"] == (None if body["restricted"] else category)
    assert body["advise"], "no emergency number to call"
