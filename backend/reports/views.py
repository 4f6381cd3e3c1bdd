"""Shaping reports for citizens: the five-state projection, localized names and timeline."""

from __future__ import annotations

from typing import Literal

from backend.lib.i18n import pick
from backend.media.models import Media
from backend.reports.appeals import withdrew_appeal_last
from backend.reports.models import Report, ReportEvent
from backend.reports.schemas import Location, MediaRef, ReportOut, ReportSummary, RoutingView, TimelineEntry
from backend.reports.service import is_restricted
from backend.reports.texts import NEUTRAL_CATEGORY, NEUTRAL_DEPARTMENT, PUBLIC_TEXTS, outcome_text
from backend.reports.workflow import (
    CITIZEN_PROJECTION,
    CITIZEN_STATUS_NAMES,
    Action,
    Actor,
    Resolution,
    Status,
    can,
)
from ml.taxonomy import load_taxonomy
from ml.urgency import detect_urgency


def citizen_status(status: str) -> tuple[str, dict[str, str]]:
    projected = CITIZEN_PROJECTION[Status(status)]
    return projected.value, CITIZEN_STATUS_NAMES[projected]


def routing_view(report: Report, lang: str, advise: list[str] | None = None) -> RoutingView:
    """`advise`: the emergency numbers intake already found in the text (read again from the text otherwise)."""
    taxonomy = load_taxonomy()
    known = report.category is not None and taxonomy.has_category(report.category)
    category = taxonomy.category(report.category) if known and report.category else None
    department = None
    if report.department:
        try:
            department = taxonomy.department(report.department)
        except KeyError:
            department = None
    advice = None
    if report.urgent:
        if advise is None:
            advise = detect_urgency(report.text, report.language).advise
        numbers = ", ".join(advise or ["102", "112"])
        advice = pick(PUBLIC_TEXTS["urgent_advice"], lang).format(numbers=numbers)
    if is_restricted(report):
        # restricted categories (domestic violence, children) are named neutrally to partner apps: their
        # screens may be seen by the person the report is about, and a department's name would tell as much
        return RoutingView(category=None, category_name=pick(NEUTRAL_CATEGORY, lang), department=None,
                           department_name=pick(NEUTRAL_DEPARTMENT, lang), district=report.district,
                           priority=report.priority, urgent=report.urgent, advice=advice, state=report.routing_state)
    return RoutingView(
        category=report.category,
        category_name=category.names.get(lang) if category else None,
        department=report.department,
        department_name=department.names.get(lang) if department else None,
        district=report.district,
        priority=report.priority,
        urgent=report.urgent,
        advice=advice,
        state=report.routing_state,
    )


def timeline(events: list[ReportEvent], lang: str) -> list[TimelineEntry]:
    entries = []
    for event in events:
        if not event.public or not event.public_text:
            continue
        status = event.to_status
        entries.append(TimelineEntry(
            at=event.created_at, status=citizen_status(status)[0] if status else None,
            text=pick(event.public_text, lang), action=event.action, author=_author(event),
        ))
    return entries


def _author(event: ReportEvent) -> Literal["police", "citizen"] | None:
    """Who wrote a `comment` entry, as the reporter may know it: themselves, or "the police" — the officer's
    identity stays with staff (the history's actor), as the reporter's stays with them."""
    if event.action != "comment":
        return None
    return "citizen" if event.actor_type == Actor.CITIZEN.value else "police"


def citizen_view(report: Report, events: list[ReportEvent] | None, media: list[Media], lang: str | None,
                 also_reported: int = 0, advise: list[str] | None = None) -> ReportOut:
    """The report as its citizen sees it, in `lang` (None: the app asked for none of ours, so the report's own)."""
    lang = lang or report.language
    status, names = citizen_status(report.status)
    resolution = Resolution(report.resolution) if report.resolution else None
    held = report.unit_id is not None
    return ReportOut(
        id=report.id,
        number=report.number,
        status=status,
        status_name=pick(names, lang),
        internal_status=report.status,
        resolution=report.resolution,
        outcome=report.outcome,
        outcome_text=outcome_text(report.outcome, lang, report.resolution),
        language=report.language,
        text=report.text,
        location=Location(lat=report.lat, lon=report.lon, accuracy_m=report.accuracy_m),
        anonymous=report.anonymous,
        created_at=report.created_at,
        deadline_at=report.deadline_at,
        routing=routing_view(report, lang, advise),
        media=[MediaRef(id=m.id, kind=m.kind, content_type=m.content_type, size=m.size) for m in media],
        satisfaction=report.satisfaction,
        can_reopen=can(Action.REOPEN, Status(report.status), Actor.CITIZEN, resolution, held=held)
        and not withdrew_appeal_last(events or []),
        can_withdraw=can(Action.WITHDRAW, Status(report.status), Actor.CITIZEN, resolution, held=held),
        timeline=timeline(events, lang) if events is not None else None,
        also_reported=also_reported,
    )


def summary(report: Report, lang: str | None, also_reported: int = 0) -> ReportSummary:
    """A list item, in `lang` (None: in the report's own language, as citizen_view)."""
    lang = lang or report.language
    status, names = citizen_status(report.status)
    excerpt = report.text if len(report.text) <= 140 else report.text[:139] + "…"
    return ReportSummary(id=report.id, number=report.number, status=status, status_name=pick(names, lang),
                         created_at=report.created_at, deadline_at=report.deadline_at,
                         category=None if is_restricted(report) else report.category,
                         excerpt=excerpt, also_reported=also_reported)
