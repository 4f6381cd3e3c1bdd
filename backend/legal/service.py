"""The legal assistant as a service: loaded once per process, asked off the event loop.

The index is built offline (`zan legal index`); a process never embeds the corpus on a request path. Missing or
stale index → `legal.unavailable` (503) instead of a slow build in the middle of a citizen's request.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

from backend.context import Context
from backend.legal import messages as _messages  # noqa: F401  (registers the domain's error codes)
from backend.lib.errors import ZanError
from ml.legal import LegalAnswer, LegalAssistant, LegalIndexError, default_index_dir

log = logging.getLogger("zan.legal")

# Process-wide: the assistant is ~100 MB of read-only arrays and thread-safe after load; every Context of the
# process (tests create one per test) shares it. Keyed by (index dir, embedder) so a different index never leaks.
_ASSISTANTS: dict[tuple[str, str], LegalAssistant] = {}
_LOAD_LOCK = threading.Lock()


def index_dir(ctx: Context) -> Path:
    """`ZAN_LEGAL_INDEX_DIR` from the settings, else the index bundled in `ml/models/legal-index`."""
    return Path(ctx.settings.legal_index_dir) if ctx.settings.legal_index_dir else default_index_dir()


def _load(path: Path, embedder_spec: str) -> LegalAssistant:
    key = (str(path.resolve()), embedder_spec)
    with _LOAD_LOCK:
        found = _ASSISTANTS.get(key)
        if found is None:
            from ml.embedders import get_embedder

            found = LegalAssistant.load(path, embedder=get_embedder(embedder_spec))
            _ASSISTANTS[key] = found
        return found


async def get_assistant(ctx: Context) -> LegalAssistant:
    """The process's assistant for ctx's index; raises `legal.unavailable` (503) if the index is not built."""
    path = index_dir(ctx)
    cached = _ASSISTANTS.get((str(path.resolve()), ctx.settings.embedder))
    if cached is not None:
        return cached
    try:
        return await asyncio.to_thread(_load, path, ctx.settings.embedder)
    except (LegalIndexError, OSError, ImportError, RuntimeError, ValueError) as exc:
        # the index or the embedder it needs (weights on a volume that is not mounted, a missing optional
        # package): the citizen hears "temporarily unavailable", not silence or a 500; the next question tries again
        log.error("legal assistant unusable: %r", exc)
        raise ZanError("legal.unavailable", 503, headers={"Retry-After": "300"}) from exc


async def ask(ctx: Context, *, question: str, language: str | None = None) -> LegalAnswer:
    """A short cited answer in the question's (or the requested) language. CPU-bound: runs in a worker thread."""
    assistant = await get_assistant(ctx)
    return await asyncio.to_thread(assistant.ask, question, language)
