"""Topic switches and follow-ups in a chat, round 2: the misses of the first follow-up round (ru / kk / en, our own
cases; the evaluation sets in ../shared are only measured, never read for these).

1. A short question that opens like a follow-up ("а если…", "what if…", "ал егер…") but tells an event of its own
   ("а если сосед затопил квартиру?", "what if my landlord evicts me?" after a stolen phone) is answered as it is
   alone: "not found" or its own article, never the theft one.
2. A follow-up about the offender's age also cites the age-of-liability article (УК 15, КоАП 28) in the first three.
3. The answer says whether it was read as a follow-up (`follow_up`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import answer, cited

pytestmark = pytest.mark.anyio

UK, KOAP = "УК РК", "КоАП РК"
THEFT, PETTY_THEFT, FRAUD = (UK, "188"), (UK, "187"), (UK, "190")
UK_AGE, KOAP_AGE = (UK, "15"), (KOAP, "28")
PHONE_RU, PHONE_KK, PHONE_EN = "у меня украли телефон", "телефонымды ұрлап кетті", "my phone was stolen"
THEFT_RU, THEFT_KK = "какое наказание за кражу?", "ұрлық үшін қандай жаза"
THEFT_EN = "what is the punishment for theft?"

# (earlier question, a question telling another event, articles its answer must not cite)
TOPIC_SWITCHES: list[tuple[str, str, set[tuple[str, str]]]] = [
    (PHONE_RU, "а если сосед затопил квартиру?", {THEFT, PETTY_THEFT}),
    (PHONE_RU, "а если соседи сверху залили мою квартиру?", {THEFT, PETTY_THEFT}),
    (PHONE_RU, "а если сосед построил забор на моём участке?", {THEFT, PETTY_THEFT}),
    (PHONE_RU, "а если магазин не возвращает деньги за товар?", {THEFT, PETTY_THEFT}),
    (THEFT_RU, "а если хозяин квартиры выгоняет меня?", {THEFT, PETTY_THEFT}),
    (THEFT_RU, "а если арендодатель выселяет меня на улицу?", {THEFT, PETTY_THEFT}),
    (THEFT_RU, "а если мне не вернули долг?", {THEFT, PETTY_THEFT}),
    ("мошенники украли деньги с карты", "а если застройщик не сдал дом?", {FRAUD, THEFT}),
    (PHONE_RU, "what if my landlord evicts me?", {THEFT, PETTY_THEFT}),
    (PHONE_EN, "what if my landlord evicts me?", {THEFT, PETTY_THEFT}),
    (THEFT_EN, "what if my landlord evicts me?", {THEFT, PETTY_THEFT}),
    (PHONE_EN, "what if my neighbour floods my flat?", {THEFT, PETTY_THEFT}),
    (PHONE_EN, "what if the shop refuses to refund me?", {THEFT, PETTY_THEFT}),
    (PHONE_EN, "and if my employer fires me?", {THEFT, PETTY_THEFT}),
    (PHONE_KK, "ал егер дүкен тауардың ақшасын қайтармаса?", {THEFT, PETTY_THEFT}),
]

# (earlier question, a follow-up, articles of which one must be among the first three citations)
FOLLOW_UPS: list[tuple[str, str, set[tuple[str, str]]]] = [
    (PHONE_RU, "а если сумма маленькая?", {PETTY_THEFT}),
    (PHONE_RU, "а если это сделал сосед?", {THEFT}),
    (PHONE_RU, "what if it was my neighbour?", {THEFT}),  # in English after a Russian question
    (PHONE_EN, "what if it was my brother?", {THEFT}),
    (PHONE_RU, "а если украл родственник?", {THEFT}),  # a verb of its own, but the act asked about before
    (THEFT_RU, "а если украл родственник?", {THEFT}),
    ("меня избил сосед", "а если соседка тоже ударила?", {(UK, "108-1"), (UK, "107"), (UK, "106")}),
]

# (earlier question, a follow-up about the offender's age, the age-of-liability article)
AGE_FOLLOW_UPS: list[tuple[str, str, tuple[str, str]]] = [
    (THEFT_RU, "а если ему 15 лет?", UK_AGE),
    (PHONE_RU, "а если ему 15 лет?", UK_AGE),
    (THEFT_KK, "ал егер оған 15 жас болса?", UK_AGE),
    (THEFT_KK, "ал егер ол кәмелетке толмаған болса?", UK_AGE),
    (PHONE_KK, "ал егер ол 14 жаста болса?", UK_AGE),
    (THEFT_EN, "and if the thief is 15?", UK_AGE),
    ("сосед шумит ночью", "а если ему 15 лет?", KOAP_AGE),
]


@pytest.mark.parametrize(("earlier", "question", "not_cited"), TOPIC_SWITCHES)
async def test_a_new_event_in_the_same_chat_is_not_answered_with_the_old_topic(
        legal_index: Path, citizen: PartnerClient, earlier: str, question: str,
        not_cited: set[tuple[str, str]]) -> None:
    body = await answer(citizen, question, [earlier])
    assert not not_cited & set(cited(body)[:1]), body
    assert body == await answer(citizen, question)  # exactly its answer with no context
    assert body["follow_up"] is False


@pytest.mark.parametrize(("earlier", "question", "expected"), FOLLOW_UPS)
async def test_a_follow_up_is_still_answered_on_its_topic_and_says_so(
        legal_index: Path, citizen: PartnerClient, earlier: str, question: str, expected: set[tuple[str, str]]) -> None:
    body = await answer(citizen, question, [earlier])
    assert expected & set(cited(body)[:3]), body
    assert body["follow_up"] is True


@pytest.mark.parametrize(("earlier", "question", "age_article"), AGE_FOLLOW_UPS)
async def test_a_follow_up_about_the_offenders_age_cites_the_age_of_liability(
        legal_index: Path, citizen: PartnerClient, earlier: str, question: str, age_article: tuple[str, str]) -> None:
    body = await answer(citizen, question, [earlier])
    citations = cited(body)
    assert age_article in citations[:3], body
    assert citations[0] != age_article  # the offence's own article still leads
    assert body["follow_up"] is True


async def test_an_age_in_a_question_about_minors_is_not_the_offenders(legal_index: Path,
                                                                     citizen: PartnerClient) -> None:
    """Selling alcohol to a teenager, then "what if he is 15": the age is the buyer's, not the seller's liability."""
    body = await answer(citizen, "а если ему 15 лет?", ["продал алкоголь подростку что будет"])
    assert KOAP_AGE not in cited(body) and UK_AGE not in cited(body), body


async def test_a_follow_up_about_the_amount_cites_no_age_article(legal_index: Path, citizen: PartnerClient) -> None:
    body = await answer(citizen, "а если сумма маленькая?", [THEFT_RU])
    assert UK_AGE not in cited(body) and body["follow_up"] is True


async def test_a_question_without_context_is_not_a_follow_up(legal_index: Path, citizen: PartnerClient) -> None:
    assert (await answer(citizen, "а если ему 15 лет?"))["follow_up"] is False
    assert (await answer(citizen, THEFT_RU, []))["follow_up"] is False


async def test_the_follow_up_field_is_in_the_openapi_schema(legal_index: Path, citizen: PartnerClient) -> None:
    response = await citizen.http.get("/schema/openapi.json")
    schemas = response.json()["components"]["schemas"]
    answer = next(s for name, s in schemas.items() if name.endswith("LegalAnswerOut"))
    assert answer["properties"]["follow_up"]["type"] == "boolean"
    assert "context" in answer["properties"]["follow_up"]["description"]
