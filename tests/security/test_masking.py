"""Personal data masked outside the handling path (DESIGN.md §1): contact phone and name in the API.

The pages show neither (checked here too); the API's ticket detail is the one output that carries them.
"""

from tests.conftest import api
from tickets.api.serializers import mask_name, mask_phone
from tickets.models import Status
from tickets.services import ticket_apply

NAME, PHONE = "欧阳娜娜", "13905701234"


def contact(user, ticket) -> tuple[str, str]:
    data = api(user).get(f"/api/v1/tickets/{ticket.pk}/").json()
    return data["contact_name"], data["contact_phone"]


def test_masks():
    assert (mask_name("欧阳娜娜"), mask_name("张"), mask_name("")) == ("欧***", "张*", "")
    assert mask_phone("13905701234") == "139****1234"


def test_the_handling_path_sees_the_contact_and_everyone_else_a_mask(world, make_ticket, client):
    ticket = make_ticket(Status.ACCEPTED, contact_name=NAME, contact_phone=PHONE)
    for persona in ("company_user", "handler", "dept_head", "assist_handler", "dispatcher"):
        assert contact(world.people[persona], ticket) == (NAME, PHONE), persona
    for persona in ("supervisor", "chain_leader"):
        assert contact(world.people[persona], ticket) == ("欧***", "139****1234"), persona
    for persona in ("other_company_user", "other_handler"):
        assert api(world.people[persona]).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
    # The page shows the contact as the API does (issue 15: the handler must be able to call the company back).
    for persona in ("handler", "dept_head", "assist_handler", "dispatcher"):
        client.force_login(world.people[persona])
        html = client.get(f"/tickets/{ticket.pk}/").content.decode()
        assert NAME in html and PHONE in html, persona
    for persona in ("supervisor", "chain_leader"):
        client.force_login(world.people[persona])
        html = client.get(f"/tickets/{ticket.pk}/").content.decode()
        assert NAME not in html and PHONE not in html, persona
        assert "欧***" in html and "139****1234" in html, persona


def test_a_department_that_returned_the_ticket_sees_it_masked(world, make_ticket):
    ticket = make_ticket(Status.ASSIGNED, contact_name=NAME, contact_phone=PHONE)
    ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason="不属于本部门职责")
    ticket_apply(ticket_id=ticket.pk, action="dispatch", actor=world.dispatcher, lead=world.county)
    assert contact(world.handler, ticket) == ("欧***", "139****1234")  # no longer on the handling path
    assert contact(world.other_handler, ticket) == (NAME, PHONE)  # the new lead department
