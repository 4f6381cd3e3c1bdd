"""Every allowed and every forbidden status transition, checked against the table and through the service."""

from __future__ import annotations

import itertools

import pytest

from backend.context import Context
from backend.lib.errors import ZanError
from backend.reports import service
from backend.reports.workflow import (
    ALLOWED_STATUS_CHANGES,
    CITIZEN_PROJECTION,
    Action,
    Actor,
    Resolution,
    Status,
    can,
    rule_for,
)
from tests.core.factories import make_report

# The expected table, written out independently of workflow.py so a careless edit there fails here.
EXPECTED: dict[Action, tuple[set[Status], set[Actor]]] = {
    Action.TRIAGE: ({Status.REGISTERED, Status.REOPENED}, {Actor.SYSTEM, Actor.DISPATCHER, Actor.SUPERVISOR,
                                                          Actor.ADMIN}),
    Action.ASSIGN: (set(Status) - {Status.CLOSED}, {Actor.SYSTEM, Actor.DISPATCHER, Actor.SUPERVISOR, Actor.ADMIN}),
    Action.EN_ROUTE: ({Status.ASSIGNED}, {Actor.PATROL_OFFICER, Actor.DISTRICT_INSPECTOR, Actor.DISPATCHER,
                                         Actor.SUPERVISOR, Actor.ADMIN}),
    Action.ON_SCENE: ({Status.ASSIGNED, Status.EN_ROUTE}, {Actor.PATROL_OFFICER, Actor.DISTRICT_INSPECTOR,
                                                          Actor.DISPATCHER, Actor.SUPERVISOR, Actor.ADMIN}),
    Action.START_WORK: ({Status.ASSIGNED, Status.EN_ROUTE, Status.ON_SCENE},
                        {Actor.PATROL_OFFICER, Actor.DISTRICT_INSPECTOR, Actor.DISPATCHER, Actor.SUPERVISOR,
                         Actor.ADMIN}),
    Action.REQUEST_INFO: ({Status.REGISTERED, Status.TRIAGE, Status.REOPENED, Status.ASSIGNED, Status.EN_ROUTE,
                           Status.ON_SCENE, Status.IN_PROGRESS},
                          {Actor.PATROL_OFFICER, Actor.DISTRICT_INSPECTOR, Actor.DISPATCHER, Actor.SUPERVISOR,
                           Actor.ADMIN}),
    Action.REPORTER_REPLIED: ({Status.AWAITING_REPORTER}, {Actor.CITIZEN, Actor.SYSTEM}),
    Action.RESOLVE: ({Status.ASSIGNED, Status.EN_ROUTE, Status.ON_SCENE, Status.IN_PROGRESS,
                      Status.AWAITING_REPORTER}, {Actor.PATROL_OFFICER, Actor.DISTRICT_INSPECTOR, Actor.DISPATCHER,
                                                  Actor.SUPERVISOR, Actor.ADMIN}),
    Action.CLOSE_UNFOUNDED: (set(Status) - {Status.CLOSED}, {Actor.PATROL_OFFICER, Actor.DISTRICT_INSPECTOR,
                                                             Actor.DISPATCHER, Actor.SUPERVISOR, Actor.ADMIN}),
    Action.REDIRECT: ({Status.REGISTERED, Status.TRIAGE, Status.REOPENED, Status.ASSIGNED},
                      {Actor.SYSTEM, Actor.DISPATCHER, Actor.SUPERVISOR, Actor.ADMIN}),
    Action.MARK_DUPLICATE: (set(Status) - {Status.CLOSED}, {Actor.SYSTEM, Actor.DISPATCHER, Actor.SUPERVISOR,
                                                            Actor.ADMIN}),
    Action.REJECT: ({Status.REGISTERED, Status.TRIAGE, Status.REOPENED}, {Actor.SYSTEM, Actor.DISPATCHER,
                                                                         Actor.SUPERVISOR, Actor.ADMIN}),
    Action.WITHDRAW: (set(Status) - {Status.CLOSED}, {Actor.CITIZEN}),
    Action.REOPEN: ({Status.CLOSED}, {Actor.CITIZEN, Actor.SUPERVISOR, Actor.PROSECUTOR, Actor.ADMIN}),
}

# what a report no unit holds may also take (asked before a unit was sent: still unworked, still the duty officer's)
UNHELD_EXTRA: dict[Action, set[Status]] = {
    Action.REDIRECT: {Status.AWAITING_REPORTER},
    Action.REJECT: {Status.AWAITING_REPORTER},
}

ALL = list(itertools.product(Action, Status, Actor))


def test_every_action_has_exactly_one_rule() -> None:
    assert sorted(r.action for r in ALLOWED_STATUS_CHANGES) == sorted(Action)


@pytest.mark.parametrize(("action", "status", "actor"), ALL)
def test_transition_table(action: Action, status: Status, actor: Actor) -> None:
    sources, actors = EXPECTED[action]
    resolution = Resolution.RESOLVED if status is Status.CLOSED else None
    assert can(action, status, actor, resolution, held=True) == (status in sources and actor in actors)
    unheld = sources | UNHELD_EXTRA.get(action, set())
    assert can(action, status, actor, resolution, held=False) == (status in unheld and actor in actors)


@pytest.mark.parametrize("resolution", list(Resolution))
def test_citizen_may_appeal_every_closing_but_their_own_withdrawal(resolution: Resolution) -> None:
    assert can(Action.REOPEN, Status.CLOSED, Actor.CITIZEN, resolution, held=True) == (
        resolution is not Resolution.WITHDRAWN)
    assert can(Action.REOPEN, Status.CLOSED, Actor.SUPERVISOR, resolution, held=True)


def test_prosecutor_is_read_only_except_ordering_a_review() -> None:
    allowed = {a for a in Action for s in Status for held in (True, False)
               if can(a, s, Actor.PROSECUTOR, Resolution.RESOLVED, held=held)}
    assert allowed == {Action.REOPEN}


def test_an_answer_resumes_the_units_work_or_returns_the_report_to_triage() -> None:
    """Only the reporter's answer lands elsewhere when no unit holds the report (asked in triage)."""
    replied = rule_for(Action.REPORTER_REPLIED)
    assert (replied.target_for(held=True), replied.target_for(held=False)) == (Status.IN_PROGRESS, Status.TRIAGE)
    assert [r.action for r in ALLOWED_STATUS_CHANGES if r.unheld_target is not None] == [Action.REPORTER_REPLIED]


def test_every_status_has_a_citizen_projection() -> None:
    assert set(CITIZEN_PROJECTION) == set(Status)
    assert len(set(CITIZEN_PROJECTION.values())) == 5


ACTOR_FOR = {a: next(iter(sorted(EXPECTED[a][1]))) for a in Action}


@pytest.mark.anyio
@pytest.mark.parametrize("action", list(Action))
async def test_service_applies_or_refuses_each_transition(ctx: Context, action: Action) -> None:
    """Through the real service and database, from every status: allowed moves land with an event, forbidden ones
    change nothing."""
    actor = ACTOR_FOR[action]
    by = service.By(actor, "tester", "console")
    async with ctx.sessions() as session:
        for status in Status:
            resolution = Resolution.RESOLVED if status is Status.CLOSED else None
            report = await make_report(session, status=status, resolution=resolution)
            await session.commit()
            # no unit holds these reports (workflow.Rule.unheld_sources, unheld_target)
            if can(action, status, actor, resolution, held=False):
                event = await service.change_status(session, report, action, by, reason="test")
                await session.commit()
                # no unit holds these reports: an answer puts one back to triage (workflow.Rule.unheld_target)
                assert report.status == rule_for(action).target_for(held=False).value, status
                assert event.from_status == status.value and event.to_status == report.status
            else:
                with pytest.raises(ZanError) as err:
                    await service.change_status(session, report, action, by, reason="test")
                assert err.value.code == "report.transition_forbidden" and err.value.status == 409
                await session.rollback()
                fresh = await session.get(type(report), report.id, populate_existing=True)
                assert fresh is not None and fresh.status == status.value, status
