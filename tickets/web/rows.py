"""The rows of the ticket lists (the workbench, the company's /my/, the chain workspace), made ready to print.

The list rows (`ticket_rows` in tickets/templatetags/ticket_tags.py) print strings: the link, the number, the
status's label, the light, the lead department's name in the reader's language, the deadline as the page shows
it. Working the same out through the template engine (a `{% url %}`, the `date` filter, lookups through model
instances and their methods) cost about 110 µs of CPU a row, 5.5 ms for the workbench's 50: more than the rest
of the page (DESIGN.md §11, issue 16)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from .. import selectors
from ..models import Status, Ticket, ticket_light, ticket_number

DEADLINE_FORMAT = "%Y-%m-%d %H:%M"  # the list's deadlines, in the site's time zone (as the Excel export's)


class ListRow(TypedDict):
    """A dict, not an object: the template engine finds a dict's keys at once, an object's attributes only after
    a failed key lookup (an exception each): a third of the rows' rendering."""

    pk: int
    href: str
    number: str
    title: str
    status: str
    status_label: str
    light: str | None
    department: str  # the lead department's name in the reader's language ("" for none yet)
    due: str  # the current deadline ("" for none)
    waiting: str  # how long it has waited for dispatch ("" unless it waits)


class ListRows:
    """Makes the rows of one page: the link pattern reversed and the labels read once, not once a row."""

    _MARK = 2**62  # a number no ticket has: replaced by each row's id

    def __init__(self, now: datetime):
        self.now = now
        self.link = reverse("web-ticket", args=[self._MARK]).replace(str(self._MARK), "{}")
        self.labels = {value: str(label) for value, label in Status.choices}

    def of_values(self, row: dict) -> ListRow:
        """A row read as values (`selectors.queue_rows`, `selectors.as_rows`)."""
        lead = selectors.code_name("department", row["lead_department_id"], local=True)
        light = ticket_light(row["status"], row["hold_started_at"], row["yellow_at"], row["due_at"], self.now)
        return self._row(row["id"], row["created_at"], row["title"], row["status"], light, row["due_at"],
                         lead["local_name"] if lead else "")  # fmt: skip

    def of_ticket(self, ticket: Ticket) -> ListRow:
        """A row of a model instance (its lead department selected with it)."""
        lead = ticket.lead_department.local_name if ticket.lead_department_id else ""
        return self._row(ticket.pk, ticket.created_at, ticket.title, ticket.status, ticket.light(self.now),
                         ticket.due_at, lead)  # fmt: skip

    def _row(self, pk, created_at, title, status, light, due_at, department) -> ListRow:
        return ListRow(
            pk=pk, href=self.link.format(pk), number=ticket_number(pk, created_at), title=title, status=status,
            status_label=self.labels.get(status, status), light=light, department=department,
            due=timezone.localtime(due_at).strftime(DEADLINE_FORMAT) if due_at else "",
            waiting=timesince(created_at, self.now) if status == Status.PENDING_DISPATCH else "",
        )  # fmt: skip
