"""Follow-ups and switches, round 7 (ru / kk / en, our own cases; the evaluation sets are only measured):

1. An eviction by a landlord is answered with the unlawful eviction article (УК 149 part 2) in every language, not
   with the theft article that "үй" / "пәтер" (a dwelling: burglary) pulled first in Kazakh, and after a theft the
   Kazakh question stands alone as the Russian one does.
2. Harm done by nobody new ("а если сломали руку?" after a beating) continues the earlier event, and the answer grades
   the harm (УК 106 / 107 / 108-1).
3. An officer's procedural act ("учаскелік хаттама жасаса", a protocol drawn up) is a matter of its own, not the theft.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import answer, cited

pytestmark = pytest.mark.anyio

UK = "УК РК"
THEFT, PETTY_THEFT, EVICTION = (UK, "188"), (UK, "187"), (UK, "149")
HARM = {(UK, "106"), (UK, "107"), (UK, "108-1")}
PHONE_RU, PHONE_KK, PHONE_EN = "у меня украли телефон", "телефонымды ұрлап кетті", "my phone was stolen"
THEFT_KK = "ұрлық үшін қандай жаза"
EVICTION_KK = "ал егер үй иесі мені пәтерден қуып шықса?"

EVICTIONS = [
    "хозяин квартиры выгоняет меня",
    "а если хозяин квартиры выгоняет меня?",
    EVICTION_KK,
    "үй иесі мені пәтерден қуып жатыр",
    "пәтер иесі мені үйден шығарып жіберді",
    "what if my landlord evicts me?",
]


@pytest.mark.parametrize("question", EVICTIONS)
async def test_an_eviction_is_answered_with_the_unlawful_eviction_article(
    legal_index: Path, citizen: PartnerClient, question: str
) -> None:
    body = await answer(citizen, question)
    assert cited(body)[:1] == [EVICTION], body


@pytest.mark.parametrize(
    ("earlier", "question"),
    [
        (PHONE_KK, EVICTION_KK),
        (THEFT_KK, EVICTION_KK),
        (PHONE_RU, EVICTION_KK),
        (PHONE_RU, "а если хозяин квартиры выгоняет меня?"),
        (PHONE_EN, "what if my landlord evicts me?"),
    ],
)
async def test_an_eviction_after_a_theft_stands_alone(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str
) -> None:
    body = await answer(citizen, question, [earlier])
    assert body["follow_up"] is False, body
    assert body == await answer(citizen, question)  # exactly its answer with no context
    assert not {THEFT, PETTY_THEFT} & set(cited(body)[:1]), body


@pytest.mark.parametrize(
    ("earlier", "question"),
    [
        ("меня избили", "а если сломали руку?"),
        ("меня избили", "а если сломали челюсть?"),
        ("мені ұрып кетті", "ал егер қолымды сындырса?"),
        ("мені ұрып кетті", "ал егер қолын сындырып кетсе?"),
        ("I was beaten up", "what if they broke my arm?"),
    ],
)
async def test_an_injury_after_a_beating_continues_it_and_grades_the_harm(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str
) -> None:
    body = await answer(citizen, question, [earlier])
    assert body["follow_up"] is True, body
    assert HARM & set(cited(body)[:3]), body


@pytest.mark.parametrize(
    ("earlier", "question"),
    [
        (PHONE_KK, "ал егер учаскелік хаттама жасаса?"),
        (THEFT_KK, "ал егер учаскелік хаттама жасаса?"),
        (PHONE_RU, "а если участковый составил протокол?"),
    ],
)
async def test_an_officers_procedural_act_is_a_matter_of_its_own(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str
) -> None:
    body = await answer(citizen, question, [earlier])
    assert body["follow_up"] is False, body
    assert body == await answer(citizen, question)
    assert THEFT not in cited(body), body


async def test_a_third_question_after_an_injury_is_still_read_with_the_beating(
    legal_index: Path, citizen: PartnerClient
) -> None:
    """The injury continued the beating, so the chat's topic is still the beating: the offender's age next is its
    circumstance (the age of liability, УК 15), not one of a vandalism that "сломали" alone would name."""
    body = await answer(citizen, "а если ему 15 лет?", ["меня избили", "а если сломали руку?"])
    assert body["follow_up"] is True and (UK, "15") in cited(body)[:3], body
