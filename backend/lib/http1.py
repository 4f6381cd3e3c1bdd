"""A lean HTTP/1.1 keep-alive transport for httpx: under firebase-admin's async FCM client, and in the benchmarks'
load generators.

Why not httpx's own transport (httpcore): per request it runs its pool's request-to-connection assignment and
idle-connection cleanup (O(connections) each, a socket poll per idle connection), anyio stream wrappers, sniffio
lookups, h11's event machinery, and two socket writes (head, then body). On the FCM fan-out that was ~60 % of the
sender's CPU per message (docs/benchmarks-notifications.md). This transport does one thing: POST a small body on a
kept-alive connection and read a small response.

- Connections are `asyncio.Protocol`s: the loop tells us when the server closes one (`connection_lost`), so reuse
  needs no socket poll; responses are parsed by httptools (llhttp, the parser uvicorn uses; a uvicorn[standard]
  dependency, pinned in pyproject). Content-Length, chunked and read-until-close bodies are handled.
- One request at a time per connection (no pipelining), at most `max_connections` connections (requests beyond
  wait for a free one, up to the pool timeout), idle connections reused last-in first-out and dropped after
  `keepalive_expiry` seconds or when the server says `Connection: close`.
- The request goes out in one write (head + body). Bodies are read into memory: FCM's answers are a few hundred bytes.
  (No HEAD requests: a HEAD response's Content-Length would be read as a body to wait for.)
- Timeouts from the request's httpx extensions: `connect` for the TCP/TLS handshake, `pool` for waiting for a
  connection, `read` from the write until the response is complete. Failures raise the httpx exception httpcore would
  (ConnectError, ConnectTimeout, PoolTimeout, ReadTimeout, ReadError, RemoteProtocolError), so firebase-admin maps them
  to the same FirebaseError classes (UnavailableError, DeadlineExceededError, UnknownError).
- HTTPS speaks HTTP/1.1 over TLS (ALPN http/1.1), like the SDK's synchronous `send_each` (requests, 100-connection
  pool); there is no HTTP/2 here.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from typing import cast

import httptools
import httpx

_Origin = tuple[str, str, int]  # scheme, host, port


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection; carries one request/response at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, origin: _Origin) -> None:
        self.loop = loop
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.status = 0
        self.keep_alive = False
        self._complete = False
        self._got_headers = False
        self._framed = False  # Content-Length or chunked: the end is known without the connection closing

    # -- asyncio.Protocol --------------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio.Transport subclasses

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # bytes nobody asked for (a server talking out of turn): not reusable
            self.closed = True
            if self.transport is not None:
                self.transport.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._finish(httpx.RemoteProtocolError(f"Invalid HTTP response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if self._got_headers and not self._framed:  # a body delimited by the connection closing
            self._complete = True
            self._finish(None)
        elif exc is not None:
            self._finish(httpx.ReadError(f"Connection lost: {exc!r}"))
        else:
            self._finish(httpx.RemoteProtocolError("Server disconnected without sending a complete response."))

    # -- httptools callbacks -----------------------------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length" or (lowered == b"transfer-encoding" and b"chunked" in value.lower()):
            self._framed = True

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self._got_headers = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200:  # an interim answer (100 Continue): the real one follows
            self._reset()
            return
        self.keep_alive = self._parser.should_keep_alive()
        self._complete = True
        self._finish(None)

    # -- one exchange -------------------------------------------------------------------------------------------------
    def _finish(self, error: Exception | None) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    def _timed_out(self) -> None:
        self._finish(httpx.ReadTimeout("Timed out waiting for the response."))

    async def exchange(self, data: bytes, read_timeout: float | None) -> None:
        """Write one request, wait until its response is complete (or fail with an httpx exception)."""
        assert self.transport is not None
        self._reset()
        self._waiter = waiter = self.loop.create_future()
        timer = self.loop.call_later(read_timeout, self._timed_out) if read_timeout is not None else None
        try:
            self.transport.write(data)
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            self._waiter = None
            if not self._complete:  # timed out, cancelled or broken mid-response: the stream is out of step
                self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is None:
            return
        transport = self.transport
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            transport.close()
        elif not self.loop.is_closed():  # e.g. firebase_admin.delete_app closes the client from another thread
            self.loop.call_soon_threadsafe(transport.close)


class Http1Transport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with a small keep-alive pool; see the module docstring."""

    def __init__(self, *, max_connections: int = 8, keepalive_expiry: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._idle: dict[_Origin, deque[_Connection]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._open: set[_Connection] = set()

    def _ssl(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            context = httpx.create_ssl_context()  # certifi roots, like httpx's own transport
            context.set_alpn_protocols(["http/1.1"])
            self._ssl_context = context
        return self._ssl_context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"Unsupported URL scheme {url.scheme!r}", request=request)
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        data = _serialize(request, await request.aread())
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or a new loop (tests): connections do not cross loops
            self._drop_all()
            self._loop, self._slots = loop, asyncio.Semaphore(self.max_connections)
        slots = self._slots
        assert slots is not None
        if slots.locked():
            try:
                async with asyncio.timeout(timeouts.get("pool")):
                    await slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("Timed out waiting for a connection.", request=request) from None
        else:
            await slots.acquire()
        try:
            conn = self._reuse(origin) or await self._connect(loop, origin, timeouts.get("connect"), request)
            try:
                await conn.exchange(data, timeouts.get("read"))
            except BaseException as exc:  # failed or cancelled: exchange() closed the connection
                self._open.discard(conn)
                if isinstance(exc, httpx.TransportError):
                    exc.request = request
                raise
            if conn.keep_alive and not conn.closed:
                conn.idle_since = time.monotonic()
                self._idle.setdefault(origin, deque()).append(conn)
            else:
                conn.close()
                self._open.discard(conn)
            return httpx.Response(conn.status, headers=conn.headers, stream=httpx.ByteStream(b"".join(conn.body)),
                                  extensions={"http_version": b"HTTP/1.1"})
        finally:
            slots.release()

    def _reuse(self, origin: _Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = time.monotonic()
        while idle:
            conn = idle.pop()  # the most recently used: the least likely to have been closed by the server
            if not conn.closed and now - conn.idle_since < self.keepalive_expiry:
                return conn
            conn.close()
            self._open.discard(conn)
        return None

    async def _connect(self, loop: asyncio.AbstractEventLoop, origin: _Origin, connect_timeout_s: float | None,
                       request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        conn = _Connection(loop, origin)
        tls = self._ssl() if scheme == "https" else None
        try:
            async with asyncio.timeout(connect_timeout_s):
                await loop.create_connection(lambda: conn, host, port, ssl=tls, server_hostname=host if tls else None)
        except TimeoutError:
            conn.close()
            raise httpx.ConnectTimeout(f"Timed out connecting to {host}:{port}", request=request) from None
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError is an OSError)
            conn.close()
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}", request=request) from exc
        self._open.add(conn)
        return conn

    def _drop_all(self) -> None:
        for conn in self._open:
            conn.close()
        self._open.clear()
        self._idle.clear()

    async def aclose(self) -> None:
        self._drop_all()


def _serialize(request: httpx.Request, body: bytes) -> bytes:
    """Request line + headers + body, one buffer. The body is in memory, so it is always sent with Content-Length."""
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    has_length = False
    for name, value in request.headers.raw:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            continue
        has_length = has_length or lowered == b"content-length"
        lines.append(b"%s: %s" % (name, value))
    if not has_length and (body or request.method not in ("GET", "HEAD", "OPTIONS", "DELETE")):
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"")
    lines.append(body)
    return b"\r\n".join(lines)
