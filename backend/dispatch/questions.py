"""The questions put to a report's reporter (requests for information) and what became of each, read from the
report's sealed history: answered (their comment that resumed the work), withdrawn by a step that did not wait for
the answer (workflow.withdraws_question: its event's `question_withdrawn` names the question), or still standing.

Two readers need this beside the bare question text. The crew holding a report now must tell its own question from
one asked before it took the report (by the console, or a crew it was taken from): that one is not theirs to wait
for. And a reporter's answer that came after its question was withdrawn is kept as a plain comment (the report stays
where the withdrawing step put it): whoever reads it must still see which question it answers.

One reading of the history for both: `threads_for`. The link is read, not stored: the history it is read from is
sealed, so it reads the same every time."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.dispatch.schemas import AskedQuestion, QuestionState
from backend.lib.clock import as_utc
from backend.reports.models import ReportEvent
from backend.reports.workflow import QUESTION_WITHDRAWN, Action, Actor, Status

# the history lines a question's course is read from: its asking, its answer, a later comment of the reporter's,
# and the steps out of awaiting_reporter (only these can withdraw it)
_ASKED, _REPLIED, _COMMENT = Action.REQUEST_INFO.value, Action.REPORTER_REPLIED.value, "comment"


@dataclass(frozen=True)
class Answer:
    """Which question a reporter's comment answers; `late`: it came after that question was withdrawn."""

    question_id: uuid.UUID
    late: bool


@dataclass
class _Question:
    event: ReportEvent
    answer: uuid.UUID | None = None
    withdrawn: ReportEvent | None = None
    ended: ReportEvent | None = None  # by another step out of awaiting_reporter (`read_thread`)


@dataclass
class Thread:
    """One report's questions, oldest first, and the answer each reporter's comment gives (by comment id)."""

    questions: list[_Question] = field(default_factory=list)
    answers: dict[uuid.UUID, Answer] = field(default_factory=dict)


def _comment_id(event: ReportEvent) -> uuid.UUID | None:
    raw = event.data.get("comment_id") if isinstance(event.data, dict) else None
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def _withdrawn_question(event: ReportEvent) -> str | None:
    named: Any = event.data.get(QUESTION_WITHDRAWN) if isinstance(event.data, dict) else None
    return str(named["event_id"]) if isinstance(named, dict) and named.get("event_id") else None


def read_thread(events: Sequence[ReportEvent]) -> Thread:
    """The questions of one report's history (`events` oldest first) and which comment answers which. A reply
    while the question stood answers it; the reporter's first comment after it was withdrawn (before another
    question was asked) is its late answer."""
    thread = Thread()
    by_id: dict[str, _Question] = {}
    standing: _Question | None = None
    withdrawn_open: _Question | None = None  # withdrawn, and no late answer yet
    for event in events:
        if event.action == _ASKED:
            standing = _Question(event)
            withdrawn_open = None
            thread.questions.append(standing)
            by_id[str(event.id)] = standing
        elif event.action == _REPLIED:
            answer = _comment_id(event)
            if standing is not None and answer is not None:
                standing.answer = answer
                thread.answers[answer] = Answer(standing.event.id, late=False)
            standing = None
        elif (named := _withdrawn_question(event)) is not None:
            question = by_id.get(named)
            if question is not None and question.withdrawn is None:
                question.withdrawn = event
                withdrawn_open = question
            standing = None
        elif standing is not None and event.to_status not in (None, Status.AWAITING_REPORTER.value):
            # out of awaiting_reporter without an answer and naming no withdrawal: the reporter withdrew the
            # report (a question ends with that itself), or a step recorded before withdrawals were named
            standing.ended = event
            standing = None
        elif event.action == _COMMENT and event.actor_type == Actor.CITIZEN.value and withdrawn_open is not None:
            answer = _comment_id(event)
            if answer is not None:
                withdrawn_open.answer = answer
                thread.answers[answer] = Answer(withdrawn_open.event.id, late=True)
                withdrawn_open = None
    return thread


async def threads_for(session: AsyncSession, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Thread]:
    """Per report, its thread (one query for all of them, on ix_report_events_report_created)."""
    out: dict[uuid.UUID, list[ReportEvent]] = {report_id: [] for report_id in report_ids}
    if not report_ids:
        return {}
    rows = await session.scalars(sa.select(ReportEvent).where(
        col(ReportEvent.report_id).in_(report_ids),
        sa.or_(col(ReportEvent.action).in_((_ASKED, _REPLIED, _COMMENT)),
               col(ReportEvent.from_status) == Status.AWAITING_REPORTER.value))
        .order_by(col(ReportEvent.created_at), col(ReportEvent.id)))
    for event in rows:
        out[event.report_id].append(event)
    return {report_id: read_thread(events) for report_id, events in out.items()}


def _state(question: _Question) -> QuestionState:
    if question.withdrawn is not None:
        return "withdrawn"
    if question.answer is not None:
        return "answered"
    return "ended" if question.ended is not None else "standing"


def questions_out(thread: Thread, since: datetime | None, *,
                  mask: Callable[[str], str] | None = None) -> list[AskedQuestion]:
    """The card's reading of a thread. `since`: when the unit holding the report now took it (None: no unit holds
    it); `mask`: a function masking PII in the question (field officers, as the report's text)."""
    out = []
    for question in thread.questions:
        asked, withdrawn = question.event, question.withdrawn
        text = asked.reason or ""
        out.append(AskedQuestion(
            event_id=asked.id, at=asked.created_at, text=mask(text) if mask is not None else text,
            asked_by=asked.actor_type,
            state=_state(question),
            current_unit=since is not None and as_utc(asked.created_at) >= since,
            answer_comment_id=question.answer,
            withdrawn_at=withdrawn.created_at if withdrawn is not None else None,
            withdrawn_event_id=withdrawn.id if withdrawn is not None else None))
    return out
