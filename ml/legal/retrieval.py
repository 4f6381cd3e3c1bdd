"""Hybrid retrieval over the legal index: e5 embeddings + BM25, fused by reciprocal rank, FAQ scored separately.

Why hybrid: the embedder understands paraphrase ("вырвали сумку" ≈ грабёж) but is weak on Kazakh and on exact
legal vocabulary; BM25 over stemmed Russian plus the Kazakh→Russian glossary is exact but literal. Reciprocal rank
fusion needs no score calibration between the two, which matters because e5 cosines sit in a narrow band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from ml.embedders import Embedder
from ml.legal.ages import stated_age
from ml.legal.corpus import Chunk, Corpus
from ml.legal.faq import FaqItem, for_whom
from ml.legal.index import LegalIndex, faq_doc_terms
from ml.legal.lexicon import QueryTerms, doc_terms, query_terms, word_forms

# Equal weights: a grid over the FAQ variants held out one at a time preferred a heavier FAQ ranking (1.5) and a
# lighter BM25 (0.7), but that favours questions the FAQ already covers; equal weights keep non-FAQ topics working.
RRF_K = 20
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0
# how far down each ranking the fusion looks; deeper adds noise, not recall
FUSION_DEPTH = 100
# weight of lexical coverage next to the cosine in the FAQ score (cosines of e5 vary within ~0.15); chosen by
# leave-one-out over the FAQ's own variants against off-topic legal questions
FAQ_LEXICAL_WEIGHT = 0.8
FAQ_CANDIDATES = 5
# the FAQ-derived ranking counts as much as each retrieval ranking
FAQ_RANK_WEIGHT = 1.0
# below this FAQ score the nearest FAQ item is noise (off-topic questions score 0.82–0.9) and ranks nothing
FAQ_RANK_FLOOR = 0.9


def is_jurisdiction_list(code: str, chapter: str | None, title: str) -> bool:
    """Articles that only say which body hears which articles (КоАП ch. 36 "Подведомственность…": "Органы внутренних
    дел (полиция) рассматривают дела… статьями 132, 146…"; УПК 187 "Подследственность"). They name the police, the
    courts and the akimats, so every question about a police officer ranked them first ("как пожаловаться на
    полицейского" → КоАП 685) and kept the complaint articles out of the answer. They answer no citizen's question,
    so they are left out of the rankings; an explicit reference ("ст. 685 КоАП") still quotes them."""
    if code == "КоАП РК":
        return (chapter or "").upper().startswith("ГЛАВА 36. ПОДВЕДОМСТВЕННОСТЬ")
    return code == "УПК РК" and title == "Подследственность"


@dataclass(frozen=True, slots=True)
class FaqMatch:
    item: FaqItem
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True, slots=True)
class ArticleHit:
    code: str
    article: str
    score: float
    dense: float
    lexical: float
    chunk: Chunk
    # 1-based rank of the article in each ranking (0 = not ranked): agreement between rankings is the best
    # evidence that the article is really about the question
    ranks: tuple[int, int, int] = (0, 0, 0)

    @property
    def agreement(self) -> int:
        """How many of the three rankings (embeddings, BM25, FAQ) put this article in their top 5."""
        return sum(1 for r in self.ranks if 0 < r <= 5)


@dataclass(frozen=True, slots=True)
class SearchResult:
    faq: list[FaqMatch]
    articles: list[ArticleHit]
    terms: QueryTerms


class Retriever:
    """Read-only after construction, so one instance serves all request threads."""

    def __init__(self, corpus: Corpus, index: LegalIndex, faq: tuple[FaqItem, ...], embedder: Embedder) -> None:
        self.corpus = corpus
        self.index = index
        self.embedder = embedder
        self.faq = faq
        self.article_keys: list[tuple[str, str]] = sorted({(c.code, c.article) for c in corpus.chunks})
        pos = {k: i for i, k in enumerate(self.article_keys)}
        self._head_article = np.array([pos.get(k, -1) for k in index.head_keys], dtype=np.int64)
        self._article_pos = pos
        listed = [k for k in self.article_keys if _listed(corpus, k)]
        self._not_ranked = np.array([pos[k] for k in listed], dtype=np.int64)
        self._chunk_article = np.array([pos[(c.code, c.article)] for c in corpus.chunks], dtype=np.int64)
        self._part_article = self._chunk_article[index.part_rows] if len(index.part_rows) else index.part_rows
        faq_pos = {item.id: i for i, item in enumerate(faq)}
        self._faq_row_item = np.array([faq_pos.get(fid, -1) for fid, _ in index.faq_rows], dtype=np.int64)
        self._faq_unknown = index.faq_bm25.typical_weight()
        self._chunk_unknown = index.chunk_bm25.typical_weight()
        self._chunk_span = np.zeros((len(self.article_keys), 2), dtype=np.int64)
        for art in range(len(self.article_keys)):
            rows = np.flatnonzero(self._chunk_article == art)
            if len(rows) == 0 or rows[-1] - rows[0] + 1 != len(rows):
                raise ValueError("chunks of an article must be contiguous")
            self._chunk_span[art] = (rows[0], rows[-1] + 1)
        if index.chunk_bm25.n_docs != len(corpus.chunks):
            raise ValueError("legal index does not match the corpus chunks; rebuild it")

    def embed_query(self, question: str, terms: QueryTerms, language: str) -> np.ndarray:
        """Kazakh and English questions are embedded together with their Russian glossary terms: the codes are
        Russian, and e5-small maps Kazakh legal words to Russian ones only loosely."""
        text = question
        if language != "ru" and terms.phrases:
            text = f"{question} ({', '.join(terms.phrases)})"
        return self.embedder.encode([text], kind="query")[0]

    def search(self, question: str, language: str, k: int = 10, exclude_faq_row: int | None = None) -> SearchResult:
        """FAQ matches and a fused article ranking. `exclude_faq_row` hides one FAQ variant (leave-one-out tuning)."""
        terms = query_terms(question, language)
        qvec = self.embed_query(question, terms, language)
        faq = self._search_faq(question, language, qvec, exclude_faq_row, terms.readings)
        return SearchResult(faq=faq, articles=self._search_articles(terms, language, qvec, faq, k), terms=terms)

    def _search_faq(
        self,
        question: str,
        language: str,
        qvec: np.ndarray,
        exclude_row: int | None = None,
        readings: frozenset[str] = frozenset(),
    ) -> list[FaqMatch]:
        """The nearest FAQ items; an item the question is not read as it answers (`FaqItem.reads`) is left out,
        however close its wording ("кто-то зашёл в мою квартиру, полиция не приехала" is worded like "сотрудники
        полиции зашли в квартиру без постановления")."""
        n = len(self.faq)
        if n == 0 or len(self._faq_row_item) == 0:
            return []
        valid = self._faq_row_item >= 0
        unread = [i for i, item in enumerate(self.faq) if not item.reads(readings)]
        if exclude_row is not None or unread:
            valid = valid.copy()
        if exclude_row is not None:
            valid[exclude_row] = False
        if unread:
            valid &= ~np.isin(self._faq_row_item, unread)
        dense_rows = self.index.faq_vecs @ qvec
        q_terms = faq_doc_terms(question, language)
        ceiling = self.index.faq_bm25.max_possible(q_terms, unknown=self._faq_unknown)
        lex_rows = self.index.faq_bm25.scores(q_terms) / ceiling if ceiling > 0 else np.zeros_like(dense_rows)
        rows = dense_rows + FAQ_LEXICAL_WEIGHT * lex_rows
        score = np.full(n, -1.0, dtype=np.float32)
        np.maximum.at(score, self._faq_row_item[valid], rows[valid])
        dense = np.full(n, -1.0, dtype=np.float32)
        np.maximum.at(dense, self._faq_row_item[valid], dense_rows[valid])
        lex = np.zeros(n, dtype=np.float32)
        np.maximum.at(lex, self._faq_row_item[valid], lex_rows[valid])
        order = np.argsort(-score)[:FAQ_CANDIDATES]
        return _for_whom(
            [FaqMatch(self.faq[i], float(score[i]), float(dense[i]), float(lex[i])) for i in order], self.faq, question
        )

    def _search_articles(
        self, terms: QueryTerms, language: str, qvec: np.ndarray, faq: list[FaqMatch], k: int
    ) -> list[ArticleHit]:
        n = len(self.article_keys)
        head_sims = self.index.head_vecs @ qvec
        dense = np.full(n, -1.0, dtype=np.float32)
        ok = self._head_article >= 0
        np.maximum.at(dense, self._head_article[ok], head_sims[ok])
        # the dense ranking also sees every later part of УК/КоАП articles: "с проникновением в хранилище" is in
        # part 3 of the theft article, not in its head. Thresholds keep using the head cosine (`dense`): the max over
        # many part vectors runs higher for every question, off-topic ones included.
        part_sims = self.index.part_vecs @ qvec
        dense_rank = dense.copy()
        np.maximum.at(dense_rank, self._part_article, part_sims)
        chunk_dense = np.full(len(self.corpus.chunks), -1.0, dtype=np.float32)
        chunk_dense[self.index.part_rows] = part_sims

        lex_terms = terms.all
        chunk_scores = self.index.chunk_bm25.scores(lex_terms)
        lex = np.zeros(n, dtype=np.float32)
        np.maximum.at(lex, self._chunk_article, chunk_scores)
        # coverage counts the question's own Russian words (unknown ones too: "борщ" is not law) and the glossary
        # terms; Kazakh words are represented by their glossary terms only
        coverage_terms = (terms.ru if language != "kk" else []) + terms.expanded
        ceiling = self.index.chunk_bm25.max_possible(coverage_terms, unknown=self._chunk_unknown)
        coverage_scores = self.index.chunk_bm25.scores(coverage_terms) if language == "kk" else chunk_scores
        cover = np.zeros(n, dtype=np.float32)
        np.maximum.at(cover, self._chunk_article, coverage_scores)

        # the FAQ's question variants are labelled examples: an article cited by a well-matching FAQ item gets that
        # item's score, so a paraphrase close to a known question reaches the right article
        by_faq = np.full(n, -1.0, dtype=np.float32)
        for match in faq:
            for cite in match.item.citations:
                i = self._article_pos.get((cite.code, cite.article))
                if i is not None:
                    by_faq[i] = max(by_faq[i], match.score)

        for values in (dense_rank, lex, by_faq):
            values[self._not_ranked] = -np.inf
        fused = np.zeros(n, dtype=np.float64)
        ranks = np.zeros((3, n), dtype=np.int64)
        rankings = (
            (dense_rank, -1.0, DENSE_WEIGHT),
            (lex, 0.0, LEXICAL_WEIGHT),
            (by_faq, FAQ_RANK_FLOOR, FAQ_RANK_WEIGHT),
        )
        for j, (values, floor, weight) in enumerate(rankings):
            top = np.argsort(-values)[:FUSION_DEPTH]
            top = top[values[top] > floor]
            fused[top] += weight / (RRF_K + np.arange(1, len(top) + 1))
            ranks[j, top] = np.arange(1, len(top) + 1)
        order = [int(i) for i in np.argsort(-fused)[:k] if fused[i] > 0]
        return [
            ArticleHit(
                code=self.article_keys[i][0],
                article=self.article_keys[i][1],
                score=float(fused[i]),
                dense=float(dense[i]),
                lexical=float(cover[i] / ceiling) if ceiling > 0 else 0.0,
                chunk=self._best_chunk(i, lex_terms, chunk_dense),
                ranks=(int(ranks[0, i]), int(ranks[1, i]), int(ranks[2, i])),
            )
            for i in order
        ]

    def _best_chunk(self, article_idx: int, terms: list[str], chunk_dense: np.ndarray) -> Chunk:
        """The part to cite: the one sharing most words with the question (`best_part`); with no shared word, the
        part whose vector is closest when it beats the article head; else the first part."""
        start, end = self._chunk_span[article_idx]
        chunks = self.corpus.chunks[start:end]
        if any(shared_terms(c, terms) for c in chunks):
            return best_part(chunks, terms)
        best = start + int(np.argmax(chunk_dense[start:end]))
        return self.corpus.chunks[best if chunk_dense[best] > -1.0 else start]


def _for_whom(matches: list[FaqMatch], items: tuple[FaqItem, ...], question: str) -> list[FaqMatch]:
    """`matches` with an item about someone the question does not name replaced by its sibling about whom it does
    (`ml.legal.faq.for_whom`), with the yielding item's scores: those measure how the question is worded ("не пришёл
    домой"), which the siblings share; the person decides between them. Listed once, at the better place."""
    forms = word_forms(question)
    instead = for_whom(items, lambda item: item.who.found_in(forms), stated_age(question))
    out: list[FaqMatch] = []
    for match in matches:
        item = instead.get(match.item.id, match.item)
        if all(m.item.id != item.id for m in out):
            out.append(match if item is match.item else replace(match, item=item))
    return out


def shared_terms(chunk: Chunk, terms: list[str]) -> int:
    """How many distinct question terms a part contains."""
    return len(_chunk_terms(chunk.text).intersection(terms))


def best_part(chunks: Sequence[Chunk], terms: list[str]) -> Chunk:
    """The part of an article to quote: the one sharing most distinct words with the question, the earliest on a
    tie. Not the best BM25 score: every part of "Кража" says "кража", and length normalisation made the shortest
    part win, so a stolen bicycle was answered with part 4 ("преступной группой… в особо крупном размере") and a
    question about murder with "убийство малолетнего лица". The first part states the offence itself; a later part
    wins only with a word of its own ("проникновением", "хранилище")."""
    return max(chunks, key=lambda c: (shared_terms(c, terms), -c.index))


@lru_cache(maxsize=8192)
def _chunk_terms(text: str) -> frozenset[str]:
    return frozenset(doc_terms(text))


def _listed(corpus: Corpus, key: tuple[str, str]) -> bool:
    art = corpus.article(*key)
    return art is not None and is_jurisdiction_list(art.code, art.chapter, art.title)
