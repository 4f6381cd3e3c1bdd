"""Whether a question in a chat continues the earlier one, and the answer it gets when it does.

`ml.legal.follow_up` reads a follow-up's words (its opening, a verb of its own, pronouns, an age); this module weighs
them against answers: the question's own answer and the topic's. It needs the assistant's search and answers but not
the assistant: `LegalAssistant` hands it `answer` (a text answered alone) and the corpus, topics and retriever it
holds, so the two modules do not import each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import msgspec

from ml.lang import detect_language, reading_text
from ml.legal.corpus import Corpus
from ml.legal.events import adds_consequence, harms_in_a_taking, own_event, same_act
from ml.legal.excerpt import citation
from ml.legal.follow_up import (
    acknowledges,
    asks_if_lawful,
    asks_only_the_penalty,
    is_question,
    is_short,
    named_another_matter,
    opens_as_follow_up,
    refers_back,
    topic_of,
    word_count,
)
from ml.legal.general_part import asks_general_part, general_articles
from ml.legal.lexicon import doc_terms
from ml.legal.matters import names_another_matter
from ml.legal.messages import format_ref, message
from ml.legal.refs import resolve
from ml.legal.retrieval import Retriever, best_part
from ml.legal.schemas import Citation, LegalAnswer
from ml.legal.topics import Topics

# a follow-up this short that asks the offender's age or the time since ("5 лет назад", "ему 15") is that, said bare
BARE_CIRCUMSTANCE_WORDS = 3


class Answer(Protocol):
    """The assistant's answer to a text searched in a language (`asked_in`), written in `lang`; `follow_up`: the
    follow-up's own words when the text is it read with the question it continues (see `LegalAssistant._answer`)."""

    def __call__(self, text: str, asked_in: str, lang: str, *, follow_up: str = "") -> LegalAnswer: ...


@dataclass(frozen=True, slots=True)
class Bars:
    """The assistant's thresholds a follow-up is weighed with (`ml.legal.assistant` sets and explains them)."""

    max_citations: int
    # an article this close to a question (cosine) answers it confidently
    min_dense: float
    # a weak ("possibly relevant") answer's confidence stays at or below this
    weak_confidence: float


class Continuation:
    """Reads a question against the chat's earlier ones. Read-only after construction, like the assistant."""

    def __init__(self, answer: Answer, corpus: Corpus, topics: Topics, retriever: Retriever, bars: Bars) -> None:
        self.answer = answer
        self.corpus = corpus
        self.topics = topics
        self.retriever = retriever
        self.bars = bars

    def follow(self, text: str, asked_in: str, lang: str, alone: LegalAnswer, context: Sequence[str]) -> LegalAnswer:
        """`alone` (the answer to `text` alone), or the answer to `text` read with the earlier questions it continues
        (`follow_up` true). `text` and `context` are normalized."""
        chain = topic_of(context, self._stood_alone)
        if not chain:
            return alone
        together, topic = " ".join([*chain, text]), chain[0]  # topic: the question that named the matter
        if not self.continues(text, asked_in, alone, topic):
            return alone
        followed = self.answer(together, detect_language(together), lang, follow_up=text)
        if not followed.urgent and harms_in_a_taking(reading_text(text), asked_in, topic):
            followed = self._taking_first(followed, topic, lang)
        # the topic found nothing either ("what if he does it again?" after a question nothing answered), or only
        # "possibly relevant" articles: the question's own answer is no worse than quoting articles that do not apply
        # ("а можно ли записывать полицейского на видео?" after a theft quoted the theft articles at 0.16). A question
        # asking only the penalty of what was told has no answer of its own: what its words find alone ("наказание":
        # УК 62) is never better than the topic's, be it "nothing found" or a referral
        if (
            followed.faq_id
            or followed.urgent
            or (followed.citations and followed.confidence > self.bars.weak_confidence)
            or asks_only_the_penalty(reading_text(text))
            or asks_if_lawful(reading_text(text))
        ):
            followed = self._with_general_part(text, followed, lang, topic)
            return msgspec.structs.replace(followed, follow_up=True)
        return alone

    def continues(self, text: str, asked_in: str, alone: LegalAnswer, topic: str) -> bool:
        """Whether `text` continues the previous question. A question that names its own matter stands alone: an
        article reference, an emergency (its lead stands), a greeting, a long question, and a short one matching a
        known question of its own with nothing pointing back ("а за угон машины?" after the theft is the car-theft
        item, which the theft's words would push down). A short question follows the topic when it opens as a
        continuation ("а если…", "ал егер…", "what if…") or, too weak to answer alone, points back at what was said
        ("он", "ол", "again") or asks ("сумма маленькая?"): "спасибо" after an answer does neither. A private matter
        named by its own words ("а если сосед затопил квартиру?"), another matter named by a noun ("а если ДТП?",
        "what about a car accident?" after a theft) and a new event that the topic's answer has nothing in common
        with ("what if my landlord evicts me?" after a theft) stand alone too."""
        if alone.urgent or not is_short(text):
            return False
        reading = reading_text(text)
        refs, missing = resolve(text, self.corpus)
        if refs or missing or self.topics.conversation_kind(reading) is not None or acknowledges(reading):
            return False  # an acknowledgement ("понятно, спасибо", "this is fine") asks nothing to continue
        if self.topics.referral(reading) is not None:
            return False  # a referral's words name the matter: a flat flooded, a debt, a dismissal
        if asks_only_the_penalty(reading) or asks_if_lawful(reading):
            # "какое за это наказание?", "бұл қай бап?", "what is the penalty for that?", "это нормально?": it points
            # back and names no matter, however its words alone match an FAQ item ("какое наказание ему грозит?" is
            # near the theft item's variants) or an article ("бап": КоАП 434; "нормально": the working time, ТК 68)
            return True
        opens, points_back = opens_as_follow_up(text), refers_back(text)
        if opens and points_back:
            return True  # "а если он пьяный?" after a noisy neighbour: the drunk-driving item is not about him
        if opens and adds_consequence(reading, asked_in, topic):
            # "а если сломали руку?" after a beating: harm done by nobody new is that event's consequence, however
            # well it matches an FAQ item alone or whichever matter's cue its verb is ("сломали": vandalism), and the
            # harm's degree is graded within the earlier matter (УК 106 / 107 / 108-1)
            return True
        if alone.citations and names_another_matter(reading, asked_in, topic):
            # "а как насчёт ДТП?" after a theft: a road accident, not the theft's circumstance. Only when the question
            # finds some law of its own: a matter named by a word the search does not know ("а если через каспий?",
            # a bank the cues read as fraud) is better read with the topic than answered "nothing found"
            return False
        verbs = own_event(reading, asked_in, topic)
        if verbs and not same_act(verbs, asked_in, topic) and not self._same_matter(alone, topic):
            return False
        if (opens or points_back or is_question(text) or word_count(text) <= BARE_CIRCUMSTANCE_WORDS) \
                and asks_general_part(text):
            # someone's age or the time since is the earlier matter's circumstance however well the question matches
            # an FAQ item alone: "а если вору 15 лет?" names the thief, so alone it is the theft item itself, which
            # answered it without the age of liability. Said bare too ("5 лет назад", "прошло 5 лет?", "ему 15"):
            # alone it finds nothing, and "nothing found" answered the limitation question after a theft
            return True
        if opens and alone.faq_id is None:
            # a question that opens as a continuation but names a matter of its own that an article answers closely
            # ("если не платят алименты?": КоБС 139 at 0.87 by the embedding alone) is a new question
            return not self._names_own_matter(text, asked_in)
        # nothing found, or only "possibly relevant" articles (see the assistant's _plausible_articles)
        weak = (
            alone.faq_id is None
            and alone.confidence <= self.bars.weak_confidence
            and alone.suggested_action == "legal_aid"
        )
        return weak and (points_back or is_question(text))

    def _taking_first(self, followed: LegalAnswer, topic: str, lang: str) -> LegalAnswer:
        """The answer to bodily harm told after a robbery (`harms_in_a_taking`): the topic's own answer when the
        follow-up's reading does not lead with one of its articles. Searched together, the harm's words rank the
        articles on harm to health first ("у меня вырвали сумку на улице" → "а если меня избили?" quoted УК 108-1),
        yet violence in a robbery is the robbery's own grade (УК 191 ч. 2, 192), which the topic's answer tells."""
        asked_in = detect_language(topic)
        own = self.answer(topic, asked_in, lang)
        articles = {(c.code, c.article) for c in own.citations}
        first = (followed.citations[0].code, followed.citations[0].article) if followed.citations else None
        return followed if not articles or first in articles else own

    def _same_matter(self, alone: LegalAnswer, topic: str) -> bool:
        """Whether a follow-up telling an event of its own is still the topic's matter although its verb is not the
        topic's act as the search reads it (a verb the glossary does not know): the first article its own answer
        cites is one the topic's answer cites. Only the first: further citations of a vague question are noise ("ал
        егер көршім пәтерімді су басып кетсе?", a flat flooded, cited the theft article second)."""
        if not alone.citations:
            return False
        first = (alone.citations[0].code, alone.citations[0].article)
        asked_in = detect_language(topic)
        return first in {(c.code, c.article) for c in self.answer(topic, asked_in, asked_in).citations}

    def _names_own_matter(self, text: str, asked_in: str) -> bool:
        """Whether an article is as close to the question alone as a confident answer needs (`Bars.min_dense`); the
        query's vector is cached, so this second look costs the search only."""
        hits = self.retriever.search(reading_text(text), asked_in).articles[: self.bars.max_citations]
        return any(h.dense >= self.bars.min_dense for h in hits)

    def _stood_alone(self, question: str, chain: list[str]) -> bool:
        """Whether an earlier follow-up in the chat was answered on its own rather than with `chain`, the questions
        before it that it would have continued: a new event ("а если сосед затопил квартиру?" after a theft) restarts
        the chat's topic as a matter named by a noun does. Its answer is searched again (the embedding is cached)."""
        asked_in = detect_language(question)
        if named_another_matter(question, chain) and not adds_consequence(question, asked_in, chain[0]):
            return True
        return not self.continues(question, asked_in, self.answer(question, asked_in, asked_in), chain[0])

    def _with_general_part(self, text: str, answer: LegalAnswer, lang: str, topic: str) -> LegalAnswer:
        """A follow-up about the offender's age ("а если ему 15 лет?") or the time since ("а если прошло 5 лет?")
        also cites the code's general-part article (`ml.legal.general_part`) right after the offence's own first
        citation; one the answer cites further down moves up rather than being cited twice."""
        if not answer.citations:
            return answer
        first = answer.citations[0]
        terms = doc_terms(f"{first.title} {text}")
        added: list[Citation] = []
        for article, part in general_articles(text, topic, first.code, first.title):
            chunks = [c for c in self.corpus.chunks_of(first.code, article) if part is None or c.part == part]
            if chunks and article != first.article:
                added.append(citation(best_part(chunks, terms), terms))
        if not added:
            return answer
        moved = {(c.code, c.article) for c in added}
        rest = [c for c in answer.citations[1:] if (c.code, c.article) not in moved]
        refs = ", ".join(f"{format_ref(c.code, c.article, None, lang)} «{c.title}»" for c in added)
        return msgspec.structs.replace(
            answer,
            answer=f"{answer.answer}\n\n{message('see_also', lang, refs=refs)}",
            citations=[first, *added, *rest],
        )
