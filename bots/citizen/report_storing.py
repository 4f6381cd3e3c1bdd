"""A report draft's files on their way in: each file being downloaded and stored (with the chat let go meanwhile)
holds its place among the draft's MAX_FILES in the FSM data (STORING), so an album's other files, checking the limit
while it is on its way, count it: exactly MAX_FILES are stored and the rest are never downloaded. A place is renewed
while its file's download and upload go on, and let go once the file is stored (or failed), or its worker lost. Each
file that took a place is noted with its message (SENT): at the limit, a file sent before one holding a place takes
that place (report_files.make_room), so the files kept are the first ones sent; the one that gave it up (BUMPED) goes
on downloading, to be let go once stored. Its entry lives as its place did: renewed while the download goes on, and
lost with its worker once not renewed for STORING_STALE_S."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from aiogram.fsm.context import FSMContext

from backend.lib.tasks import stop_task
from bots.citizen.isolation import held_briefly
from bots.citizen.storage import data_unreadable

log = logging.getLogger("zan.bots.citizen")
STORING = "storing"  # {file_unique_id: [started (unix time), media_group_id or ""]}
# {file_unique_id: [message_id, media_group_id or ""]}: the message each file that took a place came in, so files are
# kept in the order sent, not the order their updates were handled in (report_files.make_room), and a partial "Add"
# knows which captions (by message) are of the files it adds (report_addition)
SENT = "sent"
# [[file_unique_id, message_id, renewed (unix time)]]: files on their way whose place went to a file sent before them,
# let go once stored. By message, not by file alone, and renewed like a place: an entry whose worker died (a restart,
# a crash) is never let go, and the same file sent again (Telegram gives it the same file_unique_id) or its update
# delivered again must not be taken for the one bumped, downloaded only to be deleted as past a limit it is within
BUMPED = "bumped"
Freed = Literal["alive", "gone", "unread", "bumped"]
# a file's place among the MAX_FILES is renewed every STORING_RENEW_S while its download and upload go on (however
# slow), so one not renewed for STORING_STALE_S was lost with its worker: its place is free again
STORING_STALE_S = 300.0
STORING_RENEW_S = 60.0


def being_stored(data: dict[str, Any]) -> dict[str, str]:
    """The draft's files being downloaded and stored right now: file_unique_id → media_group_id ("" alone)."""
    fresh = time.time() - STORING_STALE_S
    return {uid: str(entry[1]) for uid, entry in dict(data.get(STORING) or {}).items() if float(entry[0]) > fresh}


def sent_in(data: dict[str, Any], file_unique_id: str) -> tuple[int, str] | None:
    """The message a file of the draft came in and its album ("" alone), if known (SENT)."""
    return sent_files(data).get(file_unique_id)


def sent_files(data: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Every file that took a place in the draft (SENT), kept or not: file_unique_id → its message and album."""
    return {uid: (int(entry[0]), str(entry[1])) for uid, entry in dict(data.get(SENT) or {}).items()}


def given_up(data: dict[str, Any]) -> list[tuple[str, int]]:
    """The files whose place went to a file sent before them (BUMPED), and their messages: past the limit, never kept
    (still on their way, or lost with their worker and not sent again since)."""
    return [(uid, message_id) for uid, message_id, _ in _bumped(data)]


def _bumped(data: dict[str, Any]) -> list[tuple[str, int, float]]:
    """BUMPED's entries: (file_unique_id, message_id, renewed). A bare file_unique_id is an entry written before
    they named their message and time, by a worker stopped since (a deploy brought this code): its message is its
    file's last (SENT), and it counts as lost with its worker."""
    entries = []
    for entry in data.get(BUMPED) or []:
        if isinstance(entry, str):
            sent = sent_in(data, entry)
            entries.append((entry, sent[0] if sent is not None else -1, 0.0))
        else:
            entries.append((str(entry[0]), int(entry[1]), float(entry[2])))
    return entries


def _written(entries: list[tuple[str, int, float]]) -> list[list[Any]]:
    return [[uid, message_id, renewed] for uid, message_id, renewed in entries]


async def hold_place(state: FSMContext, file_unique_id: str, album: str, message_id: int) -> None:
    """The file takes one of the MAX_FILES before its download: the album's other files, checking the limit while it
    is on its way, count it, so exactly MAX_FILES are stored and the rest are never downloaded."""
    data = await state.get_data()
    fresh = being_stored(data)  # and the places of files lost with their worker are let go
    storing = {uid: entry for uid, entry in dict(data.get(STORING) or {}).items() if uid in fresh}
    storing[file_unique_id] = [time.time(), album]
    sent = {**dict(data.get(SENT) or {}), file_unique_id: [message_id, album]}
    # this file given up before and lost with its worker goes: it is on its way again, as a file of the draft (not
    # "past the limit" at "Add", given_up). So does one of this very message, whose update is handled again: bots.once
    # hands an update to one handler at a time, so the handling that was bumped is over. One still on its way for an
    # earlier message stays, for its worker to let go
    stale = time.time() - STORING_STALE_S
    entries = _bumped(data)
    bumped = [(uid, sent_as, renewed) for uid, sent_as, renewed in entries
              if uid != file_unique_id or (sent_as != message_id and renewed > stale)]
    # BUMPED written only when changed: written from data read while Redis was away, it would be merged over the
    # entries of downloads going on elsewhere once Redis answers (storage module doc)
    await state.update_data({STORING: storing, SENT: sent,
                             **({BUMPED: _written(bumped)} if len(bumped) < len(entries) else {})})


async def bump(state: FSMContext, data: dict[str, Any], file_unique_id: str, message_id: int) -> None:
    """The place of `file_unique_id` (of `message_id`), on its way, goes to a file sent before it (`data`: the chat's,
    just read): let go once stored (free_place says "bumped"). Its entry goes on from the place's last renewal: a
    place whose worker was already lost does not come back to life as an entry."""
    storing = dict(data.get(STORING) or {})
    place = storing.pop(file_unique_id, None)
    renewed = float(place[0]) if place is not None else time.time()
    bumped = [*_bumped(data), (file_unique_id, message_id, renewed)]
    await state.update_data({STORING: storing, BUMPED: _written(bumped)})


@asynccontextmanager
async def keeping_place(state: FSMContext, key: str, file_unique_id: str, message_id: int) -> AsyncIterator[None]:
    """For the block (the file's download and upload, with the chat let go) its place is renewed, taking the chat for
    a moment each time: a download slower than STORING_STALE_S keeps its place rather than let a later file take it
    and pass the limit. Once its place is given up (BUMPED), its entry there is renewed instead: the same file sent
    again meanwhile takes a place of its own, and leaves the entry to this one."""
    renewing = asyncio.create_task(_renew_place(state, key, file_unique_id, message_id))
    try:
        yield
    finally:
        await stop_task(renewing)


async def _renew_place(state: FSMContext, key: str, file_unique_id: str, message_id: int) -> None:
    me = asyncio.current_task()
    # until told to stop: a cancellation that reached a Redis call as it timed out under load came back as an error
    # (caught below) or not at all, and the loop renewed for ever while `keeping_place` waited for it to end (a
    # full test run on a machine at load 20 hung there); asked before each sleep, the request is never lost
    while me is None or not me.cancelling():
        await asyncio.sleep(STORING_RENEW_S)
        try:
            async with held_briefly():
                data = await state.get_data()
                if data.get("key") != key:
                    return  # the draft is gone (cancelled, filed, a new one started): nothing to keep
                bumped = _bumped(data)
                mine = (file_unique_id, message_id)
                if any((uid, sent_as) == mine for uid, sent_as, _ in bumped):
                    now = time.time()
                    await state.update_data({BUMPED: _written([
                        (uid, sent_as, now if (uid, sent_as) == mine else renewed)
                        for uid, sent_as, renewed in bumped])})
                    continue
                storing = dict(data.get(STORING) or {})
                entry = storing.get(file_unique_id)
                if entry is None:
                    return  # its place let go: nothing to keep
                storing[file_unique_id] = [time.time(), entry[1]]
                await state.update_data({STORING: storing})
        except Exception:  # the FSM storage failing once: renewed next time, well before the place is let go
            log.warning("a file's place in its draft not renewed", exc_info=True)


async def free_place(state: FSMContext, key: str, file_unique_id: str, message_id: int) -> Freed:
    """The file is stored (or failed): its place is its draft's file or nobody's. "gone" when the draft it was stored
    for is gone meanwhile (cancelled, filed, or a new report started): the file must not join another draft.
    "unread" when the draft cannot be read just now (Redis went away: storage.data_unreadable): not gone, only
    unknown, so the file is kept for the draft `key` (its files are in the database) rather than deleted unsaid.
    "bumped" when its place went to a file sent before it (BUMPED: this file of this message): past the limit, not
    kept."""
    data = await state.get_data()
    found = data.get("key")
    unread = data_unreadable(state)
    if found != key and not (unread and found is None):
        return "gone"
    bumped = _bumped(data)
    mine = [entry for entry in bumped if entry[:2] == (file_unique_id, message_id)]
    if mine:
        # however long ago renewed: this worker's own entry (its renewals may have failed while Redis was away)
        await state.update_data({BUMPED: _written([entry for entry in bumped if entry not in mine])})
        return "bumped"
    # written while unread, this is a partial write merged over the draft once Redis answers (storage module doc):
    # only this file's place goes, read from what is known (others of an album lost their places: the limit is
    # checked again against the stored files before each is kept)
    storing = {uid: entry for uid, entry in dict(data.get(STORING) or {}).items()
               if uid != file_unique_id and uid in being_stored(data)}
    await state.update_data({STORING: storing})
    return "alive" if found == key else "unread"
