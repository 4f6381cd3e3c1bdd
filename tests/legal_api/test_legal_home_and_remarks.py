"""The last closing note's known misses, through POST /api/v1/legal/ask against the real index (our own cases).

1. A break-in into a home ("ко мне в дом ломится пьяный сосед", "біреу үйіме басып кірді") cites УК 149
   (нарушение неприкосновенности жилища), in Russian and Kazakh, while a question that merely mentions being at
   home keeps its answer.
2. Someone breaking into the home right now gets the "call 102 now" lead.
3. A thanks or an acknowledgement after an answer ("понятно, спасибо", "this is fine") is no penalty follow-up: it
   hears "you are welcome", with no article; "это нормально?" asks whether the act told was lawful, and continues
   the topic.
4. The follow-up "что делать?" after an urgent missing child ("кызым үйге келмеди") keeps to the matter: the
   missing-child answer and its articles, never the theft article.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import ask

pytestmark = pytest.mark.anyio

UK, KOAP = "УК РК", "КоАП РК"
HOME_INTRUSION = (UK, "149")
THEFT = (UK, "188")
MISSING = {("УПК РК", "180"), ("УПК РК", "185")}


@pytest.mark.parametrize("question", [
    "ко мне в дом ломится пьяный сосед",
    "кто-то залез ко мне в дом",
    "незаконно вошли в мой дом без разрешения",
    "пьяный көршім үйге басып кірді",
    "біреу менің үйіме басып кірді",
    "көршім үйге кіріп кетті",
])
async def test_a_break_in_into_a_home_cites_the_inviolability_of_the_home_first(
        legal_index: Path, citizen: PartnerClient, question: str) -> None:
    body, cites = await ask(citizen, question)
    assert cites and cites[0] == HOME_INTRUSION, body


@pytest.mark.parametrize(("question", "first"), [
    ("я был дома и меня ударили", (UK, "109-1")),
    ("я сижу дома, сосед шумит ночью", (KOAP, "437")),
    ("үйде отырмын, көршілер шулайды", (KOAP, "437")),
    ("проникли в квартиру и украли деньги", THEFT),
])
async def test_a_question_that_merely_mentions_home_keeps_its_answer(
        legal_index: Path, citizen: PartnerClient, question: str, first: tuple[str, str]) -> None:
    body, cites = await ask(citizen, question)
    assert cites and cites[0] == first, body


@pytest.mark.parametrize(("question", "lead"), [
    ("кто-то пытается залезть ко мне в квартиру прямо сейчас", "немедленно звоните 102"),
    ("в мой дом кто-то вломился прямо сейчас", "немедленно звоните 102"),
    ("ко мне в квартиру лезут", "немедленно звоните 102"),
    ("біреу үйіме кіруге тырысып жатыр", "дереу 102"),
    ("біреу қазір үйге кірді", "дереу 102"),
])
async def test_someone_breaking_into_the_home_now_gets_the_emergency_lead_and_the_home_article(
        legal_index: Path, citizen: PartnerClient, question: str, lead: str) -> None:
    body, cites = await ask(citizen, question)
    assert body["urgent"] and body["suggested_action"] == "call_102", body
    assert lead in body["answer"]
    assert HOME_INTRUSION in cites, body


@pytest.mark.parametrize(("earlier", "remark", "reply"), [
    ("у меня украли телефон", "понятно, спасибо", "Пожалуйста!"),
    ("у меня украли телефон", "понятно", "Пожалуйста!"),
    ("у меня украли телефон", "ок", "Пожалуйста!"),
    ("someone stole my phone", "this is fine", "You are welcome!"),
    ("someone stole my phone", "ok, that's fine", "You are welcome!"),
    ("менің телефонымды ұрлап кетті", "түсінікті, рахмет", "Әрқашан көмектесуге дайынмын!"),
])
async def test_a_thanks_after_an_answer_is_no_penalty_question(
        legal_index: Path, citizen: PartnerClient, earlier: str, remark: str, reply: str) -> None:
    body, cites = await ask(citizen, remark, [earlier])
    assert body["answer"].startswith(reply), body
    assert cites == [] and not body["follow_up"] and not body["urgent"]


@pytest.mark.parametrize(("earlier", "question"), [
    ("у меня украли телефон", "это нормально?"),
    ("у меня украли телефон", "а это нормально?"),
    ("менің телефонымды ұрлап кетті", "бұл заңды ма?"),
    ("someone stole my phone", "is that ok?"),
])
async def test_asking_whether_it_is_lawful_continues_the_topic(
        legal_index: Path, citizen: PartnerClient, earlier: str, question: str) -> None:
    body, cites = await ask(citizen, question, [earlier])
    assert body["follow_up"] and cites and cites[0] == THEFT, body


async def test_a_penalty_question_opened_by_a_thanks_still_follows_the_topic(
        legal_index: Path, citizen: PartnerClient) -> None:
    body, cites = await ask(citizen, "спасибо, а что ему за это будет?", ["у меня украли телефон"])
    assert body["follow_up"] and cites and cites[0] == THEFT, body


@pytest.mark.parametrize(("earlier", "question"), [
    ("кызым үйге келмеди", "что делать?"),
    ("қызым үйге келмеді", "что делать?"),
    ("дочь не пришла домой", "что делать?"),
])
async def test_what_to_do_after_an_urgent_missing_child_cites_the_missing_child_articles(
        legal_index: Path, citizen: PartnerClient, earlier: str, question: str) -> None:
    body, cites = await ask(citizen, question, [earlier])
    assert body["urgent"] and "безвестном исчезновении" in body["answer"], body  # the missing-child item's answer
    assert set(cites) <= MISSING and cites, body
    assert THEFT not in cites
