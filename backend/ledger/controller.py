"""The ledger for oversight: the newest seal, to be recorded outside the database, and the signed seals in order,
for a monitor outside the service to follow the chain with the public key (`zan ledger check-chain`)."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.params import QueryParameter
from sqlmodel import col

from backend.audit.service import record
from backend.deps import CtxDep, SessionDep
from backend.ledger.models import LedgerSeal
from backend.ledger.proof import signed, signed_seal
from backend.ledger.record import seal_public_key
from backend.ledger.schemas import LedgerCheck, LedgerHead, LedgerReread, ProofSeal
from backend.ledger.service import latest_seal, reread_progress, reread_reached
from backend.ledger.verify import check_progress
from backend.officers.auth import OfficerDep, Role, client_ip, officer_guard, provide_officer


class LedgerController(Controller):
    path = "/api/v1/ledger"
    tags = ["oversight"]
    dependencies = {"officer": Provide(provide_officer, sync_to_thread=False)}

    @get("/head", guards=[officer_guard(Role.SUPERVISOR, Role.PROSECUTOR, Role.ADMIN)],
         summary="The newest seal of the tamper-evident record, to quote outside the database (audited)")
    async def head(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                   request: Request[Any, Any, Any]) -> LedgerHead:
        seal = await latest_seal(session)
        rows = await session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerSeal.rows), 0)))
        progress = await reread_progress(session)
        reread = None if progress is None else LedgerReread(
            started_at=progress.started_at, reached=reread_reached(progress), rows_read=progress.rows_read,
            finished_at=progress.finished_at, updated_at=progress.updated_at)
        checked = await check_progress(session)
        check = None if checked is None else LedgerCheck(
            started_at=checked.started_at, seal=_whole(checked.positions, "seal"), rows_checked=checked.rows_read,
            problems=_whole(checked.positions, "problems"), finished_at=checked.finished_at,
            updated_at=checked.updated_at)
        await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="ledger.head",
                     target_type="ledger", target_id=str(seal.id) if seal else None, ip=client_ip(request))
        await session.commit()
        return LedgerHead(id=seal.id if seal else None, sealed_at=seal.sealed_at if seal else None,
                          mac=seal.mac if seal else None, key_id=seal.key_id if seal else None,
                          sealed_rows=int(rows or 0), public_key=seal_public_key(ctx.settings.secret_key),
                          reread=reread, check=check)

    @get("/seals", guards=[officer_guard(Role.SUPERVISOR, Role.PROSECUTOR, Role.ADMIN)],
         summary="Signed seals after a given one, in order: the chain, for a monitor to check and keep (audited)")
    async def seals(self, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                    # bounded by the column (a 32-bit integer): a larger number reached the driver, which refused
                    # it as out of range, and the monitor got a 500 instead of the parameter named
                    after: Annotated[int, QueryParameter(ge=0, le=2**31 - 1)] = 0,
                    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 500) -> list[ProofSeal]:
        # only signed seals count towards `limit`: a page of unsigned ones (made before signatures, or blanked)
        # came back empty, which a monitor reads as the chain's end, or as nothing new, while signed seals followed
        found = list(await session.scalars(sa.select(LedgerSeal).where(col(LedgerSeal.id) > after, *signed())
                                           .order_by(col(LedgerSeal.id)).limit(limit)))
        await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="ledger.seals",
                     target_type="ledger", target_id=str(after), ip=client_ip(request))
        await session.commit()
        return [shown for seal in found if (shown := signed_seal(seal)) is not None]  # all of them: signed()


def _whole(state: Any, name: str) -> int:
    """A count from a checkpoint, which someone with the database may have written anything into: -1 then."""
    value = state.get(name) if isinstance(state, dict) else None
    return value if isinstance(value, int) else -1
