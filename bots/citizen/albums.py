"""An album answered once, in whichever flow takes files (the report's files step, the Reply to a request for
information).

Telegram delivers an album as one update per file, all at once; each is handled in turn with the chat held, and the
chat is let go while the album settles (`pause`), or its other files would wait for this one's settle and each would
answer on its own. A flow keeps its albums in a field of its own in the chat's FSM data: {media_group_id: {"last":
the file_unique_id through last, **payload}}, the payload being what that flow needs for the album's one answer (the
draft: the files over the limit and whether a caption joined the description; the Reply: the captions). After the
settle only the file through last answers, and only while the flow is still the one that took the album. With Redis
lost meanwhile (bots.citizen.storage) neither can be read: the entry as this process keeps it says who answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.fsm.context import FSMContext

from bots.citizen.isolation import pause
from bots.citizen.storage import data_unreadable, step_now

ALBUM_SETTLE_S = 1.0  # Telegram delivers an album's updates within a fraction of a second of each other
Payload = dict[str, Any]


async def last_through(state: FSMContext, field: str, album: str, file_unique_id: str, *,
                       fold: Callable[[Payload], Payload],
                       still: Callable[[str | None, dict[str, Any]], bool]) -> Payload | None:
    """This file of `album` is through: recorded under `field` as the last one, with `fold` taking the album's payload
    so far (empty for its first file) to the payload with this file's part in it. Then the album settles; the payload
    is returned if this file answers for it (still the last one through, and the flow `still` the album's, judged on
    the chat's state and FSM data then), else None. The entry stays until the flow `forget`s it."""
    data = await state.get_data()
    albums = dict(data.get(field) or {})
    mine = {**fold(dict(albums.get(album) or {})), "last": file_unique_id}
    await state.update_data({field: {**albums, album: mine}})
    await pause(ALBUM_SETTLE_S)
    data = await state.get_data()  # read again: the album's other files, or the flow's end, came meanwhile
    entry = dict(data.get(field) or {}).get(album)
    if data_unreadable(state):
        # Redis went away meanwhile: the data read is none of the chat's, or only what this process kept of it since
        # (no draft key, nor step), so neither the flow's end nor the album's other files can be judged on it. Taken
        # for either, every file of the album was silent, its files kept unsaid: this one answers, unless what is kept
        # here names another (a later one through, or one that answered already: `forget`). Naming none (Redis lost
        # once all were through), this one is named, so the album's other files, reading it next, leave the answer
        if entry is None:
            entry = mine
            await state.update_data({field: {**dict(data.get(field) or {}), album: mine}})
        return dict(entry) if entry.get("last") == file_unique_id else None
    # the step the update read before, should Redis have gone away since the data was read
    step = await step_now(state)
    if entry is None or entry.get("last") != file_unique_id or not still(step, data):
        return None  # a later file of the album answers, or the flow ended (or moved on) meanwhile
    return dict(entry)


async def forget(state: FSMContext, field: str, album: str) -> None:
    """The album is answered: its entry goes. While Redis is away the name of the file that answered stays (without
    the payload), so the album's other files, settling on what this process keeps, leave the answer to it rather than
    each give it again (last_through); once Redis answers it is an entry with nothing counted, which a late file of
    the album folds over as over none."""
    data = await state.get_data()
    albums = dict(data.get(field) or {})
    entry = albums.pop(album, None)
    if entry is not None and data_unreadable(state):
        albums[album] = {"last": entry.get("last")}
    await state.update_data({field: albums})
