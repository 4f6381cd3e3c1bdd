"""The commonest follow-up, "and what is the penalty for that?", and the words a danger is told by (ru / kk / en, our
own cases), through POST /api/v1/legal/ask.

1. A question that points back ("за это", "ему", "бұл", "оған", "that", "him") and asks only for the penalty, the
   article or what awaits the doer continues the earlier question, urgent or not, and cites that offence's
   articles. Alone it has no matter, and it was answered with whatever its own words found: the theft item for
   "какое наказание ему грозит?" after a beating, УК 62 for "какое за это наказание?", КоАП 434 for "бұл қай бап?".
   A question that names its own matter beside the penalty ("а какое наказание за мошенничество?") still switches.
2. "бьют", "ломятся", "выламывают дверь", "breaking into", "есікті сындырып жатыр" were unknown to the search: told as
   a danger now, those questions cited nothing (or a door-lock rule); they cite the beating and the intrusion
   articles now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import answer, cited

pytestmark = pytest.mark.anyio

UK, KOAP = "УК РК", "КоАП РК"
THEFT, PETTY_THEFT, FRAUD = (UK, "188"), (UK, "187"), (UK, "190")
BEATING = {(UK, "109-1"), (UK, "108-1"), (KOAP, "73")}
THEFTS = {THEFT, PETTY_THEFT}
ANIMAL_CRUELTY = {(UK, "316"), (KOAP, "407-1")}
# entering a home against its people's will (УК 149), or stealing from it (УК 188 ч. 3)
INTRUSION = {(UK, "149"), THEFT}
THEFT_RU, THEFT_KK = "какое наказание за кражу?", "ұрлық үшін қандай жаза"
THEFT_EN = "what is the punishment for theft?"
BEATEN_RU, BEATEN_KK = "меня избил сосед", "мені көршім ұрып кетті"
BEATEN_NOW_RU, BEATEN_NOW_KK = "меня избивают прямо сейчас", "қазір ұрып жатыр"

# (the first question, a follow-up asking only the penalty of it, articles of which one must be in the first three)
PENALTY_FOLLOW_UPS: list[tuple[str, str, set[tuple[str, str]]]] = [
    (THEFT_RU, "какое за это наказание?", THEFTS),
    (THEFT_RU, "бұл қай бап?", THEFTS),
    (THEFT_RU, "what is the penalty for that?", THEFTS),
    (THEFT_KK, "бұл қай бап?", THEFTS),
    (THEFT_KK, "оған қандай жаза қолданылады?", THEFTS),
    (THEFT_EN, "what is the penalty for that?", THEFTS),
    # typed in Latin letters: read back into Cyrillic ("за ето", "бүл кай бап")
    (THEFT_RU, "kakoe za eto nakazanie?", THEFTS),
    (THEFT_KK, "bul kai bap?", THEFTS),
    (BEATEN_RU, "chto emu za eto budet?", BEATING),
    (BEATEN_RU, "какое наказание ему грозит?", BEATING),
    (BEATEN_RU, "какое за это наказание?", BEATING),
    (BEATEN_RU, "что ему за это будет?", BEATING),
    (BEATEN_RU, "а какая ответственность за это?", BEATING),
    (BEATEN_RU, "бұл қай бап?", BEATING),
    (BEATEN_RU, "what is the penalty for that?", BEATING),
    (BEATEN_KK, "бұл қай бап?", BEATING),
    (BEATEN_KK, "оған қандай жаза қолданылады?", BEATING),
    (BEATEN_KK, "какое наказание ему грозит?", BEATING),
    ("my neighbour hits his dog", "what is the penalty for that?", ANIMAL_CRUELTY),
    ("my neighbour hits his dog", "what punishment does he face for it?", ANIMAL_CRUELTY),
    # urgent first questions: the lead stays on top, the beating's articles follow it
    (BEATEN_NOW_RU, "какое наказание ему грозит?", BEATING),
    (BEATEN_NOW_RU, "какое за это наказание?", BEATING),
    (BEATEN_NOW_RU, "what is the penalty for that?", BEATING),
    (BEATEN_NOW_RU, "бұл қай бап?", BEATING),
    (BEATEN_NOW_KK, "бұл қай бап?", BEATING),
    (BEATEN_NOW_KK, "какое за это наказание?", BEATING),
    ("меня бьют прямо сейчас", "какое наказание ему грозит?", BEATING),
]

# (the first question, a penalty question naming a matter of its own, the first citation it must get)
OWN_MATTERS: list[tuple[str, str, tuple[str, str]]] = [
    (THEFT_RU, "а какое наказание за мошенничество?", FRAUD),
    (THEFT_KK, "ал алаяқтық үшін қандай жаза?", FRAUD),
    (THEFT_EN, "what is the penalty for fraud?", FRAUD),
]

# a first question told by the new words, with and without "right now" (kk "қазір"), and the articles one of which
# must be among its first three citations
DANGERS: list[tuple[str, set[tuple[str, str]]]] = [
    ("меня бьют", BEATING),
    ("меня бьют прямо сейчас", BEATING),
    ("муж бьёт меня прямо сейчас", BEATING),
    ("нас избивают прямо сейчас", BEATING),
    ("мені ұрып жатыр", BEATING),
    ("мені қазір ұрып жатыр", BEATING),
    ("в квартиру ломятся", INTRUSION),
    ("в квартиру ломятся прямо сейчас", INTRUSION),
    ("ко мне в квартиру ломится сосед", INTRUSION),
    ("выламывают дверь в квартиру", INTRUSION),
    ("someone is breaking into my house", INTRUSION),
    ("someone is breaking into my flat right now", INTRUSION),
    ("someone broke into my flat", INTRUSION),
    ("біреу есікті сындырып жатыр", INTRUSION),
    ("қазір біреу пәтердің есігін бұзып жатыр", INTRUSION),
]


@pytest.mark.parametrize(("first", "question", "expected"), PENALTY_FOLLOW_UPS)
async def test_a_penalty_question_pointing_back_continues_the_topic(
    legal_index: Path, citizen: PartnerClient, first: str, question: str, expected: set[tuple[str, str]]
) -> None:
    urgent = (await answer(citizen, first))["urgent"]
    body = await answer(citizen, question, [first])
    assert body["follow_up"] is True, body
    assert body["urgent"] is urgent, body
    assert expected & set(cited(body)[:3]), body


async def test_a_penalty_question_in_the_chat_keeps_the_topic_for_the_next_follow_up(
    legal_index: Path, citizen: PartnerClient
) -> None:
    """A theft, "какое за это наказание?", then "а если ему 15 лет?": the middle question continued the theft, so
    the last one is read with the theft too, not with the penalty question alone."""
    body = await answer(citizen, "а если ему 15 лет?", [THEFT_RU, "какое за это наказание?"])
    assert body["follow_up"] is True, body
    assert THEFT in cited(body)[:3] and (UK, "15") in cited(body)[:3], body


@pytest.mark.parametrize(("first", "question", "expected"), OWN_MATTERS)
async def test_a_penalty_question_naming_its_own_matter_switches(
    legal_index: Path, citizen: PartnerClient, first: str, question: str, expected: tuple[str, str]
) -> None:
    body = await answer(citizen, question, [first])
    assert cited(body)[0] == expected, body
    assert body["follow_up"] is False, body
    assert body == await answer(citizen, question)


async def test_a_bare_penalty_question_without_context_is_no_follow_up(
    legal_index: Path, citizen: PartnerClient
) -> None:
    assert (await answer(citizen, "какое за это наказание?"))["follow_up"] is False
    assert (await answer(citizen, "какое за это наказание?", []))["follow_up"] is False


@pytest.mark.parametrize(("question", "expected"), DANGERS)
async def test_the_words_of_a_beating_or_a_break_in_are_known_to_the_search(
    legal_index: Path, citizen: PartnerClient, question: str, expected: set[tuple[str, str]]
) -> None:
    body = await answer(citizen, question)
    assert expected & set(cited(body)[:3]), body
