"""After a follow-up that switched the topic by a noun ("а если ДТП?" after a theft, answered alone), the chat's
next follow-up continues the new matter, not the theft: `topic_of` walked past the switch (it opens with "а если")
back to the theft, and "а если он скрылся?" got the theft article marked as read with the previous question. Found by
a second reading."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from ml.legal.follow_up import topic_of

THEFT_RU, THEFT_EN = "какое наказание за кражу?", "what is the punishment for theft?"


def test_the_topic_starts_at_a_switch() -> None:
    assert topic_of([THEFT_RU, "а если ДТП?"]) == ["а если ДТП?"]
    assert topic_of([THEFT_EN, "what about a car accident?"]) == ["what about a car accident?"]
    # a refinement of the theft stays in its chain
    assert topic_of([THEFT_RU, "а если сумма маленькая?"]) == [THEFT_RU, "а если сумма маленькая?"]


@pytest.mark.parametrize(("context", "question"), [
    ([THEFT_RU, "а если ДТП?"], "а если он скрылся?"),
    ([THEFT_EN, "what about a car accident?"], "what if he drove away?"),
])
def test_a_follow_up_after_the_switch_is_not_read_with_the_old_topic(assistant: LegalAssistant,
                                                                     context: list[str], question: str) -> None:
    assert not assistant.ask(context[1], context=context[:1]).follow_up  # the switch itself stands alone
    answer = assistant.ask(question, context=context)
    cited = [(c.code, c.article) for c in answer.citations]
    assert answer.faq_id != "theft" and cited[:1] != [("УК РК", "188")], (answer.follow_up, answer.faq_id, cited)
