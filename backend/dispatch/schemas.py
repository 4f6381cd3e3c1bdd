"""Dispatch API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from backend.dispatch.queue import URGENT_AHEAD_MAX
from backend.lib.clock import Instant
from backend.sync.schemas import TEXT_MAX_LENGTH

Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=2000)]


# optimistic concurrency between duty officers: the queue shows every officer the same report on top
SeenUnit = Annotated[uuid.UUID | msgspec.UnsetType | None, msgspec.Meta(
    description="the unit the console showed holding the report (null: none); if another officer has assigned it "
                "since, 409 dispatch.assignment_changed with its current unit_id. Left out: not checked")]


class AssignIn(msgspec.Struct, forbid_unknown_fields=True):
    unit_id: Annotated[str, msgspec.Meta(description='a unit id, or "auto" for the nearest available unit',
                                         max_length=40)]
    # internal (the history's, and every incident member's "follows …" line): as long as any other staff reason
    reason: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    from_unit_id: SeenUnit = msgspec.UNSET


class CloseIn(msgspec.Struct, forbid_unknown_fields=True):
    how: Literal["duplicate", "redirected", "unfounded", "rejected"]
    reason: Reason
    duplicate_of: uuid.UUID | None = None
    redirect_to: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    from_unit_id: SeenUnit = msgspec.UNSET


class RequestInfoIn(msgspec.Struct, forbid_unknown_fields=True):
    # public: the reporter reads it ("We need more information: …"); written in the report's language
    reason: Reason


class ExtendIn(msgspec.Struct, forbid_unknown_fields=True):
    deadline_at: Instant
    reason: Reason


OfficerText = Annotated[str, msgspec.Meta(max_length=TEXT_MAX_LENGTH)]  # no longer than a tablet may write


class OfficerFieldsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The officer text fields to correct (backend.sync.views.OFFICER_FIELDS): one left out is kept, null clears
    it. Any other name is a 422, not ignored."""

    officer_summary: OfficerText | msgspec.UnsetType | None = msgspec.UNSET
    findings: OfficerText | msgspec.UnsetType | None = msgspec.UNSET
    address_details: OfficerText | msgspec.UnsetType | None = msgspec.UNSET

    def given(self) -> dict[str, str | None]:
        return {name: value for name in self.__struct_fields__
                if (value := getattr(self, name)) is not msgspec.UNSET}


class FieldsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Each change keeps the previous text in the report's internal (sealed) history, and is audited."""

    fields: OfficerFieldsIn


class ReporterComment(msgspec.Struct, omit_defaults=True):
    """What was written on the report after it was submitted: the reporter's answers and additions, and staff's
    messages to the reporter and internal notes (POST /dispatch/reports/{id}/comments). The reporter's identity is
    never included; a staff comment names its officer (`officer_id`), as the card's files do."""

    id: uuid.UUID
    at: datetime
    author_type: Annotated[str, msgspec.Meta(description=(
        "citizen: the reporter; dispatcher, supervisor, admin: a staff member (the role they wrote as)"))]
    text: Annotated[str, msgspec.Meta(description="as written (masked for field officers, as the report's text)")]
    public: Annotated[bool, msgspec.Meta(description=(
        "the reporter reads it in their report's timeline; false: a staff's internal note, never shown to them"))]
    officer_id: Annotated[uuid.UUID | None, msgspec.Meta(
        description="the staff member who wrote it; left out for the reporter's own")] = None
    # read from the history (dispatch.questions): an answer that came after its question was withdrawn is a comment
    answers: Annotated[uuid.UUID | None, msgspec.Meta(description=(
        "the reporter's answer to a question (`questions`): that question's `event_id` (its request_info event); "
        "left out for any other comment"))] = None
    late: Annotated[bool, msgspec.Meta(description=(
        "with `answers`: true when the answer came after the question was withdrawn (a unit assigned, the report "
        "closed): it was kept as a comment and did not move the report; left out otherwise"))] = False


QuestionState = Literal["standing", "answered", "withdrawn", "ended"]


class AskedQuestion(msgspec.Struct, omit_defaults=True):
    """A question put to the reporter (a request for information) and what became of it."""

    event_id: Annotated[uuid.UUID, msgspec.Meta(description="its request_info event")]
    at: datetime
    text: Annotated[str, msgspec.Meta(description="as the reporter read it (masked for field officers)")]
    asked_by: Annotated[str, msgspec.Meta(description="the role that asked (dispatcher, patrol_officer, …)")]
    state: Annotated[QuestionState, msgspec.Meta(description=(
        "standing: awaiting the reporter's answer; answered: their comment `answer_comment_id` answered it; "
        "withdrawn: a step that did not wait for the answer ended it (a unit assigned, the report closed: "
        "`withdrawn_event_id`), a late answer is then `answer_comment_id`; ended: it ended otherwise, unanswered (the "
        "reporter withdrew the report)"))]
    # a crew that took the report over must not wait for, or answer for, a question it never asked
    current_unit: Annotated[bool, msgspec.Meta(description=(
        "asked while the unit holding the report now held it (its crew's own question, or the console's to it); "
        "false: asked before that unit took the report (in triage, or under another unit), or no unit holds it"))]
    answer_comment_id: uuid.UUID | None = None
    withdrawn_at: datetime | None = None
    withdrawn_event_id: uuid.UUID | None = None


StaffText = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]  # as long as a citizen's comment may be


class StaffCommentIn(msgspec.Struct, forbid_unknown_fields=True):
    """A message to the reporter or an internal note. Write a message in the report's language (`language`): it
    is shown as written, never machine-translated."""

    text: Annotated[StaffText, msgspec.Meta(description="not blank; at most 5000 characters")]
    public: Annotated[bool, msgspec.Meta(description=(
        "true: a message to the reporter (their timeline, and they are notified: app push, partner webhook, "
        "Telegram chat), signed \"the police\", never an officer's name; false: an internal note, read by staff only "
        "(the console card, the oversight history, the unit's tablets)"))]


class Reopening(msgspec.Struct):
    """Why an open report is being considered again: its latest reopening."""

    at: datetime
    by: Annotated[Literal["citizen", "oversight"], msgspec.Meta(description=(
        "citizen: its reporter's appeal (whose closing officer may not decide it); oversight: a supervisor's, "
        "prosecutor's or admin's setting the closing aside"))]
    reason: str | None
    late: Annotated[bool, msgspec.Meta(description=(
        "an appeal filed after its three months (APPK art. 92): taken all the same; ascertain why it was late"))]


class KeptText(msgspec.Struct):
    """A tablet's note or write-up that was not applied to the report but kept (the push answered it `kept: true`):
    sealed in the record as an internal `text_kept` event (this entry's `event_id`), read here with the rest of it."""

    event_id: uuid.UUID
    kind: Annotated[Literal["note", "write_up"], msgspec.Meta(description=(
        "note: a tablet note (`text`); write_up: the officer's text fields of the report (`fields`)"))]
    reason: Annotated[str, msgspec.Meta(description=(
        "why it was not applied: not_assigned (typed while the crew held the report, which dispatch has since given "
        "to another unit, closed or reopened), unit_changed (written after the officer left the unit that held it), "
        "role_changed (written after the officer left field duty), invalid_outcome (sent with a resolve that lacked "
        "its outcome)"))]
    officer_id: Annotated[str | None, msgspec.Meta(description="who wrote it")]
    actor_type: Annotated[str, msgspec.Meta(description="the role its writer pushed it as")]
    unit_id: Annotated[str | None, msgspec.Meta(description="the writer's unit when it arrived")]
    device_id: Annotated[str | None, msgspec.Meta(description="the tablet it came from")]
    device_time: Annotated[datetime | None, msgspec.Meta(description=(
        "when the tablet says it was written (its device time, else its clock stamp; never later than its arrival)"))]
    received_at: Annotated[datetime, msgspec.Meta(description="when it reached the server")]
    mutation_id: str | None = None
    text: str | None = None
    fields: dict[str, Any] = msgspec.field(default_factory=dict)


class ReportCard(msgspec.Struct):
    id: uuid.UUID
    number: str
    status: str
    category: str | None
    department: str | None
    priority: str
    urgent: bool
    restricted: bool
    anonymous: bool
    district: str | None
    unit_id: uuid.UUID | None
    deadline_at: datetime
    created_at: datetime
    text: Annotated[str, msgspec.Meta(description=(
        "the citizen's text (masked for field officers). Empty in the queue and escalation lists for a restricted "
        "report, whose `fields` are empty there too: opening its card (GET /api/v1/dispatch/reports/{id}) shows "
        "them, and is recorded in its history"))]
    # the answer (a reason, a request for information) goes out in the state language or in the appeal's own
    # (law on appeals): staff write it in this one; reasons are never machine-translated
    language: Annotated[str, msgspec.Meta(description="the report's language (kk, ru, en): write reasons in it")]
    lat: float
    lon: float
    # a citizen's phone may place them anywhere within a few km: a crew sent to the pin must know to ask or search
    accuracy_m: Annotated[float | None, msgspec.Meta(description=(
        "how far from `lat`/`lon` the citizen may be, in metres, as their device reported it (up to 100,000); null "
        "when it did not say"))]
    # a report in triage may be waiting for routing, or be there because routing failed: triage must tell them apart
    routing_state: Annotated[Literal["pending", "done", "failed"], msgspec.Meta(description=(
        "pending: the routing job has not decided yet; done: routed (by the model, a rule or staff); failed: routing "
        "failed and the report waits in triage (GET /api/v1/dispatch/routing-failures says whether it retries or "
        "gave up)"))]
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    # the incident ("me too") this report belongs to: its id is the primary report's; `incident_report_ids` are the
    # incident's other reports this officer may see, `incident_size` counts them with this one (1: no incident)
    incident_id: uuid.UUID | None = None
    primary: bool = False
    incident_size: int = 1
    incident_report_ids: list[uuid.UUID] = msgspec.field(default_factory=list)
    # what the queue ranks this report by: its incident's most urgent open report (urgent flag, then priority, then
    # the earliest deadline) among those this officer may see; the report's own values when it is no incident
    incident_urgent: bool = False
    incident_priority: str = "normal"
    incident_deadline_at: datetime | None = None
    etag: Annotated[str, msgspec.Meta(
        description="the report's state as shown (its ETag): send it as If-Match with a step taken on this card, "
                    "to be refused (412 dispatch.report_changed) if another officer changed the report meanwhile")] = ""
    reopened: Annotated[Reopening | None, msgspec.Meta(description=(
        "on an open report reopened since its registration: the latest reopening (an appeal, or oversight), its "
        "grounds and whether an appeal came late; null otherwise"))] = None
    # the lists stay lean (one more query and every comment of a page): the card is opened to read them
    comments: Annotated[list[ReporterComment] | None, msgspec.Meta(description=(
        "what was written on the report, oldest first: the reporter's comments (the answers to requests for "
        "information among them), staff's messages to the reporter and internal notes: on a card read alone "
        "(GET /api/v1/dispatch/reports/{id}, and the card a step answers with); null in the queue and escalation "
        "lists, where they are not listed"))] = None
    questions: Annotated[list[AskedQuestion] | None, msgspec.Meta(description=(
        "the questions put to the reporter, oldest first, each with what became of it and whether the unit holding "
        "the report now asked it (`current_unit`); on a card read alone, as `comments`; null in the lists"))] = None
    # a crew's note or write-up refused on arrival (the report had gone to another unit, closed, the officer had
    # moved) is still what the crew saw on the spot: the duty officer deciding the report must be able to read it
    kept: Annotated[list[KeptText] | None, msgspec.Meta(description=(
        "tablets' notes and write-ups refused but kept (the push answered them `kept: true`), oldest first: who wrote "
        "them, on which tablet, when the tablet says they were written, why they were not applied, and their text "
        "(masked for field officers). As the oversight history lists them (`kept`), on a card read alone; null in "
        "the queue and escalation lists"))] = None


class QueuePage(msgspec.Struct):
    items: list[ReportCard]
    next_cursor: str | None
    # a walk through the queue must not miss an urgent report that came to rank ahead of where it stands
    urgent_ahead: Annotated[list[ReportCard] | None, msgspec.Meta(description=(
        "on a page read with a cursor: the urgent entries that now rank ahead of it (the first "
        f"{URGENT_AHEAD_MAX}, most urgent first: see urgent_ahead_more), whenever they are not the ones this walk "
        "was shown (a report made urgent, a new urgent report, one its unit let go; one assigned since is no longer "
        "among them); null while they are. Show those not shown yet at the top; drop the ones that left the "
        "list"))] = None
    # bounded (queue.URGENT_AHEAD_MAX): in a mass event thousands rank ahead, and every one as a card was megabytes
    urgent_ahead_more: Annotated[bool, msgspec.Meta(description=(
        "true when more urgent entries rank ahead than urgent_ahead lists (it holds the first "
        f"{URGENT_AHEAD_MAX}, most urgent first): the console cannot learn the rest from this walk, and walks the "
        "queue again from the top (no cursor), where they come first; false otherwise"))] = False
    urgent_ahead_total: Annotated[int | None, msgspec.Meta(description=(
        "with urgent_ahead: how many urgent entries rank ahead of this page in all (more than urgent_ahead holds "
        "when urgent_ahead_more is true); null when urgent_ahead is"))] = None


class EscalationOut(msgspec.Struct):
    """A report that needs a supervisor now: `unaccepted_urgent` (assigned, not accepted in time),
    `unassigned_urgent` (urgent, and no unit assigned in time), `deadline_near` (within 2 working days of its legal
    deadline), `redirect_due` (its redirect term ends) or `delay_complaint` (its citizen complained that its deadline
    passed; listed until it closes)."""

    id: uuid.UUID
    kind: str
    # the assignment not accepted, when the urgent report was left without a unit (UTC), or the deadline / term (UTC)
    # about to lapse
    subject: str
    created_at: datetime
    report: ReportCard


class EscalationPage(msgspec.Struct):
    items: list[EscalationOut]
    next_cursor: str | None


class CommentAdded(msgspec.Struct):
    comment: ReporterComment
    report: Annotated[ReportCard, msgspec.Meta(description=(
        "the card with the comment (its new `etag`, also the ETag header: the comment's history line changes it)"))]


class AssignOut(msgspec.Struct):
    report: ReportCard
    unit_id: uuid.UUID
    unit_code: str
    distance_km: float | None


class Attachment(msgspec.Struct):
    id: uuid.UUID
    source: Literal["citizen", "officer"]
    kind: Annotated[str, msgspec.Meta(description="photo | video | audio | other")]
    content_type: str
    size: Annotated[int | None, msgspec.Meta(description=(
        "bytes of the file staff download: for an anonymous report's file its copy's, null until that is made; for "
        "an officer's file still uploading, the size its tablet declared"))]
    sha256: Annotated[str | None, msgspec.Meta(description=(
        "of the file staff download: for an anonymous report's file its copy's (the original's would name the "
        "author's own file), null until that is made"))]
    uploaded: Annotated[bool, msgspec.Meta(description="false while a tablet is still uploading the file")]
    url: Annotated[str | None, msgspec.Meta(
        description="short-lived download link (see expires_in); null until uploaded, and while withheld")] = None
    withheld: Annotated[str | None, msgspec.Meta(description=(
        "why an anonymous report's file has no link: preparing (its copy without the author's metadata is being "
        "made), unsupported (no such copy can be made of this format), malformed, missing"))] = None
    taken_at: Annotated[datetime | None, msgspec.Meta(
        description="the photo's EXIF time (citizen) or the tablet's time (officer)")] = None
    lat: float | None = None
    lon: float | None = None
    caption: str | None = None
    officer_id: uuid.UUID | None = None


class AttachmentsOut(msgspec.Struct):
    report_id: uuid.UUID
    items: list[Attachment]
    expires_in: Annotated[int, msgspec.Meta(description="seconds each link stays valid")]


class HistoryEvent(msgspec.Struct):
    id: uuid.UUID
    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    actor_type: str
    actor_id: str | None
    channel: str
    reason: str | None
    public: bool
    internal_note: str | None
    device_time: Annotated[datetime | None, msgspec.Meta(description="when the tablet says it happened, if offline")]
    data: dict[str, Any]


class CustodyEntry(msgspec.Struct):
    unit_id: uuid.UUID
    unit_code: str | None
    assigned_at: datetime
    assigned_by_type: str
    assigned_by: str | None
    auto: bool
    distance_km: float | None
    accepted_at: datetime | None
    released_at: datetime | None


class RoutingEntry(msgspec.Struct):
    at: datetime
    source: Annotated[str, msgspec.Meta(description="model | dispatcher | fallback")]
    model_version: str | None
    embedder: str | None
    category: str | None
    confidence: float | None
    abstained: bool
    department: str | None
    rule_id: str | None
    priority: str | None
    urgent: bool
    actor_id: str | None
    scores: dict[str, Any]
    inputs: dict[str, Any]


class AccessEntry(msgspec.Struct):
    at: datetime
    actor_type: str
    actor_id: str | None
    action: str
    data: dict[str, Any]
    ip: str | None
    # which enrolled tablet and login session the officer acted from (none for lines written before they were kept,
    # and for system or citizen steps): a stolen tablet's steps are told apart from its owner's
    device_id: str | None = None
    session_id: str | None = None


class SealedRow(msgspec.Struct):
    table: Annotated[str, msgspec.Meta(description="report_events | routing_decisions | evidence | audit_log, or "
                                                   "reports: what the citizen submitted, against its first event, or "
                                                   "report_notes: a tablet note, against its note_added / "
                                                   "note_removed events; `media`: a file sent later, against the "
                                                   "sha256 its comment's event holds; `assignments`: a custody "
                                                   "record, against its `assign` event")]
    id: uuid.UUID


class SealRef(msgspec.Struct):
    id: int
    sealed_at: datetime
    mac: Annotated[str, msgspec.Meta(description="the seal's HMAC; quote it to prove later what was sealed")]


class ChainLink(msgspec.Struct):
    scope: Annotated[str, msgspec.Meta(description='the chain: "report:<report id>" for the report\'s own entries')]
    seq: Annotated[int, msgspec.Meta(description=(
        "the entry's number in its chain: the entry before it is gone, or not the one it names"))]


class Integrity(msgspec.Struct):
    """Whether the record above is what was written: every sealed row still hashes to what its seal holds, and
    each seal's MAC (keyed by a secret outside the database) and digest check. Rows from the last minute await
    their seal and are counted as pending."""

    intact: bool
    sealed: int
    pending: int
    altered: list[SealedRow]
    missing: Annotated[list[SealedRow], msgspec.Meta(description="sealed rows that are no longer there")]
    broken_seals: list[int]
    unlinked: Annotated[list[ChainLink], msgspec.Meta(description=(
        "entries of a per-report chain that no longer link to the entry before them: that entry was removed or "
        "changed, even when the seals still check"))]
    seals: list[SealRef]


class ReportHistory(msgspec.Struct):
    """Everything that happened to one report, for oversight: the full event log (internal notes included), the
    chain of custody, every routing decision with its inputs, and who did or opened what (this read included)."""

    report_id: uuid.UUID
    number: str
    events: list[HistoryEvent]
    custody: list[CustodyEntry]
    routing: list[RoutingEntry]
    access: list[AccessEntry]
    integrity: Integrity
    comments: Annotated[list[ReporterComment], msgspec.Meta(description=(
        "what the reporter and staff wrote on the report, oldest first, internal notes included (each one's "
        "`comment` or `reporter_replied` event carries its id)"))]
    kept: Annotated[list[KeptText], msgspec.Meta(description=(
        "tablets' notes and write-ups refused but kept, oldest first: what a crew wrote that did not reach the "
        "report (each one's `text_kept` event is in `events` too)"))] = msgspec.field(default_factory=list)
