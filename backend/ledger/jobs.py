"""Every minute: seal what was appended to the record since the last seal, and say so in the log.

The log line carries the new head's MAC. Logs are shipped out of the database's reach (a log store, a SIEM), so
the newest seals cannot be removed together with their rows without contradicting a MAC recorded elsewhere.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from backend.jobs.scheduled import periodic
from backend.ledger.service import seal_pending

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger(__name__)


@periodic("ledger.seal")
async def seal_the_record(ctx: Context) -> None:
    async with ctx.sessions() as session:
        seals = await seal_pending(session, ctx.settings.secret_keys)
    if seals:
        head = seals[-1]
        log.info("ledger sealed", extra={"ledger": {"seal": head.id, "rows": sum(s.rows for s in seals),
                                                    "mac": head.mac, "key_id": head.key_id}})
