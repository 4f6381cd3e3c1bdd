"""msgspec Structs at the edge of the legal-help API."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct, field

Question = Annotated[str, Meta(min_length=1, max_length=2000,
                               description="The citizen's question in Kazakh, Russian or English",
                               examples=["ұрлық үшін қандай жаза?"])]

# The chat's earlier questions, so a follow-up ("а если ему 15 лет?" after "какое наказание за кражу?") is answered
# on their topic. Stateless: the client holds them, the server keeps nothing. Three is enough to reach the question a
# short chain of follow-ups continues; each is bounded like a question.
MAX_CONTEXT = 3
EarlierQuestion = Annotated[str, Meta(max_length=2000, description="An earlier question of the same chat")]
ChatContext = Annotated[
    list[EarlierQuestion],
    Meta(max_length=MAX_CONTEXT,
         description="The chat's previous questions (at most 3, newest last), so that a follow-up such as "
                     "\"а если ему 15 лет?\" is answered on their topic; a question that stands alone is answered "
                     "as without them. Nothing is stored: send them again with each question",
         examples=[["какое наказание за кражу?"]]),
]


class LegalQuestion(Struct, forbid_unknown_fields=True):
    question: Question
    # the answer language; detected from the question when absent
    language: Literal["kk", "ru", "en"] | None = None
    context: ChatContext = field(default_factory=list)


class CitationOut(Struct):
    code: str
    article: str
    part: str | None
    title: str
    excerpt: Annotated[str, Meta(description="Quoted verbatim from the official Russian text")]


class LegalAnswerOut(Struct):
    answer: str
    language: str
    citations: list[CitationOut]
    confidence: Annotated[float, Meta(ge=0, le=1)]
    suggested_action: Annotated[str, Meta(description="report | call_102 | call_112 | legal_aid | "
                                                      "complain_officer | info")]
    urgent: bool = False
    # what lets an app tell the citizen the answer took the earlier question into account: a follow-up read wrongly
    # (or rightly) is then visible, and the citizen can ask again in full
    follow_up: Annotated[bool, Meta(
        description="True when the question was read as a follow-up of the earlier questions in `context` and "
                    "answered on their topic (show e.g. \"answering in the context of your previous question\"); "
                    "false when it was answered on its own")] = False
