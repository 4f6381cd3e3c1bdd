"""The legal assistant as a service: loaded once per process, asked off the event loop.

The index is built offline (`zan legal index`); a process never embeds the corpus on a request path. Missing or
stale index → `legal.unavailable` (503) instead of a slow build in the middle of a citizen's request.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import zipfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from backend.context import Context
from backend.legal import messages as _messages  # noqa: F401  (registers the domain's error codes)
from backend.lib.errors import ZanError
from backend.lib.gates import enter, process_gate
from ml.legal import LegalAnswer, LegalAssistant, LegalIndexError, answer_if_urgent, default_index_dir

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
    except (LegalIndexError, OSError, ImportError, RuntimeError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        # the index or the embedder it needs (weights on a volume that is not mounted, a missing optional
        # package, an index file cut short by a half-done copy): the citizen hears "temporarily unavailable", not
        # silence or a 500; the next question tries again
        log.error("legal assistant unusable: %r", exc)
        raise ZanError("legal.unavailable", 503, headers={"Retry-After": "300"}) from exc


# Answers searched at once per process, and how long a question waits for its turn. A search is an embedding plus
# BM25 (tens of ms, ~1 s for 2000 characters) and the embedder is shared with report routing: unbounded, a flood of
# questions (a partner's chat, or anyone writing to the bot) queued worker threads on it and took the cores that
# routing and intake need. Past the wait a question gets 503 `legal.busy`; an urgent one still gets the emergency
# numbers (see `ask`).
LEGAL_WAIT_S = 1.0


def _gate(ctx: Context) -> asyncio.Semaphore:
    return process_gate(ctx, "legal_gate", ctx.settings.legal_concurrency)


async def _admitted(ctx: Context) -> bool:
    """Take one of the process's answer slots (ZAN_LEGAL_CONCURRENCY), waiting up to LEGAL_WAIT_S."""
    return await enter(_gate(ctx), LEGAL_WAIT_S)


@asynccontextmanager
async def answer_slot(ctx: Context) -> AsyncIterator[bool]:
    """Hold one of the answers' slots (True), or yield False when none came free in time: for work that must share
    the answers' budget (a benchmark, a test that needs a full house)."""
    admitted = await _admitted(ctx)
    try:
        yield admitted
    finally:
        if admitted:
            _gate(ctx).release()


async def _if_urgent(question: str, language: str | None) -> LegalAnswer | None:
    """`answer_if_urgent` off the event loop: its patterns take ~15 ms over 2000 characters."""
    return await asyncio.to_thread(answer_if_urgent, question, language)


async def ask(ctx: Context, *, question: str, language: str | None = None,
              context: Sequence[str] = ()) -> LegalAnswer:
    """A short cited answer in the question's (or the requested) language; `context`, the chat's earlier questions
    (oldest first), gives a follow-up its topic (`LegalAssistant.ask`). CPU-bound: runs in a worker thread, at
    most ZAN_LEGAL_CONCURRENCY at once. When no slot comes free, or the index cannot be used, an urgent question is
    answered with the emergency lead alone (someone being hurt now must hear 102/112, not "try later"); any other
    gets 503 `legal.busy` or `legal.unavailable`."""
    try:
        assistant = await get_assistant(ctx)
    except ZanError:
        urgent = await _if_urgent(question, language)
        if urgent is None:
            raise
        return urgent
    if not await _admitted(ctx):
        urgent = await _if_urgent(question, language)
        if urgent is None:
            raise ZanError("legal.busy", 503, headers={"Retry-After": "2"})
        return urgent
    gate = _gate(ctx)

    def finished(done: asyncio.Future[LegalAnswer]) -> None:
        gate.release()
        if not done.cancelled():
            done.exception()  # retrieved here too: a caller that stopped waiting no longer reads it

    # the slot is given back when the search ends, not when the caller stops waiting: a cancelled request must not
    # free a slot while its thread still holds the cores
    task = asyncio.ensure_future(asyncio.to_thread(assistant.ask, question, language, tuple(context)))
    task.add_done_callback(finished)
    return await asyncio.shield(task)
