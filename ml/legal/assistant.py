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
together with the question it continues (`ml.legal.continuation`), when the client sends the chat's earlier questions;
a question that stands alone gets the same answer with or without them. A follow-up of an urgent question gets the
emergency answer again; one asking what the law says ("а какая за это статья?" after "меня бьют прямо сейчас") gets
the matter's answer under the emergency lead when the emergency answer has no FAQ item of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from ml.embedders import Embedder, get_embedder
from ml.lang import detect_language, reading_text
from ml.legal.continuation import Bars, Continuation
from ml.legal.corpus import Corpus, load_corpus
from ml.legal.emergency import call_action, numbers_for, without_repeated_call
from ml.legal.excerpt import citation, excerpt
from ml.legal.faq import FaqCitation, FaqItem, cached_faq
from ml.legal.follow_up import acknowledges, asks_the_law
from ml.legal.index import LegalIndex, default_index_dir, load_index
from ml.legal.lexicon import doc_terms
from ml.legal.messages import answer_language, format_ref, message
from ml.legal.question import normalize_question
from ml.legal.refs import ArticleRef, MissingRef, asks_about_something, resolve
from ml.legal.retrieval import ArticleHit, Retriever, SearchResult, best_part
from ml.legal.schemas import Citation, LegalAnswer
from ml.legal.scope import asks_foreign_law, said_once
from ml.legal.topics import Referral, cached_topics
from ml.urgency import Urgency, detect_urgency

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
# The FAQ item of the emergency the urgency patterns recognised (a reason code of `ml.urgency`): the patterns have read
# the matter, so its item answers under the lead when no item clears URGENT_FAQ_MIN_SCORE and it still clears
# FAQ_MIN_SCORE. "кызым үйге келмеди" followed by "что делать?" is searched as one mixed text, whose missing-child item
# sits at 1.13 while "үй" (home) ranks the theft and home-intrusion articles first: the parent got the lead and the
# theft article (УК 188) instead of what to do about a missing child
URGENT_REASON_FAQ = {
    "missing_child": "missing_child",
    "vulnerable_missing": "missing_person",
    "kidnapping": "kidnapping",
    # "моего брата убили, что делать?" was nearest to the item on threats of murder (УК 115), and "his brother was
    # killed" cited nothing: a killing's own item names the murder article (УК 99)
    "killing": "murder",
}
# What an emergency the urgency patterns recognised may also be in the codes, cited under the lead after the answer's
# own articles when there is room: someone getting into a home now is an intrusion (УК 149, the home-intrusion item)
# and, as an intruder is after the property more often than not, an attempted theft with entry into a home (УК 188
# ч. 3), which that item's answer names; and УК 149 itself when neither an item nor an article cited it ("сейчас кто
# то ходит по квартире" cited the theft alone). Only under the lead: an eviction, also УК 149, is no theft
URGENT_REASON_ALSO = {
    "break_in_progress": (FaqCitation("УК РК", "149", "1"), FaqCitation("УК РК", "188", "3")),
    # a fire at home is careless handling of fire more often than arson (УК 204 ч. 2), and a breach of the fire
    # safety rules (КоАП 410 ч. 1)
    "fire": (FaqCitation("УК РК", "204", "2"), FaqCitation("КоАП РК", "410", "1")),
    # a killing is murder (УК 99 ч. 1) whatever item or article answers ("соседа убили, что будет убийце?" cited none)
    "killing": (FaqCitation("УК РК", "99", "1"),),
}
# FAQ items that never answer under the lead of an emergency the urgency patterns recognised, whatever their score:
# "курил в постели, теперь горит диван" and "в подъезде много дыма" are nearest to the smoking-fine item (1.17-1.20,
# above URGENT_FAQ_MIN_SCORE), whose fine tells someone in a fire nothing to do. The words that drew the item also
# rank its matter's articles (smoking, tobacco sales), so none of those is quoted either: the emergency's own
# articles (URGENT_REASON_ALSO) are
URGENT_REASON_NOT_FAQ = {
    "fire": frozenset({"smoking_in_public", "tobacco_to_minors"}),
    # smoke that makes children cough ("в квартире дым, дети кашляют, сосед курит") drew the smoking fine and, in
    # English, the item on selling tobacco to minors: neither tells anyone what to do about the smoke
    "smoke_inhalation": frozenset({"smoking_in_public", "tobacco_to_minors"}),
    # a person killed beside an animal ("убили собаку и хозяина") is nearest to the animal-cruelty item, whose fine
    # for cruelty is no answer to a killing
    "killing": frozenset({"animal_cruelty"}),
    # a fight going on ("the neighbours are fighting loudly and police never came") is nearest to the noise item, whose
    # hours of silence are no answer to people fighting
    "violence_in_progress": frozenset({"noise_at_night"}),
}
# Emergencies of health (a person not reacting, choking, not breathing), of which no FAQ item tells: under their lead
# only an item of an emergency matter (EMERGENCY_ACTIONS: a killing, violence at home…) may answer. A child's or a
# person's words alone draw the family and labour items ("бала тұншығып жатыр" to the divorce item at 1.33, "ребенок не
# дышит" to the dismissal of a pregnant woman), which tell someone whose child is choking nothing
URGENT_REASONS_OF_HEALTH = frozenset({"unconscious"})
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


class LegalAssistant:
    """Thread-safe: all state is read-only after `load`; the embedder serialises its own calls."""

    def __init__(self, corpus: Corpus, index: LegalIndex, faq: tuple[FaqItem, ...], embedder: Embedder) -> None:
        self.corpus = corpus
        self.faq = {item.id: item for item in faq}
        self.retriever = Retriever(corpus, index, faq, embedder)
        self.topics = cached_topics()
        self.continuation = Continuation(
            self._answer,
            corpus,
            self.topics,
            self.retriever,
            Bars(max_citations=MAX_CITATIONS, min_dense=ARTICLE_MIN_DENSE, weak_confidence=WEAK_CONFIDENCE),
        )

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
        lang = answer_language(language) or asked_in
        if not text:
            return self._not_found(lang)
        alone = self._answer(text, asked_in, lang)
        return self.continuation.follow(text, asked_in, lang, alone, [normalize_question(c) for c in context])

    def _answer(self, text: str, asked_in: str, lang: str, *, follow_up: str = "") -> LegalAnswer:
        """The answer to `text` (normalized, non-empty) searched in `asked_in`, written in `lang`. `follow_up`: the
        follow-up's own words when `text` is it read together with the question it continues
        (`ml.legal.continuation`). When that question told a danger now, the reading is urgent again, and the
        emergency answer stands: its checks (URGENT_FAQ_MIN_SCORE, the emergency's own FAQ item first) keep a wrong
        item or article from someone in danger ("что делать?" after "кызым үйге келмеди", my daughter did not come
        home, is the missing-child item, not the theft article "үй" ranks first). Only when that answer has no FAQ
        item and the follow-up asks what the law says ("а какая за это статья?" after "меня бьют прямо сейчас") does
        the matter's own answer (its FAQ item or quoted articles) follow the emergency lead: the emergency answer
        quoted no article then, and cited none when no article was confident."""
        urgency = detect_urgency(text, asked_in)
        answer = self._decide(text, asked_in, lang, urgency)
        if not (answer.urgent and answer.faq_id is None and follow_up and asks_the_law(reading_text(follow_up))):
            return answer
        found = self._decide(text, asked_in, lang, Urgency(urgent=False))
        # a weak or empty reading of the matter is no answer to put under the lead (see Continuation.follow), nor is
        # an item barred under it (URGENT_REASON_NOT_FAQ: the smoking fine after "горит диван")
        if found.faq_id in _barred_items(urgency, self.faq.values()):
            return answer
        if found.faq_id or (found.citations and found.confidence > WEAK_CONFIDENCE):
            return _under_lead(found, urgency.advise, lang)
        return answer

    def _decide(self, text: str, asked_in: str, lang: str, urgency: Urgency) -> LegalAnswer:
        """`_answer` once the urgency of `text` is known."""
        if not urgency.urgent and acknowledges(reading_text(text)):
            return self._not_found(lang, "thanks")  # "понятно, спасибо": no question, so no law to quote
        if not urgency.urgent and asks_foreign_law(text):
            # "статья 158 УК РФ", "по законам России": the codes here are Kazakhstan's; УК РК 158 or the Kazakh theft
            # article would answer a question about another country's law as if it were its answer
            return self._not_found(lang, "foreign_law")
        refs, missing = resolve(text, self.corpus)
        if refs and not urgency.urgent:
            return self._answer_refs(text, lang, refs, missing)
        if missing and not urgency.urgent:
            return self._answer_missing(lang, missing)
        if not urgency.urgent and not asks_about_something(text):
            return self._not_found(lang)  # "188", "статья", "кодекс": no matter to search, so no article to quote
        # the stemmer, glossary and FAQ variants are chosen by the language of the words themselves, not by the
        # language of the answer; a question typed in Latin letters is searched in Cyrillic, the script of the codes
        # a phrase repeated to the length limit is searched once: its repetitions pulled unrelated articles up
        reading = reading_text(said_once(text))
        result = self.retriever.search(reading, asked_in)
        faq = self._confident_faq(result)
        if urgency.urgent:
            urgent = self._answer_urgent(lang, urgency, result, faq)
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
        return (
            bool(result.faq)
            and result.faq[0].score >= REFERRAL_POLICE_FAQ_SCORE
            and (result.faq[0].item.suggested_action in POLICE_ACTIONS)
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

    def _faq_citations(self, item: FaqItem, terms: list[str]) -> list[Citation]:
        return self._parts_cited(item.citations, terms)

    def _parts_cited(self, parts: Sequence[FaqCitation], terms: list[str]) -> list[Citation]:
        cites = []
        for c in parts:
            chunks = [ch for ch in self.corpus.chunks_of(c.code, c.article) if c.part is None or ch.part == c.part]
            if not chunks:
                continue  # validated at build time; a missing part is skipped rather than invented
            cites.append(citation(best_part(chunks, terms), terms))
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
                out.append(citation(hit.chunk, result.terms.all))
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

    def _answer_urgent(self, lang: str, urgency: Urgency, result: SearchResult, faq: FaqItem | None) -> LegalAnswer:
        numbers = numbers_for(urgency.advise)
        lead = message("urgent", lang, numbers=numbers)
        citations: list[Citation] = []
        # the FAQ's answer follows the emergency lead only when it is clearly the question's: "біреу есікті бұзып
        # жатыр" (someone is breaking the door in) got the card-fraud item's "call your bank first" at 1.07
        barred = _barred_items(urgency, self.faq.values())
        drawn_elsewhere = bool(result.faq) and result.faq[0].item.id in barred
        if not result.faq or result.faq[0].score < URGENT_FAQ_MIN_SCORE or drawn_elsewhere:
            faq = None
        elif faq is None and result.faq[0].item.suggested_action in EMERGENCY_ACTIONS:
            faq = result.faq[0].item
        faq = faq or _reason_item(urgency, result)
        if faq is not None:
            citations = self._faq_citations(faq, result.terms.all)
            lead = f"{lead}\n\n{without_repeated_call(faq.answer.get(lang) or faq.answer['ru'], numbers, lang)}"
        elif not drawn_elsewhere:
            hits = self._confident_articles(result)
            citations = [citation(h.chunk, result.terms.all) for h in hits[:2]]
        citations += self._also_cited(urgency, citations, result.terms.all)
        action = call_action(numbers)
        return LegalAnswer(
            answer=lead,
            language=lang,
            citations=citations,
            confidence=1.0,
            suggested_action=action,
            faq_id=faq.id if faq else None,
            urgent=True,
        )

    def _also_cited(self, urgency: Urgency, citations: list[Citation], terms: list[str]) -> list[Citation]:
        """The articles an emergency is also (URGENT_REASON_ALSO) that `citations` leave out, while they are fewer
        than MAX_CITATIONS."""
        cited = {(c.code, c.article) for c in citations}
        also = [c for r in urgency.reasons for c in URGENT_REASON_ALSO.get(r, ()) if (c.code, c.article) not in cited]
        return self._parts_cited(also, terms)[: max(0, MAX_CITATIONS - len(citations))]

    def _answer_articles(self, lang: str, hits: list[ArticleHit], result: SearchResult, weak: bool) -> LegalAnswer:
        terms = result.terms.all
        citations = [citation(h.chunk, terms) for h in hits]
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
        return LegalAnswer(
            answer=referral.answer[lang], language=lang, citations=[], confidence=0.5, suggested_action="legal_aid"
        )

    def _not_found(self, lang: str, conversation: str | None = None) -> LegalAnswer:
        """No provision answers: say so and route to legal aid; a greeting or an insult hears what the assistant
        can do instead (it asked nothing "no provision found" answers)."""
        return LegalAnswer(
            answer=message(conversation or "not_found", lang),
            language=lang,
            citations=[],
            confidence=0.0,
            suggested_action="legal_aid",
        )


def _missing_refs_text(missing: list[MissingRef], lang: str) -> str:
    """ "УК РК ст. 555" / "УК РК ст. 999, КоАП РК ст. 999" (a reference without a code was looked up in both)."""
    return "; ".join(
        ", ".join(format_ref(code, ref.article, None, lang) for code in ref.codes) for ref in missing[:MAX_CITATIONS]
    )


def _reason_item(urgency: Urgency, result: SearchResult) -> FaqItem | None:
    """The FAQ item of the emergency the urgency patterns recognised (URGENT_REASON_FAQ), when the question is as
    close to it as a confident FAQ answer needs (FAQ_MIN_SCORE)."""
    ids = {URGENT_REASON_FAQ[r] for r in urgency.reasons if r in URGENT_REASON_FAQ}
    return next((m.item for m in result.faq if m.item.id in ids and m.score >= FAQ_MIN_SCORE), None)


def _barred_items(urgency: Urgency, items: Iterable[FaqItem]) -> frozenset[str]:
    """The FAQ items that never answer under the lead of `urgency` (URGENT_REASON_NOT_FAQ, URGENT_REASONS_OF_HEALTH)."""
    barred = {i for r in urgency.reasons for i in URGENT_REASON_NOT_FAQ.get(r, ())}
    if URGENT_REASONS_OF_HEALTH & set(urgency.reasons):
        barred.update(item.id for item in items if item.suggested_action not in EMERGENCY_ACTIONS)
    return frozenset(barred)


def _near_verbatim(result: SearchResult) -> bool:
    """Whether the question is nearly one FAQ item's own question and clearly ahead of the next item's."""
    runner_up = result.faq[1].score if len(result.faq) > 1 else 0.0
    return (
        bool(result.faq)
        and result.faq[0].score >= FAQ_STRONG_SCORE
        and (result.faq[0].score - runner_up >= FAQ_STRONG_MARGIN)
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


def _under_lead(answer: LegalAnswer, advise: list[str], lang: str) -> LegalAnswer:
    """`answer` under the emergency lead, as an urgent answer: the lead's call button, without the FAQ's own "call
    102 now" sentence that the lead has just said."""
    numbers = numbers_for(advise)
    return msgspec.structs.replace(
        answer,
        answer=f"{message('urgent', lang, numbers=numbers)}\n\n{without_repeated_call(answer.answer, numbers, lang)}",
        confidence=1.0,
        suggested_action=call_action(numbers),
        urgent=True,
    )


def _with_note(answer: LegalAnswer, note: str) -> LegalAnswer:
    return msgspec.structs.replace(answer, answer=f"{answer.answer}\n\n{note}")


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))
