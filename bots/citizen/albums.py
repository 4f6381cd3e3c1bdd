"""An album answered once, in whichever flow takes files (the report's files step, the Reply to a request for
information).

Telegram delivers an album as one update per file, all at once; each is handled in turn with the chat held, and the
chat is let go while the album settles (`pause`), or its other files would wait for this one's settle and each would
answer on its own. A flow keeps its albums in a field of its own in the chat's FSM data: {media_group_id: {"last":
the file_unique_id through last, **payload}}, the payload being what that flow needs for the album's one answer (the
draft: the files over the limit and whether a caption joined the description; the Reply: the captions). After the
settle only the file through last answers, and only while the flow is still the one that took the album.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.fsm.context import FSMContext

from bots.citizen.isolation import pause

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
    albums[album] = {**fold(dict(albums.get(album) or {})), "last": file_unique_id}
    await state.update_data({field: albums})
    await pause(ALBUM_SETTLE_S)
    data = await state.get_data()  # read again: the album's other files, or the flow's end, came meanwhile
    entry = dict(data.get(field) or {}).get(album)
    if entry is None or entry.get("last") != file_unique_id or not still(await state.get_state(), data):
        return None  # a later file of the album answers, or the flow ended (or moved on) meanwhile
    return dict(entry)


async def forget(state: FSMContext, field: str, album: str) -> None:
    """The album is answered: its entry goes."""
    albums = dict((await state.get_data()).get(field) or {})
    albums.pop(album, None)
    await state.update_data({field: albums})
