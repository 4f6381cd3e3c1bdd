"""LegalAssistant: a short, cited answer to a citizen's legal question, in the question's language.

The question is always searched in the language it is written in (detected from its text); the answer is written
in the requested language (the chat's or the app's), else in the question's. An English chat asking in Russian must
get the same law, the same FAQ and the same emergency advice as a Russian one.

Order of decisions, each one a safety property:
1. Emergencies first (`ml.urgency.detect_urgency`): "call 102/112 now" leads the answer, whatever else we know.
2. An explicit article reference ("ст. 188 УК", "ҚК 188-бап") is answered with that article; a reference to an
   article the corpus does not have ("статья 555 УК") is answered with that fact and the legal-aid route, never
   with another article.
3. A confident FAQ match gives the reviewed FAQ answer with its citations.
4. Otherwise the best article parts are quoted (extractive, never generated).
5. Nothing relevant enough → say so and route to legal aid. A citation is only ever built from the corpus.

A follow-up in a chat ("а если ему 15 лет?" after "какое наказание за кражу?") is answered once more, searched
together with the question it continues (`ml.legal.follow_up`), when the client sends the chat's earlier questions;
a question that stands alone gets the same answer with or without them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import msgspec

from ml.embedders import Embedder, get_embedder
from ml.lang import detect_language, reading_text
from ml.legal.corpus import Chunk, Corpus, load_corpus
from ml.legal.excerpt import excerpt
from ml.legal.faq import FaqItem, cached_faq
from ml.legal.follow_up import (
    AGE_OF_LIABILITY,
    asks_age,
    is_question,
    is_short,
    opens_as_follow_up,
    own_event,
    refers_back,
    same_act,
    topic_of,
    with_topic,
)
from ml.legal.index import LegalIndex, default_index_dir, load_index
from ml.legal.lexicon import doc_terms
from ml.legal.messages import format_ref, message
from ml.legal.question import normalize_question
from ml.legal.refs import ArticleRef, MissingRef, asks_about_something, resolve
from ml.legal.retrieval import ArticleHit, Retriever, SearchResult, best_part
from ml.legal.schemas import Citation, LegalAnswer
from ml.legal.topics import Referral, cached_topics
from ml.urgency import detect_urgency

# Thresholds, tuned on the FAQ's own question variants (leave-one-out) and 40 off-topic legal questions — not on
# the held-out evaluation set. An FAQ answer needs its score (cosine + 0.8·lexical coverage) AND agreement with the
# article ranking (the FAQ cites the top article): ~86 % precise on leave-one-out, 3/40 false accepts.
FAQ_MIN_SCORE = 1.0
# A question this close to one FAQ item (near-verbatim: cosine ~0.9+ and most words shared) and clearly ahead of the
# next item is answered from it even when the article ranking is pulled elsewhere: words like "полиция" rank КоАП 613
# (disobeying an officer) or 438 (false call) first for every question about an officer, so "как пожаловаться на
# полицейского" — the FAQ's own question — got no answer. Leave-one-out over the 500 FAQ variants: 8 more answers,
# 6 of them right (precision 0.873 → 0.870); off-topic questions stay below 0.9, far from this bar.
FAQ_STRONG_SCORE = 1.4
FAQ_STRONG_MARGIN = 0.2
# A clear FAQ match whose article the ranking places in the top three (not first) is the answer too: a word or two
# pulls a neighbour to the top ("за рулем" ranks КоАП 612, driving without documents, over the camera-fine item's 31;
# "гаишники" ranks 613, disobeying an officer, over the bribe item's 366), and the item's own answer is the better
# one. Below FAQ_STRONG_SCORE, so it needs that agreement with the ranking.
FAQ_CLEAR_SCORE = 1.2
FAQ_CLEAR_MARGIN = 0.1
FAQ_CLEAR_LEXICAL_SLACK = 0.02
# An FAQ answer added under the emergency lead must be clearly the question's (near matches 1.18-1.36 on everyday
# emergencies; wrong items at 1.05-1.07): a wrong one there tells someone in danger to do the wrong thing first
URGENT_FAQ_MIN_SCORE = 1.15
# FAQ actions of matters the police handle (the rest: legal_aid, info)
POLICE_ACTIONS = frozenset({"report", "call_102", "call_112", "complain_officer"})
# FAQ items about an emergency itself (a missing child, violence at home, a kidnapping): under the emergency lead such
# an item clearing URGENT_FAQ_MIN_SCORE answers even when the article ranking points elsewhere. "кызым үйге келмеди"
# (my daughter did not come home) is nearest to the missing-child item (1.20), but "үй" (home) ranks the theft
# article's "проникновение в жилище" first, so the parent was shown the theft article instead of what to do
EMERGENCY_ACTIONS = frozenset({"call_102", "call_112"})
# A private matter (a debt, an inheritance) is referred elsewhere unless an FAQ item of a police matter is this close:
# an offence named beside it (threats 1.24-1.36, a beating 1.44) keeps the question with the police, while the
# nearest item of a plain private question sits at 1.1-1.17 ("сосед затопил квартиру" → theft 1.14). Judged on
# hand-written questions, not on an evaluation set; a referral's own text names the police cases (deceit: 102)
REFERRAL_POLICE_FAQ_SCORE = 1.2
ARTICLE_MIN_DENSE = 0.86
ARTICLE_MIN_LEXICAL = 0.6
ARTICLE_WEAK_DENSE = 0.835
MAX_CITATIONS = 3
# a weak article answer's confidence stays at or below this (see _answer_articles): the question alone barely answers
WEAK_CONFIDENCE = 0.35
# an offence whose own article is about minors: a follow-up about age asks about the victim, not the offender
_ABOUT_MINORS = re.compile(r"несовершеннолет|малолет|ребен|детей|детьми", re.IGNORECASE)
# the word for "right now" in the emergency lead, per answer language (see _without_repeated_call)
_NOW_WORDS = {
    "ru": re.compile(r"\bсейчас\b", re.IGNORECASE),
    "kk": re.compile(r"\bқазір\b", re.IGNORECASE),
    "en": re.compile(r"\bnow\b", re.IGNORECASE),
}


def _numbers_for(advise: list[str]) -> str:
    nums = [n for n in advise if n in {"102", "112", "103", "101", "104"}] or ["102", "112"]
    return " / ".join(nums[:2])


class LegalAssistant:
    """Thread-safe: all state is read-only after `load`; the embedder serialises its own calls."""

    def __init__(self, corpus: Corpus, index: LegalIndex, faq: tuple[FaqItem, ...], embedder: Embedder) -> None:
        self.corpus = corpus
        self.faq = {item.id: item for item in faq}
        self.retriever = Retriever(corpus, index, faq, embedder)
        self.topics = cached_topics()

    @classmethod
    def load(cls, index_dir: Path | str | None = None, embedder: Embedder | None = None) -> LegalAssistant:
        """Open a built index (default `ZAN_LEGAL_INDEX_DIR` or the bundled `ml/models/legal-index/`). Never embeds;
        raises `LegalIndexError` if the index is missing or was built from another corpus, FAQ or embedder."""
        emb = embedder or get_embedder()
        index = load_index(Path(index_dir) if index_dir is not None else default_index_dir(), emb.name)
        return cls(load_corpus(), index, cached_faq(), emb)

    def ask(self, question: str, language: str | None = None, context: Sequence[str] = ()) -> LegalAnswer:
        """Answer `question` in `language` (kk / ru / en; None = the question's own language). `context`: the chat's
        earlier questions, oldest first; a follow-up among them ("а если ему 15 лет?") is answered with the topic of
        the question it continues. Without context, or for a question that stands alone, it changes nothing."""
        text = normalize_question(question)
        asked_in = detect_language(text) if text else "ru"
        lang = _answer_language(language) or asked_in
        if not text:
            return self._not_found(lang)
        alone = self._answer(text, asked_in, lang)
        earlier = [normalize_question(c) for c in context]
        together = with_topic(text, earlier) if any(earlier) else None
        topic = topic_of(earlier)[0] if together is not None else ""  # the question that named the matter
        if together is None or not self._continues(text, asked_in, alone, topic):
            return alone
        followed = self._answer(together, detect_language(together), lang)
        # the topic found nothing either ("what if he does it again?" after a question nothing answered), or only
        # "possibly relevant" articles: the question's own answer is no worse than quoting articles that do not apply
        # ("а можно ли записывать полицейского на видео?" after a theft quoted the theft articles at 0.16)
        if followed.faq_id or followed.urgent or (followed.citations and followed.confidence > WEAK_CONFIDENCE):
            followed = self._with_age_article(text, followed, lang, topic)
            return msgspec.structs.replace(followed, follow_up=True)
        return alone

    def _continues(self, text: str, asked_in: str, alone: LegalAnswer, topic: str) -> bool:
        """Whether `text` continues the previous question. A question that names its own matter stands alone: an
        article reference, an emergency (its lead stands), a greeting, a long question, and a short one matching a
        known question of its own with nothing pointing back ("а за угон машины?" after the theft is the car-theft
        item, which the theft's words would push down). A short question follows the topic when it opens as a
        continuation ("а если…", "ал егер…", "what if…") or, too weak to answer alone, points back at what was said
        ("он", "ол", "again") or asks ("сумма маленькая?"): "спасибо" after an answer does neither. A private matter
        named by its own words ("а если сосед затопил квартиру?") and a new event that the topic's answer has
        nothing in common with ("what if my landlord evicts me?" after a theft) stand alone too."""
        if alone.urgent or not is_short(text):
            return False
        reading = reading_text(text)
        refs, missing = resolve(text, self.corpus)
        if refs or missing or self.topics.conversation_kind(reading) is not None:
            return False
        if self.topics.referral(reading) is not None:
            return False  # a referral's words name the matter: a flat flooded, a debt, a dismissal
        opens, points_back = opens_as_follow_up(text), refers_back(text)
        if opens and points_back:
            return True  # "а если он пьяный?" after a noisy neighbour: the drunk-driving item is not about him
        verbs = own_event(reading, asked_in)
        if verbs and not same_act(verbs, asked_in, topic) and not self._same_matter(alone, topic):
            return False
        if opens and alone.faq_id is None:
            # a question that opens as a continuation but names a matter of its own that an article answers closely
            # ("если не платят алименты?": КоБС 139 at 0.87 by the embedding alone) is a new question
            return not self._names_own_matter(text, asked_in)
        # nothing found, or only "possibly relevant" articles (see _plausible_articles)
        weak = alone.faq_id is None and alone.confidence <= WEAK_CONFIDENCE and alone.suggested_action == "legal_aid"
        return weak and (points_back or is_question(text))

    def _same_matter(self, alone: LegalAnswer, topic: str) -> bool:
        """Whether a follow-up telling an event of its own is still the topic's matter although its verb is not the
        topic's act as the search reads it (a verb the glossary does not know): the first article its own answer
        cites is one the topic's answer cites. Only the first: further citations of a vague question are noise ("ал
        егер көршім пәтерімді су басып кетсе?", a flat flooded, cited the theft article second)."""
        if not alone.citations:
            return False
        first = (alone.citations[0].code, alone.citations[0].article)
        asked_in = detect_language(topic)
        return first in {(c.code, c.article) for c in self._answer(topic, asked_in, asked_in).citations}

    def _with_age_article(self, text: str, answer: LegalAnswer, lang: str, topic: str) -> LegalAnswer:
        """A follow-up about the offender's age ("а если ему 15 лет?") also cites the code's age-of-liability article,
        second, unless the topic is already about someone's age (the minor sold alcohol, "продал алкоголь подростку":
        the age is that person's) or so is the offence's own article. Its part sharing most words with the offence
        is quoted (УК 15 ч. 2 lists theft)."""
        if not asks_age(text) or asks_age(topic) or not answer.citations:
            return answer
        first = answer.citations[0]
        article = AGE_OF_LIABILITY.get(first.code)
        if article is None or _ABOUT_MINORS.search(first.title):
            return answer
        if any((c.code, c.article) == (first.code, article) for c in answer.citations[:MAX_CITATIONS]):
            return answer
        chunks = self.corpus.chunks_of(first.code, article)
        if not chunks:
            return answer
        terms = doc_terms(f"{first.title} {text}")
        cite = self._citation(best_part(chunks, terms), terms)
        see_also = message("see_also", lang, refs=f"{format_ref(cite.code, cite.article, None, lang)} «{cite.title}»")
        return msgspec.structs.replace(
            answer, answer=f"{answer.answer}\n\n{see_also}", citations=[first, cite, *answer.citations[1:]]
        )

    def _names_own_matter(self, text: str, asked_in: str) -> bool:
        """Whether an article is as close to the question alone as a confident answer needs (ARTICLE_MIN_DENSE); the
        query's vector is cached, so this second look costs the search only."""
        hits = self.retriever.search(reading_text(text), asked_in).articles[:MAX_CITATIONS]
        return any(h.dense >= ARTICLE_MIN_DENSE for h in hits)

    def _answer(self, text: str, asked_in: str, lang: str) -> LegalAnswer:
        """The answer to `text` (normalized, non-empty) searched in `asked_in`, written in `lang`."""
        urgency = detect_urgency(text, lang)
        refs, missing = resolve(text, self.corpus)
        if refs and not urgency.urgent:
            return self._answer_refs(text, lang, refs, missing)
        if missing and not urgency.urgent:
            return self._answer_missing(lang, missing)
        if not urgency.urgent and not asks_about_something(text):
            return self._not_found(lang)  # "188", "статья", "кодекс": no matter to search, so no article to quote
        # the stemmer, glossary and FAQ variants are chosen by the language of the words themselves, not by the
        # language of the answer; a question typed in Latin letters is searched in Cyrillic, the script of the codes
        reading = reading_text(text)
        result = self.retriever.search(reading, asked_in)
        faq = self._confident_faq(result)
        if urgency.urgent:
            urgent = self._answer_urgent(lang, urgency.advise, result, faq)
            return _with_note(urgent, self._missing_note(lang, missing)) if missing else urgent
        referral = self.topics.referral(reading)
        if referral is not None and faq is not None and faq.id in referral.leads:
            answer = self._answer_faq(lang, faq, result)
            return msgspec.structs.replace(answer, answer=f"{referral.answer[lang]}\n\n{answer.answer}")
        overruled = referral is not None and bool(result.faq) and result.faq[0].item.id in referral.over
        if faq is not None and (referral is None or (not overruled and self._outweighs(result))):
            return self._answer_faq(lang, faq, result)
        if referral is not None and (overruled or not self._police_matter(result)):
            return self._answer_referral(lang, referral)
        hits = self._confident_articles(result)
        if hits:
            return self._answer_articles(lang, hits, result, weak=False)
        hits = self._plausible_articles(result)
        if hits:
            return self._answer_articles(lang, hits, result, weak=True)
        return self._not_found(lang, self.topics.conversation_kind(reading))

    # -- decisions ---------------------------------------------------------------------------------------------

    def _confident_faq(self, result: SearchResult) -> FaqItem | None:
        if not result.faq or not result.articles:
            return None
        top = result.faq[0]
        best = (result.articles[0].code, result.articles[0].article)
        if top.score >= FAQ_MIN_SCORE and any((c.code, c.article) == best for c in top.item.citations):
            return top.item
        if _clear_faq(result):
            return top.item
        return top.item if _near_verbatim(result) else None

    def _outweighs(self, result: SearchResult) -> bool:
        """Whether the confident FAQ answer stands although the question names a private matter: a police matter
        does, and so does a near-verbatim FAQ question; another private or informational item sharing a few words
        does not ("жүргізуші куәлігін қалай алуға болады", how to get a driving licence, matched the item on losing
        one at 1.34 and was told the penalties for drunk driving instead of where licences are issued)."""
        return self._police_matter(result) or _near_verbatim(result)

    def _police_matter(self, result: SearchResult) -> bool:
        """Whether the question is close to an FAQ item the police handle (threats, a beating, fraud): "коллекторы
        угрожают из-за долга" is not only a private matter, so no referral sends it away."""
        return bool(result.faq) and result.faq[0].score >= REFERRAL_POLICE_FAQ_SCORE and (
            result.faq[0].item.suggested_action in POLICE_ACTIONS
        )

    def _confident_articles(self, result: SearchResult) -> list[ArticleHit]:
        """The top articles, when at least one of them is supported by two rankings or strongly by one."""
        hits = result.articles[:MAX_CITATIONS]
        if any(h.agreement >= 2 or h.dense >= ARTICLE_MIN_DENSE or h.lexical >= ARTICLE_MIN_LEXICAL for h in hits):
            return hits
        return []

    def _plausible_articles(self, result: SearchResult) -> list[ArticleHit]:
        """Weaker evidence: the question is close to some article head. Shown as "possibly relevant" with a
        legal-aid route; off-topic questions stay below ARTICLE_WEAK_DENSE (everyday questions reach ~0.83)."""
        hits = result.articles[:MAX_CITATIONS]
        return hits if hits and max(h.dense for h in hits) >= ARTICLE_WEAK_DENSE else []

    # -- answers -----------------------------------------------------------------------------------------------

    def _citation(self, chunk: Chunk, terms: list[str]) -> Citation:
        return Citation(
            code=chunk.code,
            article=chunk.article,
            part=chunk.part,
            title=chunk.title,
            excerpt=excerpt(chunk.text, terms),
        )

    def _faq_citations(self, item: FaqItem, terms: list[str]) -> list[Citation]:
        cites = []
        for c in item.citations:
            chunks = [ch for ch in self.corpus.chunks_of(c.code, c.article) if c.part is None or ch.part == c.part]
            if not chunks:
                continue  # validated at build time; a missing part is skipped rather than invented
            cites.append(self._citation(best_part(chunks, terms), terms))
        return cites

    def _with_related(self, citations: list[Citation], result: SearchResult) -> list[Citation]:
        """FAQ citations first, then retrieved articles that both retrieval rankings (embeddings and BM25) agree on,
        up to MAX_CITATIONS articles. The FAQ ranking does not count here: an article it ranks that the answered item
        does not cite comes from an item that lost ("на меня напала собака", answered with the dog-bite item, also
        cited the animal-cruelty article that the cruelty item had ranked)."""
        seen = {(c.code, c.article) for c in citations}
        out = list(citations)
        for hit in result.articles[:MAX_CITATIONS]:
            if len(seen) >= MAX_CITATIONS:
                break
            if all(0 < r <= 5 for r in hit.ranks[:2]) and (hit.code, hit.article) not in seen:
                seen.add((hit.code, hit.article))
                out.append(self._citation(hit.chunk, result.terms.all))
        return out

    def _answer_faq(self, lang: str, item: FaqItem, result: SearchResult) -> LegalAnswer:
        top = result.faq[0]
        return LegalAnswer(
            answer=item.answer.get(lang) or item.answer["ru"],
            language=lang,
            citations=self._with_related(self._faq_citations(item, result.terms.all), result),
            confidence=round(_clip(0.7 + 0.5 * (top.score - FAQ_MIN_SCORE)), 3),
            suggested_action=item.suggested_action,
            faq_id=item.id,
        )

    def _answer_urgent(self, lang: str, advise: list[str], result: SearchResult, faq: FaqItem | None) -> LegalAnswer:
        numbers = _numbers_for(advise)
        lead = message("urgent", lang, numbers=numbers)
        citations: list[Citation] = []
        # the FAQ's answer follows the emergency lead only when it is clearly the question's: "біреу есікті бұзып
        # жатыр" (someone is breaking the door in) got the card-fraud item's "call your bank first" at 1.07
        if not result.faq or result.faq[0].score < URGENT_FAQ_MIN_SCORE:
            faq = None
        elif faq is None and result.faq[0].item.suggested_action in EMERGENCY_ACTIONS:
            faq = result.faq[0].item
        if faq is not None:
            citations = self._faq_citations(faq, result.terms.all)
            lead = f"{lead}\n\n{_without_repeated_call(faq.answer.get(lang) or faq.answer['ru'], numbers, lang)}"
        else:
            hits = self._confident_articles(result)
            citations = [self._citation(h.chunk, result.terms.all) for h in hits[:2]]
        action = _call_action(numbers)
        return LegalAnswer(
            answer=lead,
            language=lang,
            citations=citations,
            confidence=1.0,
            suggested_action=action,
            faq_id=faq.id if faq else None,
            urgent=True,
        )

    def _answer_articles(self, lang: str, hits: list[ArticleHit], result: SearchResult, weak: bool) -> LegalAnswer:
        terms = result.terms.all
        citations = [self._citation(h.chunk, terms) for h in hits]
        first = citations[0]
        parts = [
            message(
                "article_weak" if weak else "article",
                lang,
                ref=format_ref(first.code, first.article, first.part, lang),
                title=first.title,
                excerpt=first.excerpt,
            )
        ]
        if len(citations) > 1:
            others = ", ".join(f"{format_ref(c.code, c.article, None, lang)} «{c.title}»" for c in citations[1:])
            parts.append(message("see_also", lang, refs=others))
        parts.append(message("weak_route" if weak else "disclaimer", lang))
        top = hits[0]
        # agreement between rankings is what makes an article answer trustworthy; a weak answer stays below 0.35
        confidence = _clip(0.25 * top.agreement + 0.25 * top.lexical + 2.0 * max(0.0, top.dense - 0.8))
        confidence = min(confidence, WEAK_CONFIDENCE) if weak else max(confidence, 0.4)
        return LegalAnswer(
            answer="\n".join(parts),
            language=lang,
            citations=citations,
            confidence=round(confidence, 3),
            suggested_action="legal_aid" if weak else "info",
        )

    def _answer_refs(self, text: str, lang: str, refs: list[ArticleRef], missing: list[MissingRef]) -> LegalAnswer:
        terms = doc_terms(text)
        citations: list[Citation] = []
        lines: list[str] = []
        for ref in refs[:MAX_CITATIONS]:
            art = self.corpus.article(ref.code, ref.article)
            if art is None:
                continue
            if art.repealed:
                lines.append(
                    message("repealed", lang, ref=format_ref(ref.code, ref.article, None, lang), title=art.title)
                )
                continue
            chunks = [c for c in self.corpus.chunks_of(ref.code, ref.article) if ref.part is None or c.part == ref.part]
            chunk = chunks[0]
            cite = Citation(
                code=chunk.code,
                article=chunk.article,
                part=ref.part,
                title=chunk.title,
                excerpt=excerpt(chunk.text, terms) if ref.part else excerpt(art.parts[0].text, terms),
            )
            citations.append(cite)
            if ref.missing_part:
                lines.append(
                    message("missing_part_note", lang, ref=format_ref(ref.code, ref.article, ref.missing_part, lang))
                )
            lines.append(
                message(
                    "reference",
                    lang,
                    ref=format_ref(cite.code, cite.article, cite.part, lang),
                    title=cite.title,
                    excerpt=cite.excerpt,
                )
            )
        if not lines:
            return self._answer_missing(lang, missing) if missing else self._not_found(lang)
        if missing:  # "статья 188 и статья 999 УК": answer the one that exists, say the other was not found
            lines.append(self._missing_note(lang, missing))
        # the article is the one asked for, but not the part: the quote answers a neighbouring question
        partial = any(r.missing_part for r in refs[:MAX_CITATIONS])
        return LegalAnswer(
            answer="\n".join(lines),
            language=lang,
            citations=citations,
            confidence=0.5 if partial or not citations else 1.0,
            suggested_action="info",
        )

    def _answer_missing(self, lang: str, missing: list[MissingRef]) -> LegalAnswer:
        """The question names only articles the corpus does not have: a neighbouring article would look like an
        answer to the question asked, so say that the article was not found and route to legal aid."""
        return LegalAnswer(
            answer=message("missing_article", lang, refs=_missing_refs_text(missing, lang)),
            language=lang,
            citations=[],
            confidence=0.0,
            suggested_action="legal_aid",
        )

    def _missing_note(self, lang: str, missing: list[MissingRef]) -> str:
        return message("missing_article_note", lang, refs=_missing_refs_text(missing, lang))

    def _answer_referral(self, lang: str, referral: Referral) -> LegalAnswer:
        """A private matter: who handles it instead of the police. No citation: the codes quoted here do not
        govern it, and a neighbouring article would look like an answer."""
        return LegalAnswer(answer=referral.answer[lang], language=lang, citations=[], confidence=0.5,
                           suggested_action="legal_aid")

    def _not_found(self, lang: str, conversation: str | None = None) -> LegalAnswer:
        """No provision answers: say so and route to legal aid; a greeting or an insult hears what the assistant
        can do instead (it asked nothing "no provision found" answers)."""
        return LegalAnswer(
            answer=message(conversation or "not_found", lang), language=lang, citations=[], confidence=0.0,
            suggested_action="legal_aid",
        )


def answer_if_urgent(question: str, language: str | None = None) -> LegalAnswer | None:
    """The emergency lead alone when `question` is urgent, else None: patterns only, no index, model or search, so
    it costs next to nothing and needs nothing loaded. What an urgent question still gets when the assistant cannot
    search (too busy, or its index unusable): someone being hurt now must hear 102/112, not "try later"."""
    text = normalize_question(question)
    if not text:
        return None
    lang = _answer_language(language) or detect_language(text)
    urgency = detect_urgency(text, lang)
    if not urgency.urgent:
        return None
    numbers = _numbers_for(urgency.advise)
    return LegalAnswer(answer=message("urgent", lang, numbers=numbers), language=lang, citations=[],
                       confidence=1.0, suggested_action=_call_action(numbers), urgent=True)


def _missing_refs_text(missing: list[MissingRef], lang: str) -> str:
    """ "УК РК ст. 555" / "УК РК ст. 999, КоАП РК ст. 999" (a reference without a code was looked up in both)."""
    return "; ".join(", ".join(format_ref(code, ref.article, None, lang) for code in ref.codes)
                     for ref in missing[:MAX_CITATIONS])


def _near_verbatim(result: SearchResult) -> bool:
    """Whether the question is nearly one FAQ item's own question and clearly ahead of the next item's."""
    runner_up = result.faq[1].score if len(result.faq) > 1 else 0.0
    return bool(result.faq) and result.faq[0].score >= FAQ_STRONG_SCORE and (
        result.faq[0].score - runner_up >= FAQ_STRONG_MARGIN
    )


def _clear_faq(result: SearchResult) -> bool:
    """Whether the top FAQ item is well ahead of the next and cites one of the top articles. An item citing the same
    articles is no rival ("пропал муж" is near both missing-person items, which both cite УПК 180 and 185)."""
    top = result.faq[0]
    cites = {(c.code, c.article) for c in top.item.citations}
    rivals = [m.score for m in result.faq[1:] if {(c.code, c.article) for c in m.item.citations} != cites]
    runner_up = rivals[0] if rivals else 0.0
    # the article must also be near the top of a retrieval ranking (embeddings or BM25), not only there by the FAQ
    # ranking the item itself feeds ("требуют 500 тысяч иначе выложат мои фото": extortion, УК 194 first, is near
    # the online-abuse item at 1.21, whose УК 147 only that ranking brings up), and cover the question's words about
    # as well as the leader: a leader with more of them is the question's own article (leave-one-out on the FAQ's
    # variants: "наказание за употребление наркотиков" without its item is near the dealing item, whose УК 297 is
    # second to the use article 296; the leader covers more, so 296 stays first)
    leader = result.articles[0].lexical - FAQ_CLEAR_LEXICAL_SLACK
    ranked = {
        (h.code, h.article)
        for h in result.articles[:MAX_CITATIONS]
        if any(0 < r <= 5 for r in h.ranks[:2]) and h.lexical >= leader
    }
    return (
        top.score >= FAQ_CLEAR_SCORE
        and top.score - runner_up >= FAQ_CLEAR_MARGIN
        and any((c.code, c.article) in ranked for c in top.item.citations)
    )


def _without_repeated_call(text: str, numbers: str, lang: str) -> str:
    """The FAQ answer without its "if you are in danger right now, call 102" sentence, which the emergency lead
    above it has just said ("Муж избивает меня прямо сейчас" read "call 102" twice). Only a sentence naming a number
    the lead gives and "now" goes: "call 102 and an ambulance 103" or "report it to the police (102)" stay."""
    given = set(re.findall(r"\d{3}", numbers))
    now = _NOW_WORDS.get(lang, _NOW_WORDS["en"])
    # split keeping each sentence's trailing space or line break, so the rest of the answer reads as written
    sentences = re.findall(r".+?(?:[.!?](?:\s+|$)|$)", text, flags=re.DOTALL)
    kept = [s for s in sentences if not (given & set(re.findall(r"\b\d{3}\b", s)) and now.search(s))]
    return "".join(kept).strip() or text


def _with_note(answer: LegalAnswer, note: str) -> LegalAnswer:
    return msgspec.structs.replace(answer, answer=f"{answer.answer}\n\n{note}")


def _answer_language(language: str | None) -> str | None:
    """The requested answer language (kk / ru / en, "kz" accepted; anything else reads as ru); None if none was."""
    if not language:
        return None
    lang = language.lower()
    return "kk" if lang in {"kz", "kaz", "kk"} else lang if lang in {"ru", "en"} else "ru"


def _call_action(numbers: str) -> str:
    """The call button for the numbers the answer leads with. Apps turn the action into a button: a gas leak or a
    person unconscious ("104 / 112", "103 / 112") must get 112, never the police line the answer does not name.
    The first number decides when it has a button (102, 112); else 102 if the answer names it, else 112."""
    named = numbers.split(" / ")
    if named[0] in {"102", "112"}:
        return f"call_{named[0]}"
    return "call_102" if "102" in named else "call_112"


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))
