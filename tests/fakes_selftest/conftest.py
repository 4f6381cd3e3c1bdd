"""Selftests of the loopback fakes against the real client libraries."""

import pytest

from tests.fakes.fixtures import fake_fcm, fake_s3, fake_telegram, firebase_app, s3_bucket, webhook_receiver

__all__ = ["fake_fcm", "fake_s3", "fake_telegram", "firebase_app", "s3_bucket", "webhook_receiver"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
