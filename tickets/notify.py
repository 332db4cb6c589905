"""Who is told what about a ticket, by e-mail through the outbox (sent after the commit, once per key)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from notifications.services import email_queue
from sla.calendar import CITY_TZ

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


def _addresses(ticket, audience: str) -> list[str]:
    roles = {HANDLERS: [Role.HANDLER, Role.DEPT_HEAD], HEADS: [Role.DEPT_HEAD]}.get(audience, [Role.DEPT_HEAD])
    people = User.objects.filter(memberships__department_id=ticket.lead_department_id, memberships__role__in=roles)
    if audience == HEADS_AND_SUPERVISORS:
        people = people | User.objects.filter(memberships__role=Role.SUPERVISOR)
    return list(people.exclude(email="").values_list("email", flat=True).distinct())


def _link(ticket) -> str:
    return f"{settings.QIHU['SITE_URL'].rstrip('/')}/api/v1/tickets/{ticket.pk}/"


def escalation(ticket, *, step: str, audience: str) -> None:
    stage = _("签收") if ticket.status == "assigned" else _("办理")
    due = ticket.due_at.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")
    subject = SUBJECTS[step] % {"number": ticket.number, "due": due, "stage": stage}
    text = "\n".join(
        [
            subject,
            "",
            _("诉求：%(title)s") % {"title": ticket.title},
            _("主办部门：%(dept)s") % {"dept": ticket.lead_department.name if ticket.lead_department else "—"},
            _("%(stage)s时限：%(due)s") % {"stage": stage, "due": due},
            str(ESCALATION_NOTES[step]),
            "",
            _link(ticket),
        ]
    )
    key = f"escalation:{ticket.pk}:{ticket.stage_started_at.timestamp():.0f}:{step}"
    email_queue(key=key, to=_addresses(ticket, audience), subject=subject, text=text)


def extension_decided(ticket, *, approved: bool, days: int) -> None:
    """The company is told about an extension of its request's time limit."""
    if ticket.submitter is None:
        return
    if approved:
        deadline = ticket.handle_deadline.astimezone(CITY_TZ).strftime("%Y-%m-%d")
        subject = _("您的诉求 %(number)s 办理时限延长 %(days)s 个工作日") % {"number": ticket.number, "days": days}
        text = _("经审批，办理时限延长至 %(deadline)s。理由：%(reason)s") % {
            "deadline": deadline,
            "reason": ticket.extension_reason,
        }
    else:
        subject = _("您的诉求 %(number)s 延期申请未获批准") % {"number": ticket.number}
        text = _("办理时限不变，承办部门将按期答复。")
    key = f"extension:{ticket.pk}:{ticket.extensions_used}:{'granted' if approved else 'denied'}"
    email_queue(key=key, to=[ticket.submitter.email], subject=subject, text=f"{text}\n\n{_link(ticket)}")
