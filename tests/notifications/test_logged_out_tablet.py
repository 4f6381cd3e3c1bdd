"""An officer's push registration lives as long as their login on the tablet it was made from: a tablet the officer
logged out of (racked at the end of the shift, handed to the next crew) shows none of their crew's assignments on
its lock screen, while a colleague still logged in gets them (failed before: logout ended the session only, and the
tablet went on showing "New assignment ZP-…, <category>, <district>")."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from tests.fakes.fcm import FakeFCM, registration_token
from tests.notifications.conftest import BOTH_DBS
from tests.notifications.test_device_tablet_and_unit import _assign_to, _pushes_of, _register
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)]


async def test_a_tablet_the_officer_logged_out_of_gets_no_more_of_their_pushes(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx)
    leaving, password = await make_officer(ctx, unit=unit)
    staying, staying_password = await make_officer(ctx, unit=unit)
    tablet = f"tab-{uuid.uuid4().hex[:8]}"
    access = await login(app_client, leaving.badge_number, password, tablet)
    racked, kept = registration_token("racked"), registration_token("kept")
    assert (await _register(app_client, access, racked)).status_code == 200
    staying_access = await login(app_client, staying.badge_number, staying_password)
    assert (await _register(app_client, staying_access, kept)).status_code == 200

    before = await _assign_to(ctx, fcm, unit, reaching=kept)
    assert _pushes_of(fcm, racked) == [before]
    assert (await app_client.post("/api/v1/officer/auth/logout", headers=bearer(access))).status_code == 200

    after = await _assign_to(ctx, fcm, unit, reaching=kept)
    assert _pushes_of(fcm, kept) == [before, after]
    assert _pushes_of(fcm, racked) == [before]

    # signed in there again (its app registers its push token as it starts): the crew's work reaches it again
    again = await login(app_client, leaving.badge_number, password, tablet)
    assert (await _register(app_client, again, racked)).status_code == 200
    back = await _assign_to(ctx, fcm, unit, reaching=racked)
    assert _pushes_of(fcm, racked) == [before, back]
