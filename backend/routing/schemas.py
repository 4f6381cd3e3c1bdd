"""msgspec Structs for routing previews and staff corrections."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct


class PreviewIn(Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=5000)]
    lat: Annotated[float, Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, Meta(ge=-180, le=180)] | None = None
    # the category the citizen picked, as ReportCreate.category takes it: a restricted pick makes the report
    # restricted whatever the model says, so the preview of it must be restricted too
    category: Annotated[str, Meta(max_length=40, description="The category the citizen chose, if any (as in "
                                                             "ReportCreate)")] | None = None


class Alternative(Struct):
    category: str
    confidence: float


class PreviewOut(Struct):
    """A restricted suggestion (domestic violence, children, complaints about officers) names neither its category
    nor its department, as a report's routing does: the person the report is about may see the screen."""

    category: str | None
    category_name: str | None
    confidence: float | None
    department: str | None
    restricted: Annotated[bool, Meta(description="A restricted category: the app should offer its discreet flow; "
                                                 "category, department and confidence are withheld")]
    priority: str
    urgent: bool
    advise: list[str]
    language: str
    district: str | None
    alternatives: list[Alternative]
    model_version: str | None


class ReclassifyIn(Struct, forbid_unknown_fields=True):
    category: Annotated[str, Meta(max_length=40)]
    reason: Annotated[str, Meta(min_length=3, max_length=2000)]


class LabelIn(ReclassifyIn):
    """The category a closed report should have had, and why (checked as reclassify checks them)."""


class MergeIn(Struct, forbid_unknown_fields=True):
    report_ids: Annotated[list[uuid.UUID], Meta(min_length=2, max_length=50)]


class ReclassifiedOut(Struct):
    """The report's routing after the correction: a restricted category also moves it off its incident. `etag`:
    the report's tag now (also the ETag header), for the console's next step's If-Match: the correction itself
    changed it, and the tag the console held would have its own next step (assigning the report it just
    reclassified) refused as changed by someone else."""

    id: uuid.UUID
    category: str | None
    department: str | None
    restricted: bool
    etag: str


class LabelledOut(Struct):
    """The label kept for a closed report. The report itself is as it was closed (`category`: its category still);
    `example_stored`: whether the label became a training example (never for a restricted report, or a label of a
    restricted category: their text stays in the protected record). `etag`: the report's tag now (also the ETag
    header): the label's history line changed it."""

    id: uuid.UUID
    category: Annotated[str | None, Meta(description="the report's category, unchanged")]
    label: str
    example_stored: bool
    etag: str


class IncidentOut(Struct):
    """The incident as the officer may see it. `etags`: each of those reports' tag now, by id (a merge or a split
    changes the tags of the reports it moves, so the console's next step sends these in If-Match)."""

    incident_id: uuid.UUID | None
    report_ids: list[uuid.UUID]
    size: int
    etags: dict[str, str]


class RoutingFailureOut(Struct):
    """An open report routing failed for: it waits in triage without the model's category. `gave_up`: the routing
    job spent its attempts and nothing routes the report again until an operator runs `zan ml reroute` (a human may
    categorise it meanwhile: POST /dispatch/reports/{id}/reclassify)."""

    report_id: uuid.UUID
    number: str
    status: str
    urgent: bool
    priority: str
    district: str | None
    created_at: datetime
    gave_up: bool
    attempts: Annotated[int | None, Meta(description="routing attempts spent so far")]
    retry_at: Annotated[datetime | None, Meta(description="the next routing attempt, while it still retries")]
    failed_since: datetime | None
    reason: Annotated[str | None, Meta(description='e.g. "classifier error", "routing gave up"')]
    error: Annotated[str | None, Meta(description="the kind of error (its message is not shown)")]


class RoutingFailurePage(Struct):
    items: list[RoutingFailureOut]
    next_cursor: str | None
