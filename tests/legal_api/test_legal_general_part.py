"""Follow-ups round 5: what the codes' general part answers, and the chat's topic after a new event (ru / kk / en, our
own cases; the evaluation sets in ../shared are only measured, never read for these).

1. An age follow-up naming the offender by role ("а если вору 15 лет?", "а если водителю 15 лет?", "ал егер ұрыға 15
   болса?", "what if the mugger is 15?") cites the age of liability second, as "а если ему 15 лет?" does. "вору"
   alone matched the theft item, so the question was answered alone without УК 15; "водителю" and "mugger" were no
   age holders at all. A thing's years ("двигателю 15 лет", "холодильнику 10 лет") stay no one's age.
2. A follow-up about the time since ("а если прошло 5 лет?", "ал егер 5 жыл өтсе?", "what if 5 years have passed?")
   cites the limitation article second: УК 71 after a crime, КоАП 62 after an administrative offence.
3. After a new event answered alone ("а если хозяин квартиры выгоняет меня?" after a stolen phone), the next follow-up
   is read with that event, as after a matter named by a noun, never with the theft.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import ask

pytestmark = pytest.mark.anyio

UK, KOAP = "УК РК", "КоАП РК"
THEFT, PETTY_THEFT = (UK, "188"), (UK, "187")
BEATING = {(UK, "108-1"), (UK, "109-1"), (UK, "107"), (UK, "106")}
SPEEDING, PETTY_HOOLIGANISM = (KOAP, "592"), (KOAP, "434")
UK_AGE, KOAP_AGE = (UK, "15"), (KOAP, "28")
UK_LIMITATION, KOAP_LIMITATION = (UK, "71"), (KOAP, "62")
PHONE_RU, PHONE_KK, PHONE_EN = "у меня украли телефон", "телефонымды ұрлап кетті", "my phone was stolen"
THEFT_RU, THEFT_KK = "какое наказание за кражу?", "ұрлық үшін қандай жаза"
THEFT_EN = "what is the punishment for theft?"
BEATEN_RU, BEATEN_KK = "меня избил сосед", "көршім мені ұрып кетті"
SPEEDING_RU, HOOLIGANISM_RU = "какой штраф за превышение скорости", "что будет за мелкое хулиганство"

# (earlier question, a follow-up naming the offender by role with an age, the offence's articles, the age article)
ROLE_AGES: list[tuple[str, str, set[tuple[str, str]], tuple[str, str]]] = [
    (THEFT_RU, "а если вору 15 лет?", {THEFT}, UK_AGE),
    (PHONE_RU, "а если вору было 14 лет?", {THEFT}, UK_AGE),
    (THEFT_RU, "а если вор несовершеннолетний?", {THEFT}, UK_AGE),
    (SPEEDING_RU, "а если водителю 15 лет?", {SPEEDING}, KOAP_AGE),
    (SPEEDING_RU, "а если шофёру 15 лет?", {SPEEDING}, KOAP_AGE),
    (THEFT_KK, "ал егер ұрыға 15 болса?", {THEFT}, UK_AGE),
    (PHONE_EN, "what if the mugger is 15?", {THEFT}, UK_AGE),
    (THEFT_EN, "what if the shoplifter is 14?", {THEFT}, UK_AGE),
    (PHONE_RU, "ему 15", {THEFT}, UK_AGE),
    (THEFT_RU, "вору 14?", {THEFT}, UK_AGE),
]

# (earlier question, a follow-up counting a thing's years)
THINGS_YEARS: list[tuple[str, str]] = [
    (SPEEDING_RU, "а если двигателю 15 лет?"),
    (PHONE_RU, "а если холодильнику 10 лет?"),
]

# (earlier question, a follow-up about the time since, the offence's articles, the limitation article)
TIME_SINCE: list[tuple[str, str, set[tuple[str, str]], tuple[str, str]]] = [
    (THEFT_RU, "а если прошло 5 лет?", {THEFT}, UK_LIMITATION),
    (PHONE_RU, "а если это было 3 года назад?", {THEFT}, UK_LIMITATION),
    (BEATEN_RU, "а если прошло 5 лет?", BEATING, UK_LIMITATION),
    (SPEEDING_RU, "а если прошло 3 месяца?", {SPEEDING}, KOAP_LIMITATION),
    (HOOLIGANISM_RU, "а если прошло полгода?", {PETTY_HOOLIGANISM}, KOAP_LIMITATION),
    (THEFT_KK, "ал егер 5 жыл өтсе?", {THEFT}, UK_LIMITATION),
    (PHONE_KK, "ал егер бұл 3 жыл бұрын болса?", {THEFT}, UK_LIMITATION),
    (BEATEN_KK, "ал егер 3 жыл өтсе?", BEATING, UK_LIMITATION),
    (PHONE_EN, "what if it was 2 years ago?", {THEFT}, UK_LIMITATION),
    (THEFT_EN, "what if 5 years have passed?", {THEFT}, UK_LIMITATION),
    (BEATEN_RU, "what if it happened 3 years ago?", BEATING, UK_LIMITATION),
    # said bare, with no "а если" (alone they found nothing, and "nothing found" was the answer)
    (PHONE_RU, "5 лет назад", {THEFT}, UK_LIMITATION),
    (THEFT_RU, "прошло 5 лет?", {THEFT}, UK_LIMITATION),
    (SPEEDING_RU, "прошло 3 месяца", {SPEEDING}, KOAP_LIMITATION),
    (PHONE_KK, "3 жыл бұрын", {THEFT}, UK_LIMITATION),
    (PHONE_EN, "2 years ago", {THEFT}, UK_LIMITATION),
]

# (earlier question, a new event answered alone, a follow-up to the new event)
AFTER_AN_EVENT: list[tuple[str, str, str]] = [
    (PHONE_RU, "а если хозяин квартиры выгоняет меня?", "а если он не хочет платить?"),
    (THEFT_RU, "а если арендодатель выселяет меня на улицу?", "а если он снова это сделает?"),
    (THEFT_KK, "ал егер көршім пәтерімді су басып кетсе?", "ал егер ол төлемесе?"),
    (PHONE_KK, "ал егер дүкен тауардың ақшасын қайтармаса?", "ал егер ол тағы қайтармаса?"),
    (PHONE_EN, "what if my landlord evicts me?", "what if he does it again?"),
    (PHONE_EN, "what if my neighbour floods my flat?", "what if he refuses to pay?"),
    (PHONE_RU, "а если сосед затопил квартиру?", "а если он не хочет платить?"),
]


@pytest.mark.parametrize(("earlier", "question", "offence", "age_article"), ROLE_AGES)
async def test_an_age_follow_up_naming_the_offender_by_role_cites_the_age_of_liability(
    legal_index: Path,
    citizen: PartnerClient,
    earlier: str,
    question: str,
    offence: set[tuple[str, str]],
    age_article: tuple[str, str],
) -> None:
    body, cited = await ask(citizen, question, [earlier])
    assert offence & set(cited[:1]) and cited[1] == age_article, body
    assert body["follow_up"] is True


@pytest.mark.parametrize(("earlier", "question"), THINGS_YEARS)
async def test_a_things_years_cite_no_age_of_liability(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str
) -> None:
    body, cited = await ask(citizen, question, [earlier])
    assert not {UK_AGE, KOAP_AGE} & set(cited), body


async def test_an_age_article_the_answer_cites_already_is_cited_once(legal_index: Path, citizen: PartnerClient) -> None:
    """ "what if the thief is 15?" brings up УК 15 by its own words, fifth: it moves up to second, not cited twice."""
    body, cited = await ask(citizen, "what if the thief is 15?", [THEFT_EN])
    assert cited[:2] == [THEFT, UK_AGE] and cited.count(UK_AGE) == 1, body


@pytest.mark.parametrize(("earlier", "question", "offence", "limitation"), TIME_SINCE)
async def test_a_follow_up_about_the_time_since_cites_the_limitation(
    legal_index: Path,
    citizen: PartnerClient,
    earlier: str,
    question: str,
    offence: set[tuple[str, str]],
    limitation: tuple[str, str],
) -> None:
    body, cited = await ask(citizen, question, [earlier])
    assert offence & set(cited[:1]) and cited[1] == limitation, body
    assert body["follow_up"] is True
    part = next(c for c in body["citations"] if (c["code"], c["article"]) == limitation)["part"]
    assert part == "1", body  # the part listing the periods


@pytest.mark.parametrize("question", ["а если дадут 5 лет?", "а если он бьёт меня уже 3 года?", "а если ему 15 лет?"])
async def test_a_sentence_a_duration_or_an_age_is_not_the_time_since(
    legal_index: Path, citizen: PartnerClient, question: str
) -> None:
    body, cited = await ask(citizen, question, [BEATEN_RU if "бьёт" in question else THEFT_RU])
    assert UK_LIMITATION not in cited, body


@pytest.mark.parametrize(("earlier", "event", "question"), AFTER_AN_EVENT)
async def test_after_a_new_event_the_next_follow_up_continues_it(
    legal_index: Path, citizen: PartnerClient, earlier: str, event: str, question: str
) -> None:
    assert (await ask(citizen, event, [earlier]))[0]["follow_up"] is False  # the event itself stands alone
    body, cited = await ask(citizen, question, [earlier, event])
    assert not {THEFT, PETTY_THEFT} & set(cited), body
    assert body == (await ask(citizen, question, [event]))[0]  # as if the chat had begun with the event
