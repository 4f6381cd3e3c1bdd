"""Test helpers: valid IINs, a partner client that signs like eGov/Kaspi do, polling, and another API process."""

from __future__ import annotations

import asyncio
import hashlib
import io
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import msgspec
from PIL import Image
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

from backend.app import create_app
from backend.context import Context, build_context
from backend.partners.service import sign
from backend.settings import Settings

_W1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def iin_checksum(first11: str) -> int | None:
    digits = [int(c) for c in first11]
    check = sum(d * w for d, w in zip(digits, _W1, strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, _W2, strict=True)) % 11
    return None if check == 10 else check


def make_iin(n: int) -> str:
    """A valid IIN: born 1990-01-01 + n days-ish, century/sex digit 3, serial from n."""
    serial = 1000 + n
    while True:
        first11 = f"9001{(n % 28) + 1:02d}3{serial % 10000:04d}"
        check = iin_checksum(first11)
        if check is not None:
            return first11 + str(check)
        serial += 1


def bad_checksum(iin: str) -> str:
    return iin[:-1] + str((int(iin[-1]) + 1) % 10)


class PartnerClient:
    """Signs each request exactly as a partner app must; `tamper` hooks let tests forge and replay."""

    def __init__(self, http: httpx.AsyncClient, partner_id: str, secret: str, iin: str, lang: str = "ru") -> None:
        self._used_ts: set[int] = set()
        self.http = http
        self.partner_id = partner_id
        self.secret = secret
        self.iin = iin
        self.lang = lang

    def via(self, http: httpx.AsyncClient) -> PartnerClient:
        """The same partner and citizen through another server (e.g. one restarted with other settings); the
        timestamps already used stay used, so no request is refused as a replay of an earlier one."""
        other = PartnerClient(http, self.partner_id, self.secret, self.iin, self.lang)
        other._used_ts = self._used_ts
        return other

    def headers(self, method: str, path: str, body: bytes, *, ts: int | None = None,
                iin: str | None = None) -> dict[str, str]:
        if ts is None:
            # a real partner's retry is signed anew, seconds later; tests retry within the same second, so each
            # request takes an unused second (stepping back, well inside the 300 s window) to stay a fresh signature
            ts = int(time.time())
            while ts in self._used_ts:
                ts -= 1
            self._used_ts.add(ts)
        timestamp = str(ts)
        who = self.iin if iin is None else iin
        return {
            "X-Partner-Id": self.partner_id,
            "X-Timestamp": timestamp,
            "X-Citizen-IIN": who,
            "X-Signature": sign(self.secret, timestamp, method, path, body, who),
            "Accept-Language": self.lang,
        }

    async def request(self, method: str, path: str, json: Any = None, *, headers: dict[str, str] | None = None,
                      raw: bytes | None = None, **kw: Any) -> httpx.Response:
        body = raw if raw is not None else (msgspec.json.encode(json) if json is not None else b"")
        signed = self.headers(method, path, body, **kw)
        if body:
            signed["Content-Type"] = "application/json"
        signed.update(headers or {})
        return await self.http.request(method, path, content=body, headers=signed)

    async def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.request("POST", path, json, **kw)

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", path, **kw)

    async def submit(self, text: str = "Во дворе дома на Кенесары 40 пьяные дерутся", *, lat: float = 51.1605,
                     lon: float = 71.4704, key: str | None = None, **extra: Any) -> httpx.Response:
        body = {"text": text, "location": {"lat": lat, "lon": lon, "accuracy_m": 15}, **extra}
        return await self.post("/api/v1/reports", body, headers={"Idempotency-Key": key or str(uuid.uuid4())})


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0,  # noqa: ASYNC109
                     interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


@contextmanager
def committed_between(ctx: Context, before_read: Callable[[str], bool],
                      write: Callable[[], Awaitable[None]]) -> Iterator[list[bool]]:
    """`write`, committed by another connection just before the first statement `before_read` matches: a change that
    lands between two reads meant to be of one snapshot. Yields the list that is non-empty once it has fired.

    Only the statements of the task that entered are looked at: the app's relay and workers share the engine, and
    one of their statements landing between the two reads must neither fire the write (which would then race the
    reads instead of falling between them) nor reach a predicate that counts statements."""
    fired: list[bool] = []
    owner = asyncio.current_task()

    def between(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not fired and asyncio.current_task() is owner and before_read(statement):
            fired.append(True)
            await_only(write())

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", between)
    try:
        yield fired
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", between)


async def cancelled_once(reached: asyncio.Event, task: asyncio.Task[Any]) -> None:
    """Cancel `task` as soon as it set `reached` (a shutdown landing right then), and check the cancellation came out
    of it rather than being swallowed on the way."""
    await reached.wait()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return
    raise AssertionError("the cancellation was swallowed: the task ended as if never cancelled")


def jpeg_with_exif(taken: str = "2026:11:20 21:15:03", lat: float = 51.1605, lon: float = 71.4704) -> bytes:
    img = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4))

    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", dms(lat), "E", dms(lon)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def quick_commits(engine: AsyncEngine) -> AsyncEngine:
    """A test database's commits do not wait for the disk to flush them: visibility, locking and ordering are
    unchanged, only a crash of the machine could lose the last ones, which no test makes (the disk's flush was ~9 ms a
    PostgreSQL commit and ~6 ms a SQLite one on the CI VM, most of a short test's time). PostgreSQL: the session's
    synchronous_commit is off from the connection's start (the registration's own SET LOCAL and flush still run);
    SQLite: WAL with synchronous=NORMAL syncs at checkpoints only."""
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine.sync_engine, "do_connect")
        def _async_commit(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
            cparams["server_settings"] = {**cparams.get("server_settings", {}), "synchronous_commit": "off"}
    elif engine.dialect.name == "sqlite":
        @event.listens_for(engine.sync_engine, "connect")
        def _normal_sync(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    return engine


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Context, httpx.AsyncClient]]:
    """One more API process with its own settings and caches (another replica, or one restarted with a new key)
    on the test's database, and a client for it."""
    ctx = build_context(settings)
    quick_commits(ctx.engine)
    app = create_app(ctx=ctx)
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as client:
            yield ctx, client
    finally:
        await ctx.close()


async def lock_waiters(ctx: Context) -> int:
    """Backends of this test database blocked on a heavyweight lock right now (PostgreSQL)."""
    from sqlalchemy import text

    async with ctx.sessions() as session:
        waiting = await session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))
        await session.commit()
        return int(waiting or 0)


async def until_lock_waiters(ctx: Context, n: int, *tasks: asyncio.Future[Any],
                             where: Callable[[list[str]], bool] | None = None,
                             timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until at least `n` backends of this test's database wait on a lock (PostgreSQL) and `where`, given the
    statements they wait in, holds: the requests of a race test are all queued. Returns at once when one of `tasks`
    has finished instead: it did not wait, and the test's own assertions say what it did."""
    from sqlalchemy import text

    deadline = asyncio.get_running_loop().time() + timeout
    while not any(task.done() for task in tasks):
        # a connection (and so a transaction) for each look: pg_stat_activity is read once per transaction
        async with ctx.engine.connect() as probe:
            waiting = list((await probe.execute(text(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ))).scalars())
        if len(waiting) >= n and (where is None or where(waiting)):
            return
        assert asyncio.get_running_loop().time() < deadline, f"never saw {n} backend(s) waiting on a lock"
        await asyncio.sleep(0.02)  # polling a condition, not a guess at how long something takes


def on_database(url: str, work: Callable[[Any], Any]) -> Any:
    """`work` (a sync function of a connection, as run_sync takes) on a fresh connection to `url`, committed; from
    synchronous test code (migration tests drive Alembic, which runs its own event loop)."""
    from backend.db import make_engine

    async def go() -> Any:
        engine = make_engine(url, null_pool=True)
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def another_sqlite_writer(ctx: Context, write: Callable[[sqlite3.Connection], object] | None = None, *,
                          wait_s: float = 0.0) -> bool:
    """Could another connection take SQLite's write lock (waiting `wait_s` for it: by default not at all)? `write`,
    given, runs in that transaction and is committed (a row appended meanwhile); else the transaction is rolled back.
    A wait lets a writer that holds the lock for a moment (the app's own relay, beside the test) end first, and must
    then be asked from a thread, so the event loop that writer needs goes on meanwhile."""
    raw = sqlite3.connect(make_url(ctx.settings.database_url).database or "", timeout=wait_s, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
        if write is None:
            raw.execute("ROLLBACK")
        else:
            write(raw)
            raw.execute("COMMIT")
        return True
    except sqlite3.OperationalError:  # "database is locked"
        return False
    finally:
        raw.close()


def few_bundled_examples(monkeypatch: Any, per_class: int = 4) -> None:
    """Retrain on the first few bundled examples of each category and language instead of all ~2,000: a TF-IDF
    retrain then takes under a second instead of ~10-15 s (the logistic regressions of calibration). For tests that
    assert what a retrain does around the model (the revision it reads and bumps, the version, corrections.jsonl,
    what is marked used, which embedder the next retrain takes): none of that depends on how many bundled examples the
    model learns from. The real loader still reads the files; every category, and the English gate examples, stay in."""
    import ml.training
    from ml.dataset import Example

    load = ml.training.load_examples

    def few(*args: Any, **kwargs: Any) -> list[Example]:
        seen: dict[tuple[str, str], int] = {}
        kept = []
        for example in load(*args, **kwargs):
            key = (example.category, example.language)
            if seen.get(key, 0) < per_class:
                seen[key] = seen.get(key, 0) + 1
                kept.append(example)
        return kept

    monkeypatch.setattr(ml.training, "load_examples", few)
