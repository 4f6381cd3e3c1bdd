"""Every minute: seal what was appended to the record since the last seal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.jobs.scheduled import periodic
from backend.ledger.service import seal_pending

if TYPE_CHECKING:
    from backend.context import Context


@periodic("ledger.seal")
async def seal_the_record(ctx: Context) -> None:
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys)
