"""A burning home or car reads as the property-destruction and fire articles (УК 202 / 204) in Russian and Kazakh;
a burnt-out appliance, a dashboard light, a light left on, or "бьют" in its figurative senses do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import answer, cited

pytestmark = pytest.mark.anyio

FIRE = {("УК РК", "202"), ("УК РК", "204")}
BEATING = {("УК РК", "108-1"), ("УК РК", "106"), ("УК РК", "107"), ("КоАП РК", "73-1"), ("УК РК", "109-1")}


@pytest.mark.parametrize("question", [
    "После скачка напряжения сгорела стиральная машина, кто возместит?",
    "В машине горит check engine, можно ли ездить?",
    "дома сгорел телевизор, кто виноват?",
    "Көршінің үйінде түні бойы жарық жанып тұр",
    "Часы на башне бьют каждый час ночью, соседи не спят",
    "Соседи бьют тревогу из-за запаха газа в подъезде",
])
async def test_ordinary_questions_are_not_read_as_a_fire_or_a_beating(legal_index: Path, citizen: PartnerClient,
                                                                     question: str) -> None:
    body = await answer(citizen, question)
    # the first two: the light left on had УК 202 third before the fire words came (the dense search's own reading)
    assert not set(cited(body)[:2]) & (FIRE | BEATING), cited(body)


@pytest.mark.parametrize("question", ["горит квартира у соседей", "көршінің үйі жанып жатыр"])
async def test_a_burning_home_still_reads_as_a_fire(legal_index: Path, citizen: PartnerClient, question: str) -> None:
    body = await answer(citizen, question)
    assert set(cited(body)[:3]) & FIRE, cited(body)
