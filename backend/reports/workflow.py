"""The report status workflow as data: who may move a report from which status to which, and what citizens see.

Read the table, not code paths: every allowed change is one row. Anything not in the table is forbidden.
History is never edited; each change appends a ReportEvent.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    REGISTERED = "registered"
    TRIAGE = "triage"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    IN_PROGRESS = "in_progress"
    AWAITING_REPORTER = "awaiting_reporter"
    REOPENED = "reopened"
    CLOSED = "closed"


class Resolution(StrEnum):
    RESOLVED = "resolved"
    UNFOUNDED = "unfounded"
    REDIRECTED = "redirected"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Outcome(StrEnum):
    """What was done, for a `resolved` report (shown to the citizen in plain words)."""

    PROTOCOL = "protocol"  # an administrative protocol was drawn up
    CRIMINAL_CASE = "criminal_case"  # registered in the ЕРДР, pre-trial investigation started
    WARNING = "warning"
    MEASURES_TAKEN = "measures_taken"
    NOT_CONFIRMED = "not_confirmed"


class Actor(StrEnum):
    CITIZEN = "citizen"
    SYSTEM = "system"
    PATROL_OFFICER = "patrol_officer"
    DISTRICT_INSPECTOR = "district_inspector"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    PROSECUTOR = "prosecutor"
    ADMIN = "admin"


class Action(StrEnum):
    TRIAGE = "triage"
    ASSIGN = "assign"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    START_WORK = "start_work"
    REQUEST_INFO = "request_info"
    REPORTER_REPLIED = "reporter_replied"
    RESOLVE = "resolve"
    CLOSE_UNFOUNDED = "close_unfounded"
    REDIRECT = "redirect"
    MARK_DUPLICATE = "mark_duplicate"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"


S = Status
A = Actor
OPEN: frozenset[Status] = frozenset(s for s in Status if s is not Status.CLOSED)
FIELD = (A.PATROL_OFFICER, A.DISTRICT_INSPECTOR)
DISPATCH = (A.DISPATCHER, A.SUPERVISOR, A.ADMIN)
WORKING = (S.ASSIGNED, S.EN_ROUTE, S.ON_SCENE, S.IN_PROGRESS, S.AWAITING_REPORTER)
UNWORKED = (S.REGISTERED, S.TRIAGE, S.REOPENED)
# steps that record one unit's own work on the ground
UNIT_WORK = frozenset({Action.EN_ROUTE, Action.ON_SCENE, Action.START_WORK, Action.RESOLVE})


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: tuple[Status, ...]
    target: Status
    actors: tuple[Actor, ...]
    resolution: Resolution | None = None
    # the citizen may appeal only these closings (a withdrawal is the citizen's own choice)
    reopenable_from: tuple[Resolution, ...] = ()
    # where the step takes a report no unit holds, if not to `target`
    unheld_target: Status | None = None
    # statuses the step is also allowed from while no unit holds the report: asked before a unit was sent, a report
    # awaiting its reporter is still unworked, and what the duty officer may decide of an unworked one stays theirs
    unheld_sources: tuple[Status, ...] = ()

    def target_for(self, held: bool) -> Status:
        """The status the step leaves a report in: `held`, whether a unit holds it."""
        return self.target if held or self.unheld_target is None else self.unheld_target


ALLOWED_STATUS_CHANGES: tuple[Rule, ...] = (
    Rule(Action.TRIAGE, (S.REGISTERED, S.REOPENED), S.TRIAGE, (A.SYSTEM, *DISPATCH)),
    Rule(Action.ASSIGN, (*UNWORKED, *WORKING), S.ASSIGNED, (A.SYSTEM, *DISPATCH)),
    Rule(Action.EN_ROUTE, (S.ASSIGNED,), S.EN_ROUTE, (*FIELD, *DISPATCH)),
    Rule(Action.ON_SCENE, (S.ASSIGNED, S.EN_ROUTE), S.ON_SCENE, (*FIELD, *DISPATCH)),
    Rule(Action.START_WORK, (S.ASSIGNED, S.EN_ROUTE, S.ON_SCENE), S.IN_PROGRESS, (*FIELD, *DISPATCH)),
    # also before any unit holds the report: triage is when the duty officer most needs to ask (which entrance, is
    # he still there); the report stays in the dispatch queue meanwhile (no unit), to be sent a unit at any time
    Rule(Action.REQUEST_INFO, (*UNWORKED, S.ASSIGNED, S.EN_ROUTE, S.ON_SCENE, S.IN_PROGRESS), S.AWAITING_REPORTER,
         (*FIELD, *DISPATCH)),
    # the answer resumes the unit's work; with no unit (asked in triage, or the unit let the report go) it is back
    # for the duty officer to decide, not "in work" with no one working it
    Rule(Action.REPORTER_REPLIED, (S.AWAITING_REPORTER,), S.IN_PROGRESS, (A.CITIZEN, A.SYSTEM),
         unheld_target=S.TRIAGE),
    Rule(Action.RESOLVE, WORKING, S.CLOSED, (*FIELD, *DISPATCH), Resolution.RESOLVED),
    Rule(Action.CLOSE_UNFOUNDED, (*UNWORKED, *WORKING), S.CLOSED, (*FIELD, *DISPATCH), Resolution.UNFOUNDED),
    # a question left unanswered must not hold up the law's redirect term (3 working days): unheld, the report is
    # still the duty officer's to redirect or not take up, as in triage
    Rule(Action.REDIRECT, (*UNWORKED, S.ASSIGNED), S.CLOSED, (A.SYSTEM, *DISPATCH), Resolution.REDIRECTED,
         unheld_sources=(S.AWAITING_REPORTER,)),
    Rule(Action.MARK_DUPLICATE, (*UNWORKED, *WORKING), S.CLOSED, (A.SYSTEM, *DISPATCH), Resolution.DUPLICATE),
    # the system too: an anonymous appeal on a matter the law considers only from a named applicant (routing)
    Rule(Action.REJECT, UNWORKED, S.CLOSED, (A.SYSTEM, *DISPATCH), Resolution.REJECTED,
         unheld_sources=(S.AWAITING_REPORTER,)),
    Rule(Action.WITHDRAW, tuple(OPEN), S.CLOSED, (A.CITIZEN,), Resolution.WITHDRAWN),
    Rule(Action.REOPEN, (S.CLOSED,), S.REOPENED, (A.CITIZEN, A.SUPERVISOR, A.PROSECUTOR, A.ADMIN),
         reopenable_from=(Resolution.RESOLVED, Resolution.UNFOUNDED, Resolution.REJECTED, Resolution.DUPLICATE,
                          Resolution.REDIRECTED)),
)

_BY_ACTION: dict[Action, Rule] = {rule.action: rule for rule in ALLOWED_STATUS_CHANGES}


def rule_for(action: Action) -> Rule:
    return _BY_ACTION[action]


# Steps that say where the crew is (on the way, arrived), and the statuses that instead say how the work goes: asked
# to wait for the reporter's answer, or back in work after it, a crew may not have got there yet. It still drives on
# and arrives, and the record must keep when, so in these statuses such a step is recorded as an event of its own
# (from and to the same status: backend.sync.push) instead of moving the report. Moving it would tell the citizen
# "in work" while their answer is still awaited, and the answer would no longer resume the work.
GROUND_STEPS = frozenset({Action.EN_ROUTE, Action.ON_SCENE})
KEEPS_STATUS = (S.IN_PROGRESS, S.AWAITING_REPORTER)
# how far each ground step takes the crew (on scene includes having been on the way): a step recorded in place is
# stale once the crew has recorded it or one further since the report was last assigned
GROUND_RANK: dict[Action, int] = {Action.EN_ROUTE: 1, Action.ON_SCENE: 2}


# A question to the reporter (awaiting_reporter) ends with their answer (REPORTER_REPLIED), or with their own
# withdrawal of the report; any other step out of it (a unit assigned, the report closed) withdraws it unanswered.
# That step's event says so (its data under QUESTION_WITHDRAWN: reports.transitions) and its public text tells the
# reporter no answer is needed: they were last told "needs your input", and an answer sent after is a comment.
QUESTION_WITHDRAWN = "question_withdrawn"
ENDS_QUESTION_ITSELF = frozenset({Action.REPORTER_REPLIED, Action.WITHDRAW})


def withdraws_question(action: Action, status: Status) -> bool:
    """Whether `action` taken on a report in `status` withdraws a question its reporter has not answered."""
    return status is S.AWAITING_REPORTER and action not in ENDS_QUESTION_ITSELF


def question_withdrawn_key(action: str) -> str:
    """The name of `action`'s text when it withdrew the question, in the timeline's table (reports.texts) and the
    push's (notifications.templates) alike, where one is written."""
    return f"{action}_{QUESTION_WITHDRAWN}"


def question_withdrawn_template(action: str, table: Container[str]) -> str:
    """The key `action` is told by in `table` (the timeline's or the push's) when it withdrew the question: its own
    text for that where the table has one, else the action's."""
    key = question_withdrawn_key(action)
    return key if key in table else action


def recorded_in_place(action: Action, status: Status, actor: Actor) -> bool:
    """Whether `actor`'s `action` on a report in `status` is recorded without changing the status (see above)."""
    return action in GROUND_STEPS and status in KEEPS_STATUS and actor in _BY_ACTION[action].actors


def can(action: Action, status: Status, actor: Actor, resolution: Resolution | None = None, *,
        held: bool) -> bool:
    """Whether `actor` may take `action` on a report in `status` (closed with `resolution`); `held`: whether a unit
    holds it (Rule.unheld_sources). Required: a default hid callers that never said, and answered them wrongly."""
    rule = _BY_ACTION[action]
    allowed = rule.sources if held else (*rule.sources, *rule.unheld_sources)
    if status not in allowed or actor not in rule.actors:
        return False
    if action is Action.REOPEN and actor is Actor.CITIZEN:
        return resolution in rule.reopenable_from
    return True


# What citizens see: five plain states instead of our internal ones.
class CitizenStatus(StrEnum):
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    IN_WORK = "in_work"
    NEEDS_INPUT = "needs_input"
    CLOSED = "closed"


CITIZEN_PROJECTION: dict[Status, CitizenStatus] = {
    S.REGISTERED: CitizenStatus.RECEIVED,
    S.TRIAGE: CitizenStatus.UNDER_REVIEW,
    S.ASSIGNED: CitizenStatus.UNDER_REVIEW,
    S.REOPENED: CitizenStatus.UNDER_REVIEW,
    S.EN_ROUTE: CitizenStatus.IN_WORK,
    S.ON_SCENE: CitizenStatus.IN_WORK,
    S.IN_PROGRESS: CitizenStatus.IN_WORK,
    S.AWAITING_REPORTER: CitizenStatus.NEEDS_INPUT,
    S.CLOSED: CitizenStatus.CLOSED,
}

CITIZEN_STATUS_NAMES: dict[CitizenStatus, dict[str, str]] = {
    CitizenStatus.RECEIVED: {"ru": "Принято", "kk": "Қабылданды", "en": "Received"},
    CitizenStatus.UNDER_REVIEW: {"ru": "На рассмотрении", "kk": "Қаралуда", "en": "Under review"},
    CitizenStatus.IN_WORK: {"ru": "В работе", "kk": "Жұмыста", "en": "In work"},
    CitizenStatus.NEEDS_INPUT: {"ru": "Нужны ваши сведения", "kk": "Сіздің мәліметтеріңіз қажет",
                                "en": "Needs your input"},
    CitizenStatus.CLOSED: {"ru": "Закрыто", "kk": "Жабылды", "en": "Closed"},
}
