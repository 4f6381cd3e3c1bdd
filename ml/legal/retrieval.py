"""Hybrid retrieval over the legal index: e5 embeddings + BM25, fused by reciprocal rank, FAQ scored separately.

Why hybrid: the embedder understands paraphrase ("вырвали сумку" ≈ грабёж) but is weak on Kazakh and on exact
legal vocabulary; BM25 over stemmed Russian plus the Kazakh→Russian glossary is exact but literal. Reciprocal rank
fusion needs no score calibration between the two, which matters because e5 cosines sit in a narrow band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.embedders import Embedder
from ml.legal.corpus import Chunk, Corpus
from ml.legal.faq import FaqItem
from ml.legal.index import LegalIndex, faq_doc_terms
from ml.legal.lexicon import QueryTerms, doc_terms, query_terms

RRF_K = 20
# how far down each ranking the fusion looks; deeper adds noise, not recall
FUSION_DEPTH = 100
# weight of lexical coverage next to the cosine in the FAQ score (cosines of e5 vary within ~0.15)
FAQ_LEXICAL_WEIGHT = 0.15


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
        self._chunk_article = np.array([pos[(c.code, c.article)] for c in corpus.chunks], dtype=np.int64)
        faq_pos = {item.id: i for i, item in enumerate(faq)}
        self._faq_row_item = np.array([faq_pos.get(fid, -1) for fid, _ in index.faq_rows], dtype=np.int64)
        if index.chunk_bm25.n_docs != len(corpus.chunks):
            raise ValueError("legal index does not match the corpus chunks; rebuild it")

    def embed_query(self, question: str, terms: QueryTerms, language: str) -> np.ndarray:
        """Kazakh and English questions are embedded together with their Russian glossary terms: the codes are
        Russian, and e5-small maps Kazakh legal words to Russian ones only loosely."""
        text = question
        if language != "ru" and terms.phrases:
            text = f"{question} ({', '.join(terms.phrases)})"
        return self.embedder.encode([text], kind="query")[0]

    def search(self, question: str, language: str, k: int = 10) -> SearchResult:
        terms = query_terms(question, language)
        qvec = self.embed_query(question, terms, language)
        return SearchResult(
            faq=self._search_faq(question, language, qvec),
            articles=self._search_articles(terms, qvec, k),
            terms=terms,
        )

    def _search_faq(self, question: str, language: str, qvec: np.ndarray) -> list[FaqMatch]:
        n = len(self.faq)
        if n == 0 or len(self._faq_row_item) == 0:
            return []
        dense_rows = self.index.faq_vecs @ qvec
        dense = np.full(n, -1.0, dtype=np.float32)
        valid = self._faq_row_item >= 0
        np.maximum.at(dense, self._faq_row_item[valid], dense_rows[valid])
        q_terms = faq_doc_terms(question, language)
        lex_rows = self.index.faq_bm25.scores(q_terms)
        lex = np.zeros(n, dtype=np.float32)
        np.maximum.at(lex, self._faq_row_item[valid], lex_rows[valid])
        ceiling = self.index.faq_bm25.max_possible(q_terms)
        coverage = lex / ceiling if ceiling > 0 else lex
        score = dense + FAQ_LEXICAL_WEIGHT * coverage
        order = np.argsort(-score)[:5]
        return [FaqMatch(self.faq[i], float(score[i]), float(dense[i]), float(coverage[i])) for i in order]

    def _search_articles(self, terms: QueryTerms, qvec: np.ndarray, k: int) -> list[ArticleHit]:
        n = len(self.article_keys)
        head_sims = self.index.head_vecs @ qvec
        dense = np.full(n, -1.0, dtype=np.float32)
        ok = self._head_article >= 0
        np.maximum.at(dense, self._head_article[ok], head_sims[ok])

        lex_terms = terms.all
        chunk_scores = self.index.chunk_bm25.scores(lex_terms)
        lex = np.zeros(n, dtype=np.float32)
        np.maximum.at(lex, self._chunk_article, chunk_scores)
        ceiling = self.index.chunk_bm25.max_possible(lex_terms)

        fused = np.zeros(n, dtype=np.float64)
        for values in (dense, lex):
            top = np.argsort(-values)[:FUSION_DEPTH]
            top = top[values[top] > (0.0 if values is lex else -1.0)]
            fused[top] += 1.0 / (RRF_K + np.arange(1, len(top) + 1))
        order = [int(i) for i in np.argsort(-fused)[:k] if fused[i] > 0]
        hits = []
        for i in order:
            code, article = self.article_keys[i]
            hits.append(
                ArticleHit(
                    code=code,
                    article=article,
                    score=float(fused[i]),
                    dense=float(dense[i]),
                    lexical=float(lex[i] / ceiling) if ceiling > 0 else 0.0,
                    chunk=self._best_chunk(i, chunk_scores),
                )
            )
        return hits

    def _best_chunk(self, article_idx: int, chunk_scores: np.ndarray) -> Chunk:
        """The part to cite: the chunk of the article that matches the question's words best, else its first."""
        rows = np.flatnonzero(self._chunk_article == article_idx)
        best = rows[int(np.argmax(chunk_scores[rows]))]
        return self.corpus.chunks[int(best)]

    def best_chunk_for(self, code: str, article: str, question_terms: list[str]) -> Chunk | None:
        """Best-matching chunk of a given article (FAQ and explicit references choose parts this way too)."""
        chunks = self.corpus.chunks_of(code, article)
        if not chunks:
            return None
        wanted = set(question_terms)
        return max(chunks, key=lambda c: (len(wanted & set(doc_terms(c.text))), -c.index))
