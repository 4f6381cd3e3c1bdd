"""Sync cursors across a rotation of ZAN_SECRET_KEY (README "Rotating the secret key"): a tablet's stored cursor
signed under the key rotated away from is stale, not tampered with. The protocol (tablet-sync.md) answers a stale
cursor with 410 (wipe the replica, not the outbox, pull from scratch) and keeps 400 for a tampered one."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from backend.lib.crypto import sign_token
from backend.lib.errors import ZanError
from backend.sync.pull import PURPOSE, pull
from backend.sync.views import viewer_for
from tests.helpers import serving
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, uuid7

pytestmark = pytest.mark.anyio


async def test_a_cursor_signed_before_a_key_rotation_resets_the_tablet(ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    tab = Tablet(ctx, officer, unit.id)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    assert tab.cursor is not None and str(report.id) in tab.replica["reports"]
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    async with ctx.sessions() as session:
        viewer = await viewer_for(session, officer.id, unit.id)
        with pytest.raises(ZanError) as stale:
            await pull(session, secret_key=new, previous_keys=(old,), viewer=viewer, cursor=tab.cursor)
    # before the fix: 400 sync.cursor_invalid, which a tablet cannot recover from (its cursor is all it has)
    assert (stale.value.status, stale.value.code, stale.value.extra) == (410, "sync.reset_required",
                                                                          {"reason": "key"})
    # a cursor no configured key signed, and one altered after signing, are still tampered with
    forged = sign_token(f"unknown-{uuid.uuid4().hex}", PURPOSE, {"v": 1})
    for bad in (forged, "x" + tab.cursor[1:]):
        async with ctx.sessions() as session:
            with pytest.raises(ZanError) as tampered:
                await pull(session, secret_key=new, previous_keys=(old,), viewer=viewer, cursor=bad)
        assert (tampered.value.status, tampered.value.code) == (400, "sync.cursor_invalid")
    # once the old key leaves ZAN_PREVIOUS_SECRET_KEYS, nothing tells its cursors from forgeries
    async with ctx.sessions() as session:
        with pytest.raises(ZanError) as unknown:
            await pull(session, secret_key=new, viewer=viewer, cursor=tab.cursor)
    assert unknown.value.status == 400


async def test_after_a_rotation_the_pull_endpoint_answers_410_and_the_tablet_resyncs(ctx: Context) -> None:
    """Through the API process restarted with the new key and the old one in ZAN_PREVIOUS_SECRET_KEYS."""
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    device = f"tab-{uuid.uuid4().hex[:8]}"
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    async with serving(ctx.settings) as (_, client):
        h = bearer(await login(client, officer.badge_number, password, device))
        first = await client.get("/api/v1/sync/pull", headers=h)
        assert first.status_code == 200, first.text
        cursor = first.json()["cursor"]
    async with serving(ctx.settings.with_(secret_key=new, previous_secret_keys=(old,))) as (_, client):
        h = bearer(await login(client, officer.badge_number, password, device))  # a rotation ends sessions
        stale = await client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=h)
        assert stale.status_code == 410, stale.text
        assert (stale.json()["code"], stale.json()["reason"]) == ("sync.reset_required", "key")
        altered = await client.get("/api/v1/sync/pull", params={"cursor": "x" + cursor[1:]}, headers=h)
        assert (altered.status_code, altered.json()["code"]) == (400, "sync.cursor_invalid")
        # the reset: from scratch under the new key, whose cursor then carries on
        fresh = await client.get("/api/v1/sync/pull", headers=h)
        assert fresh.status_code == 200, fresh.text
        assert [r["id"] for r in fresh.json()["changes"]["reports"]["upserted"]] == [str(report.id)]
        note = uuid7()
        pushed = await client.post("/api/v1/sync/push", headers=h, json={"device_id": device, "mutations": [
            {"mutation_id": "after-rotation", "entity": "notes", "id": note, "op": "create",
             "hlc": "0000000000001-00001-tab", "fields": {"report_id": str(report.id), "text": "после ротации"}}]})
        assert pushed.json()["results"][0]["status"] == "applied", pushed.text
        delta = await client.get("/api/v1/sync/pull", params={"cursor": fresh.json()["cursor"]}, headers=h)
        assert delta.status_code == 200, delta.text
        assert [n["id"] for n in delta.json()["changes"]["notes"]["upserted"]] == [note]
