"""Wrong answers a citizen received from POST /api/v1/legal/ask (round 4): a missing child answered with the theft
article, a dog attack with animal cruelty, a dismissal for pregnancy with the divorce article, "за что лишают прав"
with parental rights, and "how do I get a driving licence" with the phone-while-driving fine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import ask

pytestmark = pytest.mark.anyio


async def _ask(citizen: PartnerClient, question: str) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    body, citations = await ask(citizen, question)
    return body, set(citations)


@pytest.mark.parametrize(("question", "language", "no_waiting"), [
    ("дочь не пришла домой", "ru", "ждать сутки или три дня не нужно"),
    ("кызым үйге келмеди", "kk", "үш күн күтудің қажеті жоқ"),  # typed without the Kazakh letters
    ("ребенок не вернулся из школы", "ru", "ждать сутки или три дня не нужно"),
])
async def test_a_child_not_come_home_hears_102_and_the_missing_person_procedure(
        legal_index: Path, citizen: PartnerClient, question: str, language: str, no_waiting: str) -> None:
    body, cited = await _ask(citizen, question)
    assert body["urgent"] is True and body["suggested_action"] == "call_102" and body["language"] == language
    assert body["answer"].count("102") >= 2 and no_waiting in body["answer"], body
    # the police must accept the report at once; "үйге" (home) used to cite the theft article's "жилище"
    assert cited and cited <= {("УПК РК", "180"), ("УПК РК", "185")}, body


@pytest.mark.parametrize("question", ["на меня напала собака", "бродячие собаки во дворе нападают на детей"])
async def test_a_dog_attack_is_about_the_owners_liability_not_cruelty_to_animals(
        legal_index: Path, citizen: PartnerClient, question: str) -> None:
    body, cited = await _ask(citizen, question)
    assert body["citations"][0]["article"] == "407-2" and ("УК РК", "114") in cited, body
    assert not cited & {("КоАП РК", "407-1"), ("УК РК", "316")}, body
    assert "103" in body["answer"] and "102" in body["answer"] and body["suggested_action"] == "report"


@pytest.mark.parametrize(("question", "where"), [
    ("уволили из-за беременности", "Трудовой спор"),
    ("жүкті болғаным үшін жұмыстан шығарды", "Еңбек дауы"),
])
async def test_a_dismissal_for_pregnancy_is_a_labour_matter_with_its_own_articles(
        legal_index: Path, citizen: PartnerClient, question: str, where: str) -> None:
    body, cited = await _ask(citizen, question)
    # where to go first (labour inspection, the conciliation commission, a court), then the law
    assert body["answer"].startswith(where), body
    assert {("УК РК", "152"), ("ТК РК", "54")} <= cited, body
    assert all(code != "КоБС РК" for code, _ in cited), body


@pytest.mark.parametrize("question", ["за что лишают прав", "забрали права за выезд на встречку"])
async def test_losing_ones_rights_without_a_word_for_children_means_the_driving_licence(
        legal_index: Path, citizen: PartnerClient, question: str) -> None:
    body, cited = await _ask(citizen, question)
    assert cited and all(code == "КоАП РК" for code, _ in cited), body
    assert cited & {("КоАП РК", "46"), ("КоАП РК", "608"), ("КоАП РК", "596")}, body


async def test_parental_rights_are_still_parental_rights(legal_index: Path, citizen: PartnerClient) -> None:
    _, cited = await _ask(citizen, "за что лишают родительских прав")
    assert ("КоБС РК", "75") in cited and all(code != "КоАП РК" for code, _ in cited)


@pytest.mark.parametrize(("question", "not_police", "where"), [
    ("жүргізуші куәлігін қалай алуға болады", "полицияның ісі емес", "ХҚКО"),
    ("как получить права на машину", "не вопрос полиции", "спецЦОН"),
    ("how do I get a driving licence", "not a police matter", "Public Service Centre"),
])
async def test_getting_a_driving_licence_is_referred_to_the_service_centres(
        legal_index: Path, citizen: PartnerClient, question: str, not_police: str, where: str) -> None:
    body, cited = await _ask(citizen, question)
    assert not_police in body["answer"] and where in body["answer"], body
    assert cited == set() and body["suggested_action"] == "legal_aid"


async def test_losing_a_driving_licence_is_not_referred(legal_index: Path, citizen: PartnerClient) -> None:
    body, cited = await _ask(citizen, "жүргізуші куәлігінен айырды, қашан қайтарады")
    assert ("КоАП РК", "46") in cited and "ХҚКО" not in body["answer"], body


@pytest.mark.parametrize(("question", "language", "where"), [
    ("как получить удостоверение личности", "ru", "ЦОН"),
    ("жеке куәлікті қалай алуға болады", "kk", "ХҚКО"),
    ("потерял паспорт что делать", "ru", "ЦОН"),  # "потерял" is not a missing person here
    ("How do I get an ID card?", "en", "Public Service Centre"),
])
async def test_getting_an_identity_document_is_referred_to_the_public_service_centre(
        legal_index: Path, citizen: PartnerClient, question: str, language: str, where: str) -> None:
    # it shares every word with the item on an ID card taken away (КоАП 494), which is the police's
    body, cited = await _ask(citizen, question)
    assert body["language"] == language and where in body["answer"] and not cited, body
    assert body["suggested_action"] == "legal_aid"


@pytest.mark.parametrize("question", [
    "работодатель забрал паспорт и не отдает", "у меня отобрали удостоверение личности"])
async def test_an_identity_document_taken_away_stays_with_the_police(legal_index: Path, citizen: PartnerClient,
                                                                    question: str) -> None:
    body, cited = await _ask(citizen, question)
    assert ("КоАП РК", "494") in cited and "ЦОН" not in body["answer"], body
