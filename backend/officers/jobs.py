"""Officers' scheduled work: telling a device its sign-in is about to end.

An officer's sign-in on a tablet or phone ends ZAN_JWT_REFRESH_TTL_S (30 days) after the login, whatever the refreshes
in between, and with it every push to the devices registered from there (`notifications.delivery._signed_in`): a
supervisor who had not signed in again stopped hearing of escalations, and a crew of assignments, with nothing on the
device to say so. REMIND_BEFORE its end, each device registered from that sign-in is told when it ends, once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from backend.jobs.relay import notify
from backend.jobs.scheduled import periodic
from backend.lib.clock import as_utc, utcnow
from backend.lib.i18n import pick
from backend.notifications import fanout, templates
from backend.notifications.models import Device
from backend.officers.models import OfficerSession

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from backend.context import Context

log = logging.getLogger("zan.officers")
# a weekend and a day: an officer off duty from Friday still learns of it on a working day
REMIND_BEFORE = timedelta(days=3)
BATCH = 500  # sign-ins considered a minute; at most a few a minute come due in a force of tens of thousands


@periodic("officers.sign_in_expiry")
async def remind_sign_in_expiry(ctx: Context) -> None:
    """Push "your sign-in here ends at …" to the devices registered from each sign-in ending within REMIND_BEFORE.

    A sign-in is considered once (`expiry_reminded_at`), and needs no reminder when the officer has already signed in
    again on the same device (a later sign-in there outlives it), or when its whole life is no longer than twice
    REMIND_BEFORE (a deployment that configured short sign-ins means its officers to sign in that often)."""
    now = utcnow()
    later = aliased(OfficerSession)
    renewed = exists().where(col(later.officer_id) == col(OfficerSession.officer_id),
                             col(later.device_pk) == col(OfficerSession.device_pk), col(later.revoked_at).is_(None),
                             col(later.expires_at) > col(OfficerSession.expires_at))
    async with ctx.sessions() as session:
        due = (await session.execute(
            select(OfficerSession, renewed)
            .where(col(OfficerSession.revoked_at).is_(None), col(OfficerSession.expiry_reminded_at).is_(None),
                   col(OfficerSession.expires_at) > now, col(OfficerSession.expires_at) <= now + REMIND_BEFORE)
            .order_by(col(OfficerSession.expires_at)).limit(BATCH)
            # two schedulers running at once take different sign-ins (SQLite: one writer, rendered without it)
            .with_for_update(of=OfficerSession, skip_locked=True))).all()
        told = 0
        for sign_in, signed_in_again in due:
            sign_in.expiry_reminded_at = now
            ends = as_utc(sign_in.expires_at)
            if signed_in_again or ends - as_utc(sign_in.created_at) <= 2 * REMIND_BEFORE:
                continue
            told += bool(await _tell_devices(session, sign_in, ends, now))
        await session.commit()
    if told:
        log.info("told %d sign-ins they are about to end", told)
        notify(ctx)


async def _tell_devices(session: AsyncSession, sign_in: OfficerSession, ends: datetime, now: datetime) -> bool:
    """Write the pushes to the active devices registered from `sign_in` and the task that sends them; False when it
    has none (the app registered no push token there)."""
    devices = await session.execute(
        select(col(Device.id), col(Device.language))
        .where(col(Device.owner_type) == "officer", col(Device.active).is_(True),
               col(Device.officer_id) == sign_in.officer_id, col(Device.officer_device_pk) == sign_in.device_pk))
    key = f"sign-in-expiry:{sign_in.id}"
    # it matters until the sign-in ends: a device offline past that has nothing left to be told
    life = fanout.push_life("sign_in_expiry", now, ttl_s=int((ends - now).total_seconds()))

    def payload_in(language: str) -> dict[str, Any]:
        return {"title": pick(templates.SIGN_IN_EXPIRY_TITLE, language),
                "body": pick(templates.SIGN_IN_EXPIRY_BODY, language).format(at=templates.local_time(ends)),
                "collapse_id": key, "urgent": False, **life,
                "data": {"type": "sign_in_expiry", "expires_at": ends.isoformat()}}

    return bool(await fanout.push_to_devices(session, key, devices, payload_in))
