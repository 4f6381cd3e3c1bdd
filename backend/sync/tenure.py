"""Past crew memberships, recorded when an officer leaves a unit (backend.officers.service.set_unit deletes the
`unit_members` row, keeping no history). Sync needs them: a tablet's outbox may hold notes written in the field while
the officer was still in the old unit, and those are evidence that must be kept after the move (tablet-sync.md, chain
of custody). A flush listener, like changes.py's report markers, so every way of moving an officer is covered in the
same transaction as the move itself."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from backend.lib.clock import utcnow
from backend.officers.models import UnitMember
from backend.sync.models import UnitTenure


def _ended(session: Session, officer_id: uuid.UUID, unit_id: uuid.UUID | None, since: datetime | None) -> None:
    if unit_id is None:
        return
    now = utcnow()
    session.add(UnitTenure(officer_id=officer_id, unit_id=unit_id, since=since or now, until=now))


@event.listens_for(Session, "before_flush")
def _memberships_ended(session: Session, _flush_context: Any, _instances: Any) -> None:
    for obj in list(session.deleted):
        if isinstance(obj, UnitMember):
            _ended(session, obj.officer_id, obj.unit_id, obj.since)
    for obj in list(session.dirty):
        if not isinstance(obj, UnitMember):
            continue
        moved = inspect(obj).attrs.unit_id.history
        if moved.has_changes():  # the row updated in place to another unit
            for old in moved.deleted:
                _ended(session, obj.officer_id, old, obj.since)
