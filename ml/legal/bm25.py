"""Okapi BM25 over pre-tokenised documents, stored as one sparse matrix of term weights.

Weights are precomputed at index time (idf · saturated tf), so scoring a query is a column slice and a row sum:
~1 ms over the 11k chunks of the codes. The matrix round-trips through `np.savez` as plain arrays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True, slots=True)
class BM25:
    vocab: dict[str, int]
    weights: sparse.csc_matrix  # (n_docs, n_terms)

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        avg = float(lengths.mean()) if len(docs) else 1.0
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                rows.append(i)
                cols.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        tf_arr = np.asarray(tfs, dtype=np.float64)
        df = np.bincount(c, minlength=len(vocab)).astype(np.float64)
        n = max(len(docs), 1)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        norm = k1 * (1.0 - b + b * lengths[r] / max(avg, 1e-9))
        w = idf[c] * tf_arr * (k1 + 1.0) / (tf_arr + norm)
        mat = sparse.csc_matrix((w.astype(np.float32), (r, c)), shape=(len(docs), len(vocab)))
        return cls(vocab, mat)

    @property
    def n_docs(self) -> int:
        return int(self.weights.shape[0])

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document; a repeated query term counts once (expansions repeat terms on purpose)."""
        cols = sorted({self.vocab[t] for t in terms if t in self.vocab})
        if not cols:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.weights[:, cols].sum(axis=1), dtype=np.float32).ravel()

    def max_possible(self, terms: Sequence[str], unknown: float = 0.0) -> float:
        """Sum of the best per-term weights: the denominator that turns a score into query coverage (0..1).

        `unknown` is what a query term missing from the vocabulary adds: a question about "контрабанда" must not
        look fully covered by a document that only matches its "ответственность".
        """
        unique = set(terms)
        cols = sorted(self.vocab[t] for t in unique if t in self.vocab)
        missing = len(unique) - len(cols)
        known = float(self.weights[:, cols].max(axis=0).toarray().sum()) if cols else 0.0
        return known + unknown * missing

    def typical_weight(self, quantile: float = 0.9) -> float:
        """A high but ordinary term weight (the `quantile` of per-term maxima), used for out-of-vocabulary terms."""
        if self.weights.shape[1] == 0:
            return 1.0
        return float(np.quantile(self.weights.max(axis=0).toarray().ravel(), quantile))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        m = self.weights.tocsc()
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        return {
            f"{prefix}_data": m.data,
            f"{prefix}_indices": m.indices,
            f"{prefix}_indptr": m.indptr,
            f"{prefix}_shape": np.asarray(m.shape, dtype=np.int64),
            f"{prefix}_terms": np.asarray(terms, dtype=np.str_),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray] | np.lib.npyio.NpzFile, prefix: str) -> BM25:
        shape = tuple(int(x) for x in arrays[f"{prefix}_shape"])
        m = sparse.csc_matrix(
            (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]), shape=shape
        )
        terms = [str(t) for t in arrays[f"{prefix}_terms"]]
        return cls({t: i for i, t in enumerate(terms)}, m)
