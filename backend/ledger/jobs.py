"""Every minute: seal what was appended to the record since the last seal, and say so in the log; once an hour
the same run rereads a day back (service.DEEP_LOOKBACK) for rows whose commit came long after their time.

The log line carries the new head's MAC. Logs are shipped out of the database's reach (a log store, a SIEM), so
the newest seals cannot be removed together with their rows without contradicting a MAC recorded elsewhere.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from backend.jobs.scheduled import periodic
from backend.ledger.service import DEEP_LOOKBACK, LOOKBACK, seal_pending

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger(__name__)
DEEP_EVERY_S = 3600.0
_LAST_DEEP = "ledger.last_deep_seal"


@periodic("ledger.seal")
async def seal_the_record(ctx: Context) -> None:
    # per process: with several schedulers each rereads the day hourly, which costs reads, never a second seal of a
    # row (the sealer's advisory lock and the entries' check see to that)
    deep = time.monotonic() - ctx.extras.get(_LAST_DEEP, float("-inf")) >= DEEP_EVERY_S
    async with ctx.sessions() as session:
        seals = await seal_pending(session, ctx.settings.secret_keys, lookback=DEEP_LOOKBACK if deep else LOOKBACK)
    if deep and (not seals or seals[-1].complete):
        # only once it reached the tables' end: a day's backlog larger than one run's seals is read on next minute
        ctx.extras[_LAST_DEEP] = time.monotonic()
    if seals:
        head = seals[-1]
        log.info("ledger sealed", extra={"ledger": {"seal": head.id, "rows": sum(s.rows for s in seals),
                                                    "mac": head.mac, "key_id": head.key_id}})
