"""Servers on 127.0.0.1 run from a daemon thread with its own event loop (`ThreadedServer`); the aiohttp fakes
subclass `LoopbackServer` and build their `web.Application`. Running the server on its own thread keeps
it independent of the test's event loop, so the same fake serves sync tests, async tests and libraries that make
blocking HTTP calls from inside the test loop (google-auth refreshes tokens with `requests` inside
firebase-admin's async path: a fake living in the test loop would deadlock there).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

T = TypeVar("T")


def loopback_socket() -> tuple[socket.socket, int]:
    """A socket bound to 127.0.0.1 on a free port, and that port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


class ThreadedServer:
    """A server on 127.0.0.1 run by a daemon thread's own event loop: `start() -> base_url`, `stop()`, and a context
    manager doing both. Subclasses say how to serve a bound socket and how to stop serving."""

    thread_name = "loopback-server"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    # -- to override -------------------------------------------------------------------------------------------
    async def start_serving(self, sock: socket.socket) -> None:
        """Start serving on `sock`, in the server loop."""
        raise NotImplementedError

    async def stop_serving(self) -> None:
        """Stop serving, in the server loop; handlers still running afterwards are cancelled."""

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._base_url is not None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._base_url

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._loop

    def start(self) -> str:
        """Bind 127.0.0.1 on a free port, serve from a daemon thread, return the base URL (no trailing slash)."""
        if self._thread is not None:
            return self.base_url
        sock, port = loopback_socket()
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:  # the loop is created and run in its thread: start() may be called inside another loop
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start_serving(sock))
            except BaseException as exc:  # surfaced to start()
                failure.append(exc)
                sock.close()
                loop.close()
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=serve, name=self.thread_name, daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread = self._loop = None
            raise failure[0]
        self._base_url = f"http://127.0.0.1:{port}"
        return self._base_url

    def stop(self) -> None:
        """Shut the server down and join its thread. Safe to call twice."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return

        async def shutdown() -> None:
            await self.stop_serving()
            leftovers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in leftovers:  # handlers still running (past a shutdown timeout, or sleeping on latency)
                task.cancel()
            await asyncio.gather(*leftovers, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = self._loop = None
        self._base_url = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- helpers for subclasses ----------------------------------------------------------------------------------
    def call_in_loop(self, fn: Callable[..., object], *args: object) -> None:
        """Schedule `fn(*args)` on the server loop from any thread (no-op when the server is not running)."""
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(fn, *args)

    def run_in_loop(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """Run a coroutine on the server loop from another thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=timeout)


class LoopbackServer(ThreadedServer):
    """Base class of the aiohttp fakes: they build their `web.Application`."""

    def __init__(self) -> None:
        super().__init__()
        self._runner: web.AppRunner | None = None

    # -- to override -------------------------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        raise NotImplementedError

    async def on_stopping(self) -> None:
        """Runs in the server loop before the runner shuts down: release long polls, cancel background tasks."""

    # -- ThreadedServer ----------------------------------------------------------------------------------------
    async def start_serving(self, sock: socket.socket) -> None:
        self._runner = web.AppRunner(self.build_app(), shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def stop_serving(self) -> None:
        await self.on_stopping()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def wait_until(check: Callable[[], T | None], timeout: float, what: str, condition: threading.Condition) -> T:
    """Block until `check()` returns something other than None (re-checked on `condition` notifications)."""
    deadline = time.monotonic() + timeout
    with condition:
        while True:
            found = check()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            condition.wait(remaining)


async def wait_until_async(check: Callable[[], T | None], within: float, what: str, poll: float = 0.01) -> T:
    """Await until `check()` returns something other than None, polling without blocking the caller's loop."""
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(poll)
