"""Who is told what about a ticket, through the outbox (sent after the commit, once per notice and person).

A rule decides a notice in its transaction (`accepted(ticket)` and the like return a `PendingNotice` for its new
rows, with what the step fixed); after the commit a worker tells it (`tell_pending`): it writes the e-mails, SMS
and work notices. Who is told, and writing it, is not what the official who acted waits for (issue 16: it was
nearly half of an accept).

E-mail to everyone concerned; an SMS too to the company's user (with a short link to the ticket, where the
evaluation is one tap away), unless they opted out; a work notice (浙政钉) too to officials with a work account.
Every recorded ticket event of a public kind also goes to the webhook endpoints subscribed to it (`events`).

On which event, to whom:
- dispatched (by the desk or by triage): the lead department's handlers and head, to 签收 by its deadline;
- accepted (签收): the company, which department works its request and by when;
- answered (答复, also with a primary ticket's or a common problem's answer): the company, that the answer awaits
  its evaluation, and by when;
- an extension decided: the company;
- a step of the escalation ladder: the department's handlers, its head, the supervisors (`escalation`).

SMS and work-notice texts are Chinese whatever the site's language: an SMS is sent as a template registered
with the provider, in Chinese (QIHU_SMS_TEMPLATES names each one's code).

Every e-mail is written in the site's language (the recipients', not the acting user's) and links to the
ticket's page on the site's public address (common.links).
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from common.dispatch import wake_on_commit, woken
from common.links import ticket_short_url, ticket_url
from notifications.services import Event, Notice, email_queue, sms_queue, webhooks_publish, work_notices_queue
from sla.calendar import CITY_TZ

from .models import PendingNotice

logger = logging.getLogger(__name__)
TELL_TASK = "tickets.tell_pending"

HANDLERS = "handlers"
HEADS = "heads"
HEADS_AND_SUPERVISORS = "heads_and_supervisors"
ESCALATION_NOTES = {
    "reminder": gettext_lazy("催办：已用去七成时限，请抓紧办理。"),
    "overdue": gettext_lazy("已超时：通知部门负责人，列入督办。"),
    "yellow_card": gettext_lazy("超时两个工作日：黄牌督办。"),
    "red_card": gettext_lazy("超时五个工作日：红牌督办。"),
}
SUBJECTS = {
    "reminder": gettext_lazy("【催办】诉求 %(number)s 将于 %(due)s 到期"),
    "overdue": gettext_lazy("【超时】诉求 %(number)s 已超过%(stage)s时限"),
    "yellow_card": gettext_lazy("【黄牌督办】诉求 %(number)s 超时两个工作日"),
    "red_card": gettext_lazy("【红牌督办】诉求 %(number)s 超时五个工作日"),
}


# SMS to companies and work notices to officials, per event: `${name}` is filled from the event's parameters.
SMS_TEXTS = {
    "accepted": "您的诉求${number}已由${dept}签收，将于${due}前答复。详情：${link}",
    "answered": "您的诉求${number}已答复，请于${deadline}前评价，点击查看并评价：${link}",
    "extended": "您的诉求${number}办理时限经审批延长至${deadline}。详情：${link}",
    "extension_denied": "您的诉求${number}延期申请未获批准，承办部门将按期答复。详情：${link}",
}
WORK_NOTICE_TEXTS = {
    "dispatched": "【新派诉求】${number}「${title}」（${company}），请于${due}前签收。${link}",
    "escalation": "${subject}。诉求「${title}」，${note} ${link}",
}


def _people(department_id: int | None, audience: str):
    roles = {HANDLERS: [Role.HANDLER, Role.DEPT_HEAD], HEADS: [Role.DEPT_HEAD]}.get(audience, [Role.DEPT_HEAD])
    people = User.objects.filter(memberships__department_id=department_id, memberships__role__in=roles)
    if audience == HEADS_AND_SUPERVISORS:
        people = people | User.objects.filter(memberships__role=Role.SUPERVISOR)
    return people.distinct()


def _addresses(department_id: int | None, audience: str) -> list[str]:
    return list(_people(department_id, audience).exclude(email="").values_list("email", flat=True))


def _notice(texts: dict[str, str], template: str, *, key: str, **params) -> Notice:
    return Notice(key=key, template=template, params={k: str(v) for k, v in params.items()}, text=texts[template])


def _company_people(ticket) -> list:
    """Who is told for the company: the user who filed, or, for a request filed on its behalf (the intake desk, a
    partner system), the company's own users: the ticket is theirs to follow and evaluate."""
    if ticket.submitter_id and ticket.submitter.company_id == ticket.company_id:
        return [ticket.submitter]
    return list(User.objects.filter(company_id=ticket.company_id, is_active=True))


def _to_company(ticket, *, key: str, subject: str, text: str, sms: str, **params) -> None:
    """An e-mail to the company's people, and an SMS to each (`sms`: its template) unless they said no."""
    people = _company_people(ticket)
    email_queue(key=key, to=[person.email for person in people if person.email], subject=subject, text=text)
    notice = _notice(SMS_TEXTS, sms, key=key, number=ticket.number, link=ticket_short_url(ticket), **params)
    for person in people:
        sms_queue(notice=notice, user=person)


def _work_notice(ticket, template: str, *, key: str, department: int | None, audience: str, **params) -> None:
    notice = _notice(
        WORK_NOTICE_TEXTS, template, key=key, number=ticket.number, title=ticket.title, link=ticket_url(ticket),
        **params,
    )  # fmt: skip
    work_notices_queue(notice=notice, users=_people(department, audience))


def _in_site_language(fn):
    @functools.wraps(fn)
    def told(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return fn(*args, **kwargs)

    return told


def _when(moment) -> str:
    return moment.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")


def _department(ticket) -> str:
    return ticket.lead_department.name if ticket.lead_department else "—"


def _message(*lines: str) -> str:
    return "\n".join(str(line) for line in lines)


# -- deciding: in the rule, what the notice will say ------------------------------------------------------
# Each returns a PendingNotice for the rule's new rows, with what the decision fixed (deadlines, department):
# the ticket may move on before a worker tells it.
def _decided(ticket, kind: str, **params) -> PendingNotice:
    wake_on_commit(TELL_TASK)
    return PendingNotice(ticket=ticket, kind=kind, params=params)


def dispatched(ticket) -> PendingNotice:
    """The lead department is told a request is theirs to 签收."""
    return _decided(
        ticket, "dispatched", department=ticket.lead_department_id, dept=_department(ticket),
        due=_when(ticket.accept_deadline),
    )  # fmt: skip


def accepted(ticket) -> PendingNotice:
    """The company is told which department works its request, and by when it answers."""
    return _decided(ticket, "accepted", dept=_department(ticket), due=_when(ticket.handle_deadline))


def answered(ticket, *, department) -> PendingNotice:
    """The company is told an answer awaits its evaluation, where to read it and by when to evaluate."""
    dept = department.name if department else _department(ticket)
    return _decided(ticket, "answered", dept=dept, deadline=_when(ticket.evaluate_deadline))


def escalation(ticket, *, step: str, audience: str) -> PendingNotice:
    """A step of the ladder: the department's handlers, its head or the supervisors are told."""
    return _decided(
        ticket, "escalation", step=step, audience=audience, department=ticket.lead_department_id,
        dept=_department(ticket), accepting=ticket.status == "assigned", due=_when(ticket.due_at),
    )  # fmt: skip


def extension_decided(ticket, *, approved: bool, days: int) -> PendingNotice:
    """The company is told about an extension of its request's time limit."""
    deadline = ticket.handle_deadline.astimezone(CITY_TZ).strftime("%Y-%m-%d") if approved else ""
    return _decided(
        ticket, "extension", approved=approved, days=days, deadline=deadline, reason=ticket.extension_reason
    )


# -- telling: in a worker, after the commit ---------------------------------------------------------------
def tell_pending(*, batch: int = 100) -> int:
    """Tell the notices of committed transactions, oldest first, and delete them: the task each transaction
    enqueues and the minute's sweep (a lost task) run this. A notice's outbox rows and its delete commit
    together, and row locks skip the notices another worker tells right now: each is told once (its rows are
    keyed by it besides). A notice whose telling fails is logged and kept for the next sweep. Returns how many
    were told."""
    woken(TELL_TASK)
    told, after = 0, 0
    while True:
        with transaction.atomic():
            notices = list(
                PendingNotice.objects.filter(pk__gt=after)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("ticket__company", "ticket__submitter")
                .order_by("pk")[:batch]
            )
            done = [notice.pk for notice in notices if _tell(notice)]
            PendingNotice.objects.filter(pk__in=done).delete()
        told += len(done)
        if len(notices) < batch:
            return told
        after = notices[-1].pk


def _tell(notice: PendingNotice) -> bool:
    try:
        with transaction.atomic():
            key = f"{notice.kind}:{notice.ticket_id}:{notice.pk}"
            TELLERS[notice.kind](notice.ticket, key=key, **notice.params)
    except Exception:
        logger.exception("notice %s (%s, ticket %s) not told: kept for the next sweep", notice.pk, notice.kind,
                         notice.ticket_id)  # fmt: skip
        return False
    return True


@_in_site_language
def _tell_dispatched(ticket, *, key: str, department: int | None, dept: str, due: str) -> None:
    subject = _("【新派诉求】%(number)s 请于 %(due)s 前签收") % {"number": ticket.number, "due": due}
    text = _message(
        subject,
        "",
        _("诉求：%(title)s") % {"title": ticket.title},
        _("企业：%(company)s") % {"company": ticket.company.name},
        _("主办部门：%(dept)s") % {"dept": dept},
        _("签收时限：%(due)s") % {"due": due},
        "",
        ticket_url(ticket),
    )
    email_queue(key=key, to=_addresses(department, HANDLERS), subject=subject, text=text)
    _work_notice(
        ticket, "dispatched", key=key, department=department, audience=HANDLERS, company=ticket.company.name, due=due
    )


@_in_site_language
def _tell_accepted(ticket, *, key: str, dept: str, due: str) -> None:
    subject = _("您的诉求 %(number)s 已由%(dept)s签收") % {"number": ticket.number, "dept": dept}
    text = _message(
        subject,
        "",
        _("诉求：%(title)s") % {"title": ticket.title},
        _("办理时限：%(due)s") % {"due": due},
        "",
        ticket_url(ticket),
    )
    _to_company(ticket, key=key, subject=subject, text=text, sms="accepted", dept=dept, due=due)


@_in_site_language
def _tell_answered(ticket, *, key: str, dept: str, deadline: str) -> None:
    subject = _("您的诉求 %(number)s 已答复，请在 %(deadline)s 前评价") % {
        "number": ticket.number,
        "deadline": deadline,
    }
    text = _message(
        subject,
        "",
        _("诉求：%(title)s") % {"title": ticket.title},
        _("答复部门：%(dept)s") % {"dept": dept},
        _("评价期限：%(deadline)s。逾期未评价将按“未评价”办结，不计为满意。") % {"deadline": deadline},
        "",
        _("阅读答复并评价：%(link)s") % {"link": ticket_url(ticket)},
    )
    _to_company(ticket, key=key, subject=subject, text=text, sms="answered", deadline=deadline)


@_in_site_language
def _tell_escalation(
    ticket, *, key: str, step: str, audience: str, department: int | None, dept: str, accepting: bool, due: str
) -> None:
    stage = _("签收") if accepting else _("办理")
    subject = SUBJECTS[step] % {"number": ticket.number, "due": due, "stage": stage}
    text = _message(
        subject,
        "",
        _("诉求：%(title)s") % {"title": ticket.title},
        _("主办部门：%(dept)s") % {"dept": dept},
        _("%(stage)s时限：%(due)s") % {"stage": stage, "due": due},
        ESCALATION_NOTES[step],
        "",
        ticket_url(ticket),
    )
    email_queue(key=key, to=_addresses(department, audience), subject=subject, text=text)
    _work_notice(
        ticket, "escalation", key=key, department=department, audience=audience, subject=subject,
        note=ESCALATION_NOTES[step],
    )  # fmt: skip


@_in_site_language
def _tell_extension(ticket, *, key: str, approved: bool, days: int, deadline: str, reason: str) -> None:
    if approved:
        subject = _("您的诉求 %(number)s 办理时限延长 %(days)s 个工作日") % {"number": ticket.number, "days": days}
        text = _("经审批，办理时限延长至 %(deadline)s。理由：%(reason)s") % {"deadline": deadline, "reason": reason}
        sms, params = "extended", {"deadline": deadline}
    else:
        subject = _("您的诉求 %(number)s 延期申请未获批准") % {"number": ticket.number}
        text = _("办理时限不变，承办部门将按期答复。")
        sms, params = "extension_denied", {}
    _to_company(ticket, key=key, subject=subject, text=f"{text}\n\n{ticket_url(ticket)}", sms=sms, **params)


TELLERS = {
    "dispatched": _tell_dispatched,
    "accepted": _tell_accepted,
    "answered": _tell_answered,
    "escalation": _tell_escalation,
    "extension": _tell_extension,
}


# -- webhooks ----------------------------------------------------------------------------------------------
# The event types partners subscribe to, by the action recorded (docs/integrations.md lists them).
EVENT_TYPES = {
    "dispatch": "ticket.dispatched",
    "accept": "ticket.accepted",
    "return": "ticket.returned",
    "request_info": "ticket.info_requested",
    "provide_info": "ticket.info_provided",
    "reply": "ticket.replied",
    "answer_with_primary": "ticket.replied",
    "answer_with_problem": "ticket.replied",
    "reopen": "ticket.reopened",
    "close": "ticket.closed",
    "close_unevaluated": "ticket.closed",
    "withdraw": "ticket.withdrawn",
    "reject": "ticket.rejected",
    "merge": "ticket.merged",
}


def event_type(event) -> str | None:
    """The webhook type of a recorded ticket event; None for the ones not published (internal steps)."""
    match event.action:
        case "triage":
            return {"assigned": "ticket.dispatched", "rejected": "ticket.rejected"}.get(event.to_status)
        case "confirm":
            return "ticket.closed" if event.to_status == "closed" else "ticket.disputed"
        case "decide_extension":
            return "ticket.extended" if event.data.get("approved") else None
    return EVENT_TYPES.get(event.action)


def events(recorded: list) -> None:
    """Publish the recorded events (TicketEvent rows, saved) to the subscribed webhook endpoints."""
    published = []
    for event in recorded:
        kind = event_type(event)
        if kind is None:
            continue
        ticket = event.ticket
        data = {
            "ticket": {
                "id": ticket.pk, "number": ticket.number, "status": ticket.status, "source": ticket.source,
                "url": ticket_url(ticket),
            },
            "event": {
                "id": event.pk, "action": event.action, "from_status": event.from_status,
                "to_status": event.to_status, "at": event.created_at.isoformat(),
                "note": event.note if event.public else "",
            },
        }  # fmt: skip
        published.append(Event(key=f"ticket-event:{event.pk}", type=kind, data=data, filed_by_id=ticket.submitter_id))
    webhooks_publish(published)
