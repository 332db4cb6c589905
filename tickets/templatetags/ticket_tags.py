"""Tags of the ticket pages, written in Python where the template engine was the page's cost (DESIGN.md §11,
issue 16): the traffic light, the rows of the ticket lists (the workbench's 50 rows cost 5.5 ms of CPU
through an included template per row, 2 ms through one loop over ready strings, well under 1 ms here), and a
ticket's facts, forms and timeline (pinned to their templates' markup: tests/tickets/test_action_forms.py)."""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from ..models import Status
from ..web.action_forms import action_forms as print_action_forms
from ..web.rows import DEADLINE_FORMAT

register = template.Library()


@register.simple_tag
def light(value) -> str:
    """A ticket's light (red, yellow, green; anything else: no clock) as a badge."""
    if value == "red":
        return format_html('<span class="light red" title="{}">{}</span>', _("红灯"), _("红灯"))
    if value == "yellow":
        return format_html('<span class="light yellow">{}</span>', _("黄灯"))
    if value == "green":
        return format_html('<span class="light green">{}</span>', _("绿灯"))
    return "—"


@register.filter
def minute(value) -> str:
    """A time to the minute in the site's time zone ("" for none): what `date:"Y-m-d H:i"` prints, for a fifth of its
    CPU (18 µs a value: the date filter's format parser)."""
    return timezone.localtime(value).strftime(DEADLINE_FORMAT) if value else ""


@register.simple_tag
def ticket_rows(rows, *, empty: str, selectable: bool = False) -> SafeString:
    """The <tr> of each row of `tickets.web.rows.ListRows` (number and title linking to the ticket, status,
    light, lead department, deadline; `selectable`: a box to tick an assigned one first); `empty` says there is
    none. Every value is escaped (the standard library's html.escape, as Django's `escape`; format_html's lazy
    wrappers cost more than the rows' markup)."""
    if not rows:
        return format_html('<tr><td colspan="{}">{}</td></tr>', 7 if selectable else 6, empty)
    choose = escape(_("选择"))
    return mark_safe("".join(_row(row, selectable, choose) for row in rows))  # every value escaped in _row


def _row(row, selectable: bool, choose: str) -> str:
    href, number = escape(row["href"]), escape(row["number"])
    box = ""
    if selectable:
        tick = ""
        if row["status"] == "assigned":
            tick = (f'<input type="checkbox" name="ticket" value="{row["pk"]:d}" form="bulk" '
                    f'aria-label="{choose} {number}">')  # fmt: skip
        box = f"<td>{tick}</td>"
    waiting = ""
    if row["waiting"]:
        waiting = f' <small class="age">{escape(_("已等待 %(age)s") % {"age": row["waiting"]})}</small>'
    return (
        f'<tr>\n  {box}<td><a href="{href}">{number}</a></td>\n  <td><a href="{href}">{escape(row["title"])}</a></td>\n'
        f'  <td><span class="status s-{escape(row["status"])}">{escape(row["status_label"])}</span></td>\n'
        f"  <td>{light(row['light'])}</td>\n  <td>{escape(row['department'] or '—')}</td>\n"
        f"  <td>{escape(row['due'] or '—')}{waiting}</td>\n</tr>\n"
    )


@register.simple_tag(takes_context=True)
def action_forms(context, actions, ticket) -> SafeString:
    """The forms of the actions offered on `ticket` (`tickets.web.action_forms`), each with the CSRF token as
    `{% csrf_token %}` prints it."""
    html = print_action_forms(actions, ticket_id=ticket.pk, version=ticket.version,
                              csrf_input=CsrfTokenNode().render(context))  # fmt: skip
    return mark_safe(html)  # every value escaped in print_action_forms


@register.simple_tag
def timeline(events) -> SafeString:
    """A ticket's events as the page's timeline: each one's time (in the site's time zone), its action's label, who
    took it (the platform for none) and its note. Through the template engine (a date filter, a property, a lazy
    translation and a filter's translated argument per event) five events cost half a millisecond of CPU."""
    platform = escape(_("平台"))
    return mark_safe(  # every value escaped
        "".join(
            f"<li><time>{minute(e.created_at)}</time> <b>{escape(e.label)}</b> "
            f"{escape(e.actor.display_name) if e.actor and e.actor.display_name else platform}"
            f"{'：' + escape(e.note) if e.note else ''}</li>\n"
            for e in events
        )
    )


@register.simple_tag(takes_context=True)
def facts(context, ticket, contact: dict, public_only: bool, now) -> SafeString:
    """The page's <dl> of facts: number, company, channel, category, departments, deadlines (a dispatcher's clock
    while one is awaited), the contact (officials; the phone masked, with the audited reveal button on the handling
    path), light and supervision (officials). Through the template engine, a score of lookups, filters and
    translations cost about a tenth of the page's CPU."""
    channel = escape(ticket.get_source_display())
    if ticket.leader_name:
        channel += "（" + _("交办领导：%(leader)s") % {"leader": escape(ticket.leader_name)} + "）"
    assignments = list(ticket.assignments.all())
    assisting = "".join(f"{escape(a.department.local_name)} " for a in assignments if a.role == "assist" and a.active)
    rows = [
        _fact(_("编号"), escape(ticket.number)),
        _fact(_("企业"), escape(ticket.company.name)),
        _fact(_("渠道"), channel, "channel"),
        _fact(_("分类"), _name(ticket.category)),
        _fact(_("主办部门"), _name(ticket.lead_department), "lead"),
        _fact(_("协办部门"), assisting if assignments else NONE),
    ]
    if ticket.status == Status.PENDING_DISPATCH:  # waiting for a dispatcher: its own clock, not an old 签收时限
        age = {"age": escape(timesince(ticket.created_at, now)), "filed": minute(ticket.created_at)}
        rows.append(_fact(_("已等待"), _("%(age)s（%(filed)s 提交）") % age, "age"))
        if not public_only:
            rows.append(_fact(_("派单时限"), minute(ticket.due_at) or NONE, "dispatch-deadline"))
    else:
        rows.append(_fact(_("签收时限"), minute(ticket.accept_deadline) or NONE))
        rows.append(_fact(_("办理时限"), minute(ticket.handle_deadline) or NONE))
    if ticket.evaluate_deadline:
        rows.append(_fact(_("评价期限"), minute(ticket.evaluate_deadline), "evaluate-deadline"))
    if not public_only:
        phone = escape(contact["phone"]) or NONE
        if contact["phone"] and contact["may_reveal"]:
            url = escape(reverse("web-ticket-contact", args=[ticket.pk]))
            phone += (  # the line break the template had: a space between the number and its button
                f'\n      <form method="post" action="{url}" class="inline" hx-post="{url}" hx-target="#contact-phone" '
                f'hx-swap="outerHTML">{CsrfTokenNode().render(context)}'
                f'<button class="link" id="reveal-phone">{escape(_("查看完整号码"))}</button></form>'
            )
        rows.append(_fact(_("联系人"), escape(contact["name"]) or NONE, "contact-name"))
        rows.append(_fact(_("联系电话"), phone, "contact-phone"))
    rows.append(_fact(_("红黄绿灯"), light(ticket.light(now)), "light"))
    if not public_only:
        level, label = escape(ticket.supervision_level), escape(ticket.get_supervision_level_display())
        rows.append(_fact(_("督办等级"), f'<span class="supervision sv-{level}">{label}</span>', "supervision"))
    return mark_safe('<dl class="facts">\n' + "".join(rows) + "</dl>\n")  # every value escaped


NONE = "—"


def _fact(label: str, value: str, id_: str = "") -> str:
    dd = f'<dd id="{id_}">' if id_ else "<dd>"
    return f"<dt>{escape(label)}</dt>{dd}{value}</dd>\n"


def _name(obj) -> str:
    """A category's or department's name in the reader's language, "—" for none (as `|default:"—"`)."""
    name = obj.local_name if obj is not None else ""
    return escape(name) if name else NONE
