"""A webhook URL longer than the partners table holds (500 characters) is refused with the reason, exit 2.

It used to pass the check and reach the database: PostgreSQL refused the UPDATE and the operator got a driver
traceback (exit 1) about `character varying(500)` instead of a word about the URL; SQLite stored it.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.context import Context
from backend.notifications.webhook_target import WebhookTargetRefused, check_url
from tests.notifications.conftest import BOTH_DBS
from tests.notifications.test_webhooks import _stored, _webhook_set_cli

pytestmark = pytest.mark.anyio
LONG = "https://partner.example/zan/" + "a" * 480  # 508 characters


async def test_a_url_longer_than_the_column_is_refused_when_checked() -> None:
    with pytest.raises(WebhookTargetRefused, match="500"):
        await check_url(LONG, allow_private=True)
    await check_url(LONG[:500], allow_private=True)


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_webhook_set_refuses_a_url_too_long_to_store(ctx: Context, tmp_path: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    created, webhook_set = await _webhook_set_cli(ctx, tmp_path, monkeypatch, "kaspi-long")
    result = await webhook_set(LONG)
    assert result.exit_code == 2, result.output
    assert "--url" in result.output and "500" in result.output
    assert (await _stored(ctx, created)).webhook_url is None
