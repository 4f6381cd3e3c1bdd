"""A report whose words do not tell its language takes the language the citizen's app asked for (law on appeals:
answers in the state language or the appeal's): a text with no letter to tell it by (emoji, digits, punctuation: what a
citizen types under a photo), an abbreviation, a word the same in Russian and Kazakh, a brand, a single word. Before,
detection's fallback made every such report Russian ("ДТП" from a Kazakh app a Russian report), and its answers and
notices came in Russian to a citizen writing from a Kazakh or English app. A sentence that is clearly Russian stays
Russian from any app."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.reports.models import Report
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio

# (text, the language detection falls back to for it: what an app that asks for no language of ours gets)
WITHOUT_WORDS = [("🔥🔥🚗💥", "ru"), ("112!!!", "ru"), ("👮‍♂️ → 🏠 ?", "ru")]
UNDECIDED = [("ДТП", "ru"), ("Полиция", "ru"), ("Помогите", "ru"), ("Kaspi 777", "en")]


@pytest.mark.parametrize(("text", "fallback"), WITHOUT_WORDS + UNDECIDED,
                         ids=[text for text, _ in WITHOUT_WORDS + UNDECIDED])
@pytest.mark.parametrize("asked", ["kk", "en"])
async def test_a_text_that_tells_no_language_is_in_the_apps(ctx: Context, citizen: PartnerClient, text: str,
                                                            fallback: str, asked: str) -> None:
    citizen.lang = asked
    registered = await citizen.submit(text)
    assert registered.status_code == 201, registered.text
    body = registered.json()
    assert body["language"] == asked
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(body["id"]))
        assert report is not None and report.language == asked  # what every later answer and notice is told in

    # an app asking for no language of ours leaves such a report as before (detection's fallback), and the language
    # the body names, or one its words tell, still wins over the app's
    citizen.lang = "de"
    assert (await citizen.submit(text)).json()["language"] == fallback
    citizen.lang = asked
    assert (await citizen.submit(text, language="ru")).json()["language"] == "ru"
    assert (await citizen.submit("Украли велосипед из подъезда 🚲")).json()["language"] == "ru"


@pytest.mark.parametrize("asked", ["kk", "en"])
async def test_a_clear_sentence_keeps_its_own_language(citizen: PartnerClient, asked: str) -> None:
    citizen.lang = asked
    assert (await citizen.submit("Помогите, сосед шумит каждую ночь")).json()["language"] == "ru"
    assert (await citizen.submit("Украли телефон")).json()["language"] == "ru"  # two words, clearly Russian
    assert (await citizen.submit("Полиция келмеді, көмектесіңіздер")).json()["language"] == "kk"
    # the body's own language still wins over the app's
    assert (await citizen.submit("ДТП", language="ru")).json()["language"] == "ru"
