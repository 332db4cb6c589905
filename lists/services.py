"""Writes to list items: create from a problem or tickets, convert, complete (tell the companies), drop.

Every change locks the item, checks who may make it and from which status (TRANSITIONS), and appends
one event. Deciders: dispatchers, supervisors, admins and the chain's leaders; the owner department may
also complete its item.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from common.errors import DomainError, InvalidState, NotFound, NotPermitted
from notifications.services import email_queue
from problems.services import may_decide_for_chain, problem_get
from tickets.access import Access, access_for, visible_q
from tickets.models import Ticket
from tickets.services import ticket_apply

from .models import ItemStatus, Kind, ListItem, ListItemEvent

S = ItemStatus
TRANSITIONS = {  # action: (label, from statuses, to status, the owner department may take it too)
    "convert": (_("转化"), {S.OPEN}, S.IN_PROGRESS, False),
    "complete": (_("完成"), {S.IN_PROGRESS}, S.DONE, True),
    "drop": (_("不予采纳"), {S.OPEN}, S.DROPPED, False),
}


def visible_items_q(access: Access):
    """Deciders see every item; chain leaders their chains'; departments the items they own."""
    if access.sees_all:
        return Q()
    return Q(chain_id__in=access.chain_ids) | Q(owner_id__in=access.department_ids)


def list_item_create(
    *, actor, title: str, description: str = "", problem_id: int | None = None, ticket_ids=()
) -> ListItem:
    """A demand-list item from a common problem and/or tickets the actor can see."""
    access = access_for(actor)
    # A reference in the body that is unknown or unseen is a 400, as for any field.
    unknown = DomainError(_("所列的共性问题或诉求不存在，或您无权查看。"), code="unknown_source")
    try:
        problem = problem_get(access=access, problem_id=problem_id) if problem_id else None
    except NotFound:
        raise unknown from None
    tickets = list(Ticket.objects.filter(visible_q(access), pk__in=ticket_ids))
    if len(tickets) != len(set(ticket_ids)):
        raise unknown
    if problem is None and not tickets:
        raise DomainError(_("需求清单事项须来自共性问题或诉求。"), code="source_required")
    chains = {t.chain_id for t in tickets} - {None}
    chain_id = problem.chain_id if problem else (chains.pop() if len(chains) == 1 else None)
    if not may_decide_for_chain(access, chain_id):
        raise NotPermitted(_("您的身份不能建立清单事项。"))
    with transaction.atomic():
        item = ListItem.objects.create(
            title=title.strip() or (problem.title if problem else tickets[0].title), description=description,
            problem=problem, chain_id=chain_id,
        )  # fmt: skip
        item.tickets.set(tickets)
        ListItemEvent.objects.create(item=item, action="create", actor=actor, to_status=item.status)
    return item


def list_item_convert(*, actor, item_id: int, kind: str, owner, due_date: date, chain=None, note: str = "") -> ListItem:
    """Demand → a reform-list or service-list item with its owner and deadline."""
    if kind not in (Kind.REFORM, Kind.SERVICE):
        raise DomainError(_("只能转化为改革清单或服务清单。"), code="kind")
    if due_date < timezone.localdate():
        raise DomainError(_("完成时限不能早于今天。"), code="due_date")
    # A caller may hand the item only to a chain they decide for: a chain leader moving an item into another
    # chain would give it to leaders who cannot see its tickets.
    if chain is not None and not may_decide_for_chain(access_for(actor), chain.pk):
        raise NotPermitted(_("您只能把清单事项交给您负责的产业链。"))

    def change(item: ListItem) -> dict:
        item.kind, item.owner, item.due_date = kind, owner, due_date
        if chain is not None:
            item.chain = chain
        return {"kind": kind, "owner": owner.code, "due_date": due_date.isoformat()}

    return _apply(actor, item_id, "convert", change, note=note)


def list_item_complete(*, actor, item_id: int, output: str, note: str = "") -> ListItem:
    """Done, with its output; every ticket concerned gets an event and its company an e-mail."""
    output = (output or "").strip()
    if not output:
        raise DomainError(_("请填写成果：政策文件文号或服务事项。"), code="required")

    def change(item: ListItem) -> dict:
        item.output = output
        _tell_companies(item)  # in the same transaction: the e-mails leave through the outbox after the commit
        return {"output": output}

    return _apply(actor, item_id, "complete", change, note=note)


def list_item_drop(*, actor, item_id: int, reason: str) -> ListItem:
    if not (reason or "").strip():
        raise DomainError(_("请说明不予采纳的理由。"), code="required")
    return _apply(actor, item_id, "drop", lambda item: {}, note=reason.strip())


def _may(access: Access, item: ListItem, action: str) -> bool:
    """Deciders for the item's chain; the owner department too where the table says so."""
    owner_may = TRANSITIONS[action][3]
    return may_decide_for_chain(access, item.chain_id) or (owner_may and item.owner_id in access.department_ids)


def offered_actions(*, access: Access, item: ListItem) -> list[str]:
    """The actions this user could take on the item now, in the table's order: a page offers these only."""
    return [action for action, spec in TRANSITIONS.items() if item.status in spec[1] and _may(access, item, action)]


def _apply(actor, item_id: int, action: str, change: Callable[[ListItem], dict], *, note: str) -> ListItem:
    label, sources, target, _owner_may = TRANSITIONS[action]
    access = access_for(actor)
    with transaction.atomic():
        item = (
            ListItem.objects.select_for_update(of=("self",)).select_related("owner", "chain", "problem")
            .filter(visible_items_q(access)).filter(pk=item_id).first()
        )  # fmt: skip
        if item is None:
            raise NotFound(_("未找到该清单事项。"))
        if not _may(access, item, action):
            raise NotPermitted(_("您的身份不能对该清单事项执行“%(action)s”。") % {"action": label})
        if item.status not in sources:
            raise InvalidState(
                _("清单事项当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": item.get_status_display(), "action": label}
            )
        before = item.status
        data = change(item)
        item.status, item.version, item.updated_at = target, item.version + 1, timezone.now()
        item.save()
        ListItemEvent.objects.create(
            item=item, action=action, actor=actor, from_status=before, to_status=target, note=note, data=data
        )
    return item


def concerned_tickets(item: ListItem) -> list[Ticket]:
    """The item's own tickets and its common problem's members."""
    tickets = Ticket.objects.filter(list_items=item)
    if item.problem_id:
        tickets = tickets | Ticket.objects.filter(problem_memberships__problem_id=item.problem_id)
    return list(tickets.distinct().select_related("company"))


def _tell_companies(item: ListItem) -> None:
    kind = item.get_kind_display()
    note = _("与您诉求相关的%(kind)s事项“%(title)s”已完成：%(output)s") % {
        "kind": kind, "title": item.title, "output": item.output,
    }  # fmt: skip
    tickets = concerned_tickets(item)
    for ticket in tickets:
        ticket_apply(
            ticket_id=ticket.pk, action="inform", note=note,
            data={"list_item": item.pk, "kind": item.kind, "output": item.output},
        )  # fmt: skip
    numbers_by_company = _numbers_by_company(tickets)
    addresses: dict[int, list[str]] = {}
    people = User.objects.filter(company_id__in=numbers_by_company).exclude(email="")
    for company_id, email in people.values_list("company_id", "email"):
        addresses.setdefault(company_id, []).append(email)
    for company_id, numbers in numbers_by_company.items():
        if to := addresses.get(company_id):
            email_queue(
                key=f"list-item-{item.pk}-done-{company_id}", to=to,
                subject=_("【企呼我应】%(kind)s事项已完成") % {"kind": kind},
                text=f"{note}\n\n{_('相关诉求')}：{'、'.join(numbers)}\n{settings.QIHU['SITE_URL']}",
            )  # fmt: skip


def _numbers_by_company(tickets: list[Ticket]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for ticket in tickets:
        found.setdefault(ticket.company_id, []).append(ticket.number)
    return found
