"""An injury told after a theft is a new offence, not the theft's consequence (ru / kk, our own cases), through POST
/api/v1/legal/ask.

Harm done by nobody new continues the earlier event ("а если сломали руку?" after a beating: the harm's degree is
graded within it, tests/legal_api/test_legal_round7.py). After a stolen bike the same words were read so too, and the
chat's topic stayed the theft: "ал егер мені ұрса?" and "а если меня избили?" were answered with the theft article.
A theft grades no bodily harm, so an injury after it stands alone, while a bare circumstance ("5 лет назад", "ему
15", "ал егер ол кәмелетке толмаған болса?") still continues the theft.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import answer, cited

pytestmark = pytest.mark.anyio

UK = "УК РК"
THEFT, PETTY_THEFT = (UK, "188"), (UK, "187")
BIKE_KK, BIKE_RU, THEFT_RU = "велосипедімді ұрлап кетті", "у меня украли велосипед", "какое наказание за кражу?"

# (the theft, an injury told after it)
INJURIES_AFTER_A_THEFT: list[tuple[str, str]] = [
    # the lead's examples: with no opening they stood alone before the change too
    (BIKE_KK, "қолымды сындырды"),
    (BIKE_KK, "сломали руку"),
    # opening as a follow-up, they were read as the theft's consequence
    (BIKE_KK, "ал егер қолымды сындырса?"),
    (BIKE_KK, "ал қолымды сындырса ше?"),
    (BIKE_KK, "ал егер мені ұрса?"),
    (BIKE_KK, "а если сломали руку?"),
    (BIKE_RU, "ал егер қолымды сындырса?"),
    (BIKE_RU, "а если мне сломали нос?"),
    (THEFT_RU, "а если меня избили?"),
    (THEFT_RU, "а если ещё и избили?"),
]

# (the theft, a bare circumstance of it, articles of which one must be among the first three citations)
CIRCUMSTANCES: list[tuple[str, str, set[tuple[str, str]]]] = [
    (BIKE_KK, "5 лет назад", {THEFT}),
    (BIKE_KK, "ему 15", {THEFT}),
    (BIKE_KK, "ал егер ол кәмелетке толмаған болса?", {THEFT}),
    (BIKE_RU, "а если сумма маленькая?", {THEFT, PETTY_THEFT}),
    (THEFT_RU, "ему 15", {THEFT}),
]


@pytest.mark.parametrize(("earlier", "question"), INJURIES_AFTER_A_THEFT)
async def test_an_injury_after_a_theft_stands_alone(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str
) -> None:
    body = await answer(citizen, question, [earlier])
    assert body["follow_up"] is False, body
    assert body == await answer(citizen, question)  # exactly its answer with no context
    assert not {THEFT, PETTY_THEFT} & set(cited(body)[:1]), body


@pytest.mark.parametrize(("earlier", "question", "expected"), CIRCUMSTANCES)
async def test_a_bare_circumstance_after_a_theft_still_continues_it(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str, expected: set[tuple[str, str]]
) -> None:
    body = await answer(citizen, question, [earlier])
    assert body["follow_up"] is True, body
    assert expected & set(cited(body)[:3]), body


@pytest.mark.parametrize(
    ("chat", "question"),
    [
        ([BIKE_KK, "ал егер қолымды сындырса?"], "а если ему 15 лет?"),
        ([THEFT_RU, "а если меня избили?"], "ал егер ол 15 жаста болса?"),
    ],
)
async def test_the_next_follow_up_is_read_with_the_injury_not_the_theft(
    legal_index: Path, citizen: PartnerClient, chat: list[str], question: str
) -> None:
    """The injury restarted the chat's topic, so the offender's age next is the injury's circumstance."""
    body = await answer(citizen, question, chat)
    assert body["follow_up"] is True and THEFT not in cited(body), body
    assert (UK, "15") in cited(body)[:3], body
