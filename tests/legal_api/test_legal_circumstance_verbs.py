"""Follow-ups round 4 (ru / kk / en, our own cases after a reviewer's; the evaluation sets in ../shared are only
measured, never read for these).

1. A follow-up telling a circumstance of the earlier event with a verb ("а если телефон стоил 500 тысяч?", "а если
   синяки остались?", "what if the phone cost 500k?", "ал егер телефон 500 мың тұрса?") still follows it: a verb of a
   state or a value, or one with nobody new taking part, tells no event of its own. f680ddd answered these alone
   (КоАП 591, ГК 352 or nothing).
2. Only a person's number of years is the offender's age: "кража была 2 года назад", "прошло 5 лет", "what if it was
   2 years ago?", "the phone is 3 years old", "олар 2 жыл бұрын" cite no age-of-liability article (УК 15).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import ask

pytestmark = pytest.mark.anyio

UK = "УК РК"
THEFT, PETTY_THEFT = (UK, "188"), (UK, "187")
# the beating's articles: light harm, battery, intentional harm of medium and grave severity
BEATING = {(UK, "108-1"), (UK, "109-1"), (UK, "107"), (UK, "106")}
UK_AGE = (UK, "15")
PHONE_RU, PHONE_KK, PHONE_EN = "у меня украли телефон", "телефонымды ұрлап кетті", "my phone was stolen"
THEFT_RU, THEFT_KK = "какое наказание за кражу?", "ұрлық үшін қандай жаза"
BEATEN_RU, BEATEN_KK = "меня избил сосед", "көршім мені ұрып кетті"

# (earlier question, a circumstance told with a verb, articles of which one must lead)
CIRCUMSTANCES: list[tuple[str, str, set[tuple[str, str]]]] = [
    (PHONE_RU, "а если телефон стоил 500 тысяч?", {THEFT}),
    (PHONE_RU, "а если ущерб составляет миллион?", {THEFT}),
    (PHONE_RU, "а если телефон обошёлся мне в 300 тысяч?", {THEFT}),
    (PHONE_RU, "а если телефон принадлежал жене?", {THEFT}),
    (BEATEN_RU, "а если синяки остались?", BEATING),
    (PHONE_KK, "ал егер телефон 500 мың тұрса?", {THEFT}),
    (THEFT_KK, "ал егер залал миллион теңге құраса?", {THEFT, PETTY_THEFT}),
    (BEATEN_KK, "ал егер көгерген іздер қалса?", BEATING),
    (PHONE_EN, "what if the phone cost 500k?", {THEFT}),
    (PHONE_RU, "what if the phone cost 500k?", {THEFT}),
    (PHONE_EN, "what if the damage amounts to a million?", {THEFT}),
    (PHONE_EN, "what if the phone belonged to my wife?", {THEFT}),
    (THEFT_RU, "what if the damage exceeds a million?", {THEFT, PETTY_THEFT}),
    (BEATEN_RU, "what if the bruises remained?", BEATING),
]

# (earlier question, a follow-up counting years that are not the offender's age)
NOT_AN_AGE: list[tuple[str, str]] = [
    (THEFT_RU, "а если кража была 2 года назад?"),
    (PHONE_RU, "а если это было 3 года назад?"),
    (THEFT_RU, "а если прошло 5 лет?"),
    (PHONE_EN, "what if it was 2 years ago?"),
    (PHONE_EN, "what if the phone is 3 years old?"),
    (THEFT_KK, "ал егер олар 2 жыл бұрын ұрласа?"),
]


@pytest.mark.parametrize(("earlier", "question", "expected"), CIRCUMSTANCES)
async def test_a_circumstance_told_with_a_verb_still_follows_the_topic(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str, expected: set[tuple[str, str]]
) -> None:
    body, cited = await ask(citizen, question, [earlier])
    assert expected & set(cited[:1]), body
    assert body["follow_up"] is True


@pytest.mark.parametrize(("earlier", "question"), NOT_AN_AGE)
async def test_years_that_are_not_a_persons_age_cite_no_age_of_liability(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str
) -> None:
    body, cited = await ask(citizen, question, [earlier])
    assert UK_AGE not in cited, body
    assert cited[:1] == [THEFT] and body["follow_up"] is True, body  # still the theft's follow-up


@pytest.mark.parametrize(
    "question", ["а если ему было 15 лет?", "what if he is 15?", "ал егер оған 14 жас болса?", "and if the boy is 13?"]
)
async def test_a_persons_age_still_cites_the_age_of_liability(
    legal_index: Path, citizen: PartnerClient, question: str
) -> None:
    body, cited = await ask(citizen, question, [THEFT_RU])
    assert UK_AGE in cited[:3] and cited[0] != UK_AGE, body
