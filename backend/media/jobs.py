"""Background work on stored files: the metadata-free copies of an anonymous report's files."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select, update
from sqlmodel import col

from backend.jobs.registry import RetryLater, task
from backend.jobs.scheduled import periodic
from backend.media import scrub
from backend.media.cleanup import delete_leftovers, purge_unused
from backend.media.models import Media
from backend.media.service import SCRUB_TASK, get_store
from backend.media.storage import StoreUnavailable

if TYPE_CHECKING:
    from backend.context import Context
    from backend.media.storage import MediaStore

log = logging.getLogger("zan.media")
# an outage of the store is waited out at this pace, not with the relay's quick backoff for a failing task
STORE_RETRY_S = 60.0


@task(SCRUB_TASK)
async def scrub_report_media(ctx: Context, payload: dict[str, Any]) -> None:
    """Idempotent: files already looked at are skipped. A store outage raises RetryLater and the relay tries
    again; the files stay withheld from staff until then, never handed out as they are. Should the outage outlast
    the task's attempts, staff opening the report's files queue it again (service.ensure_scrub_queued)."""
    try:
        await _scrub_report(ctx, uuid.UUID(payload["report_id"]))
    except StoreUnavailable as exc:
        raise RetryLater(f"media store unavailable: {exc}", STORE_RETRY_S) from exc


async def _scrub_report(ctx: Context, report_id: uuid.UUID) -> None:
    async with ctx.sessions() as session:
        pending = list(await session.scalars(select(Media).where(
            col(Media.report_id) == report_id, col(Media.status) == "ready", col(Media.scrub).is_(None))))
    store = get_store(ctx)
    for media in pending:
        state, copy = await _scrub_one(store, media)
        if state != "done":
            log.warning("a file of an anonymous report is withheld from staff",
                        extra={"media_id": str(media.id), "content_type": media.content_type, "scrub": state})
        async with ctx.sessions() as session:
            await session.execute(update(Media).where(col(Media.id) == media.id).values(
                scrub=state, scrubbed_key=copy.key if copy else None, scrubbed_sha256=copy.sha256 if copy else None,
                scrubbed_size=copy.size if copy else None))
            await session.commit()


class _Copy(NamedTuple):
    """The copy staff get: its key, sha256 and size."""

    key: str
    sha256: str
    size: int


async def _scrub_one(store: MediaStore, media: Media) -> tuple[str, _Copy | None]:
    """(state, the copy staff get)."""
    try:
        how = scrub.kind_of_scrub(media.content_type)
    except scrub.Unsupported:
        return "unsupported", None
    if how == "as_is":
        return "done", _Copy(media.storage_key, media.sha256, media.size)
    with tempfile.TemporaryDirectory(prefix="zan-scrub-") as tmp:
        path = Path(tmp) / "file"
        if not await store.fetch(media.storage_key, path):
            return "missing", None
        try:
            await asyncio.to_thread(_scrub_file, path, media.content_type, how)
        except scrub.Unsupported as exc:  # known only once the file is read: an Ogg stream of another codec
            log.warning("a file has no scrubber for its content: %s", exc, extra={"media_id": str(media.id)})
            return "unsupported", None
        except scrub.Malformed as exc:
            log.warning("a file could not be parsed for scrubbing: %s", exc, extra={"media_id": str(media.id)})
            return "malformed", None
        except Exception:
            # a parser bug on one citizen's file must not stop the copies of the report's other files (and a
            # retry would fail the same way): the file is withheld, as one that does not parse
            log.exception("a scrubber failed on a file", extra={"media_id": str(media.id),
                                                                "content_type": media.content_type})
            return "malformed", None
        copy = _Copy(f"{media.storage_key}.anon", *await asyncio.to_thread(_digest, path))
        await store.put_file(copy.key, path, media.content_type)
    return "done", copy


def _digest(path: Path) -> tuple[str, int]:
    """The file's sha256 and size, read in blocks (videos up to 100 MB)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest(), path.stat().st_size


def _scrub_file(path: Path, content_type: str, how: str) -> None:
    if how == "memory":
        path.write_bytes(scrub.IN_MEMORY[content_type](path.read_bytes()))
        return
    with path.open("r+b") as fh:  # videos up to 100 MB: blanked where they lie, nothing is held in memory
        scrub.IN_PLACE[content_type](fh, path.stat().st_size)


@periodic("media.purge_unused")
async def _purge_unused(ctx: Context) -> None:
    await purge_unused(ctx)


@periodic("media.delete_leftovers")
async def _delete_leftovers(ctx: Context) -> None:
    await delete_leftovers(ctx)
