"""A follow-up after an urgent question ("меня избивают прямо сейчас" → "а какая за это статья?"), through POST
/api/v1/legal/ask (ru / kk / en, our own cases).

The follow-up is read with the question it continues, and that reading is urgent again: it was answered with the
emergency answer once more, the lead alone whenever no FAQ item was clear enough for an emergency, so the question
"which article is it?" was answered by "call 102" and, when the emergency answer had no confident article, cited
nothing. Now the lead stays on top (the chat still tells a danger now) and the matter's own answer follows it: the
FAQ item or the quoted article, as a follow-up of the same matter asked without the danger gets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import answer, cited

pytestmark = pytest.mark.anyio

UK, KOAP = "УК РК", "КоАП РК"
BEATING = {(UK, "109-1"), (UK, "108-1"), (KOAP, "73")}
KNIFE_ATTACK = {(UK, "293"), (UK, "108-1")}
BURGLARY = {(UK, "188")}
ROBBERY = {(UK, "191"), (UK, "192")}
# a fire's cause is not known yet: destroying someone's property, on purpose or by careless handling of fire
FIRE = {(UK, "202"), (UK, "204")}
LEADS = ("Если вам или кому-то угрожает опасность", "Егер сізге немесе басқа біреуге", "If you or someone else")

# (the urgent first question, the follow-up, articles of which one must be among the first three citations)
AFTER_AN_EMERGENCY: list[tuple[str, str, set[tuple[str, str]]]] = [
    # the lead's own examples: the emergency answer held the FAQ item already (answered so before the change too)
    ("меня избивают прямо сейчас", "а какая за это статья?", BEATING),
    ("қазір ұрып жатыр", "что ему будет?", BEATING),
    # the emergency answer was the lead alone: the article was listed, never quoted, or nothing at all was cited
    ("меня бьют прямо сейчас", "а какая за это статья?", BEATING),
    ("сосед избивает меня прямо сейчас", "что ему будет?", BEATING),
    ("на меня напали с ножом прямо сейчас", "а какая за это статья?", KNIFE_ATTACK),
    ("мені қазір ұрып жатыр", "что ему будет?", BEATING),
    ("қазір үйге біреу кіріп жатыр", "оған не болады?", BURGLARY),
    ("someone is beating me right now", "what will happen to him?", BEATING),
    ("someone is beating me right now", "оған не болады?", BEATING),
    ("меня бьют прямо сейчас", "а сколько ему дадут?", BEATING),
    # the glossary knew neither "грабят" nor a burning home: the matter found nothing, and the lead stood alone
    ("меня грабят прямо сейчас", "а какая за это статья?", ROBBERY),
    ("горит квартира у соседей", "а какая за это статья?", FIRE),
    ("көршінің үйі жанып жатыр", "бұл қай бап?", FIRE),
]


@pytest.mark.parametrize(("urgent", "question", "expected"), AFTER_AN_EMERGENCY)
async def test_a_follow_up_after_an_emergency_is_answered_on_its_matter_under_the_lead(
    legal_index: Path, citizen: PartnerClient, urgent: str, question: str, expected: set[tuple[str, str]]
) -> None:
    assert (await answer(citizen, urgent))["urgent"] is True
    body = await answer(citizen, question, [urgent])
    citations = cited(body)
    assert body["follow_up"] is True and body["urgent"] is True, body
    assert body["suggested_action"] in {"call_102", "call_112"}, body
    assert expected & set(citations[:3]), body
    lead, _, rest = body["answer"].partition("\n\n")
    assert lead.startswith(LEADS), body
    # below the lead, the answer quotes or names the article it cites first: the question asked which one it is
    assert citations[0][1] in rest, body


async def test_the_age_after_an_emergency_still_cites_the_age_of_liability(
    legal_index: Path, citizen: PartnerClient
) -> None:
    body = await answer(citizen, "а если ему 15 лет?", ["қазір ұрып жатыр"])
    assert body["follow_up"] is True and body["urgent"] is True, body
    assert (UK, "15") in cited(body)[:3] and cited(body)[0] != (UK, "15"), body


async def test_the_emergency_question_itself_is_answered_as_before(legal_index: Path,
                                                                   citizen: PartnerClient) -> None:
    """Only a follow-up reads the matter under the lead: the urgent question, with or without context, is the
    emergency answer it always was."""
    alone = await answer(citizen, "меня бьют прямо сейчас")
    assert alone["urgent"] is True and alone["follow_up"] is False
    assert await answer(citizen, "меня бьют прямо сейчас", ["какое наказание за кражу?"]) == alone
