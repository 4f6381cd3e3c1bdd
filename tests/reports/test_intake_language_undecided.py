"""A short report whose words do not tell its language (an abbreviation, a word the same in Russian and Kazakh, a
brand, a single word) takes the language the citizen's app asked for, as one without letters already did: detection's
fallback made "ДТП" from a Kazakh app a Russian report, answered and notified in Russian. A sentence that is clearly
Russian stays Russian from any app."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.reports.models import Report
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("text", ["ДТП", "Полиция", "Помогите", "Kaspi 777"])
@pytest.mark.parametrize("asked", ["kk", "en"])
async def test_a_short_text_that_tells_no_language_is_in_the_apps(ctx: Context, citizen: PartnerClient, text: str,
                                                                  asked: str) -> None:
    citizen.lang = asked
    registered = await citizen.submit(text)
    assert registered.status_code == 201, registered.text
    assert registered.json()["language"] == asked
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(registered.json()["id"]))
        assert report is not None and report.language == asked


@pytest.mark.parametrize("asked", ["kk", "en"])
async def test_a_clear_sentence_keeps_its_own_language(citizen: PartnerClient, asked: str) -> None:
    citizen.lang = asked
    assert (await citizen.submit("Помогите, сосед шумит каждую ночь")).json()["language"] == "ru"
    assert (await citizen.submit("Украли телефон")).json()["language"] == "ru"  # two words, clearly Russian
    assert (await citizen.submit("Полиция келмеди, көмектесіңіздер")).json()["language"] == "kk"
    # the body's own language still wins over the app's
    assert (await citizen.submit("ДТП", language="ru")).json()["language"] == "ru"
