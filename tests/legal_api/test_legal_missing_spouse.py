"""A missing husband or wife is a missing person, not a family-law matter: "пропала жена" and "әйелім жоғалып кетті"
led with КоБС 15 (a marriage ends when a court declares a spouse missing), because the spouse words expanded to
"супруг" and the missing words to "безвестно отсутствующий", the civil status a court declares after a year. Asked
through POST /api/v1/legal/ask against the real index: the answer is the report to the police at once (УПК 180, 185)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import ask

pytestmark = pytest.mark.anyio

FAMILY_CODE = "КоБС РК"


@pytest.mark.parametrize(
    ("question", "language", "no_wait"),
    [
        ("пропала жена", "ru", "три дня"),
        ("әйелім жоғалып кетті", "kk", "үш күн"),
        # was: КоБС 15 first ("пропал муж"), the domestic-violence article КоАП 73 first ("күйеуім жоғалып кетті"),
        # the domestic-violence item ("потерялся муж"); English was right and stays so
        ("пропал муж", "ru", "три дня"),
        ("күйеуім жоғалып кетті", "kk", "үш күн"),
        ("потерялся муж", "ru", "три дня"),
        ("my wife is missing", "en", "three-day"),
    ],
)
async def test_a_missing_spouse_is_reported_to_the_police_at_once(
    legal_index: Path, citizen: PartnerClient, question: str, language: str, no_wait: str
) -> None:
    body, cited = await ask(citizen, question)
    assert body["language"] == language and cited[:2] == [("УПК РК", "180"), ("УПК РК", "185")], body
    assert no_wait in body["answer"] and body["suggested_action"] == "call_102", body
    assert all(code != FAMILY_CODE for code, _ in cited), body


@pytest.mark.parametrize(
    ("question", "language"),
    [("муж бьет меня", "ru"), ("күйеуім ұрады", "kk"), ("my husband hits me", "en")],
)
async def test_a_spouse_who_beats_is_still_domestic_violence(
    legal_index: Path, citizen: PartnerClient, question: str, language: str
) -> None:
    # the spouse words keep their family terms away from the missing words
    body, cited = await ask(citizen, question)
    assert body["language"] == language and cited[0] == ("КоАП РК", "73"), body
