"""Patrol-tablet sync endpoints (protocol: docs in /work/shared/design/tablet-sync.md, summary in docs/)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import Provide
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from backend.deps import CtxDep, SessionDep
from backend.lib.errors import FieldProblem, ZanError
from backend.officers.auth import FIELD_ROLES, OfficerDep, officer_guard, provide_officer
from backend.sync import blobs
from backend.sync.duty import field_duty_guard, remembered_duty, upload_guard
from backend.sync.pull import MAX_LIMIT, pull
from backend.sync.push import push
from backend.sync.schemas import BlobOut, PullOut, PushIn, PushOut
from backend.sync.views import viewer_for

Sha256 = Annotated[str, PathParameter(pattern="^[0-9a-fA-F]{64}$")]


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["tablet sync"]
    # field roles; an officer moved to a desk role may still push what their tablet wrote in the field before, and
    # upload the files it declared then (backend.sync.duty: field_duty_guard), but pulls no new field work
    guards = [field_duty_guard]
    dependencies = {"officer": Provide(provide_officer, sync_to_thread=False)}

    @get("/pull", guards=[officer_guard(*FIELD_ROLES)],
         summary="Pull changes since the cursor (no cursor: initial snapshot)")
    async def pull(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, cursor: FromQuery[str | None] = None,
                   limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = MAX_LIMIT) -> PullOut:
        """410 → wipe the replica (not the outbox) and pull from scratch (also for a cursor signed before a key
        rotation); 400 → the cursor was tampered with."""
        viewer = await viewer_for(session, officer.officer_id, officer.unit_id)
        page = await pull(session, secret_key=ctx.settings.secret_key, viewer=viewer, cursor=cursor, limit=limit,
                          previous_keys=ctx.settings.previous_secret_keys, reader=officer)
        return PullOut(changes=page.changes, cursor=page.cursor, has_more=page.has_more, server_hlc=page.server_hlc)

    @post("/push", status_code=200, request_max_body_size=16 * 1024 * 1024,
          summary="Push the tablet's outbox (each mutation applied at most once)")
    async def push(self, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                   data: JSONBody[PushIn]) -> PushOut:
        """One result per mutation, in batch order: `applied`, `superseded` (a later or a dispatcher's write won),
        `duplicate` (this mutation id was answered before: the stored answer, its `original_status`) or `rejected`
        with a `reason`. After a network error resend the same mutations unchanged: same mutation ids, same `hlc`.
        `internal` and `retry` are transient: send the same mutation again. `mutation_id_reused`: the id was already
        answered for another change, or for this entry before it was edited: send the entry as a new change, with a
        new mutation id and a new `hlc` stamp (under its old stamp the edit would lose to the content first sent with
        it, `superseded`). Any other rejection is final: drop the mutation from the outbox (`kept: true`: its texts
        are kept on the server). Every reason: docs/tablet-sync.md."""
        duty = remembered_duty(request)  # read by the controller's guard
        if data.device_id != officer.device_id:
            # pointed at, as every refusal of a field is: the app shows which value it must fix
            raise ZanError("sync.wrong_device", 403, errors=[FieldProblem("/device_id", "invalid")])
        viewer = await viewer_for(session, officer.officer_id, officer.unit_id)
        # each mutation is validated inside push: a malformed one is answered `rejected`, not a 422 for the batch;
        # push also refuses a batch over MAX_BATCH (413), before it reads or locks anything
        result = await push(session, officer=officer, viewer=viewer, mutations=data.mutations, duty=duty)
        return PushOut(results=result.results, server_hlc=result.server_hlc,
                       write_checkpoint=result.write_checkpoint)

    @get("/evidence/{sha256:str}", guards=[upload_guard], summary="Upload progress of an evidence file")
    async def blob_status(self, session: SessionDep, officer: OfficerDep, sha256: Sha256) -> BlobOut:
        blob = await blobs.status(session, officer, sha256)
        return BlobOut(sha256=blob.sha256, size=blob.size, received=blob.received, complete=blob.complete)

    @put("/evidence/{sha256:str}", guards=[upload_guard], status_code=200, request_max_body_size=8 * 1024 * 1024,
         summary="Upload the next chunk of an evidence file at `offset`")
    async def blob_upload(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                          sha256: Sha256, offset: Annotated[int, QueryParameter(ge=0)] = 0) -> BlobOut:
        blob = await blobs.upload_chunk(ctx, session, officer, sha=sha256, offset=offset, chunk=await request.body())
        return BlobOut(sha256=blob.sha256, size=blob.size, received=blob.received, complete=blob.complete)
