"""Past crew memberships, recorded when an officer leaves a unit (backend.officers.service.set_unit deletes the
`unit_members` row, keeping no history). Sync needs them: a tablet's outbox may hold notes written in the field while
the officer was still in the old unit, and those are evidence that must be kept after the move (tablet-sync.md, chain
of custody). A flush listener, like changes.py's report markers, so every way of moving an officer is covered in the
same transaction as the move itself. Role changes likewise (`officers.role` is overwritten in place): the role an
officer leaves is kept with when they left it (sync_role_tenures), so field work their tablet queued before a
promotion to a desk role is judged as the field officer's it was (backend.sync.duty). On PostgreSQL a trigger writes
those (migration z3_sync_role_tenures), so a role changed by hand in SQL is recorded too; on SQLite (embedded mode)
this listener does, for changes made through the ORM."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from backend.lib.clock import utcnow
from backend.officers.models import Officer, UnitMember
from backend.sync.models import RoleTenure, UnitTenure


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
        if isinstance(obj, Officer):
            _role_left(session, obj)
        if not isinstance(obj, UnitMember):
            continue
        moved = inspect(obj).attrs.unit_id.history
        if moved.has_changes():  # the row updated in place to another unit
            for old in moved.deleted:
                _ended(session, obj.officer_id, old, obj.since)


def _role_left(session: Session, officer: Officer) -> None:
    if session.get_bind().dialect.name == "postgresql":
        return  # the database's trigger records it (and a change made in SQL, which no listener sees)
    changed = inspect(officer).attrs.role.history
    if not changed.has_changes():
        return
    for old in changed.deleted:
        if old is not None and old != officer.role:
            session.add(RoleTenure(officer_id=officer.id, role=old, until=utcnow()))
