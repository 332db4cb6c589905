"""Writes to tickets. `ticket_apply` is the only writer of `Ticket.status` after creation.

Every action goes the same way (STYLE.md, "State transitions"):
1. lock the ticket row (what the caller may not see is a 404);
2. check the caller's roles for it, then the status, against `tickets.transitions.ACTIONS`
   (403 before 409: a stranger to the action learns nothing of the state);
3. refuse a stale write when the caller says which version it saw;
4. run the action's own rule below, which sets fields and says where the status goes;
5. save, append one immutable event, and schedule follow-up work for after the commit.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from common.db import insert_with, update_many, update_with
from common.dispatch import wake_on_commit
from common.errors import DomainError, InvalidState, NotPermitted
from common.text import visible_text
from departments.models import Department
from sla import policies
from sla.calendar import WorkingCalendar, current_calendar

from . import notify, selectors
from .access import Access, access_for, forget_assisting, roles_for
from .attachments import attachment_rows, check_files
from .models import (
    INTAKE_SOURCES,
    QUEUE_ASSIST_STATES,
    QUEUE_STATUSES,
    Assignment,
    Attachment,
    CategorySource,
    Comment,
    Evaluation,
    ExtensionStatus,
    QueueEntry,
    Reply,
    Source,
    Status,
    Supervision,
    Ticket,
    TicketEvent,
)
from .transitions import ACTIONS, BEFORE_REPLY, Action, allowed_actions

logger = logging.getLogger(__name__)
TRIAGE_TASK = "triage.triage_waiting"  # woken by each submit; triage.tasks runs it


# -- create ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OnBehalf:
    """A request filed at the intake desk (代录): by a staff member of `department` (a service centre or hotline
    where they hold the intake role) for `company`, from a meeting (亲清会) or on a leader's assignment (领导交办)."""

    company: Any
    department: Department
    meeting: Any = None
    leader_name: str = ""


def ticket_create(
    *,
    submitter,
    title: str,
    description: str,
    category=None,
    contact_name: str = "",
    contact_phone: str = "",
    idempotency_key: str | None = None,
    source: str = Source.API,
    triage_later: bool = True,
    files=(),
    on_behalf: OnBehalf | None = None,
    company=None,
) -> tuple[Ticket, bool]:
    """File a request for the submitter's company; returns (ticket, created). Every channel ends here.

    With `on_behalf`, `submitter` is intake staff filing for another company (代录): the ticket is the company's
    (its users follow and evaluate it), the staff member is recorded as `filed_by`, the caller as the contact,
    and the submit event says who filed it for whom. A leader's assignment starts supervised (督办), through the
    same `supervise` action a supervisor takes.

    `company` files it on behalf of that company instead: the submitter is then the channel that typed it in
    (a partner system's account), acting as the company's agent for this ticket.

    `triage_later=False` is for callers that triage the ticket themselves (the demo loader, imports).
    `files` are uploaded attachments, checked before anything is written.

    With an idempotency key, a retry returns the ticket of the first call instead of a second one, also when
    both calls race: the unique constraint decides, the later insert fails and reads the first call's row.
    """
    if on_behalf is not None:
        company, filer, role = on_behalf.company, {"filed_by": submitter}, Role.INTAKE
        _check_intake(submitter, on_behalf, source)
    else:
        company, filer, role = company or submitter.company, {"submitter": submitter}, Role.COMPANY_USER
        if company is None:
            raise NotPermitted(_("只有企业用户可以提交诉求。"))
    supervised = on_behalf is not None and source == Source.LEADER
    # Every channel's text as people will read it: no hidden or direction-changing characters.
    title, contact_name = visible_text(title).strip(), visible_text(contact_name).strip()
    description = visible_text(description, multiline=True).strip()
    if not title or not description:
        raise DomainError(_("标题和诉求内容不能为空（不可见字符不算内容）。"), code="blank")
    kinds = check_files(files)  # before anything is written
    now = timezone.now()
    ticket = Ticket(
        **filer,
        company=company,
        title=title,
        description=description,
        category=category,
        contact_name=contact_name or company.contact_name,
        contact_phone=contact_phone or company.contact_phone,
        district_id=company.district_id,
        idempotency_key=idempotency_key or None,
        source=source,
        created_at=now,
        updated_at=now,
        **_intake_fields(on_behalf),
    )
    attachments = attachment_rows(files, ticket=ticket, uploaded_by=submitter, kinds=kinds)
    data = {"files": [a.original_name for a in attachments]} if attachments else {}
    note = ""
    if on_behalf is not None:
        data |= {"on_behalf_of": company.name, "channel": source, "intake_department": on_behalf.department.code}
        note = _("代%(company)s录入（%(channel)s）") % {"company": company.name, "channel": Source(source).label}
    event = _event(ticket, ACTIONS["submit"], actor=submitter, role=role, before="", now=now, note=note, data=data)
    # The ticket and its submit event are one statement, atomic on its own (common.db.insert_with): a transaction
    # only when more is written with them (attachments, the supervision), and a savepoint only to catch a used key
    # inside a caller's transaction (a partner's work order takes an error back with everything else).
    if attachments or supervised or connection.in_atomic_block:
        block = transaction.atomic(savepoint=bool(idempotency_key))
    else:
        block = contextlib.nullcontext()  # autocommit: the statement commits; on_commit work runs right after it
    try:
        with block:
            insert_with(ticket, event, link="ticket")
            notify.events([event])
            Attachment.objects.bulk_create(attachments)  # their files stored now, after the checks
            if supervised:
                ticket_apply(
                    ticket_id=ticket.pk, action="supervise", level=Supervision.NORMAL,
                    note=_("领导交办（%(leader)s），按督办件办理。") % {"leader": on_behalf.leader_name.strip()},
                )  # fmt: skip
            if triage_later:
                wake_on_commit(TRIAGE_TASK)
    except IntegrityError:
        # A key already used: its first ticket. No look-up before the insert: every first call (nearly all of
        # them) would pay a round trip for the rare retry, which the unique constraint catches anyway.
        existing = Ticket.objects.filter(**filer, idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return existing, False
    if supervised:  # read back: the supervision changed it after the create
        return selectors.ticket_get(access=access_for(None), ticket_id=ticket.pk), True
    # What reading it back would give (its event, its attachments, nothing else yet), without reading it back:
    # the answer to a submit is built from these (DESIGN.md §11, issue 16).
    return selectors.ticket_fresh(ticket, events=[event], attachments=attachments), True


def _check_intake(staff, on_behalf: OnBehalf, source: str) -> None:
    """代录: only intake staff of the filing department, on an intake channel, with what that channel needs."""
    if on_behalf.department.pk not in access_for(staff).intake_department_ids:
        raise NotPermitted(_("只有该受理单位的受理员可以代企业录入诉求。"))
    if source not in INTAKE_SOURCES:
        raise DomainError(_("代录诉求的渠道应为热线、窗口、走访、亲清会或领导交办。"), code="invalid_channel")
    if (source == Source.MEETING) != (on_behalf.meeting is not None):
        raise DomainError(_("亲清会渠道的诉求须关联一次亲清会（其他渠道不关联）。"), code="meeting_required")
    if source == Source.LEADER and not on_behalf.leader_name.strip():
        raise DomainError(_("领导交办须填写交办领导。"), code="leader_required")


def _intake_fields(on_behalf: OnBehalf | None) -> dict:
    if on_behalf is None:
        return {}
    return {
        "intake_department": on_behalf.department, "meeting": on_behalf.meeting,
        "leader_name": visible_text(on_behalf.leader_name).strip(),
    }  # fmt: skip


def ticket_import(
    *, company, external_id: str, title: str, description: str, submitted_at, category=None, upvotes=0, downvotes=0
) -> tuple[Ticket, bool]:
    """Bring one historical request in, filed and archived at its own time; idempotent on `external_id`.

    A category given with it counts as settled by a person, so the triage model learns from it.
    """
    existing = Ticket.objects.filter(external_id=external_id).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        ticket = Ticket.objects.create(
            company=company, title=title, description=description, external_id=external_id,
            district_id=company.district_id, source=Source.IMPORT, category=category, upvotes=upvotes,
            downvotes=downvotes,
            category_source=CategorySource.HISTORY if category else CategorySource.NONE,
            created_at=submitted_at, updated_at=submitted_at,
        )  # fmt: skip
        _record(ticket, ACTIONS["submit"], actor=None, role=Role.SYSTEM, before="", now=submitted_at)
        ticket_apply(ticket_id=ticket.pk, action="archive")
    return ticket, True


# -- apply any action ----------------------------------------------------------------------------
@dataclass
class Context:
    ticket: Ticket
    actor: Any  # the user, or None for the platform
    access: Access
    roles: frozenset[str]
    now: datetime
    calendar: WorkingCalendar
    new_rows: list = field(default_factory=list)  # rows the rule adds (assignments, notices): inserted in bulk


@dataclass
class Outcome:
    to_status: str | None = None  # None: the status stays
    note: str = ""
    data: dict = field(default_factory=dict)
    public: bool = True
    after_commit: list[Callable[[], None]] = field(default_factory=list)


Rule = Callable[..., Outcome]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


# An action's preconditions beyond the transition table that depend only on the ticket (not on what the caller
# sends): checked before its rule, and by `offered_actions`, so that a page never offers what would be refused.
Guard = Callable[[Context], None]  # raises InvalidState when the action cannot be taken now
GUARDS: dict[str, Guard] = {}


def guard(name: str) -> Callable[[Guard], Guard]:
    def register(fn: Guard) -> Guard:
        GUARDS[name] = fn
        return fn

    return register


def offered_actions(*, ticket: Ticket, access: Access, roles: frozenset[str] | None = None, now=None) -> list[Action]:
    """The public actions this user could take on the ticket now: the transition table for its status and the
    user's roles, less those whose guard refuses. What pages (and the API's `allowed_actions`) offer."""
    roles = roles_for(access, ticket) if roles is None else roles
    candidates = allowed_actions(status=ticket.status, roles=roles)
    if not any(a.name in GUARDS for a in candidates):
        return candidates
    ctx = Context(ticket, None, access, roles, now or timezone.now(), current_calendar())
    offered = []
    for action in candidates:
        try:
            GUARDS.get(action.name, _no_guard)(ctx)
        except InvalidState:
            continue
        offered.append(action)
    return offered


def _no_guard(ctx: Context) -> None:
    return None


# Inputs an action's rule decides by itself for some roles: a page does not ask for them.
def fixed_inputs(action: str, roles: frozenset[str]) -> frozenset[str]:
    if action == "comment" and Role.COMPANY_USER in roles:
        return frozenset({"public"})  # what a company writes is never hidden from it (see `_comment`)
    return frozenset()


def ticket_apply(
    *, ticket_id: int, action: str, actor=None, version: int | None = None, access: Access | None = None, **params
) -> Ticket:
    """Take `action` on the ticket as `actor` (None: the platform). Raises a DomainError on refusal.

    `access` is the actor's standing when it is not their own (`tickets.access.agent_access`: a partner system
    acting for the company it filed for)."""
    access = access or access_for(actor)
    with transaction.atomic():
        ticket = selectors.ticket_lock(access=access, ticket_id=ticket_id)
        change = _change(ticket, action, actor=actor, access=access, version=version, params=params)
        _write([change])
    return ticket


def tickets_apply_locked(tickets: list[Ticket], *, action: str, params: list[dict], actor=None) -> None:
    """`ticket_apply` on many tickets at once, for a caller that has locked them (select_for_update) in
    its open transaction: the same checks and rules, the rows written in bulk (batch triage).

    A refusal raises, and the caller's transaction takes every ticket of the batch back.
    """
    access = access_for(actor)
    _write([_change(t, action, actor=actor, access=access, params=p) for t, p in zip(tickets, params, strict=True)])


def tickets_apply_each(*, ticket_ids: list[int], action: str, actor, **params) -> tuple[list[int], dict[int, str]]:
    """The same action on several tickets, each on its own (bulk accept): a refusal does not stop the others.

    Returns the ids done and, for the others, why not.
    """
    done, refused = [], {}
    for ticket_id in dict.fromkeys(ticket_ids):
        try:
            ticket_apply(ticket_id=ticket_id, action=action, actor=actor, **params)
        except DomainError as exc:
            refused[ticket_id] = exc.message
        else:
            done.append(ticket_id)
    return done, refused


@dataclass
class _Change:
    ticket: Ticket
    fields: set[str]  # the ticket's fields the action changed
    event: TicketEvent
    new_rows: list
    after_commit: list[Callable[[], None]]


def _values(ticket: Ticket) -> dict[str, Any]:
    """The ticket's field values by attribute name; JSON ones copied, so that a change in place is seen."""
    values = dict(ticket.__dict__)
    for name in _JSON_FIELDS:
        values[name] = copy.deepcopy(values.get(name))
    return values


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {f.name for f in Ticket._meta.concrete_fields if before.get(f.attname) != after.get(f.attname)}


_JSON_FIELDS = [f.attname for f in Ticket._meta.concrete_fields if isinstance(f, models.JSONField)]


def _change(ticket: Ticket, action: str, *, actor, access: Access, params: dict, version: int | None = None) -> _Change:
    """Check the action against the table, run its rule and move the status; nothing written yet."""
    spec = ACTIONS[action]
    roles = roles_for(access, ticket)
    forget_assisting(ticket)  # the rule may change the assignments: asked again, they are read again
    acting_roles = spec.roles & roles
    if not acting_roles:
        raise NotPermitted(_("您的身份不能对该诉求执行“%(action)s”。") % {"action": spec.label})
    if ticket.status not in spec.sources:
        raise InvalidState(
            _("诉求当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": ticket.get_status_display(), "action": spec.label}
        )
    if version is not None and version != ticket.version:
        raise InvalidState(_("诉求已被他人更新，请刷新后重试。"), code="stale")
    now = timezone.now()
    ctx = Context(ticket, actor, access, roles, now, current_calendar())
    before_values = _values(ticket)
    GUARDS.get(action, _no_guard)(ctx)
    outcome = RULES[action](ctx, **params)
    before = ticket.status
    if outcome.to_status is not None:
        if outcome.to_status not in spec.targets:  # a rule bug, not a user error
            raise AssertionError(f"{action} may not lead to {outcome.to_status}")
        ticket.status = outcome.to_status
    ticket.version += 1
    ticket.updated_at = now
    event = _event(
        ticket, spec, actor=actor, role=_primary_role(acting_roles), before=before, now=now,
        note=outcome.note, data=outcome.data, public=outcome.public,
    )  # fmt: skip
    changed = _changed_fields(before_values, ticket.__dict__)
    return _Change(ticket, changed, event, ctx.new_rows, outcome.after_commit)


def _write(changes: list[_Change]) -> None:
    """Save the changed fields of the tickets, insert the rows the rules added and the events, schedule the
    follow-ups: a few statements for a whole batch."""
    fields = sorted(set().union(*(change.fields for change in changes)))
    if len(changes) == 1:  # an action: the ticket and its event in one statement
        update_with(changes[0].ticket, fields, changes[0].event, link="ticket")
    else:
        update_many([change.ticket for change in changes], fields)
        TicketEvent.objects.bulk_create([change.event for change in changes])
    new_rows: dict[type, list] = {}
    for row in (row for change in changes for row in change.new_rows):
        new_rows.setdefault(type(row), []).append(row)
    for model, rows in new_rows.items():
        model.objects.bulk_create(rows)
    notify.events([change.event for change in changes])
    # Queue rows exist only while a ticket is worked: one that neither was nor is has none to rewrite (one that
    # leaves the work, replied, closed, …, has its rows deleted by the rewrite).
    worked = [
        c.ticket.pk for c in changes if c.event.from_status in QUEUE_STATUSES or c.event.to_status in QUEUE_STATUSES
    ]
    if worked:
        queue_refresh(worked)
    for callback in (callback for change in changes for callback in change.after_commit):
        transaction.on_commit(callback, robust=True)


def queue_refresh(ticket_ids: list[int] | None = None) -> None:
    """Rewrite the department queues' rows of these tickets (None: of every ticket) from the tickets and their
    assignments: the lead department and each assisting one yet to report, while the ticket is worked.

    One statement on PostgreSQL whatever the number of tickets (the rows due upserted, the others deleted: an
    action's round trips are what it waits on); two elsewhere (the old rows deleted, the new ones inserted)."""
    every, postgresql = ticket_ids is None, connection.vendor == "postgresql"
    one = not every and postgresql and len(ticket_ids) == 1
    ids = [] if every else [ticket_ids[0] if one else list(ticket_ids) if postgresql else json.dumps(list(ticket_ids))]
    statuses = [s.value for s in QUEUE_STATUSES]
    assisting = [Assignment.Role.ASSIST.value, *(s.value for s in QUEUE_ASSIST_STATES)]
    rows = [*ids, *statuses, *assisting]
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute(_queue_rows_sql(connection.vendor, every, one), [*rows, *ids])
            return
        entries = QueueEntry.objects.all() if every else QueueEntry.objects.filter(ticket_id__in=ticket_ids)
        entries.delete()
        cursor.execute(_queue_rows_sql(connection.vendor, every, one), rows)


@functools.cache
def _queue_rows_sql(vendor: str, every_ticket: bool, one_ticket: bool = False) -> str:
    """The queue rows (department, ticket, deadline) of the tickets whose ids are the first parameter (none: of
    every ticket), inserted; on PostgreSQL upserted, and the tickets' other rows deleted (the last parameter: the
    ids again). UNION: a lead department that also assists is one row.

    The worked tickets are read once (`worked`, a CTE used twice, so computed once) and the assignments joined to
    them: reading the tickets inside the join let a planner with a young table's statistics scan them again for
    every open assignment (0.4 s a batch of 64 in `bench-triage`). One ticket's id (an action's) is compared with
    `=`: PostgreSQL then keeps one plan for the prepared statement instead of planning it again on every call, as
    it does for `= ANY(array)` (0.76 → 0.26 ms a call here)."""
    if every_ticket:
        ids = "1 = 1"
    elif one_ticket:
        ids = "t.id = %s"
    elif vendor == "postgresql":
        ids = "t.id = ANY(%s::bigint[])"
    else:  # SQLite, the embedded default: the ids as JSON
        ids = "t.id IN (SELECT value FROM json_each(%s))"
    statuses = ", ".join(["%s"] * len(QUEUE_STATUSES))
    states = ", ".join(["%s"] * len(QUEUE_ASSIST_STATES))
    ticket, assignment, entry = Ticket._meta.db_table, Assignment._meta.db_table, QueueEntry._meta.db_table
    worked = (
        f'worked AS (SELECT t.id, t.lead_department_id, t.due_at FROM "{ticket}" t '
        f"WHERE {ids} AND t.status IN ({statuses}) AND t.merged_into_id IS NULL)"
    )
    due = (
        "SELECT w.lead_department_id AS department_id, w.id AS ticket_id, w.due_at FROM worked w "
        "WHERE w.lead_department_id IS NOT NULL UNION "
        f'SELECT a.department_id, w.id, w.due_at FROM "{assignment}" a JOIN worked w ON w.id = a.ticket_id '
        f"WHERE a.role = %s AND a.state IN ({states})"
    )
    if vendor != "postgresql":
        return f'WITH {worked} INSERT INTO "{entry}" (department_id, ticket_id, due_at) {due}'
    # The upsert and the delete touch different rows (those due, the others), as one statement must.
    return (
        f'WITH {worked}, due AS ({due}), upserted AS (INSERT INTO "{entry}" (department_id, ticket_id, due_at) '
        "SELECT * FROM due ON CONFLICT (department_id, ticket_id) DO UPDATE SET due_at = EXCLUDED.due_at) "
        f'DELETE FROM "{entry}" e WHERE {_entry_ids(every_ticket, one_ticket)} '
        "AND NOT EXISTS (SELECT 1 FROM due WHERE due.department_id = e.department_id AND due.ticket_id = e.ticket_id)"
    )


def _entry_ids(every_ticket: bool, one_ticket: bool) -> str:
    return "1 = 1" if every_ticket else "e.ticket_id = %s" if one_ticket else "e.ticket_id = ANY(%s::bigint[])"


ROLE_PRECEDENCE = [
    Role.SYSTEM, Role.COMPANY_USER, Role.DEPT_HEAD, Role.HANDLER, "assist_handler",
    Role.DISPATCHER, Role.SUPERVISOR, Role.CHAIN_LEADER,
]  # fmt: skip


def _primary_role(roles: frozenset[str]) -> str:
    return next(r for r in ROLE_PRECEDENCE if r in roles)


def _record(ticket, spec: Action, *, actor, role, before, now, note="", data=None) -> TicketEvent:
    event = _event(ticket, spec, actor=actor, role=role, before=before, now=now, note=note, data=data)
    event.save()
    notify.events([event])
    return event


def _event(ticket, spec: Action, *, actor, role, before, now, note="", data=None, public=True) -> TicketEvent:
    return TicketEvent(
        ticket=ticket,
        action=spec.name,
        actor=actor,
        actor_role=role,
        from_status=before,
        to_status=ticket.status,
        note=note,
        data=data or {},
        public=public,
        created_at=now,
    )


def _require(text: str | None, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message, code="required")
    return text


# -- the clocks ----------------------------------------------------------------------------------
def _start_stage(ticket: Ticket, *, start: datetime, deadline: datetime | None, calendar: WorkingCalendar) -> None:
    """Point the traffic light at a new stage running from `start` to `deadline` (None: no clock)."""
    ticket.stage_started_at = start if deadline else None
    ticket.due_at = deadline
    ticket.yellow_at = policies.yellow_point(start, deadline, calendar) if deadline else None
    ticket.escalation_step = 0
    ticket.next_escalation_at = ticket.yellow_at


def _await_dispatch(ctx: Context) -> None:
    """The ticket waits in 待派单: the dispatch clock runs (policies.dispatch_limit), shown by its light. The
    ladder is the departments' (reminders to handlers, cards to heads): not run on the dispatch desk's clock."""
    deadline = policies.dispatch_limit().deadline(ctx.now, ctx.calendar)
    _start_stage(ctx.ticket, start=ctx.now, deadline=deadline, calendar=ctx.calendar)
    ctx.ticket.next_escalation_at = None


def _next_escalation(ticket: Ticket, calendar: WorkingCalendar):
    """When the running stage's next ladder step falls due (None: the ladder is done)."""
    steps = policies.ladder(ticket.yellow_at, ticket.due_at, calendar)
    return steps[ticket.escalation_step] if ticket.escalation_step < len(steps) else None


def _limits(ticket: Ticket) -> policies.StageLimits:
    return policies.limits_for(category_id=ticket.category_id, priority=ticket.priority, difficulty=ticket.difficulty)


def _dispatch_to(ctx: Context, lead: Department, assisting: list[Department]) -> dict:
    """Give the ticket to a lead department (and assisting ones) and start the accept clock."""
    ticket, now, cal = ctx.ticket, ctx.now, ctx.calendar
    assisting = [d for d in dict.fromkeys(assisting) if d != lead]
    if ticket.dispatched_at is not None:  # a first dispatch has nothing to cancel
        ticket.assignments.filter(state=Assignment.State.PENDING).update(state=Assignment.State.CANCELLED)
    limits = _limits(ticket)
    accept_deadline = limits.accept.deadline(now, cal)
    report_deadline = limits.assist.deadline(now, cal)
    ctx.new_rows.extend(
        [Assignment(ticket=ticket, department=lead, role=Assignment.Role.LEAD, assigned_at=now,
                    accept_deadline=accept_deadline)]
        + [Assignment(ticket=ticket, department=d, role=Assignment.Role.ASSIST, assigned_at=now,
                      accept_deadline=accept_deadline, report_deadline=report_deadline) for d in assisting]
    )  # fmt: skip
    ticket.lead_department = lead
    ticket.dispatched_at = now
    ticket.accept_deadline = accept_deadline
    _start_stage(ticket, start=now, deadline=accept_deadline, calendar=cal)
    ctx.new_rows.append(notify.dispatched(ticket))
    return {"lead": lead.code, "assisting": [d.code for d in assisting]}


def _lead_assignment(ticket: Ticket) -> QuerySet[Assignment]:
    """The ticket's live lead assignment (one at a time: a new dispatch cancels the pending ones, a return marks
    its own returned), as a queryset to update in one statement."""
    return ticket.assignments.filter(role=Assignment.Role.LEAD).exclude(
        state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED]
    )


# -- the rules, one per action -------------------------------------------------------------------
@rule("triage")
def _triage(ctx: Context, *, outcome: str, lead=None, assisting=(), note: str = "", **fields) -> Outcome:
    """Record what triage decided (fields: category, priority, chain, …) and route or park the ticket."""
    ticket = ctx.ticket
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.triaged_at = ctx.now
    ticket.triage_note = note
    data = {"outcome": outcome, "category": ticket.category.code if ticket.category else None}
    if outcome == Status.ASSIGNED:
        data |= _dispatch_to(ctx, lead, list(assisting))
    elif outcome == Status.PENDING_DISPATCH:
        _await_dispatch(ctx)
    elif outcome == Status.REJECTED:
        ticket.rejection_reason = note
    return Outcome(to_status=outcome, note=note, data=data)


@rule("dispatch")
def _dispatch(ctx: Context, *, lead: Department, assisting=(), category=None, note: str = "") -> Outcome:
    ticket = ctx.ticket
    data = {}
    if category is not None and category != ticket.category:
        data["category_from"] = ticket.category.code if ticket.category else None
        ticket.category = category
    if ticket.category_id:  # a person settled it: the model learns from it
        ticket.category_source = CategorySource.DISPATCHER
        data["category"] = ticket.category.code
    data |= _dispatch_to(ctx, lead, list(assisting))
    return Outcome(to_status=Status.ASSIGNED, note=note, data=data)


@rule("accept")
def _accept(ctx: Context, *, note: str = "") -> Outcome:
    ticket, now = ctx.ticket, ctx.now
    ticket.accepted_at = now
    ticket.accepted_in_time = now <= ticket.accept_deadline
    ticket.handle_deadline = _limits(ticket).handle.deadline(now, ctx.calendar)
    _start_stage(ticket, start=now, deadline=ticket.handle_deadline, calendar=ctx.calendar)
    _lead_assignment(ticket).update(state=Assignment.State.ACCEPTED, accepted_at=now)
    data = {"in_time": ticket.accepted_in_time, "handle_deadline": ticket.handle_deadline.isoformat()}
    ctx.new_rows.append(notify.accepted(ticket))
    return Outcome(to_status=Status.ACCEPTED, note=note, data=data)


@guard("return")
def _may_return(ctx: Context) -> None:
    ticket = ctx.ticket
    window_end = policies.RETURN_WINDOW.deadline(ticket.dispatched_at, ctx.calendar)
    if ctx.now > window_end:
        raise InvalidState(_("已超过退回时限（派单后1个工作日内），请签收办理或联系研判员。"), code="return_window")
    if ticket.assignments.filter(
        role=Assignment.Role.LEAD, department=ticket.lead_department, state=Assignment.State.RETURNED
    ).exists():
        raise InvalidState(_("研判员已裁定由本单位办理，不能再次退回。"), code="return_final")


@rule("return")
def _return(ctx: Context, *, reason: str = "") -> Outcome:
    ticket = ctx.ticket
    reason = _require(reason, _("退回须说明理由。"))
    ticket.assignments.filter(state=Assignment.State.PENDING, role=Assignment.Role.LEAD).update(
        state=Assignment.State.RETURNED
    )
    ticket.assignments.filter(state=Assignment.State.PENDING).update(state=Assignment.State.CANCELLED)
    data = {"department": ticket.lead_department.code}
    ticket.lead_department = None
    ticket.return_count += 1
    _await_dispatch(ctx)
    return Outcome(to_status=Status.PENDING_DISPATCH, note=reason, data=data)


@rule("request_info")
def _request_info(ctx: Context, *, note: str = "") -> Outcome:
    note = _require(note, _("请说明需要企业补充的材料。"))
    ctx.ticket.hold_started_at = ctx.now
    ctx.ticket.next_escalation_at = None  # the clock is paused
    return Outcome(to_status=Status.ON_HOLD, note=note)


@rule("provide_info")
def _provide_info(ctx: Context, *, note: str = "", files=()) -> Outcome:
    """Resume the handling clock: the paused working time is added to the deadline."""
    ticket, cal = ctx.ticket, ctx.calendar
    note = _require(note, _("请说明补充的材料或情况。"))
    names = _attach_files(ctx, files)
    paused = cal.working_time_between(ticket.hold_started_at, ctx.now)
    ticket.handle_deadline = cal.add_working_time(ticket.handle_deadline, paused)
    ticket.due_at = ticket.handle_deadline
    ticket.yellow_at = cal.add_working_time(ticket.yellow_at, paused)
    ticket.hold_started_at = None
    ticket.next_escalation_at = _next_escalation(ticket, cal)
    data = {"paused_seconds": int(paused.total_seconds())} | ({"files": names} if names else {})
    return Outcome(to_status=Status.ACCEPTED, note=note, data=data)


@guard("request_extension")
def _may_request_extension(ctx: Context) -> None:
    ticket = ctx.ticket
    if ticket.extension_status == ExtensionStatus.REQUESTED:
        raise InvalidState(_("已有延期申请在审批中。"), code="extension_pending")
    limits = _limits(ticket)
    if ticket.extensions_used >= limits.extensions_allowed:
        raise InvalidState(_("该诉求的延期申请次数已用完。"), code="extension_used")
    if ctx.now >= ticket.handle_deadline:
        raise InvalidState(_("已超过办理时限，不能再申请延期。"), code="extension_late")


@rule("request_extension")
def _request_extension(ctx: Context, *, days: int, reason: str = "") -> Outcome:
    ticket = ctx.ticket
    reason = _require(reason, _("申请延期须说明理由。"))
    limits = _limits(ticket)
    if not 1 <= days <= limits.extension_max_days:
        raise DomainError(_("延期天数应为1至%(max)s个工作日。") % {"max": limits.extension_max_days})
    ticket.extension_status = ExtensionStatus.REQUESTED
    ticket.extension_days_requested = days
    ticket.extension_reason = reason
    ticket.extensions_used += 1
    return Outcome(note=reason, data={"days": days})


@guard("decide_extension")
def _may_decide_extension(ctx: Context) -> None:
    if ctx.ticket.extension_status != ExtensionStatus.REQUESTED:
        raise InvalidState(_("没有待审批的延期申请。"), code="no_extension_request")


@rule("decide_extension")
def _decide_extension(ctx: Context, *, approve: bool, days: int | None = None, note: str = "") -> Outcome:
    """Grant (possibly fewer days than asked) or refuse; the company sees the decision."""
    ticket, cal = ctx.ticket, ctx.calendar
    if not approve:
        ticket.extension_status = ExtensionStatus.DENIED
        ctx.new_rows.append(notify.extension_decided(ticket, approved=False, days=0))
        return Outcome(note=note, data={"approved": False})
    days = days or ticket.extension_days_requested
    if not 1 <= days <= ticket.extension_days_requested:
        raise DomainError(_("批准天数应为1至%(max)s个工作日。") % {"max": ticket.extension_days_requested})
    ticket.extension_status = ExtensionStatus.GRANTED
    ticket.extension_days_granted = days
    ticket.handle_deadline = cal.add_working_days(ticket.handle_deadline, days)
    _start_stage(ticket, start=ticket.stage_started_at, deadline=ticket.handle_deadline, calendar=cal)
    if ticket.status == Status.ON_HOLD:  # the light stays frozen where the pause began, the ladder paused
        ticket.next_escalation_at = None
    ctx.new_rows.append(notify.extension_decided(ticket, approved=True, days=days))
    return Outcome(
        note=note, data={"approved": True, "days": days, "handle_deadline": ticket.handle_deadline.isoformat()}
    )


@rule("assist_report")
def _assist_report(ctx: Context, *, body: str = "") -> Outcome:
    body = _require(body, _("请填写协办意见。"))
    assignment = ctx.ticket.assignments.filter(
        role=Assignment.Role.ASSIST,
        department_id__in=ctx.access.department_ids,
        state__in=[Assignment.State.PENDING, Assignment.State.ACCEPTED],
    ).first()
    assignment.state, assignment.reported_at, assignment.report = Assignment.State.REPORTED, ctx.now, body
    assignment.save(update_fields=["state", "reported_at", "report"])
    return Outcome(note=body, data={"department": assignment.department.code}, public=False)


def _answer(ctx: Context, *, body: str, result: str, basis: str, department) -> Outcome:
    """Record a reply and open the evaluation window."""
    ticket = ctx.ticket
    Reply.objects.create(
        ticket=ticket, department=department, author=ctx.actor, result=result, body=body, basis=basis,
        created_at=ctx.now,
    )  # fmt: skip
    ticket.replied_at = ctx.now
    ticket.evaluate_deadline = ctx.now + _limits(ticket).evaluate
    ticket.hold_started_at = None
    _start_stage(ticket, start=ctx.now, deadline=None, calendar=ctx.calendar)
    ctx.new_rows.append(notify.answered(ticket, department=department))
    return Outcome(to_status=Status.REPLIED, note=body, data={"result": result, "basis": basis})


@rule("reply")
def _reply(ctx: Context, *, body: str = "", result: str = Reply.Result.RESOLVED, basis: str = "", files=()) -> Outcome:
    body = _require(body, _("请填写答复内容。"))
    names = _attach_files(ctx, files)  # checked (type, size, count) as every upload is
    outcome = _answer(ctx, body=body, result=result, basis=basis, department=ctx.ticket.lead_department)
    if names:
        outcome.data["files"] = names
    duplicates = []
    if selectors.has_duplicates(ctx.ticket):
        sources = ACTIONS["answer_with_primary"].sources
        duplicates = list(ctx.ticket.duplicates.filter(status__in=sources).values_list("pk", flat=True))
    for duplicate_id in duplicates:
        ticket_apply(ticket_id=duplicate_id, action="answer_with_primary", primary_id=ctx.ticket.pk)
    if duplicates:
        outcome.data["duplicates"] = duplicates
    return outcome


@rule("answer_with_primary")
def _answer_with_primary(ctx: Context, *, primary_id: int) -> Outcome:
    reply = Reply.objects.filter(ticket_id=primary_id).latest("created_at", "id")
    outcome = _answer(ctx, body=reply.body, result=reply.result, basis=reply.basis, department=reply.department)
    outcome.data["primary"] = primary_id
    return outcome


@rule("answer_with_problem")
def _answer_with_problem(
    ctx: Context, *, problem_id: int, body: str, result: str, basis: str = "", department=None, answered_by=None
) -> Outcome:
    """The answer to a common problem (共性问题) is this member ticket's reply, by the problem's owner."""
    outcome = _answer(ctx, body=body, result=result, basis=basis, department=department)
    outcome.data |= {"problem": problem_id, "answered_by": answered_by}
    return outcome


@rule("confirm")
def _confirm(ctx: Context, *, contacted: bool, resolved: str, satisfaction: str, comment: str = "") -> Outcome:
    ticket = ctx.ticket
    Evaluation.objects.create(
        ticket=ticket, author=ctx.actor, round=ticket.reopen_count, contacted=contacted, resolved=resolved,
        satisfaction=satisfaction, comment=comment, created_at=ctx.now,
    )  # fmt: skip
    data = {"contacted": contacted, "resolved": resolved, "satisfaction": satisfaction}
    if satisfaction == Evaluation.Satisfaction.UNSATISFIED:
        return Outcome(to_status=Status.DISPUTED, note=comment, data=data)
    ticket.closed_at, ticket.close_reason = ctx.now, "evaluated"
    return Outcome(to_status=Status.CLOSED, note=comment, data=data)


@rule("reopen")
def _reopen(ctx: Context, *, note: str = "") -> Outcome:
    """重办: the same lead department, a new handling deadline from now."""
    ticket, cal = ctx.ticket, ctx.calendar
    note = _require(note, _("重办须说明理由。"))
    ticket.reopen_count += 1
    ticket.handle_deadline = _limits(ticket).handle.deadline(ctx.now, cal)
    ticket.evaluate_deadline = None
    _start_stage(ticket, start=ctx.now, deadline=ticket.handle_deadline, calendar=cal)
    return Outcome(to_status=Status.ACCEPTED, note=note, data={"reopen_count": ticket.reopen_count})


@rule("close")
def _close(ctx: Context, *, note: str = "") -> Outcome:
    """A dispute judged unreasonable: closed, the company's evaluation kept with the reviewer's reason."""
    note = _require(note, _("复核办结须说明理由。"))
    ctx.ticket.evaluations.filter(round=ctx.ticket.reopen_count).update(review_note=note)
    ctx.ticket.closed_at, ctx.ticket.close_reason = ctx.now, "reviewed"
    return Outcome(to_status=Status.CLOSED, note=note)


@rule("close_unevaluated")
def _close_unevaluated(ctx: Context) -> Outcome:
    """The evaluation window passed: closed as 未评价, never counted as satisfied."""
    if ctx.ticket.evaluate_deadline is None or ctx.now < ctx.ticket.evaluate_deadline:
        raise InvalidState(_("评价期限未到。"), code="window_open")
    ctx.ticket.closed_at, ctx.ticket.close_reason = ctx.now, "unevaluated"
    return Outcome(to_status=Status.CLOSED, note=_("评价期限已过，按未评价办结。"))


@rule("archive")
def _archive(ctx: Context) -> Outcome:
    """Imported history: closed as it was, counted in no rate (it was never handled here)."""
    ctx.ticket.closed_at, ctx.ticket.close_reason = ctx.now, "imported"
    return Outcome(to_status=Status.CLOSED, note=_("历史诉求导入归档。"))


@rule("withdraw")
def _withdraw(ctx: Context, *, note: str = "") -> Outcome:
    ctx.ticket.assignments.filter(state=Assignment.State.PENDING).update(state=Assignment.State.CANCELLED)
    ctx.ticket.closed_at = ctx.now
    _start_stage(ctx.ticket, start=ctx.now, deadline=None, calendar=ctx.calendar)
    return Outcome(to_status=Status.WITHDRAWN, note=note)


@rule("reject")
def _reject(ctx: Context, *, reason: str = "") -> Outcome:
    reason = _require(reason, _("不予受理须说明理由。"))
    ctx.ticket.rejection_reason = reason
    ctx.ticket.closed_at = ctx.now
    return Outcome(to_status=Status.REJECTED, note=reason)


SUPERVISION_ORDER = list(Supervision.values)
# Ladder steps after the stage starts: (name, supervision level it raises to, who is told).
LADDER = [
    ("reminder", None, notify.HANDLERS),
    ("overdue", Supervision.NORMAL, notify.HEADS),
    ("yellow_card", Supervision.YELLOW_CARD, notify.HEADS_AND_SUPERVISORS),
    ("red_card", Supervision.RED_CARD, notify.HEADS_AND_SUPERVISORS),
]


@rule("escalate")
def _escalate(ctx: Context) -> Outcome:
    """The next step of the ladder, once: a second sweeper finds it taken (not due any more) and skips."""
    ticket = ctx.ticket
    if ticket.next_escalation_at is None or ctx.now < ticket.next_escalation_at:
        raise InvalidState(_("尚未到升级督办时间。"), code="not_due")
    steps = policies.ladder(ticket.yellow_at, ticket.due_at, ctx.calendar)
    step = policies.current_step(steps, ctx.now, taken=ticket.escalation_step)
    if step is None:  # the stored time was ahead of the ladder's (a changed calendar): take the next one
        step = ticket.escalation_step
    name, level, audience = LADDER[step]
    data = {"step": name, "due_at": ticket.due_at.isoformat()}
    if step > ticket.escalation_step:  # met late: the steps passed meanwhile are not replayed
        data["skipped"] = [skipped for skipped, _level, _audience in LADDER[ticket.escalation_step : step]]
    if level and SUPERVISION_ORDER.index(level) > SUPERVISION_ORDER.index(ticket.supervision_level):
        data["supervision"] = {"from": ticket.supervision_level, "to": level}
        ticket.supervision_level = level
    ticket.escalation_step = step + 1
    ticket.next_escalation_at = _next_escalation(ticket, ctx.calendar)
    ctx.new_rows.append(notify.escalation(ticket, step=name, audience=audience))
    return Outcome(note=notify.ESCALATION_NOTES[name], data=data, public=False)


@guard("supervise")
def _may_supervise(ctx: Context) -> None:
    if ctx.ticket.supervision_level == SUPERVISION_ORDER[-1]:
        raise InvalidState(_("督办等级已是最高。"), code="level_highest")


@rule("supervise")
def _supervise(ctx: Context, *, level: str, note: str = "") -> Outcome:
    """督办: raise the supervision level (never lower it)."""
    ticket = ctx.ticket
    if level not in SUPERVISION_ORDER or level == Supervision.NONE:
        raise DomainError(_("督办等级无效。"), code="invalid_level")
    if SUPERVISION_ORDER.index(level) <= SUPERVISION_ORDER.index(ticket.supervision_level):
        raise InvalidState(_("督办等级只能提高。"), code="level_not_higher")
    data = {"from": ticket.supervision_level, "to": level}
    ticket.supervision_level = level
    return Outcome(note=note, data=data, public=False)


@rule("comment")
def _comment(ctx: Context, *, body: str = "", public: bool = True) -> Outcome:
    body = _require(body, _("留言内容不能为空。"))
    if "public" in fixed_inputs("comment", ctx.roles):
        public = True  # what a company writes is never hidden from it
    Comment.objects.create(ticket=ctx.ticket, author=ctx.actor, body=body, public=public, created_at=ctx.now)
    return Outcome(note=body, public=public)


@rule("inform")
def _inform(ctx: Context, *, note: str, data: dict | None = None) -> Outcome:
    """Tell the company something done for its request elsewhere (a reform or service list item)."""
    return Outcome(note=note, data=data or {})


@rule("attach")
def _attach(ctx: Context, *, files=(), note: str = "") -> Outcome:
    if not files:
        raise DomainError(_("请选择要上传的附件。"), code="required")
    return Outcome(note=note.strip(), data={"files": _attach_files(ctx, files)})


def _attach_files(ctx: Context, files) -> list[str]:
    """Check and store the files with the ticket; their names for the event."""
    rows = attachment_rows(files, ticket=ctx.ticket, uploaded_by=ctx.actor)
    ctx.new_rows.extend(rows)
    return [row.original_name for row in rows]


@guard("merge")
def _may_merge(ctx: Context) -> None:
    if ctx.ticket.merged_into_id is not None or selectors.has_duplicates(ctx.ticket):
        raise InvalidState(_("该诉求已是并单中的主件或附件。"), code="merge_again")


@rule("merge")
def _merge(ctx: Context, *, primary_id: int, note: str = "") -> Outcome:
    """并单: the ticket follows its primary and is answered with it."""
    ticket = ctx.ticket
    if primary_id == ticket.pk:
        raise DomainError(_("不能与自身并单。"), code="merge_self")
    primary = Ticket.objects.filter(pk=primary_id, status__in=BEFORE_REPLY, merged_into__isnull=True).first()
    if primary is None:
        raise DomainError(_("主件不存在、已被并入其他诉求或已答复。"), code="merge_primary")
    ticket.merged_into = primary
    ticket.assignments.filter(state=Assignment.State.PENDING).update(state=Assignment.State.CANCELLED)
    _start_stage(ticket, start=ctx.now, deadline=None, calendar=ctx.calendar)
    merge = ACTIONS["merge"]
    ctx.new_rows.append(
        _event(
            primary, merge, actor=ctx.actor, role=_primary_role(ctx.roles & merge.roles), before=primary.status,
            now=ctx.now, note=note, data={"duplicate": ticket.pk}, public=False,
        )
    )  # fmt: skip
    return Outcome(note=note, data={"primary": primary.pk, "primary_number": primary.number})


# -- periodic ------------------------------------------------------------------------------------
def close_unevaluated_tickets(*, limit: int = 500) -> int:
    """Close replied tickets whose evaluation window passed (未评价). Safe to run twice at once."""
    due = Ticket.objects.filter(status=Status.REPLIED, evaluate_deadline__lte=timezone.now())
    closed = 0
    for ticket_id in due.order_by("evaluate_deadline").values_list("pk", flat=True)[:limit]:
        try:
            ticket_apply(ticket_id=ticket_id, action="close_unevaluated")
            closed += 1
        except InvalidState:  # evaluated, or closed by another sweeper, in the meantime
            continue
    return closed


def sla_sweep(*, limit: int = 1000) -> int:
    """Take every ladder step that is due (Celery beat, every minute). Safe to run twice at once."""
    due = Ticket.objects.filter(next_escalation_at__lte=timezone.now()).order_by("next_escalation_at")
    taken = 0
    for ticket_id in due.values_list("pk", flat=True)[:limit]:
        try:
            ticket_apply(ticket_id=ticket_id, action="escalate")
            taken += 1
        except InvalidState:  # taken by another sweeper, or the ticket moved on meanwhile
            continue
    return taken
