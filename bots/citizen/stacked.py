"""A step stacked over where the chat was ("Reply", "Appeal" tapped while a report is being written): its own keys
written beside the chat's data, the state to go back to kept under its `back` key, and taken off again when it ends.
Both ends read the data with draft_data: data unreadable for want of Redis ends the update with nothing changed
(DraftUnreadable), as the state to go back to is unknown then, and writing it as none (or the empty data back) would
wipe the paused draft once Redis answers. A step may be stacked over another ("Reply" during an appeal), each keeping
its own `back`: the one holding a report's step is the paused draft's (`go_back_instead`). Nor is a step stacked over
a state never read in the update (Redis away from its start, storage.step_unknown): "go back to: none", written blind,
would be handed back over the report's step Redis may hold (StackUnknown)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State

from bots.citizen.report_draft import StepUnknown, draft_data
from bots.citizen.storage import step_unknown

Before = Callable[[dict[str, Any]], Awaitable[None]]
# each stacked step's `back` key: the answer's to a request for information (reply_flow), the appeal's (own_steps)
REPLY_BACK, APPEAL_BACK = "reply_back", "appeal_back"
BACKS = (REPLY_BACK, APPEAL_BACK)


class StackUnknown(StepUnknown):
    """A step about to be stacked (`stack`: "Reply", "Appeal" tapped) over a state that could not be read at all: the
    chat reads as at none, but Redis may hold a report in progress, and the none kept as the state to go back to would
    be handed back over its step once Redis answers (the draft not resumed when the stacked step ends). As with a new
    draft (report_draft.open_draft), nothing is written, and the citizen is told to tap the button again in a minute."""

    said = "report_step_unknown_tap"


async def stack(state: FSMContext, own: State, back: str, fields: dict[str, Any], before: Before | None = None) -> None:
    """`own` begun with `fields`, over the chat's state; `own` begun again (another report's "Reply") keeps the state
    it went back to, not itself. `before` is given `own`'s data being replaced (when it was on), ahead of any write.
    StackUnknown (nothing written) when the chat's state could not be read at all."""
    current = await state.get_state()
    if step_unknown(state):
        raise StackUnknown
    if current == own.state:
        data = await draft_data(state)
        if before is not None:
            await before(data)
        current = data.get(back)
    await state.update_data({**fields, back: current})
    await state.set_state(own)


async def unstack(state: FSMContext, back: str, keys: Iterable[str], before: Before | None = None) -> str | None:
    """The stacked step ended: its `keys` (and `back`) dropped from the chat's data, and the chat back in the state
    kept under `back` (returned). `before` is given the data read, ahead of any write."""
    data = await draft_data(state)
    if before is not None:
        await before(data)
    went_back = data.get(back)
    for key in (*keys, back):
        data.pop(key, None)
    await state.set_data(data)
    await state.set_state(went_back)
    return str(went_back) if went_back else None


async def go_back_instead(state: FSMContext, was: State, instead: State) -> None:
    """The paused draft, kept under a stacked step's `back` as `was`, goes back to `instead` when that step ends
    (its data read now, with the chat held: the caller's state is the stacked step's). Nothing else changes."""
    data = await state.get_data()
    moved = {back: instead.state for back in BACKS if data.get(back) == was.state}
    if moved:
        await state.update_data(moved)
