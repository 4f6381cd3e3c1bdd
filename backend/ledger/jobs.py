"""Every minute: seal what was appended to the record since the last seal, and say so in the log; then the reread
of a day back (service.reread) for rows whose commit came long after their time: a cycle begins once an hour, and
goes on from its checkpoint in the next minutes' runs until it reaches the tables' end. Apart from sealing (in the
main lane, so it never delays a seal), the whole chain is checked again the same way (verify.check_onward): what
was sealed and then changed is found without anyone running `zan ledger verify`, and after it every report's rows
that no seal holds are judged against the events that pin them (verify.check_pinned_onward).

The log line carries the new head's MAC. Logs are shipped out of the database's reach (a log store, a SIEM), so
the newest seals cannot be removed together with their rows without contradicting a MAC recorded elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from backend.jobs.scheduled import SEAL, periodic
from backend.ledger.models import LedgerSeal
from backend.ledger.service import LOOKBACK, reread, seal_pending
from backend.ledger.verify import check_onward, check_pinned_onward

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger(__name__)
DEEP_EVERY_S = 3600.0
_CUT_OFF = "ledger.reread_cut_off"  # monotonic time this process's reread was last cut off, in ctx.extras


@periodic("ledger.seal", lane=SEAL)
async def seal_the_record(ctx: Context) -> None:
    # the minute's own rows first, in a pass of their own that commits before the reread starts: the reread of a
    # day grows with the day's volume, and when it outlasts the cron's timeout it is cancelled; done in one pass
    # with it (as before), no row was sealed at all while the reread kept being cut off
    async with ctx.sessions() as session:
        _logged(await seal_pending(session, ctx.settings.secret_keys, lookback=LOOKBACK))
    # a reread cut off although a run reads a bounded number of rows (a slow or locked database) is not tried again
    # every minute, so that it cannot take each minute's run with it; the checkpoint keeps what it had read
    if time.monotonic() - ctx.extras.get(_CUT_OFF, float("-inf")) < DEEP_EVERY_S:
        return
    started = time.perf_counter()
    try:
        async with ctx.sessions() as session:
            seals = await reread(session, ctx.settings.secret_keys, every=timedelta(seconds=DEEP_EVERY_S))
    except asyncio.CancelledError:
        ctx.extras[_CUT_OFF] = time.monotonic()
        log.warning("ledger: the reread of a day was cut off after %.1f s (the scheduled run's timeout); it goes on "
                    "from its checkpoint in an hour", time.perf_counter() - started)
        raise
    _logged(seals)


@periodic("ledger.check")
async def check_the_record(ctx: Context) -> None:
    # a cycle begins at most hourly and takes as many minutes' runs as the record needs; each run checks about
    # verify.CHECK_ROWS sealed rows, and a run cut off goes on from the last seal it checked
    async with ctx.sessions() as session:
        await check_onward(session, ctx.settings.secret_keys, every=timedelta(seconds=DEEP_EVERY_S))
    # then the rows no seal holds, against the sealed events that pin them (a report's text, later files, custody
    # records, notes): verify.PINNED_RUN reports a run, the cycle beginning again at most hourly
    async with ctx.sessions() as session:
        await check_pinned_onward(session, every=timedelta(seconds=DEEP_EVERY_S))


def _logged(seals: list[LedgerSeal]) -> None:
    if seals:
        head = seals[-1]
        log.info("ledger sealed", extra={"ledger": {"seal": head.id, "rows": sum(s.rows for s in seals),
                                                    "mac": head.mac, "key_id": head.key_id}})
