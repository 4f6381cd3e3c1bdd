"""Every minute: seal what was appended to the record since the last seal, and say so in the log; once an hour
the same run then rereads a day back (service.DEEP_LOOKBACK) for rows whose commit came long after their time.

The log line carries the new head's MAC. Logs are shipped out of the database's reach (a log store, a SIEM), so
the newest seals cannot be removed together with their rows without contradicting a MAC recorded elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from backend.jobs.scheduled import SEAL, periodic
from backend.ledger.models import LedgerSeal
from backend.ledger.service import DEEP_LOOKBACK, LOOKBACK, seal_pending

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger(__name__)
DEEP_EVERY_S = 3600.0
_LAST_DEEP = "ledger.last_deep_seal"  # monotonic time the last reread of a day began, in ctx.extras


@periodic("ledger.seal", lane=SEAL)
async def seal_the_record(ctx: Context) -> None:
    # the minute's own rows first, in a pass of their own that commits before the reread starts: the reread of a
    # day grows with the day's volume, and when it outlasts the cron's timeout it is cancelled; done in one pass
    # with it (as before), no row was sealed at all while the reread kept being cut off
    async with ctx.sessions() as session:
        _logged(await seal_pending(session, ctx.settings.secret_keys, lookback=LOOKBACK))
    # per process: with several schedulers each rereads the day hourly, which costs reads, never a second seal of a
    # row (the sealer's advisory lock and the entries' check see to that)
    if time.monotonic() - ctx.extras.get(_LAST_DEEP, float("-inf")) < DEEP_EVERY_S:
        return
    # the attempt is recorded, not its end: a reread cancelled by the cron's timeout (or failing) is tried again in
    # an hour, not every minute, so it cannot take each minute's run with it
    ctx.extras[_LAST_DEEP] = time.monotonic()
    started = time.perf_counter()
    try:
        async with ctx.sessions() as session:
            seals = await seal_pending(session, ctx.settings.secret_keys, lookback=DEEP_LOOKBACK)
    except asyncio.CancelledError:
        log.warning("ledger: the hourly reread of a day was cut off after %.1f s (the scheduled run's timeout); "
                    "tried again in an hour, `zan ledger seal --full` seals what it did not reach",
                    time.perf_counter() - started)
        raise
    if seals and not seals[-1].complete:
        # a day's backlog larger than one run's seals: each run commits what it sealed, the next minute goes on
        ctx.extras.pop(_LAST_DEEP, None)
    _logged(seals)


def _logged(seals: list[LedgerSeal]) -> None:
    if seals:
        head = seals[-1]
        log.info("ledger sealed", extra={"ledger": {"seal": head.id, "rows": sum(s.rows for s in seals),
                                                    "mac": head.mac, "key_id": head.key_id}})
