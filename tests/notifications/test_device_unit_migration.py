"""notification_devices.unit_id is gone (migration u1_notify_drop_device_unit): nothing read it, and a unit's pushes
find its crew through unit_members when they are sent (test_device_tablet_and_unit). Up and down on both databases."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from backend.migrate import downgrade, upgrade
from backend.notifications.models import Device
from tests.core.test_migrations import scratch_db  # noqa: F401  (re-exported fixture)

REVISION = "u1_notify_drop_device_unit"


def _device_columns(async_url: str) -> set[str]:
    async def read() -> set[str]:
        from backend.db import make_engine

        engine = make_engine(async_url, null_pool=True)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns(
                "notification_devices")})
        await engine.dispose()
        return names

    return asyncio.run(read())


def test_the_unused_device_unit_column_is_dropped_and_comes_back_on_downgrade(
        scratch_db: tuple[str, str]) -> None:  # noqa: F811
    url, _ = scratch_db
    upgrade(url, REVISION)
    assert "unit_id" not in _device_columns(url)
    assert "unit_id" not in Device.model_fields
    downgrade(url, "u1_ledger_checkpoints")
    assert "unit_id" in _device_columns(url)
    upgrade(url, REVISION)
    assert {"officer_id", "officer_device_pk"} <= _device_columns(url) and "unit_id" not in _device_columns(url)
