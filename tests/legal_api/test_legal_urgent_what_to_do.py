"""What to do, asked after an urgent question, is the emergency answer again (ru / kk, our own cases), through POST
/api/v1/legal/ask.

A follow-up of an urgent question is read with it, and that reading is urgent. Since ea82759 it took the matter's
non-urgent answer under the emergency lead whenever that found an FAQ item or confident articles, which skipped the
emergency answer's own checks: an FAQ item must clear URGENT_FAQ_MIN_SCORE, and the emergency's own item (a missing
child) comes before an article ranking pulled elsewhere. After "кызым үйге келмеди" (my daughter did not come home),
"не істеу керек?" (what to do?) and "что делать?" were told the theft article (УК 188, read off "үй", home) instead
of "call 102 now, do not wait". Now the emergency answer comes first; the matter's answer follows the lead only when
the emergency answer has no FAQ item and the follow-up asks what the law says ("а какая за это статья?",
tests/legal_api/test_legal_urgent_follow_up.py), never what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PartnerClient
from tests.legal_api.asking import answer

pytestmark = pytest.mark.anyio

MISSING_CHILD = "кызым үйге келмеди"  # "my daughter did not come home"
THEFT = ("Кража", "Ұрлық")  # the theft article's title, as quoted in ru / kk
LEADS = ("Если вам или кому-то угрожает опасность", "Егер сізге немесе басқа біреуге")


@pytest.mark.parametrize(
    ("question", "missing_child_item"),
    [
        ("не істеу керек?", "күтудің қажеті жоқ"),  # the missing-child item: call now, no need to wait
        ("а какая за это статья?", "ждать сутки или три дня не нужно"),  # the emergency answer has the item: it stands
    ],
)
async def test_a_follow_up_after_a_missing_child_is_the_missing_child_answer(
    legal_index: Path, citizen: PartnerClient, question: str, missing_child_item: str
) -> None:
    body = await answer(citizen, question, [MISSING_CHILD])
    assert body["follow_up"] is True and body["urgent"] is True, body
    assert body["answer"].startswith(LEADS), body
    assert missing_child_item in body["answer"], body
    assert not any(title in body["answer"] for title in THEFT), body


async def test_no_theft_article_is_quoted_to_a_parent_asking_what_to_do(
    legal_index: Path, citizen: PartnerClient
) -> None:
    """Mixed with Russian, the reading is a little further from the missing-child item (below the emergency bar):
    the answer is the emergency lead, as before ea82759, never a quoted article."""
    body = await answer(citizen, "что делать?", [MISSING_CHILD])
    assert body["urgent"] is True and body["suggested_action"] == "call_102", body
    assert body["answer"].startswith(LEADS), body
    assert not any(title in body["answer"] for title in THEFT), body
