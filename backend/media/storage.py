"""Media stores: where bytes live. Local disk for the embedded default, S3 (or MinIO) in production.

Both hand out an upload that the client performs directly (the API never proxies large bodies in production).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from backend.lib.crypto import sign_token

UPLOAD_TTL_S = 900
# Download links are handed to staff one screen at a time and every issue is audited: short enough that a leaked link
# is soon useless, long enough to open a video over a slow line.
DOWNLOAD_TTL_S = 300
# and kept by no cache: a duty room's shared computer must not hold a citizen's photos once the link has expired, nor
# a caching proxy in front of the public media address serve them to whoever has the URL (both stores say it)
DOWNLOAD_CACHE_CONTROL = "private, no-store"


class StoreUnavailable(Exception):
    """The store could not be reached or refused to work (not "no such object"): the caller answers 503 and keeps
    what it has, and the client retries."""


@dataclass(frozen=True)
class Upload:
    method: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    expires_in: int = UPLOAD_TTL_S


@dataclass(frozen=True)
class StoredObject:
    size: int
    sha256: str
    head: bytes  # the first bytes, for type sniffing and EXIF


class MediaStore(Protocol):
    name: str

    async def presign(self, key: str, content_type: str, size: int, media_id: str) -> Upload: ...

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Server-side upload of bytes we already hold (e.g. a photo the Telegram bot downloaded)."""
        ...

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Server-side upload of a file too large to hold in memory (a sealed evidence video)."""
        ...

    async def download_url(self, key: str, content_type: str, filename: str) -> str:
        """A short-lived link that serves the object as an attachment (never rendered inline by the browser)."""
        ...

    async def inspect(self, key: str) -> StoredObject | None: ...

    async def fetch(self, key: str, path: Path) -> bool:
        """Copy the object to a local file (for server-side processing); False when there is no such object."""
        ...

    async def copy(self, source: str, target: str) -> bool:
        """Copy an object within the store (server-side on S3); False when there is no `source` object."""
        ...

    async def delete(self, key: str) -> None: ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store can take files now (for /health)."""
        ...


HEAD_BYTES = 256 * 1024


def _digest_stream(chunks: Any) -> StoredObject:
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        if len(head) < HEAD_BYTES:
            head.extend(chunk[: HEAD_BYTES - len(head)])
    return StoredObject(size=size, sha256=digest.hexdigest(), head=bytes(head))


class LocalStore:
    """Files under ZAN_MEDIA_DIR; uploads go to a signed URL that this app serves itself."""

    name = "local"

    def __init__(self, root: Path, public_base_url: str, secret_key: str) -> None:
        self.root = root
        self.public_base_url = public_base_url.rstrip("/")
        self.secret_key = secret_key

    def path(self, key: str) -> Path:
        resolved = (self.root / key).resolve()
        if self.root.resolve() not in resolved.parents:
            raise ValueError("key escapes the media root")
        return resolved

    async def presign(self, key: str, content_type: str, size: int, media_id: str) -> Upload:
        token = sign_token(self.secret_key, "media-upload",
                           {"id": media_id, "key": key, "size": size, "ct": content_type}, ttl_s=UPLOAD_TTL_S)
        return Upload(method="PUT", url=f"{self.public_base_url}/api/v1/media/{media_id}/upload?token={token}",
                      headers={"Content-Type": content_type})

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        with _unavailable_on(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(path.write_bytes, data)

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        target = self.path(key)

        def copy() -> None:
            # copy, then rename: a reader never sees a half-written file under the final key
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(path, staging)
            staging.replace(target)

        with _unavailable_on(OSError):
            await asyncio.to_thread(copy)

    async def download_url(self, key: str, content_type: str, filename: str) -> str:
        token = sign_token(self.secret_key, "media-download", {"key": key, "ct": content_type, "fn": filename},
                           ttl_s=DOWNLOAD_TTL_S)
        return f"{self.public_base_url}/api/v1/media/files?token={token}"

    def _exists(self, path: Path) -> bool:
        """Whether there is an object at `path`. Only "no such file" is an answer: any other OSError (a mount gone,
        permissions lost, an I/O error) is the store being unavailable, a 503 the client retries, not a 500."""
        with _unavailable_on(OSError):
            return path.exists()

    async def has_file(self, key: str) -> bool:
        """Whether `key` is a stored file (for serving it); StoreUnavailable as `_exists`."""
        path = self.path(key)

        def is_file() -> bool:
            with _unavailable_on(OSError):
                return path.is_file()

        return await asyncio.to_thread(is_file)

    async def inspect(self, key: str) -> StoredObject | None:
        path = self.path(key)
        if not await asyncio.to_thread(self._exists, path):
            return None

        def read() -> StoredObject:
            with path.open("rb") as fh:
                return _digest_stream(iter(lambda: fh.read(1024 * 1024), b""))

        with _unavailable_on(OSError):
            return await asyncio.to_thread(read)

    async def fetch(self, key: str, path: Path) -> bool:
        source = self.path(key)
        if not await asyncio.to_thread(self._exists, source):
            return False
        with _unavailable_on(OSError):
            await asyncio.to_thread(shutil.copyfile, source, path)
        return True

    async def copy(self, source: str, target: str) -> bool:
        origin = self.path(source)
        if not await asyncio.to_thread(self._exists, origin):
            return False
        await self.put_file(target, origin, "")
        return True

    async def delete(self, key: str) -> None:
        with _unavailable_on(OSError):
            self.path(key).unlink(missing_ok=True)

    async def ping(self) -> None:
        def writable() -> bool:
            self.root.mkdir(parents=True, exist_ok=True)
            return os.access(self.root, os.W_OK)

        with _unavailable_on(OSError):
            if not await asyncio.to_thread(writable):
                raise StoreUnavailable(f"{self.root} is not writable")


class S3Store:
    """S3 or MinIO through boto3: presigned POST with size and type conditions, verified again after upload."""

    name = "s3"

    def __init__(self, client_factory: Callable[..., Any], bucket: str,
                 public_client_factory: Callable[..., Any] | None = None) -> None:
        self._client = client_factory()
        # /health's probe: one brief attempt (see S3_PROBE_TIMEOUT_S), made on its first use
        self._probe_client: Any = None
        self._client_factory = client_factory
        # links for clients are signed for the address they reach (ZAN_S3_PUBLIC_ENDPOINT_URL): a presigned URL names
        # its host, and SigV4 signs it, so a link made for http://minio:9000 cannot be rewritten to another host
        self._public_client = public_client_factory() if public_client_factory is not None else self._client
        self.bucket = bucket

    async def presign(self, key: str, content_type: str, size: int, media_id: str) -> Upload:
        # the exact declared size is the only accepted size: a client cannot slip a bigger file in
        post = await asyncio.to_thread(
            self._public_client.generate_presigned_post,
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
            ExpiresIn=UPLOAD_TTL_S,
        )
        return Upload(method="POST", url=post["url"], fields=dict(post["fields"]))

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        with _unavailable_on_s3_errors():
            await asyncio.to_thread(self._client.put_object, Bucket=self.bucket, Key=key, Body=data,
                                    ContentType=content_type)

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        # boto3's transfer manager switches to a multipart upload for large files
        with _unavailable_on_s3_errors():
            await asyncio.to_thread(self._client.upload_file, str(path), self.bucket, key,
                                    ExtraArgs={"ContentType": content_type})

    async def download_url(self, key: str, content_type: str, filename: str) -> str:
        url: str = await asyncio.to_thread(
            self._public_client.generate_presigned_url, "get_object",
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type,
                    "ResponseContentDisposition": f'attachment; filename="{filename}"',
                    "ResponseCacheControl": DOWNLOAD_CACHE_CONTROL},
            ExpiresIn=DOWNLOAD_TTL_S,
        )
        return url

    async def inspect(self, key: str) -> StoredObject | None:
        def read() -> StoredObject:
            obj = self._client.get_object(Bucket=self.bucket, Key=key)
            return _digest_stream(obj["Body"].iter_chunks(1024 * 1024))

        return await _unless_missing(read, None)

    async def fetch(self, key: str, path: Path) -> bool:
        def download() -> bool:
            self._client.download_file(self.bucket, key, str(path))
            return True

        return await _unless_missing(download, False)

    async def copy(self, source: str, target: str) -> bool:
        def server_side() -> bool:
            # one request, and the copy keeps the source's Content-Type (objects of up to 5 GB; files are ≤ 100 MB)
            self._client.copy_object(Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source})
            return True

        return await _unless_missing(server_side, False)

    async def delete(self, key: str) -> None:
        with _unavailable_on_s3_errors():
            await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=key)

    async def ping(self) -> None:
        if self._probe_client is None:
            self._probe_client = self._client_factory(probe=True)
        with _unavailable_on_s3_errors():
            await asyncio.to_thread(self._probe_client.head_bucket, Bucket=self.bucket)


_T = TypeVar("_T")
_M = TypeVar("_M")


async def _unless_missing(call: Callable[[], _T], missing: _M) -> _T | _M:
    """`call()` in a thread, or `missing` when S3 says there is no such object; any other S3 failure is
    StoreUnavailable."""
    from botocore.exceptions import ClientError

    def run() -> _T | _M:
        try:
            return call()
        except ClientError as exc:
            if _missing(exc):
                return missing
            raise

    with _unavailable_on_s3_errors():
        return await asyncio.to_thread(run)


def _missing(exc: Any) -> bool:
    """A botocore ClientError that says "no such object" (get_object and download_file word it differently)."""
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")  # type: ignore[no-any-return]


@contextmanager
def _unavailable_on(*errors: type[BaseException]) -> Iterator[None]:
    try:
        yield
    except errors as exc:
        raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _unavailable_on_s3_errors() -> AbstractContextManager[None]:
    from boto3.exceptions import Boto3Error  # upload_file's transfer manager wraps client errors in its own
    from botocore.exceptions import BotoCoreError, ClientError

    return _unavailable_on(BotoCoreError, ClientError, Boto3Error)


# A store that does not answer (a partition, an overloaded MinIO) is an outage like one that refuses: the request
# gets its 503 with Retry-After within a bound. botocore waits 60 s for a connection and 60 s for each answer by
# default, for each of its attempts: a completion held its thread of the default executor (a handful per process)
# for minutes. The read bound is for silence between bytes, not for a whole transfer: a 100 MB copy or read keeps
# bytes flowing, and a server-side copy of one answers within seconds.
S3_CONNECT_TIMEOUT_S = 5.0
S3_READ_TIMEOUT_S = 30.0
# /health waits 2 s for the store (backend.health): its probe asks once and gives up about then, so that probes of
# a silent store do not pile up in threads that outlive the answer they were for
S3_PROBE_TIMEOUT_S = 2.0


def s3_client_factory(endpoint_url: str | None, region: str, access_key: str | None,
                      secret_key: str | None) -> Callable[..., Any]:
    """A maker of boto3 S3 clients; `probe=True` makes the one /health probes the store with."""
    def make(*, probe: bool = False) -> Any:
        import boto3
        from botocore.config import Config

        connect, read = (S3_PROBE_TIMEOUT_S, S3_PROBE_TIMEOUT_S) if probe else (S3_CONNECT_TIMEOUT_S,
                                                                               S3_READ_TIMEOUT_S)
        return boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(signature_version="s3v4", retries={"max_attempts": 1 if probe else 3, "mode": "standard"},
                          connect_timeout=connect, read_timeout=read, s3={"addressing_style": "path"}),
        )

    return make
