"""Tags of the ticket pages, written in Python where the template engine was the page's cost (DESIGN.md §11,
issue 16): the traffic light, and the rows of the ticket lists (the workbench's 50 rows cost 5.5 ms of CPU
through an included template per row, 2 ms through one loop over ready strings, well under 1 ms here)."""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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
