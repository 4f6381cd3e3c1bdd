"""Report lifecycle: status changes through the workflow table, events, comments, feedback, deadlines.

Every status change goes through `change_status`; every change appends a ReportEvent and, for public events,
schedules citizen notifications through the outbox in the same transaction.

Incidents ("me too"): reports of one event share `incident_id`, the id of their primary report. A staff step on the
primary is the incident's step: every other open report of it follows with its own event (so every reporter sees
it and is notified), as far as the workflow table allows. The primary is kept open while any report of the
incident is open, so there is always one report to act on.

Duplicates: a report closed as a duplicate of another (dispatch) is linked in the original's history; when the
original closes, each duplicate's reporter is told the outcome on their own report (tell_duplicates).

This module is the lifecycle's one import path (`from backend.reports import service`); the code lives in:
- history: who acts (By, SYSTEM) and the history lines (append_event), with their notifications;
- access: reading reports (is_restricted, get_for_citizen, lock, events), the checks every step starts with, and
  the "me too" counts;
- transitions: change_status and the incident's following of its primary (follow_primary);
- incidents: grouping reports into incidents (regroup) and which members follow a step;
- duplicates: linking duplicates and telling their reporters the original's outcome;
- custody: the units' custody records (Assignment);
- terms: the consideration's start, a head's extension, the citizen's complaint of a lapsed term;
- comments, citizen_steps: writing on a report; withdrawing, appealing and rating a closing.
Those modules import one another, never this one, so importing it from any of them cannot cycle.
"""

from __future__ import annotations

from backend.reports.access import (
    also_reported,
    also_reported_counts,
    ensure_open,
    events,
    filed_by,
    get_for_citizen,
    is_restricted,
    lock,
    require_text,
)
from backend.reports.citizen_steps import give_feedback, late_appeal, reopen, withdraw
from backend.reports.comments import add_citizen_comment, add_staff_comment
from backend.reports.custody import accept_custody, accept_job, release_custody
from backend.reports.duplicates import ANSWERED, duplicates_of, link_duplicate, standing_original, tell_duplicates
from backend.reports.history import (
    SYSTEM,
    By,
    EventDetails,
    append_event,
    event_fields,
    local_date,
    new_event,
    notify_task,
)
from backend.reports.incidents import (
    INCIDENT_REGROUPED,
    as_follower,
    ground_reached,
    incident_followers,
    is_primary,
    regroup,
)
from backend.reports.terms import (
    DELAY_COMPLAINT,
    EXTENDERS,
    complain_of_delay,
    consideration_start,
    extend_deadline,
)
from backend.reports.transitions import NOT_FOLLOWED, change_status, follow_primary

__all__ = [
    "ANSWERED",
    "DELAY_COMPLAINT",
    "EXTENDERS",
    "INCIDENT_REGROUPED",
    "NOT_FOLLOWED",
    "SYSTEM",
    "By",
    "EventDetails",
    "accept_custody",
    "accept_job",
    "add_citizen_comment",
    "add_staff_comment",
    "also_reported",
    "also_reported_counts",
    "append_event",
    "as_follower",
    "change_status",
    "complain_of_delay",
    "consideration_start",
    "duplicates_of",
    "ensure_open",
    "event_fields",
    "events",
    "extend_deadline",
    "filed_by",
    "follow_primary",
    "get_for_citizen",
    "give_feedback",
    "ground_reached",
    "incident_followers",
    "is_primary",
    "is_restricted",
    "late_appeal",
    "link_duplicate",
    "local_date",
    "lock",
    "new_event",
    "notify_task",
    "regroup",
    "release_custody",
    "reopen",
    "require_text",
    "standing_original",
    "tell_duplicates",
    "withdraw",
]
