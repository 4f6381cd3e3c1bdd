"""Round 6: the answers round 5 left partly wrong, asked through POST /api/v1/legal/ask against the real index. A clear
FAQ match whose article the ranking puts second or third now answers (a neighbouring article used to lead), and an
emergency's lead is not followed by the FAQ's own "call 102 right now"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import ask

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("question", "first", "absent"),
    [
        # was: КоАП 612 (driving without documents) first, "за рулем" read as driving itself
        ("штраф с камеры, но за рулем был не я", ("КоАП РК", "31"), ("КоАП РК", "612")),
        # was: КоАП 796 and 613 (removal from driving, disobeying an officer) before the search article 792
        ("полицейский остановил и без причины обыскал машину, имеет право?", ("КоАП РК", "792"), None),
        # was: КоАП 613 first, the bribe articles second and third
        ("гаишники требуют 50 тысяч чтобы не оформлять", ("УК РК", "366"), ("КоАП РК", "613")),
        # was: the family-violence article and divorce first, УПК 180 third
        ("пропал муж, второй день не отвечает на телефон", ("УПК РК", "180"), ("КоБС РК", "17")),
    ],
)
async def test_a_clear_faq_match_leads_over_a_neighbouring_article(
    legal_index: Path, citizen: PartnerClient, question: str, first: tuple[str, str], absent: tuple[str, str] | None
) -> None:
    body, cited = await ask(citizen, question)
    assert body["language"] == "ru" and cited[0] == first, body
    assert absent is None or absent not in cited, body


async def test_a_missing_adult_is_reported_at_once(legal_index: Path, citizen: PartnerClient) -> None:
    body, cited = await ask(citizen, "пропал муж, второй день не отвечает на телефон")
    assert ("УПК РК", "185") in cited and "три дня" in body["answer"], body


async def test_a_car_search_answer_routes_to_a_complaint(legal_index: Path, citizen: PartnerClient) -> None:
    body, _ = await ask(citizen, "полицейский остановил и без причины обыскал машину, имеет право?")
    assert body["suggested_action"] == "complain_officer" and "понят" in body["answer"], body


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Муж избивает меня при детях прямо сейчас", "ru"),
        ("күйеуім қазір мені ұрып жатыр", "kk"),
        ("my husband is beating me right now", "en"),
    ],
)
async def test_an_emergency_says_call_102_once(
    legal_index: Path, citizen: PartnerClient, question: str, language: str
) -> None:
    # was: the emergency lead, then the domestic-violence item's own "if you are in danger right now, call 102 or 112"
    body, cited = await ask(citizen, question)
    assert body["urgent"] is True and body["language"] == language and cited[0] == ("КоАП РК", "73"), body
    assert body["answer"].count("102") == 1, body
    assert "73" in body["answer"], body  # the item's answer still follows the lead
