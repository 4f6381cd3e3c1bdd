"""Shapes of the terms list (GET /api/v1/oversight/terms) and of oversight's reopening of a closed report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.dispatch.schemas import Reason

# which lapse a row is listed for; a filter also takes "all" (see service.STATES)
TermState = Literal["open_overdue", "closed_late", "redirect_overdue"]
StateFilter = Literal["open_overdue", "closed_late", "redirect_overdue", "all"]


class TermRow(msgspec.Struct):
    """One report past a term. No citizen's text, IIN or phone: a restricted report is listed like any other."""

    id: uuid.UUID
    number: str
    category: str | None
    district: str | None
    unit_code: str | None
    registered_at: datetime
    deadline_at: datetime  # the current term (an extension moves it); with `set_aside`, the term that closing missed
    original_deadline_at: datetime  # the term the law gave at registration (or at the latest reopening)
    extended: bool  # of the current term
    redirect_due_at: datetime | None
    closed_at: datetime | None  # with `set_aside`, the late closing set aside
    restricted: bool
    state: TermState
    days_overdue: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            description="working days (the deployment's holiday calendar) past the term this row is listed for, "
            "up to its closing or today; 0 when only days off have passed since",
        ),
    ]
    # last, with a default: an added field, so a client built before it reads the rows as before
    set_aside: Annotated[
        bool,
        msgspec.Meta(
            description="closed_late for a closing given after its term and then set aside by a reopening (an "
            "appeal or oversight; the report may be open again, or closed anew): closed_at, deadline_at and "
            "days_overdue are that closing's",
        ),
    ] = False


class TermsPage(msgspec.Struct):
    items: list[TermRow]
    next_cursor: str | None


class ReopenIn(msgspec.Struct, forbid_unknown_fields=True):
    """Oversight's reopening of a closed report: the grounds, which the reporter is told and staff reconsider on."""

    reason: Reason


class StatsRow(msgspec.Struct):
    """How the reports of one group (or all: `key` null in the total) registered in the period fared."""

    key: Annotated[str | None, msgspec.Meta(description="the district, category or unit code (null: none set)")]
    registered: int
    open: int
    closed: int
    closed_in_term: Annotated[int, msgspec.Meta(
        description="closed on or before their (possibly extended) deadline, with no late closing set aside before")]
    closed_late: Annotated[int, msgspec.Meta(
        description="closed after their deadline, or whose closing after it a reopening set aside (open again or "
        "closed anew): the terms list's closed_late")]
    open_overdue: Annotated[int, msgspec.Meta(description="open past their deadline as of now")]
    redirect_overdue: Annotated[int, msgspec.Meta(
        description="out of police competence: open past the redirect term as of now, or redirected after it")]
    extended: Annotated[int, msgspec.Meta(description="whose deadline was extended")]
    reopened: Annotated[int, msgspec.Meta(description="reopened at least once (a citizen's appeal or oversight)")]
    withdrawn: int
    rated: Annotated[int, msgspec.Meta(description="whose citizen rated the closing that stands")]
    satisfaction_avg: Annotated[float | None, msgspec.Meta(description="their average rating, 1-5")]


class StatsOut(msgspec.Struct):
    by: Literal["district", "category", "unit", "none"]
    rows: list[StatsRow]
    total: StatsRow
