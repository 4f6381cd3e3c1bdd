"""Media endpoints: declare an upload, (embedded mode) receive it, complete it, and (embedded mode) serve a signed
download link."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import File
from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.deps import CtxDep, SessionDep
from backend.lib.crypto import TokenError, verify_token
from backend.lib.errors import FieldProblem, ZanError
from backend.media import service
from backend.media.formats import canonical_type
from backend.media.models import Media
from backend.media.schemas import MediaCreate, MediaCreated, MediaOut, UploadOut
from backend.media.storage import DOWNLOAD_CACHE_CONTROL, LocalStore, Upload
from backend.partners.auth import CitizenPrincipal, PrincipalDep, partner_guard
from backend.reports import idempotency
from backend.reports.idempotency import IdempotencyKey, Stored

# what a refused upload or download link points at in errors[]: which part of its request the app has to fix
TOKEN_PROBLEM = FieldProblem("#query/token")
LENGTH_POINTER = "#header/Content-Length"


def media_out(media: Media) -> MediaOut:
    return MediaOut(id=media.id, kind=media.kind, content_type=media.content_type, size=media.size,
                    sha256=media.sha256, status=media.status, taken_at=media.taken_at, lat=media.lat, lon=media.lon)


def upload_out(upload: Upload) -> UploadOut:
    return UploadOut(method=upload.method, url=upload.url, fields=upload.fields, headers=upload.headers,
                     expires_in=upload.expires_in)


def _scope(principal: CitizenPrincipal) -> str:
    """Keys are the citizen's own within one partner app, as for comments: another citizen's (or app's) key never
    names this citizen's upload."""
    return f"media:{principal.partner_id}:{principal.citizen_id}"


async def _replayed(ctx: Context, session: AsyncSession, principal: CitizenPrincipal, stored: Stored) -> Stored:
    """A retry names the same file as the first answer, as it is now; it never declares a second one, and never
    hands out a stored link. While the file waits for its bytes the upload is signed afresh for the same upload key:
    the stored link may have expired (it lives UPLOAD_TTL_S), and `expires_in` counts from the answer, so a stored
    one would promise a retrying client more time than its link has left. A verified file takes no bytes any more:
    the answer says it is ready and carries no upload (a stored presigned POST would still put bytes in the bucket,
    under a key nothing reads, and tell the client its file went up again). A refused one is answered as its
    completion is (409 `media.upload_closed`: declare it anew). A file that has since been purged (abandoned, or never
    attached to a report) is gone: 404, and the client declares it again with a new key."""
    media = await service.get_owned(session, uuid.UUID(stored.body["id"]), citizen_id=principal.citizen_id,
                                    partner_id=principal.partner_id)
    if media.status == "rejected":
        raise ZanError("media.upload_closed", 409)
    upload = await service.presign(ctx, media) if media.status == "pending" else None
    body = {**stored.body, "status": media.status,
            "upload": msgspec.to_builtins(upload_out(upload)) if upload is not None else None}
    return Stored(stored.status_code, body)


def _embedded_link(ctx: Context, purpose: str, token: str, invalid_code: str) -> tuple[LocalStore, dict[str, object]]:
    """The local store and the claims of an app-signed link; such links exist only in embedded mode (404 else)."""
    store = service.get_store(ctx)
    if not isinstance(store, LocalStore):
        raise ZanError("not_found", 404)
    try:
        return store, verify_token(ctx.settings.secret_key, purpose, token)
    except TokenError as exc:
        raise ZanError(invalid_code, 403, errors=[TOKEN_PROBLEM]) from exc


class MediaController(Controller):
    path = "/api/v1/media"
    tags = ["media"]

    @post("/", status_code=201, guards=[partner_guard], summary="Declare a file and get an upload URL",
          responses={201: ResponseSpec(MediaCreated, description=(
              "Declared; a retry with the same Idempotency-Key names the same file, with a freshly signed upload "
              "while the file waits for its bytes, and none (`upload` null) once it is verified; a retry for a "
              "refused file is a 409 `media.upload_closed`"))})
    async def declare(self, ctx: CtxDep, session: SessionDep, principal: PrincipalDep,
                      data: JSONBody[MediaCreate], idempotency_key: IdempotencyKey = None) -> Response[Any]:
        """A citizen app that retries after a lost answer gets the same file back, never a second pending one."""
        async def create() -> Stored:
            media = service.add_pending(session, content_type=data.content_type, size=data.size,
                                        sha256=data.sha256, citizen_id=principal.citizen_id,
                                        partner_id=principal.partner_id)
            upload = await service.presign(ctx, media)
            return Stored(201, msgspec.to_builtins(MediaCreated(id=media.id, kind=media.kind, status=media.status,
                                                                upload=upload_out(upload))))

        stored, created = await idempotency.once(session, _scope(principal), idempotency_key, data, create)
        if not created:
            stored = await _replayed(ctx, session, principal, stored)
        return Response(stored.body, status_code=stored.status_code)

    @post("/{media_id:uuid}/complete", status_code=200, guards=[partner_guard], summary="Verify an uploaded file")
    async def complete(self, ctx: CtxDep, session: SessionDep, principal: PrincipalDep,
                       media_id: FromPath[uuid.UUID]) -> MediaOut:
        media = await service.get_owned(session, media_id, citizen_id=principal.citizen_id,
                                        partner_id=principal.partner_id)
        return media_out(await service.complete(ctx, session, media))

    # the limit of the largest kind is only a backstop: a body is refused at its own declared size (below)
    @put("/{media_id:uuid}/upload", status_code=204, request_max_body_size=service.MAX_BYTES,
         summary="Embedded mode only: receive the bytes of a declared file (signed, expiring URL)",
         description="The body must be exactly the declared size, announced in Content-Length (411 without it, "
                     "413 or 422 `media.size_mismatch` when it differs, before the body is read).")
    async def upload(self, ctx: CtxDep, session: SessionDep, request: Request[Any, Any, Any],
                     media_id: FromPath[uuid.UUID], token: FromQuery[str]) -> None:
        store, claims = _embedded_link(ctx, "media-upload", token, "media.upload_token_invalid")
        if claims.get("id") != str(media_id):
            raise ZanError("media.upload_token_invalid", 403, errors=[TOKEN_PROBLEM])
        await service.ensure_uploadable(session, media_id)
        # nothing to write: the connection goes back to the pool while a body of up to 100 MB arrives (a completion
        # meanwhile is harmless: it reads a copy of the upload, never the upload key itself)
        await session.rollback()
        declared = int(str(claims["size"]))
        # the link names the canonical type; an app that sends the alias it declared (image/jpg) sends that type
        if canonical_type(request.headers.get("content-type", "")) != claims.get("ct"):
            raise ZanError("media.type_not_allowed", 422, errors=[FieldProblem("#header/Content-Type")])
        # a link is for one file of a known size: a body announced as anything else is refused before a byte of it
        # is read (a link for a 1 KB photo must not make the server take 100 MB), and one without an announced
        # length (chunked) would only be known too long once it was
        announced = request.content_length
        if announced is None:
            raise ZanError("media.length_required", 411, errors=[FieldProblem(LENGTH_POINTER, "required")])
        if announced != declared:
            raise ZanError("media.size_mismatch", 413 if announced > declared else 422,
                           errors=[FieldProblem(LENGTH_POINTER)])
        with service.store_errors_as_503():
            # the body may still differ from its Content-Length (it is the ASGI server's to hold it to it):
            # counted as it streams to disk, and refused the moment it runs past the declared size
            await service.receive_upload(store, str(claims["key"]), request.stream(), declared)

    @get("/files", summary="Embedded mode only: download a stored file through a short-lived signed link",
         description="Links come from staff endpoints (e.g. a report's attachments), each issue audited there.")
    async def download(self, ctx: CtxDep, token: FromQuery[str]) -> File:
        store, claims = _embedded_link(ctx, "media-download", token, "media.download_token_invalid")
        path = store.path(str(claims["key"]))
        with service.store_errors_as_503():
            found = await store.has_file(str(claims["key"]))
        if not found:
            raise ZanError("media.not_found", 404)
        # served as an attachment, never sniffed: a file a citizen uploaded must not run as a page in a staff browser
        return File(path=path, filename=str(claims["fn"]), media_type=str(claims["ct"]),
                    content_disposition_type="attachment",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": DOWNLOAD_CACHE_CONTROL})
