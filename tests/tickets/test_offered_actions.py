"""One rule for what a ticket page offers (issue 15): an action is offered only if the services would take it now,
and one rule for which form opens first."""

import pytest
from django.db import transaction

from common.errors import DomainError
from departments.models import Department
from tickets.access import access_for
from tickets.models import Evaluation, Status, Supervision, Ticket
from tickets.selectors import evidence_words
from tickets.services import offered_actions, ticket_apply
from tickets.transitions import ACTIONS, opening_action

from ..conftest import PATHS, api
from .test_role_matrix import BODIES

PERSONAS = ["company_user", "handler", "dept_head", "assist_handler", "dispatcher", "supervisor", "chain_leader"]


def offered(world, persona, ticket) -> list[str]:
    ticket = Ticket.objects.get(pk=ticket.pk)
    return [a.name for a in offered_actions(ticket=ticket, access=access_for(world.people[persona]))]


def test_extension_decisions_are_offered_only_when_an_extension_was_requested(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    assert "decide_extension" not in offered(world, "supervisor", ticket)
    with pytest.raises(DomainError, match="没有待审批的延期申请"):  # what the page would have led to
        ticket_apply(ticket_id=ticket.pk, action="decide_extension", actor=world.supervisor, approve=True)
    ticket_apply(ticket_id=ticket.pk, action="request_extension", actor=world.handler, days=2, reason="需要协调")
    assert "decide_extension" in offered(world, "supervisor", ticket)
    assert "request_extension" not in offered(world, "handler", ticket)  # one is pending


def test_a_return_is_not_offered_once_the_dispatcher_ruled_the_department_keeps_it(world, make_ticket):
    ticket = make_ticket(Status.ASSIGNED)
    assert "return" in offered(world, "handler", ticket)
    ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason="不属于本部门职责")
    ticket_apply(ticket_id=ticket.pk, action="dispatch", actor=world.dispatcher, lead=world.lead)
    assert "return" not in offered(world, "handler", ticket)
    assert "accept" in offered(world, "handler", ticket)


def test_supervision_is_not_offered_above_the_highest_level(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    Ticket.objects.filter(pk=ticket.pk).update(supervision_level=Supervision.RED_CARD)
    assert "supervise" not in offered(world, "supervisor", ticket)


class _Undo(Exception):
    pass


@pytest.mark.parametrize("status", list(PATHS))
def test_every_offered_action_is_taken_by_the_services(world, make_ticket, status):
    """Whatever a page offers, the service takes (with a valid body), for every persona: tried, then undone."""
    ticket = make_ticket(status)
    tried = 0
    for persona in PERSONAS:
        for name in offered(world, persona, ticket):
            if name not in BODIES:  # files or another ticket's number: covered by their own tests
                continue
            try:
                with transaction.atomic():
                    ticket_apply(ticket_id=ticket.pk, action=name, actor=world.people[persona], **_body(name))
                    raise _Undo
            except _Undo:
                tried += 1
    assert tried or status in (Status.CLOSED,)


def _body(name: str) -> dict:
    body = dict(BODIES[name])
    if name == "dispatch":
        body |= {"lead": Department.objects.get(code="gongdian"), "assisting": []}
    return body


def test_the_api_lists_the_same_actions_as_the_page(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    data = api(world.supervisor).get(f"/api/v1/tickets/{ticket.pk}/").data
    assert "decide-extension" not in data["allowed_actions"]
    assert data["allowed_actions"] == [ACTIONS[n].slug for n in offered(world, "supervisor", ticket)]


def test_the_form_that_opens_first_is_the_next_step_of_the_loop():
    def names(*actions):
        return [ACTIONS[a] for a in actions]

    # after 签收: reply, not 要求补充材料 (which comes first in the table)
    assert opening_action(names("request_info", "request_extension", "reply", "comment", "attach")) == "reply"
    assert opening_action(names("accept", "return", "comment", "attach")) == "accept"
    assert opening_action(names("confirm", "comment", "attach")) == "confirm"
    assert opening_action(names("withdraw", "comment", "attach")) is None  # never opened for the user
    assert opening_action(names("withdraw", "comment"), failed="withdraw") == "withdraw"


def test_bare_numbers_are_no_evidence():
    assert evidence_words(["用电", "18", "800", "增容", "3.5", "１２", "30%", "10kV"]) == ["用电", "增容", "10kV"]


# -- the pages ---------------------------------------------------------------------------------------
def test_a_confirm_without_answers_is_refused_in_the_users_language_and_keeps_the_comment(world, make_ticket, client):
    ticket = make_ticket(Status.REPLIED)
    client.force_login(world.company_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "checked" not in page.split('data-action="confirm"')[1].split("</form>")[0]
    assert 'value="resolved" selected' not in page and 'value="satisfied" selected' not in page

    response = client.post(f"/tickets/{ticket.pk}/act/confirm/", {"version": ticket.version, "comment": "答复很及时"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "请选择承办部门是否联系过您。" in page and "请选择解决情况。" in page and "请选择满意度。" in page
    assert "答复很及时" in page  # nothing typed is lost
    assert not Evaluation.objects.exists() and Ticket.objects.get(pk=ticket.pk).status == Status.REPLIED

    client.cookies["django_language"] = "en"
    english = client.post(f"/tickets/{ticket.pk}/act/confirm/", {"comment": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Please choose how satisfied you are." in english.content.decode()


def test_the_api_does_not_take_a_missing_answer_for_no(world, make_ticket):
    ticket = make_ticket(Status.REPLIED)
    response = api(world.company_user).post(
        f"/api/v1/tickets/{ticket.pk}/confirm/", {"resolved": "resolved", "satisfaction": "satisfied"}
    )  # multipart, as a form would send it
    assert response.status_code == 400 and "contacted" in response.json()


def test_withdrawing_needs_a_ticked_confirmation(world, make_ticket, client):
    ticket = make_ticket(Status.ASSIGNED)
    client.force_login(world.company_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "<details open>" not in page  # nothing irreversible is unfolded
    refused = client.post(f"/tickets/{ticket.pk}/act/withdraw/", {"version": ticket.version})
    assert refused.status_code == 400 and "请勾选确认后再撤回。" in refused.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED
    done = client.post(f"/tickets/{ticket.pk}/act/withdraw/", {"version": ticket.version, "confirmed": "yes"})
    assert done.status_code == 302 and Ticket.objects.get(pk=ticket.pk).status == Status.WITHDRAWN


def test_a_company_is_not_offered_the_public_box(world, make_ticket, client):
    ticket = make_ticket(Status.ACCEPTED)
    client.force_login(world.company_user)
    form = client.get(f"/tickets/{ticket.pk}/").content.decode().split('data-action="comment"')[1].split("</form>")[0]
    assert 'name="public"' not in form and "企业可见" not in form
    client.force_login(world.handler)
    form = client.get(f"/tickets/{ticket.pk}/").content.decode().split('data-action="comment"')[1].split("</form>")[0]
    assert 'name="public"' in form


def test_another_departments_ticket_is_the_sites_own_404_page(world, make_ticket, client, settings):
    settings.DEBUG = False
    ticket = make_ticket(Status.ACCEPTED)
    client.force_login(world.other_handler)
    response = client.get(f"/tickets/{ticket.pk}/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page and 'class="top"' in page  # the site's layout
    assert "Page not found" not in page and "URLconf" not in page and ticket.title not in page
