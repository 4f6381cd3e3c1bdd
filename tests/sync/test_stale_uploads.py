"""Housekeeping of unfinished evidence uploads (blobs.purge_stale_uploads, run by the scheduler) and the push batch
limit. An upload idle for the grace period is reset when an evidence item still names it, and deleted with its
staged bytes when none does; complete files, items' own proof staging and uploads still moving are left alone."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from backend.context import Context
from backend.jobs.registry import load_all_handlers
from backend.jobs.scheduled import run_scheduled
from backend.lib.clock import utcnow
from backend.media.service import get_store
from backend.sync.blobs import STALE_UPLOAD, proof_key, storage_key
from backend.sync.models import EvidenceBlob, EvidenceChunk
from backend.sync.push import MAX_BATCH
from tests.sync.test_evidence import VIDEO, _declare, _put, _scene, _staged

pytestmark = pytest.mark.anyio

LONG_AGO = timedelta(days=21)
assert LONG_AGO > STALE_UPLOAD


async def _age(ctx: Context, key: str, **values: object) -> None:
    async with ctx.sessions() as session:
        await session.execute(update(EvidenceBlob).where(EvidenceBlob.sha256 == key).values(**values))  # type: ignore[arg-type]
        await session.commit()


async def _blob(ctx: Context, key: str) -> EvidenceBlob | None:
    async with ctx.sessions() as session:
        return await session.get(EvidenceBlob, key)


async def _stored(ctx: Context, key: str, tmp_path: Path) -> bool:
    return await get_store(ctx).fetch(key, tmp_path / uuid.uuid4().hex)


async def test_stale_staging_no_evidence_names_is_deleted_with_its_bytes(
        app_client: httpx.AsyncClient, ctx: Context, tmp_path: Path) -> None:
    """A staging row no evidence item names (a declaration from before custody checks, a file whose item never
    committed) can never be finished: it goes after the grace period with its chunks and the object a seal that died
    midway left in the store. A complete file, a recent orphan and an upload an item still names are kept."""
    scene = await _scene(ctx, app_client)
    orphan, recent, done = (b"orphan" + os.urandom(2000), b"recent" + os.urandom(2000), b"done" + os.urandom(2000))
    orphan_sha, recent_sha, done_sha = (hashlib.sha256(x).hexdigest() for x in (orphan, recent, done))
    async with ctx.sessions() as session:
        for sha, data, complete in ((orphan_sha, orphan, False), (recent_sha, recent, False), (done_sha, done, True)):
            session.add(EvidenceBlob(sha256=sha, size=len(data), received=len(data), complete=complete))
            if not complete:
                session.add(EvidenceChunk(sha256=sha, offset=0, data=data))
        await session.commit()
    bytes_file = tmp_path / "orphan"
    bytes_file.write_bytes(orphan)
    await get_store(ctx).put_file(storage_key(orphan_sha), bytes_file, "application/octet-stream")
    named_sha = hashlib.sha256(VIDEO).hexdigest()
    await _declare(app_client, scene, VIDEO)  # an item names this one
    assert (await _put(app_client, scene, named_sha, 0, VIDEO[:1000])).status_code == 200
    for sha in (orphan_sha, done_sha, named_sha):
        await _age(ctx, sha, created_at=utcnow() - LONG_AGO, received_at=utcnow() - LONG_AGO)

    load_all_handlers()
    await run_scheduled(ctx)

    assert await _blob(ctx, orphan_sha) is None and await _staged(ctx, orphan_sha) == 0
    assert not await _stored(ctx, storage_key(orphan_sha), tmp_path)
    assert await _blob(ctx, recent_sha) is not None and await _staged(ctx, recent_sha) == 1  # not idle long enough
    kept = await _blob(ctx, done_sha)
    assert kept is not None and kept.complete
    named = await _blob(ctx, named_sha)  # reset, not deleted: the item still reads "not uploaded" and takes it
    assert named is not None and named.received == 0 and await _staged(ctx, named_sha) == 0
    assert (await _put(app_client, scene, named_sha, 0, VIDEO)).json()["complete"] is True


async def test_an_items_own_proof_staging_is_never_deleted(app_client: httpx.AsyncClient, ctx: Context) -> None:
    """An officer of another unit who declared a known hash owes its bytes (a proof row): deleting that row when
    their upload goes stale would make their item read as proved. It is reset, and still owed."""
    owner, stranger = await _scene(ctx, app_client), await _scene(ctx, app_client)
    sha = hashlib.sha256(VIDEO).hexdigest()
    await _declare(app_client, owner, VIDEO)
    assert (await _put(app_client, owner, sha, 0, VIDEO)).json()["complete"] is True
    await _declare(app_client, stranger, VIDEO)  # upload_complete false: they must prove the bytes
    key = proof_key(uuid.UUID(await _stranger_item(ctx, stranger.report_id)))
    assert (await _put(app_client, stranger, sha, 0, VIDEO[:1000])).json()["complete"] is False
    await _age(ctx, key, created_at=utcnow() - LONG_AGO, received_at=utcnow() - LONG_AGO)

    load_all_handlers()
    await run_scheduled(ctx)

    proof = await _blob(ctx, key)
    assert proof is not None and proof.received == 0 and await _staged(ctx, key) == 0
    status = (await app_client.get(f"/api/v1/sync/evidence/{sha}", headers=stranger.tablet)).json()
    assert (status["received"], status["complete"]) == (0, False)


async def _stranger_item(ctx: Context, report_id: str) -> str:
    from sqlalchemy import select

    from backend.sync.models import Evidence

    async with ctx.sessions() as session:
        item = await session.scalar(select(Evidence.id).where(Evidence.report_id == uuid.UUID(report_id)))  # type: ignore[arg-type, call-overload]
    return str(item)


async def test_an_old_declaration_uploading_now_is_not_reset(app_client: httpx.AsyncClient, ctx: Context) -> None:
    """A tablet back after weeks offline uploads a file it declared then: the purge runs every minute, and a reset
    between two chunks would send it back to 0 on each run (a large video over a slow link would never finish)."""
    scene = await _scene(ctx, app_client)
    sha = hashlib.sha256(VIDEO).hexdigest()
    await _declare(app_client, scene, VIDEO)
    await _age(ctx, sha, created_at=utcnow() - LONG_AGO)  # declared three weeks ago, offline since
    assert (await _put(app_client, scene, sha, 0, VIDEO[:1000])).status_code == 200  # back online: first chunk

    load_all_handlers()
    await run_scheduled(ctx)

    assert await _staged(ctx, sha) == 1
    done = await _put(app_client, scene, sha, 1000, VIDEO[1000:])
    assert done.status_code == 200 and done.json()["complete"] is True, done.text


async def test_a_batch_over_the_limit_is_one_413_problem(app_client: httpx.AsyncClient, ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    mutations = [{"mutation_id": uuid.uuid4().hex, "entity": "notes", "id": str(uuid.uuid4()), "op": "create",
                  "hlc": "0000000000001-00001-tab", "fields": {"report_id": scene.report_id, "text": "x"}}
                 for _ in range(MAX_BATCH + 1)]
    pushed = await app_client.post("/api/v1/sync/push", json={"device_id": scene.device_id, "mutations": mutations},
                                   headers={**scene.tablet, "Accept-Language": "ru"})
    assert pushed.status_code == 413
    assert pushed.headers["content-type"].startswith("application/problem+json")
    body = pushed.json()
    assert (body["code"], body["max"]) == ("sync.batch_too_large", MAX_BATCH)
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/mutations", "too_long")]
    assert body["title"] == "Слишком много изменений в одном пакете"
    accepted = await app_client.post("/api/v1/sync/push", headers=scene.tablet,
                                     json={"device_id": scene.device_id, "mutations": mutations[:MAX_BATCH]})
    assert accepted.status_code == 200 and len(accepted.json()["results"]) == MAX_BATCH


async def test_a_batch_from_another_device_names_the_field(app_client: httpx.AsyncClient, ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    pushed = await app_client.post("/api/v1/sync/push", json={"device_id": "tab-someone-else", "mutations": []},
                                   headers={**scene.tablet, "Accept-Language": "kk"})
    assert pushed.status_code == 403 and pushed.headers["content-type"].startswith("application/problem+json")
    body = pushed.json()
    assert body["code"] == "sync.wrong_device" and body["title"] == "Пакет кіру орындалған құрылғыдан жіберілмеген"
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/device_id", "invalid")]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_declaration_waits_for_the_purge_deleting_its_file(ctx: Context) -> None:
    """PostgreSQL: the purge has locked a stale staging row no evidence names and is deleting it when a tablet
    declares that very file. The declaration must wait for it and declare the file anew; reading the row without
    the lock, it would link its item to a row about to vanish (no upload target, missing from staff's list)."""
    from sqlalchemy import delete, select, text

    from tests.sync.conftest import Tablet, assigned_report, crew_tablets

    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    data = b"race" + os.urandom(1000)
    sha = hashlib.sha256(data).hexdigest()
    async with ctx.sessions() as session:
        session.add(EvidenceBlob(sha256=sha, size=len(data), created_at=utcnow() - LONG_AGO))
        await session.commit()
    purge = ctx.sessions()
    await purge.execute(select(EvidenceBlob).where(EvidenceBlob.sha256 == sha).with_for_update())  # type: ignore[arg-type]
    tablet.edit("evidence", str(uuid.uuid4()), op="create", report_id=str(report.id), sha256=sha, size=len(data))
    pushing = asyncio.ensure_future(Tablet.push(tablet))
    async with ctx.sessions() as watcher:  # until the push finished, or waits for a row lock
        while not pushing.done():
            waiting = await watcher.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                                "AND datname = current_database()"))
            await watcher.commit()
            if waiting:
                break
            await asyncio.sleep(0.01)
    await purge.execute(delete(EvidenceBlob).where(EvidenceBlob.sha256 == sha))  # type: ignore[arg-type]
    await purge.commit()
    await purge.close()
    results = await pushing
    assert results[0]["status"] == "applied", results
    blob = await _blob(ctx, sha)
    assert blob is not None and blob.size == len(data) and not blob.complete
