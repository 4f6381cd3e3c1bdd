"""Load generation shared by the benchmarks: closed-loop throughput and open-loop fixed-rate latency."""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from backend.lib.http1 import Http1Transport

Request = Callable[[httpx.AsyncClient, int], Awaitable[int]]


@dataclass
class Result:
    label: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    def line(self) -> str:
        return (f"{self.label:<34} {self.rps:8.1f} req/s  p50 {self.pct(50):6.1f} ms  p95 {self.pct(95):6.1f} ms  "
                f"p99 {self.pct(99):6.1f} ms  errors {self.errors}/{self.requests}")


@contextmanager
def collector_paused() -> Iterator[None]:
    """The load generator is the stopwatch. With gc.callbacks in this process, its full collections took 60-100 ms
    each, several per run: every request in flight waited, and those pauses landed in the servers' p99 at a fixed
    rate. Collect before a phase, never during it (a 10 s phase's garbage cycles fit in memory easily)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _client(base: str, connections: int) -> httpx.AsyncClient:
    """httpx over a lean HTTP/1.1 transport. httpx's own (httpcore) spends CPU per request on pool bookkeeping that
    grows with the number of open connections: against a slower server the load generator burnt 5x the CPU per
    request it did against the bare endpoint (4.8 vs 0.95 ms), on the cores the servers need."""
    return httpx.AsyncClient(base_url=base, timeout=30, transport=Http1Transport(max_connections=connections))


async def closed_loop(label: str, base: str, request: Request, *, concurrency: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, counter
        while time.perf_counter() < deadline:
            counter += 1
            started = time.perf_counter()
            try:
                status = await request(client, counter)
            except httpx.HTTPError:
                status = 599
            latencies.append((time.perf_counter() - started) * 1000)
            if status >= 400:
                errors += 1

    with collector_paused():
        async with _client(base, concurrency) as client:
            started = time.perf_counter()
            await asyncio.gather(*(worker(client) for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
    return Result(label, len(latencies), errors, elapsed, latencies)


async def open_loop(label: str, base: str, request: Request, *, rate: float, seconds: float) -> Result:
    """Fixed arrival rate regardless of response time (no coordinated omission)."""
    latencies: list[float] = []
    errors = 0
    tasks: list[asyncio.Task[None]] = []

    async def one(client: httpx.AsyncClient, n: int, scheduled: float) -> None:
        nonlocal errors
        try:
            status = await request(client, n)
        except httpx.HTTPError:
            status = 599  # the server fell so far behind that the client gave up: counted, not fatal
        # measured from when the request *should* have been sent
        latencies.append((time.perf_counter() - scheduled) * 1000)
        if status >= 400:
            errors += 1

    with collector_paused():
        async with _client(base, 256) as client:
            start = time.perf_counter()
            total = int(rate * seconds)
            for n in range(total):
                scheduled = start + n / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(client, n, scheduled)))
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - start
    return Result(label, len(latencies), errors, elapsed, latencies)


def named_processes_cpu_s(name: str) -> float:
    """CPU seconds of every process called `name` (e.g. all PostgreSQL backends), from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                head, _, rest = handle.read().rpartition(")")
        except OSError:
            continue
        if head.split("(", 1)[1] == name:
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def process_tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its children (uvicorn workers), from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        stats[int(entry)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / tick
        todo.extend(children.get(current, []))
    return total


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
