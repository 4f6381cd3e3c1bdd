"""A loopback TCP proxy that a test can cut and restore, to make a real server (Redis) unreachable on demand, or
shut like a gate, to stop a real client mid-request (the app's boto3 client talking to the loopback S3 fake) and look
at the database while it waits: no sleeps, no patched code."""

from __future__ import annotations

import asyncio
import contextlib
import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TcpProxy:
    """127.0.0.1:<port> → target. `cut()` drops every connection and refuses new ones; `restore()` undoes it.
    `cut_at(marker)` cuts the same way the moment a client sends bytes holding `marker` (not passed on): the target
    lost between two requests of one client task; `after=n` passes the first n such sends on (the same request made
    again later in the task). `shut()` holds the clients' next bytes (and sets `held`) until `open()`; the target's
    answers still flow."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.held = asyncio.Event()
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._cut_at: bytes | None = None
        self._cut_after = 0

    def cut_at(self, marker: bytes, *, after: int = 0) -> None:
        self._cut_at, self._cut_after = marker, after

    def shut(self) -> None:
        self.held.clear()
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, gated: bool) -> None:
        try:
            while data := await reader.read(65536):
                if gated and self._cut_at is not None and self._cut_at in data:
                    if self._cut_after:
                        self._cut_after -= 1
                    else:
                        self._cut_at = None
                        self._sever()
                        break
                if gated and not self._open.is_set():
                    self.held.set()
                    await self._open.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        self._writers.update({client_w, upstream_w})
        for task in (asyncio.create_task(self._pipe(client_r, upstream_w, gated=True)),
                     asyncio.create_task(self._pipe(upstream_r, client_w, gated=False))):
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        return f"127.0.0.1:{self.port}"

    def _sever(self) -> asyncio.Server | None:
        """New connections refused and every open one closed, at once (a pipe calls it on `cut_at`'s marker)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.close()
        self._writers.clear()
        return server

    async def cut(self) -> None:
        server = self._sever()
        if server is not None:
            await server.wait_closed()
        for task in list(self._pipes):
            task.cancel()

    async def restore(self) -> None:
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        self.open()  # a held client is let go before its connection is dropped
        await self.cut()
