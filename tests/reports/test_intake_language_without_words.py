"""A report whose text has no letter to tell its language by (emoji, digits, punctuation: what a citizen types under a
photo) is the language the citizen's app asked for (law on appeals: answers in the state language or the appeal's).
Before, detection's fallback made every such report Russian, and its answers and notices came in Russian to a citizen
writing from a Kazakh or English app."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.reports.models import Report
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("text", ["🔥🔥🚗💥", "112!!!", "👮‍♂️ → 🏠 ?"])
@pytest.mark.parametrize("asked", ["kk", "en"])
async def test_a_text_without_words_is_in_the_apps_language(ctx: Context, citizen: PartnerClient, text: str,
                                                            asked: str) -> None:
    citizen.lang = asked
    registered = await citizen.submit(text)
    assert registered.status_code == 201, registered.text
    body = registered.json()
    assert body["language"] == asked
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(body["id"]))
        assert report is not None and report.language == asked  # what every later answer and notice is told in

    # an app asking for no language of ours leaves such a report as before (Russian: detection's fallback), and the
    # language the body names, or one its words tell, still wins over the app's
    citizen.lang = "de"
    assert (await citizen.submit(text)).json()["language"] == "ru"
    citizen.lang = asked
    assert (await citizen.submit(text, language="ru")).json()["language"] == "ru"
    assert (await citizen.submit("Украли велосипед из подъезда 🚲")).json()["language"] == "ru"
