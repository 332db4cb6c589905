"""A known week of the power company (the week of Monday 2 November 2026), and sending its digests."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.models import OutgoingEmail
from notifications.services import email_send
from problems.models import Problem, ProblemStatus
from tickets.models import Status
from tickets.services import ticket_apply

CITY = ZoneInfo("Asia/Shanghai")
WEEK = date(2026, 11, 2)
SENT_AT = datetime(2026, 11, 9, 8, 0, tzinfo=CITY)  # the Monday after: when the beat sends
SCRIPT_TITLE = "<script>alert('x')</script>变压器烧毁"


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=CITY), tick=False)


@pytest.fixture
def week_history(world, make_ticket):
    """Five tickets dispatched to the power company in the week: one closed satisfied, one partly resolved then
    reopened, one accepted late, one returned, one (another company's, with markup in its title) never accepted."""
    with at(2026, 11, 2, 9, 0):
        closed = make_ticket(Status.CLOSED)
        partly = make_ticket(Status.REPLIED)
        late = make_ticket(Status.ASSIGNED)
        returned = make_ticket(Status.ASSIGNED)
        ticket_apply(ticket_id=returned.pk, action="return", actor=world.handler, reason="不属于本单位")
    with at(2026, 11, 3, 10, 0):
        ticket_apply(
            ticket_id=partly.pk, action="confirm", actor=world.company_user, contacted=True, resolved="partly",
            satisfaction="unsatisfied",
        )  # fmt: skip
    with at(2026, 11, 4, 10, 0):
        ticket_apply(ticket_id=partly.pk, action="reopen", actor=world.supervisor, note="重新核实")
    with at(2026, 11, 5, 10, 0):
        script = make_ticket(Status.ASSIGNED, user=world.other_company_user, title=SCRIPT_TITLE)
    with at(2026, 11, 6, 10, 0):  # past the accept limit
        ticket_apply(ticket_id=late.pk, action="accept", actor=world.handler)
    problems = {
        "new": Problem.objects.create(
            title="园区变压器容量普遍不足", chain=world.chain, company_count=2, ticket_count=3, recent_count=3,
            heat=2.1, created_at=datetime(2026, 11, 4, 3, 0, tzinfo=CITY),
        ),
        "growing": Problem.objects.create(
            title="工业用电报装流程慢", chain=world.chain, status=ProblemStatus.CONFIRMED, company_count=4, heat=3.5,
            ticket_count=6, recent_count=4, previous_count=1, created_at=datetime(2026, 10, 1, tzinfo=CITY),
        ),
        "falling": Problem.objects.create(
            title="电费结算周期长", chain=world.chain, company_count=3, heat=2.5, ticket_count=5, recent_count=1,
            previous_count=4, created_at=datetime(2026, 10, 1, tzinfo=CITY),
        ),
        "dismissed": Problem.objects.create(
            title="已排除的问题", chain=world.chain, status=ProblemStatus.DISMISSED, company_count=9,
            created_at=datetime(2026, 11, 4, tzinfo=CITY),
        ),
    }  # fmt: skip
    OutgoingEmail.objects.all().delete()  # the week's ticket mails (tests/notifications): here, only digests count
    return {"closed": closed, "partly": partly, "late": late, "returned": returned, "script": script, **problems}


def deliver() -> None:
    """What the outbox's worker does: send every queued message."""
    for email_id in OutgoingEmail.objects.filter(status="queued").values_list("pk", flat=True):
        email_send(email_id=email_id)
