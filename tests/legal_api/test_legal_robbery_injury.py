"""An injury told after a robbery, a brigandage or an extortion is that offence's own grade, not a new offence
(ru / kk, our own cases), through POST /api/v1/legal/ask.

After a theft, "а если меня избили?" tells a new offence against the person, which no theft article grades
(tests/legal_api/test_legal_injury_switch.py). That reading took every taking for a theft: after "меня ограбили" the
beating stood alone and was answered with the harm-to-health articles (УК 108-1), although the codes grade the
violence within the robbery itself (УК 191 ч. 2: violence not dangerous to life or health; 192, brigandage: violence
dangerous to them; 194: extortion under the threat of violence). It continues the robbery, and the robbery's article
comes first: searched together, the harm's words ranked the harm articles above it ("у меня вырвали сумку на улице"),
so the robbery's own answer is given then.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import answer, cited

pytestmark = pytest.mark.anyio

UK = "УК РК"
ROBBERY, BRIGANDAGE, EXTORTION = (UK, "191"), (UK, "192"), (UK, "194")
HARM_TO_HEALTH = {(UK, "106"), (UK, "107"), (UK, "108-1"), (UK, "109-1")}

# (the taking, an injury told after it, the articles one of which must be cited first)
INJURIES_IN_A_TAKING: list[tuple[str, str, set[tuple[str, str]]]] = [
    # the second reader's case: a follow-up citing the brigandage article before ea82759, standing alone after it
    ("меня ограбили", "а если меня избили?", {ROBBERY, BRIGANDAGE}),
    # a bag snatched in the street: searched together, УК 108-1 came first even before ea82759
    ("у меня вырвали сумку на улице", "а если меня избили?", {ROBBERY, BRIGANDAGE}),
    ("у меня вырвали сумку на улице", "а если мне сломали нос?", {ROBBERY, BRIGANDAGE}),
    ("какое наказание за грабёж?", "а если меня избили?", {ROBBERY, BRIGANDAGE}),
    ("мені тонап кетті", "ал егер мені ұрса?", {ROBBERY, BRIGANDAGE}),
    ("мені тонап кетті", "ал егер қолымды сындырса?", {ROBBERY, BRIGANDAGE}),
    ("вымогают деньги", "а если меня избили?", {EXTORTION}),
]


@pytest.mark.parametrize(("earlier", "question", "expected"), INJURIES_IN_A_TAKING)
async def test_an_injury_in_a_robbery_continues_it_with_its_article_first(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str, expected: set[tuple[str, str]]
) -> None:
    body = await answer(citizen, question, [earlier])
    assert body["follow_up"] is True, body
    assert cited(body)[0] in expected, body


async def test_an_injury_after_a_theft_still_stands_alone(legal_index: Path, citizen: PartnerClient) -> None:
    """Only a taking graded by its violence keeps the injury: after a stolen bike it is a new offence."""
    body = await answer(citizen, "а если меня избили?", ["у меня украли велосипед"])
    assert body["follow_up"] is False, body
    assert cited(body)[0] in HARM_TO_HEALTH, body


async def test_the_age_after_the_injury_is_still_the_robbery_s(legal_index: Path, citizen: PartnerClient) -> None:
    """The injury continued the robbery, so the chat's topic is still the robbery for the offender's age next."""
    body = await answer(citizen, "а если ему 15 лет?", ["у меня вырвали сумку на улице", "а если меня избили?"])
    assert body["follow_up"] is True, body
    assert cited(body)[0] in {ROBBERY, BRIGANDAGE} and (UK, "15") in cited(body)[:3], body
