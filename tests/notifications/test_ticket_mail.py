"""Who is told what on which event of a ticket (tickets/notify.py), delivered to a real SMTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.services import email_send
from sla.calendar import CITY_TZ
from tickets.models import Status
from tickets.notify import tell_pending
from tickets.services import ticket_apply

SITE = "https://qihu.example.gov.cn"


@pytest.fixture
def site(settings):
    settings.QIHU = {**settings.QIHU, "SITE_URL": SITE + "/"}


def deliver(smtp_server) -> list:
    """What the worker does after the actions' commits: tell their notices, send the e-mails they queued."""
    tell_pending()
    before = len(smtp_server.messages)
    for email_id in OutgoingEmail.objects.filter(status="queued").order_by("pk").values_list("pk", flat=True):
        assert email_send(email_id=email_id) == "sent"
    return smtp_server.messages[before:]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_dispatch_tells_the_lead_department_with_a_link_to_the_page(world, make_ticket, smtp_server, site):
    ticket = make_ticket(Status.PENDING_DISPATCH)
    deliver(smtp_server)
    ticket_apply(ticket_id=ticket.pk, action="dispatch", actor=world.dispatcher, lead=world.lead)
    ticket.refresh_from_db()
    [(to, message)] = deliver(smtp_server)
    assert set(to) == {"banli-gongdian@example.gov.cn", "kezhang-gongdian@example.gov.cn"}
    assert ticket.number in message["Subject"] and "签收" in message["Subject"]
    text = body(message)
    assert ticket.accept_deadline.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M") in text
    assert f"{SITE}/tickets/{ticket.pk}/" in text
    assert "/api/" not in text and "localhost" not in text


def test_accept_and_reply_tell_the_company_and_the_reply_asks_for_its_evaluation(world, make_ticket, smtp_server, site):
    ticket = make_ticket(Status.ASSIGNED)
    deliver(smtp_server)
    ticket_apply(ticket_id=ticket.pk, action="accept", actor=world.handler)
    [(to, accepted)] = deliver(smtp_server)
    assert to == [world.company_user.email]
    assert ticket.number in accepted["Subject"] and "国网衢州供电公司" in accepted["Subject"]

    ticket_apply(ticket_id=ticket.pk, action="reply", actor=world.handler, body="已完成增容。")
    ticket.refresh_from_db()
    [(to, answered)] = deliver(smtp_server)
    assert to == [world.company_user.email]
    deadline = ticket.evaluate_deadline.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")
    assert "评价" in answered["Subject"] and deadline in answered["Subject"]
    text = body(answered)
    assert deadline in text and "国网衢州供电公司" in text
    assert f"{SITE}/tickets/{ticket.pk}/" in text and "/api/" not in text
    # The link opens the page where the company evaluates.
    assert ticket.evaluate_deadline > timezone.now() + timedelta(days=1)


def test_the_mails_are_in_the_site_language_whoever_acts(world, make_ticket, smtp_server, site):
    from django.utils import translation

    ticket = make_ticket(Status.ACCEPTED)
    deliver(smtp_server)
    with translation.override("en"):
        ticket_apply(ticket_id=ticket.pk, action="reply", actor=world.handler, body="Done.")
    [(_to, answered)] = deliver(smtp_server)
    assert "请在" in answered["Subject"]


def test_an_answer_with_the_primary_tells_each_merged_company(world, make_ticket, smtp_server):
    primary = make_ticket(Status.ACCEPTED)
    duplicate = make_ticket(Status.PENDING_DISPATCH, user=world.other_company_user)
    ticket_apply(ticket_id=duplicate.pk, action="merge", actor=world.dispatcher, primary_id=primary.pk)
    deliver(smtp_server)
    ticket_apply(ticket_id=primary.pk, action="reply", actor=world.handler, body="已完成增容。")
    told = {to[0]: message["Subject"] for to, message in deliver(smtp_server)}
    assert set(told) >= {world.company_user.email, world.other_company_user.email}
