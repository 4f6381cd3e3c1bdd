"""S3 on loopback: moto's server mode (`ThreadedMotoServer`) on 127.0.0.1, a real HTTP S3 endpoint for boto3.

    with FakeS3() as s3:
        bucket = s3.create_bucket("zan-media-test")
        client = boto3.client("s3", **bucket.client_kwargs)  # endpoint_url, credentials, region, s3v4 config

Findings with moto 5.2.5 (asserted by tests/fakes_selftest/test_fake_s3.py so a moto upgrade that changes them
fails loudly):
- Presigned POST works end to end: a multipart POST of the returned `url`/`fields` plus `file` answers 204 and
  stores the object with the form's Content-Type.
- moto enforces **none** of the POST policy: `content-length-range`, `{"Content-Type": ...}` / `starts-with`
  conditions, the `key` condition, the policy expiration and even the signature are ignored (oversize, wrong-type,
  expired and tampered uploads all get 204). Presigned GET URLs are not signature-checked either.
  So a test cannot prove "S3 rejects a 30 MB upload" against moto. Test instead (a) the policy the backend
  generates — `post_policy(fields)` decodes it — and (b) the backend's post-upload verification (HEAD size, type,
  sha256), which the design requires anyway because clients can lie.
- moto keeps its state in process-global backends: every moto server (and `mock_aws`) in one process shares
  buckets. Use unique bucket names per test or call `reset()` (POST /moto-api/reset) between tests.
- `ThreadedMotoServer(verbose=False)` still lets werkzeug log every request; we silence the `werkzeug` logger.
- Bucket names must be valid S3 names (3-63 chars): moto answers InvalidBucketName otherwise.
- Use `signature_version="s3v4"` (as production should): boto3's default presigned POST in us-east-1 is SigV2-style
  (`AWSAccessKeyId`/`signature` fields).
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import boto3
import httpx
from botocore.config import Config

ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"  # moto accepts any credentials
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class S3Bucket:
    """A bucket on the fake and how to reach it: `boto3.client("s3", **bucket.client_kwargs)`."""

    name: str
    client_kwargs: dict[str, Any]

    def client(self) -> Any:
        return boto3.client("s3", **self.client_kwargs)


class FakeS3:
    """A moto S3 server on 127.0.0.1:<free port>."""

    def __init__(self, *, region: str = DEFAULT_REGION) -> None:
        self.region = region
        self._server: Any = None  # moto.server.ThreadedMotoServer (imported lazily: moto is a dev dependency)
        self._endpoint_url: str | None = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("FakeS3 is not started")
        return self._endpoint_url

    def start(self) -> str:
        if self._server is not None:
            return self.endpoint_url
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self._endpoint_url = f"http://{host}:{port}"
        return self._endpoint_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self._server = None
        self._endpoint_url = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `boto3.client("s3", **kwargs)` (or aioboto3/aiobotocore) aimed at this server."""
        return {
            "endpoint_url": self.endpoint_url,
            "aws_access_key_id": ACCESS_KEY_ID,
            "aws_secret_access_key": SECRET_ACCESS_KEY,
            "region_name": self.region,
            "config": Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        }

    def client(self) -> Any:
        """A boto3 S3 client for this server."""
        return boto3.client("s3", **self.client_kwargs())

    def create_bucket(self, name: str | None = None) -> S3Bucket:
        """Create a bucket (a unique name when None); the result carries the boto3 client kwargs for it."""
        bucket = name or f"zan-test-{uuid.uuid4().hex[:12]}"
        client = self.client()
        if self.region == "us-east-1":
            client.create_bucket(Bucket=bucket)
        else:
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
        return S3Bucket(name=bucket, client_kwargs=self.client_kwargs())

    def reset(self) -> None:
        """Forget every bucket and object in this process's moto backends."""
        httpx.post(f"{self.endpoint_url}/moto-api/reset").raise_for_status()


def post_policy(fields: dict[str, str]) -> dict[str, Any]:
    """Decode the policy document of a presigned POST (`generate_presigned_post(...)["fields"]`)."""
    return json.loads(base64.b64decode(fields["policy"]))


def content_length_range(fields: dict[str, str]) -> tuple[int, int] | None:
    """The `content-length-range` condition of a presigned POST policy, if any."""
    for condition in post_policy(fields)["conditions"]:
        if isinstance(condition, list) and condition[0] == "content-length-range":
            return int(condition[1]), int(condition[2])
    return None
