"""Reads of tickets. Scoping to what the caller may see lives here, never in views."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache, lru_cache

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet, Subquery, Value

from accounts.roles import Role
from common.cache import process_cache
from common.errors import NotFound
from common.names import in_language
from common.rows import Join, Rows
from common.text import bigrams
from sla.policies import Light

from .access import OPEN_ASSIGNMENT, Access, remember_assisting, visible_q
from .models import (
    QUEUE_STATUSES,
    Assignment,
    Attachment,
    Comment,
    ExtensionStatus,
    QueueEntry,
    Reply,
    Status,
    Ticket,
    TicketEvent,
)
from .transitions import BEFORE_REPLY

# The clock runs now (waiting for dispatch, to be accepted, being handled); on hold it is frozen at the pause.
CLOCKED = (Status.PENDING_DISPATCH, Status.ASSIGNED, Status.ACCEPTED)
LIST_RELATED = ("company", "category", "chain", "district", "lead_department")
# What a queue row shows (the list serializer, the workbench row, the queue's export): the queue loads only
# these columns, not the description, triage data or the related rows' long texts (DESIGN.md §11).
QUEUE_FIELDS = (
    "id", "title", "status", "request_type", "priority", "difficulty", "level", "supervision_level",
    "accept_deadline", "handle_deadline", "evaluate_deadline", "hold_started_at", "yellow_at", "due_at",
    "merged_into", "version", "created_at", "updated_at", "company__name", "category__code", "category__name",
    "category__name_en", "chain__code", "chain__name", "chain__name_en", "district__code", "district__name",
    "district__name_en", "lead_department__code", "lead_department__name", "lead_department__name_en",
)  # fmt: skip


# What the API's list rows read (`TicketListOutput`), as values: no model instances, and of the related rows
# only the company's name is joined; codes and names of categories, chains and departments come from
# `code_name` (a per-process memo), so the page's query plans in a fraction of the time (DESIGN.md §11).
ROW_COLUMNS = (
    "id", "title", "status", "request_type", "priority", "difficulty", "level", "supervision_level",
    "accept_deadline", "handle_deadline", "evaluate_deadline", "hold_started_at", "yellow_at", "due_at",
    "merged_into", "version", "created_at", "updated_at", "company_id", "category_id", "chain_id", "district_id",
    "lead_department_id",
)  # fmt: skip


def as_rows(queryset: QuerySet[Ticket]) -> QuerySet:
    """A ticket queryset as list rows (dicts of ROW_COLUMNS and `company_name`), for `TicketListOutput`."""
    return queryset.values(*ROW_COLUMNS, company_name=F("company__name"))


@process_cache(seconds=60)
def code_names() -> dict[str, dict[int, tuple[str, str, str]]]:
    """(code, name, English name) by id of every category, industry chain and department: a few hundred rows."""
    from companies.models import IndustryChain
    from departments.models import Department
    from triage.models import Category

    kinds = [
        model.objects.order_by().values_list(Value(kind), "pk", "code", "name", "name_en")
        for kind, model in (("category", Category), ("chain", IndustryChain), ("department", Department))
    ]
    names = {"category": {}, "chain": {}, "department": {}}
    for kind, pk, code, name, name_en in kinds[0].union(*kinds[1:], all=True):  # one query
        names[kind][pk] = (code, name, name_en)
    return names


def code_name(kind: str, pk: int | None, *, local: bool = False) -> dict[str, str] | None:
    """`{"code", "name"}` of a category, chain or department by id (None for None), from the memo; `local`: with
    `local_name`, the name in the reader's language (as the models' `local_name`, common.names).

    One created since this process read the memo is not in it yet: read it again (the foreign keys guarantee
    the row exists). An edit is seen at once in the process that made it, in the others within a minute.
    """
    if pk is None:
        return None
    found = code_names()[kind].get(pk)
    if found is None:
        code_names.clear()
        found = code_names()[kind][pk]
    if local:
        return {"code": found[0], "name": found[1], "local_name": in_language(found[1], found[2])}
    return {"code": found[0], "name": found[1]}


def ticket_list(*, access: Access) -> QuerySet[Ticket]:
    return Ticket.objects.filter(visible_q(access)).select_related(*LIST_RELATED)


def newest_rows(*, access: Access, before: int | None, limit: int) -> list[dict]:
    """The list rows (`as_rows`) of the tickets the user may see, newest first, from the one after ticket
    `before` (its place in that order, whether or not it is visible); `limit` at most: one index range."""
    tickets = ticket_list(access=access).order_by("-created_at", "-id")
    if before is not None:
        at = Ticket.objects.filter(pk=before).values("created_at")
        tickets = tickets.filter(Q(created_at__lt=Subquery(at)) | Q(created_at=Subquery(at), pk__lt=before))
    return list(as_rows(tickets)[:limit])


def ticket_get(*, access: Access, ticket_id: int, public_only: bool = False) -> Ticket:
    """One ticket with everything its page shows, in a fixed number of queries (on PostgreSQL, statements
    written once per process: `_ticket_get_sql`; the same instances and caches as the ORM's path below)."""
    if connection.vendor == "postgresql":
        return _ticket_get_sql(access, ticket_id, public_only)
    return _ticket_get_orm(access=access, ticket_id=ticket_id, public_only=public_only)


def _ticket_get_orm(*, access: Access, ticket_id: int, public_only: bool = False) -> Ticket:
    events = TicketEvent.objects.select_related("actor").order_by("created_at", "id")
    comments = Comment.objects.select_related("author").order_by("created_at", "id")
    if public_only:
        events, comments = events.filter(public=True), comments.filter(public=True)
    queryset = ticket_list(access=access).prefetch_related(
        Prefetch("events", queryset=events),
        Prefetch("comments", queryset=comments),
        Prefetch("assignments", queryset=Assignment.objects.select_related("department")),
        "replies",
        "evaluations",
        "attachments",
    )
    try:
        return queryset.get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise NotFound() from None


# -- one ticket's page in one statement written once per process (DESIGN.md §11, issue 16) -----------------------
# Building and compiling the ORM's query and its six prefetches cost 8-9 ms of CPU per ticket page or action
# answer, ten times running them; seven statements, seven round trips and seven transactions in PostgreSQL. The
# statement below reads the same rows (the ticket with its select_related rows; events, comments, assignments,
# replies, evaluations, attachments with theirs, each list as one JSON array of rows) and makes the same model
# instances and caches (`from_db`, the related caches, `_prefetched_objects_cache`), so the serializer, the page
# and `roles_for` see what the ORM would have given them (tests/tickets/test_detail_output.py).
# The lists of a ticket's page, in the order of the statement's columns after the ticket's.
_LISTS = ("events", "comments", "assignments", "replies", "evaluations", "attachments")


@cache
def _ticket_statement() -> tuple[str, Rows, dict[str, Rows]]:
    from accounts.models import User
    from companies.models import Company, IndustryChain
    from departments.models import Department
    from triage.models import Category

    from .models import Evaluation, Reply

    def of_ticket(model, joins=(), public=False, order=None) -> Rows:
        where = "x.ticket_id = t.id" + (" AND (x.public OR NOT %s)" if public else "")
        return Rows(model, joins, where, order or _ordering(model, "x"), alias="x")

    by_time = 'ORDER BY x."created_at", x."id"'
    lists = {
        "events": of_ticket(TicketEvent, (Join("actor", User),), public=True, order=by_time),
        "comments": of_ticket(Comment, (Join("author", User),), public=True, order=by_time),
        "assignments": of_ticket(Assignment, (Join("department", Department),)),
        "replies": of_ticket(Reply),
        "evaluations": of_ticket(Evaluation),
        "attachments": of_ticket(Attachment),
    }
    joins = (Join("company", Company), Join("category", Category), Join("chain", IndustryChain),
             Join("district", Department), Join("lead_department", Department))  # fmt: skip
    ticket = Rows(Ticket, joins, f"t.id = %s AND {_VISIBLE}")
    arrays = ", ".join(lists[name].json_array() for name in _LISTS)
    return f"SELECT {ticket.columns}, {arrays} FROM {ticket.tables} WHERE {ticket.where}", ticket, lists


# `access.visible_q` as one parameterised condition on the ticket `t` (sees all; its company; a department that
# leads it or is assigned to it; its chain; the intake desk that filed it): the same rule, pinned equal by
# tests/tickets/test_detail_output.py.
_VISIBLE = (
    "(%s OR t.company_id = %s OR t.lead_department_id = ANY(%s) OR t.chain_id = ANY(%s) "
    "OR t.intake_department_id = ANY(%s) OR EXISTS "
    f'(SELECT 1 FROM "{Assignment._meta.db_table}" a WHERE a.ticket_id = t.id AND a.department_id = ANY(%s)))'
)


def visible_params(access: Access) -> list:
    departments = list(access.department_ids)
    desks = list(access.intake_department_ids)
    return [access.sees_all, access.company_id, departments, list(access.chain_ids), desks, departments]


def _ordering(model, alias: str) -> str:
    """The model's default ordering (Meta.ordering) as SQL, as its related manager reads it."""
    terms = []
    for name in model._meta.ordering or ["id"]:
        column = model._meta.get_field(name.lstrip("-")).column
        terms.append(f'{alias}."{column}"' + (" DESC" if name.startswith("-") else ""))
    return "ORDER BY " + ", ".join(terms)


def _ticket_get_sql(access: Access, ticket_id: int, public_only: bool) -> Ticket:
    sql, ticket_rows, lists = _ticket_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [public_only, public_only, ticket_id, *visible_params(access)])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    width = len(row) - len(_LISTS)
    ticket = ticket_rows.make(row[:width])
    for name, rows in zip(_LISTS, row[width:], strict=True):
        _prefetched(ticket, name, lists[name].make_all_from_json(rows))
    return ticket


@cache
def _locking_statement() -> tuple[str, Rows]:
    from accounts.models import User
    from departments.models import Department

    rows = Rows(Ticket, (Join("lead_department", Department), Join("submitter", User)), f"t.id = %s AND {_VISIBLE}")
    assisting = (
        f'ARRAY(SELECT a.department_id FROM "{Assignment._meta.db_table}" a '
        "WHERE a.ticket_id = t.id AND a.role = %s AND a.state = ANY(%s))"
    )
    duplicates = f'EXISTS (SELECT 1 FROM "{Ticket._meta.db_table}" d WHERE d.merged_into_id = t.id)'
    columns = f"{rows.columns}, {assisting}, {duplicates}"
    return f"SELECT {columns} FROM {rows.tables} WHERE {rows.where} FOR NO KEY UPDATE OF t", rows


def ticket_lock(*, access: Access, ticket_id: int) -> Ticket:
    """The ticket an action is about to change, its row locked until the transaction ends (FOR NO KEY UPDATE), if
    the user may see it (else NotFound). With it in the same statement: its lead department and its submitter
    (what the mails of the rules name), the departments assisting it now (`access.roles_for` asks) and whether
    tickets were merged into it (`has_duplicates`: a reply answers them too), instead of four more round trips in
    the lock's transaction (DESIGN.md §11)."""
    if connection.vendor != "postgresql":
        ticket = Ticket.objects.select_for_update(no_key=True).filter(visible_q(access))
        try:
            return ticket.select_related("lead_department", "submitter").get(pk=ticket_id)
        except Ticket.DoesNotExist:
            raise NotFound() from None
    sql, rows = _locking_statement()
    open_states = [state.value for state in OPEN_ASSIGNMENT]
    with connection.cursor() as cursor:
        cursor.execute(sql, [Assignment.Role.ASSIST.value, open_states, ticket_id, *visible_params(access)])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    ticket = rows.make(row[:-2])
    remember_assisting(ticket, row[-2])
    ticket._qihu_has_duplicates = row[-1]
    return ticket


def has_duplicates(ticket: Ticket) -> bool:
    """Tickets were merged into this one (read with the locked ticket, else one query)."""
    known = ticket.__dict__.get("_qihu_has_duplicates")
    return ticket.duplicates.exists() if known is None else known


def _prefetched(ticket: Ticket, name: str, rows: list) -> None:
    """`rows` as the result of `ticket.<name>.all()`, as prefetch_related leaves it (each row's ticket cached)."""
    manager = getattr(ticket, name)
    for row in rows:
        manager.field.set_cached_value(row, ticket)
    queryset = manager.get_queryset()
    queryset._result_cache, queryset._prefetch_done = rows, True
    ticket.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def ticket_fresh(ticket: Ticket, *, events: list, attachments: list) -> Ticket:
    """A ticket just created in this request, as `ticket_get` would read it back: its submit event and its
    attachments, and nothing else (no comment, assignment, reply or evaluation yet); its related rows are those
    the caller set (the company, the category, the district read by id from the memo when needed)."""
    for name, rows in (("events", events), ("comments", []), ("assignments", []), ("replies", []),
                       ("evaluations", []), ("attachments", attachments)):  # fmt: skip
        _prefetched(ticket, name, rows)
    return ticket


def visible_suggestions(access: Access, suggestions: dict) -> dict:
    """Triage's suggestions for a ticket page, naming only tickets the viewer may open: the similar past
    tickets and duplicates were found among all companies' tickets, and their titles are not everyone's."""
    named = [t["id"] for key in ("similar", "duplicates") for t in suggestions.get(key) or ()]
    if access.sees_all or not named:
        return suggestions
    seen = set(Ticket.objects.filter(visible_q(access), pk__in=named).values_list("pk", flat=True))
    return suggestions | {
        key: [t for t in suggestions[key] if t["id"] in seen] for key in ("similar", "duplicates") if key in suggestions
    }


# A "word" that is only a number (18, 800, 1250, 3.5, 30%) is no evidence of a category: the panel leaves it out.
_NUMBER = re.compile(r"[\d０-９.,，%％]+")


def evidence_words(words) -> list[str]:
    return [w for w in words or () if not _NUMBER.fullmatch(w.strip())]


def triage_panel(access: Access, ticket: Ticket) -> dict:
    """What the triage panel of a ticket page shows officials: the suggestions they may see, their evidence words
    without bare numbers, probabilities and the confidence as percentages, and whether the confidence is above the
    first suggestion's probability (matching keywords confirmed the model's guess: `triage.services`)."""
    panel = visible_suggestions(access, ticket.triage_suggestions)
    routes = [
        r | {"words": evidence_words(r.get("words")), "percent": round(100 * (r.get("probability") or 0))}
        for r in panel.get("routes") or ()
    ]
    confidence = ticket.triage_confidence
    top = routes[0].get("probability") if routes else None
    return panel | {
        "routes": routes,
        "confidence": None if confidence is None else round(100 * confidence),
        "confirmed_by_keywords": None not in (confidence, top) and confidence > top + 0.0005,
    }


def attachment_get(*, access: Access, attachment_id: int) -> Attachment:
    """An attachment of a ticket the user may see (else 404, as for the ticket itself)."""
    visible = Ticket.objects.filter(visible_q(access))
    try:
        return Attachment.objects.get(pk=attachment_id, ticket__in=visible)
    except Attachment.DoesNotExist:
        raise NotFound() from None


def light_q(light: str, now: datetime) -> Q:
    """Tickets whose traffic light is `light` at `now`: the same rule as `Ticket.light`, in SQL."""
    running, paused = Q(status__in=CLOCKED), Q(status=Status.ON_HOLD)
    if light == Light.RED:
        return (running & Q(due_at__lte=now)) | (paused & Q(due_at__lte=F("hold_started_at")))
    if light == Light.YELLOW:
        return (running & Q(yellow_at__lte=now, due_at__gt=now)) | (
            paused & Q(yellow_at__lte=F("hold_started_at"), due_at__gt=F("hold_started_at"))
        )
    return (running & Q(yellow_at__gt=now)) | (paused & Q(yellow_at__gt=F("hold_started_at")))


def queue_ordering(kind: str) -> tuple[str, str]:
    """A queue's order: a department's by urgency (the deadline its queue row carries), the others by age."""
    return ("queue_due", "id") if kind == "department" else ("created_at", "id")


def queue_kind(access: Access) -> str:
    """Which queue a user works: their departments', the dispatch desk, or supervision."""
    if access.department_ids:
        return "department"
    if Role.DISPATCHER in access.global_roles:
        return "dispatch"
    if Role.SUPERVISOR in access.global_roles:
        return "supervision"
    return "none"


def ticket_queue(*, access: Access, now: datetime, rows: bool = False) -> QuerySet:
    """Open work for the caller (DESIGN.md §8 `/api/v1/queue/`): model instances, or list rows (`as_rows`)."""
    kind = queue_kind(access)
    if kind in ("department", "dispatch"):  # the same queryset for every request of these departments
        return _queue(kind, access.department_ids, rows).all()
    return _queue_uncached(kind, access.department_ids, now, rows)


@lru_cache(maxsize=256)
def _queue(kind: str, department_ids: frozenset[int], rows: bool) -> QuerySet:
    """Built once per process and reused through `.all()` (a fresh clone, as DRF does with a view's
    `queryset`): building it (values over 24 columns, the assisting subquery resolved into it) cost ≈ 1.3 ms
    of CPU per queue page. Only what does not depend on the time: the supervision queue's red light does."""
    return _queue_uncached(kind, department_ids, None, rows)


def _queue_uncached(kind: str, department_ids: frozenset[int], now: datetime | None, rows: bool) -> QuerySet:
    base = Ticket.objects.filter(merged_into__isnull=True)
    base = as_rows(base) if rows else base.select_related(*LIST_RELATED).only(*QUEUE_FIELDS)
    if kind == "department":
        # The department's rows of the queue table: one index range, most urgent first, like a plain list
        # (DESIGN.md §11). Several departments (rare): their tickets, each once, by the tickets' own deadlines.
        if len(department_ids) == 1:
            worked = base.filter(queue_entries__department_id__in=department_ids)
            due = F("queue_entries__due_at")
        else:
            worked = base.filter(pk__in=QueueEntry.objects.filter(department_id__in=department_ids).values("ticket"))
            due = F("due_at")
        return worked.filter(status__in=QUEUE_STATUSES).annotate(queue_due=due)
    if kind == "dispatch":
        return base.filter(status__in=[Status.PENDING_DISPATCH, Status.DISPUTED])
    if kind == "supervision":
        return base.filter(
            Q(extension_status=ExtensionStatus.REQUESTED, status__in=[Status.ACCEPTED, Status.ON_HOLD])
            | Q(status=Status.DISPUTED)
            | light_q(Light.RED, now)
        )
    return base.none()


def queue_entries_department(access: Access) -> int | None:
    """The department whose queue rows `queue_entries` pages through for this caller: one department's queue
    on PostgreSQL (the rows are then read by `queue_rows`); None for the others, whom `ticket_queue` serves."""
    if queue_kind(access) != "department" or len(access.department_ids) != 1 or connection.vendor != "postgresql":
        return None
    return next(iter(access.department_ids))


def queue_entries(department_id: int) -> QuerySet:
    """A department's queue rows as (ticket_id, due_at), for the cursor to page through by deadline: one range
    of queue_entry_urgency_idx read from the index alone, a single-table query cheap to build and to plan."""
    return QueueEntry.objects.filter(department_id=department_id).values("ticket_id", "due_at")


def queue_rows(ticket_ids: list[int]) -> list[dict]:
    """The list rows (as `as_rows` reads them) of the tickets of a queue page, in its order; one still worked
    (a row that outlived its ticket's work would be a bug in `services.queue_refresh`: not shown).

    One statement written once per process and prepared by PostgreSQL: building and compiling the ORM's
    equivalent (24 columns and a join) cost more CPU per page than the rest of the page's reads together
    (DESIGN.md §11). PostgreSQL only (`= ANY`, and no converters between its values and the ORM's)."""
    with connection.cursor() as cursor:
        cursor.execute(_queue_rows_sql(), [ticket_ids, [status.value for status in QUEUE_STATUSES]])
        names = [column.name for column in cursor.description]
        found = {row["id"]: row for row in (dict(zip(names, values, strict=True)) for values in cursor.fetchall())}
    return [found[pk] for pk in ticket_ids if pk in found]


def department_queue_rows(department_id: int, limit: int) -> list[dict]:
    """The first `limit` list rows of a department's queue, most urgent first (the workbench's page): the order
    of `queue_entries` (deadline, ticket), the rows of `queue_rows`, in one statement written once per process."""
    with connection.cursor() as cursor:
        cursor.execute(_department_queue_sql(), [department_id, [status.value for status in QUEUE_STATUSES], limit])
        names = [column.name for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


@cache
def _department_queue_sql() -> str:
    rows = _queue_rows_sql().split(" WHERE ")[0]  # the columns, the ticket and its company
    entries = QueueEntry._meta.db_table
    return (
        f'{rows} JOIN "{entries}" e ON e.ticket_id = t.id WHERE e.department_id = %s AND t.status = ANY(%s::text[]) '
        f"AND t.merged_into_id IS NULL ORDER BY e.due_at, e.ticket_id LIMIT %s"
    )


@cache
def _queue_rows_sql() -> str:
    from companies.models import Company

    field = Ticket._meta.get_field
    columns = ", ".join(f't."{field(name).column}" AS "{name}"' for name in ROW_COLUMNS)
    return (
        f'SELECT {columns}, c."name" AS "company_name" FROM "{Ticket._meta.db_table}" t '
        f'JOIN "{Company._meta.db_table}" c ON c.id = t.company_id '
        f"WHERE t.id = ANY(%s::bigint[]) AND t.status = ANY(%s::text[]) AND t.merged_into_id IS NULL"
    )


def ticket_pending_dispatch() -> QuerySet[Ticket]:
    return Ticket.objects.filter(status=Status.PENDING_DISPATCH, merged_into__isnull=True).select_related(*LIST_RELATED)


@process_cache(seconds=60)
def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """(code, name) of the categories, chains and districts a queue can be filtered by."""
    from companies.models import IndustryChain
    from departments.models import Department
    from triage.models import Category

    return {
        "category": list(Category.objects.filter(active=True).order_by("code").values_list("code", "name")),
        "chain": list(IndustryChain.objects.order_by("code").values_list("code", "name")),
        "district": list(
            Department.objects.filter(kind=Department.Kind.COUNTY).order_by("code").values_list("code", "name")
        ),
    }


SIMILAR_WHILE_TYPING = 0.5  # of the typed text's bigrams found in an earlier request
SIMILAR_LOOKBACK = timedelta(days=90)


def similar_requests(*, company_id: int, text: str, now: datetime, limit: int = 5) -> list[tuple[Ticket, float]]:
    """The company's own recent requests that read like `text` (shown while it fills in the form)."""
    grams = bigrams(text)
    if len(grams) < 4:
        return []
    recent = Ticket.objects.filter(company_id=company_id, created_at__gte=now - SIMILAR_LOOKBACK, merged_into=None)
    # Containment, not Jaccard: a few typed words against a long earlier text should still match.
    scored = [
        (ticket, len(grams & bigrams(ticket.title + ticket.description)) / len(grams))
        for ticket in recent.only("title", "description", "status", "created_at").order_by("-created_at")[:200]
    ]
    found = sorted((pair for pair in scored if pair[1] >= SIMILAR_WHILE_TYPING), key=lambda pair: -pair[1])
    return found[:limit]


# -- what a ticket page shows (issue 15) ---------------------------------------------------------------------
def dispatch_initial(ticket: Ticket) -> dict:
    """What the dispatch form starts from: triage's first suggestion, less every department that returned the
    ticket as not its own (the dispatcher may still choose one, and that decision is final; the form never
    proposes it). Read off the page's prefetched assignments."""
    returned = {
        a.department.code
        for a in ticket.assignments.all()
        if a.role == Assignment.Role.LEAD and a.state == Assignment.State.RETURNED
    }
    suggested = (ticket.triage_suggestions.get("routes") or [{}])[0]
    lead = (suggested.get("lead") or {}).get("code")
    return {
        "lead": None if lead in returned else lead,
        "assisting": [a["code"] for a in suggested.get("assisting", []) if a["code"] not in returned],
        "category": suggested.get("category"),
    }


def replies_with_standing(ticket: Ticket) -> list[tuple[Reply, bool]]:
    """The ticket's replies, each with whether it still stands: only the latest does, and none while the ticket
    is being handled again after 重办 (an earlier answer is history, not the current one)."""
    replies = list(ticket.replies.all())
    handled_again = ticket.status in BEFORE_REPLY
    return [(reply, i == len(replies) - 1 and not handled_again) for i, reply in enumerate(replies)]
