"""What a demanding citizen receives from POST /api/v1/legal/ask: private matters referred elsewhere, a greeting or an
insult redirected politely, an emergency not followed by a wrong FAQ answer, the offence's own part quoted, and a
blank question refused like an empty one, in the requester's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import PATH, ask

pytestmark = pytest.mark.anyio


async def _ask(citizen: PartnerClient, question: str) -> dict[str, Any]:
    return (await ask(citizen, question))[0]


@pytest.mark.parametrize("question", ["   ", "\u200b\u200b", "\n\t \n"])
async def test_a_blank_question_is_a_422_in_the_requesters_language(legal_index: Path, citizen: PartnerClient,
                                                                    question: str) -> None:
    citizen.lang = "kk"
    response = await citizen.post(PATH, {"question": question})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation.failed" and response.headers["content-language"] == "kk"
    assert [(e["pointer"], e["code"], e["detail"]) for e in body["errors"]] == [("/question", "too_short", "Тым қысқа")]


@pytest.mark.parametrize(("question", "language", "where"), [
    ("как поделить наследство после смерти отца", "ru", "нотариус"),
    ("мұраны қалай бөлеміз", "kk", "нотариус"),
    ("не заплатил налог на машину, что будет", "ru", "государственных доходов"),
    ("salyq tolemesem ne bolady", "kk", "мемлекеттік кірістер"),
    ("друг не возвращает долг, можно в полицию?", "ru", "иск в суд"),
    ("сосед затопил квартиру", "ru", "акт о заливе"),
])
async def test_a_private_matter_is_told_it_is_not_the_polices_and_where_to_go(
        legal_index: Path, citizen: PartnerClient, question: str, language: str, where: str) -> None:
    body = await _ask(citizen, question)
    assert body["language"] == language
    assert ("не вопрос полиции" if language == "ru" else "полицияның ісі емес") in body["answer"], body
    assert where in body["answer"], body
    # the codes quoted here hold no inheritance or tax law: a neighbouring article would look like the answer
    assert body["citations"] == [] and body["suggested_action"] == "legal_aid"


async def test_tax_evasion_is_still_answered_with_the_criminal_code(legal_index: Path,
                                                                    citizen: PartnerClient) -> None:
    body = await _ask(citizen, "Что грозит за уклонение от уплаты налогов при ведении бизнеса?")
    assert {("УК РК", "244"), ("УК РК", "245")} & {(c["code"], c["article"]) for c in body["citations"]}, body


async def test_a_divorce_hears_where_to_go_before_the_faqs_answer(legal_index: Path, citizen: PartnerClient) -> None:
    body = await _ask(citizen, "хочу подать на развод")
    assert body["answer"].startswith("Развод и алименты — не вопрос полиции"), body
    assert ("КоБС РК", "17") in {(c["code"], c["article"]) for c in body["citations"]}


@pytest.mark.parametrize(("question", "language", "opening"), [
    ("привет", "ru", "Здравствуйте!"),
    ("сәлем", "kk", "Сәлеметсіз бе!"),
    ("ты тупой бот", "ru", "Я здесь, чтобы помочь."),
    ("иди нахуй", "ru", "Я здесь, чтобы помочь."),
])
async def test_a_greeting_or_an_insult_is_redirected_politely(legal_index: Path, citizen: PartnerClient,
                                                              question: str, language: str, opening: str) -> None:
    body = await _ask(citizen, question)
    assert body["language"] == language and body["answer"].startswith(opening), body
    assert body["citations"] == [] and "102" in body["answer"]


async def test_an_off_topic_question_is_told_what_the_assistant_answers(legal_index: Path,
                                                                        citizen: PartnerClient) -> None:
    body = await _ask(citizen, "сколько стоит пицца")
    assert body["citations"] == [] and "Я отвечаю на вопросы о законах и работе полиции" in body["answer"], body


async def test_a_question_with_a_greeting_is_still_answered(legal_index: Path, citizen: PartnerClient) -> None:
    body = await _ask(citizen, "привет, у меня украли телефон")
    assert ("УК РК", "188") in {(c["code"], c["article"]) for c in body["citations"]}, body


async def test_an_emergency_is_not_followed_by_a_wrong_faq_answer(legal_index: Path, citizen: PartnerClient) -> None:
    # "someone is breaking the door in": the card-fraud item came next, telling the citizen to call the bank first
    body = await _ask(citizen, "біреу есікті бұзып жатыр")
    assert body["urgent"] is True and body["suggested_action"] == "call_102" and "102" in body["answer"]
    assert "банк" not in body["answer"], body


async def test_a_clear_faq_still_follows_the_emergency_lead(legal_index: Path, citizen: PartnerClient) -> None:
    body = await _ask(citizen, "муж избивает меня прямо сейчас")
    assert body["urgent"] is True and ("КоАП РК", "73") in {(c["code"], c["article"]) for c in body["citations"]}


@pytest.mark.parametrize(("question", "article", "part"), [
    ("украли велик у подъезда", "188", "1"),
    ("сколько дают за убийство", "99", "1"),
    ("украли из гаража инструменты", "188", "3"),
])
async def test_the_part_quoted_is_the_offence_itself_unless_a_later_part_is_asked_about(
        legal_index: Path, citizen: PartnerClient, question: str, article: str, part: str) -> None:
    body = await _ask(citizen, question)
    first = next(c for c in body["citations"] if (c["code"], c["article"]) == ("УК РК", article))
    assert first["part"] == part, body
