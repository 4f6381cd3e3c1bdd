"""An area alert lives on phones and tablets no longer than the alert itself, however late an attempt reaches FCM.

Its time to live was fixed when the alert was written: a retry an hour later (an FCM outage, a 429) handed FCM the
whole of it again, so a device that came online later still showed an alert already lifted (a child found), and
iPhones got no expiry at all."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.lib.clock import utcnow
from backend.notifications.models import Delivery
from backend.notifications.schemas import AlertIn, AlertTexts, Centre
from backend.notifications.service import create_alert
from tests.fakes.fcm import FakeFCM
from tests.notifications.conftest import drain, officer_device
from tests.officers.factories import make_officer

pytestmark = pytest.mark.anyio
ASTANA = (51.1605, 71.4704)


async def test_a_late_attempt_gives_the_alert_only_the_life_it_has_left(ctx: Context, fcm: FakeFCM) -> None:
    tablet = await officer_device(ctx, lat=ASTANA[0], lon=ASTANA[1])
    duty, _ = await make_officer(ctx, role="dispatcher")
    async with ctx.sessions() as session:
        await create_alert(ctx, session, officer_id=duty.id, unit_id=None, data=AlertIn(
            category="missing_child", texts=AlertTexts(kk="Бала жоғалды", ru="Пропал ребёнок"),
            expires_at=utcnow() + timedelta(hours=6), centre=Centre(lat=ASTANA[0], lon=ASTANA[1]), radius_m=500))
        await session.commit()
        # as if the first attempts failed and almost all of the alert's six hours went by: two minutes are left
        left = utcnow() + timedelta(minutes=2)
        for row in await session.scalars(select(Delivery)):
            row.payload = {**row.payload, "expires_at": left.isoformat()}
        await session.commit()

    await drain(ctx)

    (push,) = fcm.pushes_to(tablet.token or "")
    ttl_s = float(push.message["android"]["ttl"].removesuffix("s"))
    assert 0 < ttl_s <= 120
    expiration = int(push.message["apns"]["headers"]["apns-expiration"])
    assert expiration <= int(left.timestamp()) + 1
    assert datetime.fromtimestamp(expiration, left.tzinfo) > utcnow() - timedelta(seconds=5)
