"""An age follow-up naming the offender by a diminutive ("воришке", "дочке", "братишке",
"сестрёнке") cites the age of liability, as it did at 51b9512, whose stems read them (вор…е, доч…е, брат…е, сестр…е).
The closed list of datives in ml/legal/general_part.py holds only the plain nouns (вору, дочери, брату, сестре), so
these follow-ups lost УК 15 and are answered with the theft articles alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import ask

pytestmark = pytest.mark.anyio

UK_AGE = ("УК РК", "15")
THEFT = ("УК РК", "188")


@pytest.mark.parametrize(
    ("earlier", "question"),
    [
        ("какое наказание за кражу?", "а если воришке 14 лет?"),
        ("у меня украли телефон", "а если воришке 15 лет?"),
        ("какое наказание за кражу?", "а если дочке 13 лет?"),
        ("какое наказание за кражу?", "а если братишке 15 лет?"),
        ("какое наказание за кражу?", "а если сестрёнке 14 лет?"),
    ],
)
async def test_an_age_follow_up_naming_the_offender_by_a_diminutive_cites_the_age_of_liability(
    legal_index: Path, citizen: PartnerClient, earlier: str, question: str
) -> None:
    body, cited = await ask(citizen, question, [earlier])
    assert cited[:2] == [THEFT, UK_AGE], (cited, body["answer"][:120])
    assert body["follow_up"] is True
