"""moto's S3 server through real boto3 and a real multipart POST — and what moto does not enforce."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.fakes.s3 import FakeS3, S3Bucket, content_length_range, post_policy

MAX_PHOTO = 1024


def presigned_photo_post(bucket: S3Bucket, key: str) -> dict[str, object]:
    return bucket.client().generate_presigned_post(  # type: ignore[no-any-return]
        bucket.name,
        key,
        Fields={"Content-Type": "image/jpeg"},
        Conditions=[["content-length-range", 1, MAX_PHOTO], {"Content-Type": "image/jpeg"}],
        ExpiresIn=300,
    )


def test_put_get_head(s3_bucket: S3Bucket) -> None:
    client = s3_bucket.client()
    client.put_object(Bucket=s3_bucket.name, Key="reports/1/a.txt", Body=b"hello", ContentType="text/plain")
    assert client.get_object(Bucket=s3_bucket.name, Key="reports/1/a.txt")["Body"].read() == b"hello"
    assert client.head_object(Bucket=s3_bucket.name, Key="reports/1/a.txt")["ContentLength"] == 5
    with pytest.raises(ClientError):
        client.head_object(Bucket=s3_bucket.name, Key="missing")


def test_presigned_post_upload(s3_bucket: S3Bucket) -> None:
    post = presigned_photo_post(s3_bucket, "reports/1/photo.jpg")
    fields = dict(post["fields"])  # type: ignore[call-overload]
    assert content_length_range(fields) == (1, MAX_PHOTO)
    assert {"Content-Type": "image/jpeg"} in post_policy(fields)["conditions"]
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"

    body = b"\xff\xd8\xff" + b"x" * 100
    response = httpx.post(str(post["url"]), data=fields, files={"file": ("photo.jpg", body, "image/jpeg")})

    assert response.status_code == 204
    stored = s3_bucket.client().get_object(Bucket=s3_bucket.name, Key="reports/1/photo.jpg")
    assert stored["ContentType"] == "image/jpeg"
    assert hashlib.sha256(stored["Body"].read()).digest() == hashlib.sha256(body).digest()


def test_moto_does_not_enforce_post_policy(s3_bucket: S3Bucket) -> None:
    """Documented in tests/fakes/s3.py: size, type and signature checks must be tested elsewhere."""
    post = presigned_photo_post(s3_bucket, "reports/1/big.jpg")
    fields = dict(post["fields"])  # type: ignore[call-overload]
    oversize = httpx.post(str(post["url"]), data=fields, files={"file": ("a", b"x" * (MAX_PHOTO + 1), "image/jpeg")})
    fields["Content-Type"] = "text/html"
    wrong_type = httpx.post(str(post["url"]), data=fields, files={"file": ("a", b"<html>", "text/html")})
    fields["x-amz-signature"] = "0" * 64
    forged = httpx.post(str(post["url"]), data=fields, files={"file": ("a", b"x", "image/jpeg")})
    assert [oversize.status_code, wrong_type.status_code, forged.status_code] == [204, 204, 204]


def test_buckets_are_isolated_by_name(fake_s3: FakeS3) -> None:
    first, second = fake_s3.create_bucket(), fake_s3.create_bucket()
    first.client().put_object(Bucket=first.name, Key="k", Body=b"1")
    assert second.client().list_objects_v2(Bucket=second.name).get("KeyCount") == 0
