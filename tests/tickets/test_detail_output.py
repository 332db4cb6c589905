"""One ticket's page is read by statements written once per process (`selectors._ticket_get_sql`) and written
by a plain `to_representation` (DESIGN.md §11, issue 16): both must give exactly what the ORM's prefetches and
DRF's fields give, for every viewer, and see what the viewer may see and nothing else."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import translation

from tickets import selectors
from tickets.access import access_for, visible_q
from tickets.api.serializers import TicketDetailOutput
from tickets.models import Status, Ticket
from tickets.services import ticket_apply

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
VIEWERS = ["company_user", "handler", "dept_head", "assist_handler", "dispatcher", "supervisor", "chain_leader",
           "admin"]  # fmt: skip


def orm_ticket(access, pk, public_only):
    """The ORM's reading (the path other databases take)."""
    return selectors._ticket_get_orm(access=access, ticket_id=pk, public_only=public_only)


def output(user, ticket, *, drf: bool) -> dict:
    request = RequestFactory().get("/")
    request.user = user
    return dict(TicketDetailOutput(ticket, context={"request": request, "drf": drf}).data)


@pytest.fixture
def full(world, make_ticket):
    """A closed ticket with everything a page shows: events (some not public), public and internal comments,
    lead and assisting assignments, a reply, an evaluation, an attachment."""
    ticket = make_ticket(Status.ACCEPTED, contact_name="欧阳娜娜", contact_phone="13905701234")
    ticket_apply(ticket_id=ticket.pk, action="comment", actor=world.handler, body="已联系企业", public=True)
    ticket_apply(ticket_id=ticket.pk, action="comment", actor=world.handler, body="内部备注", public=False)
    files = [SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")]
    ticket_apply(ticket_id=ticket.pk, action="attach", actor=world.handler, files=files, note="现场照片")
    ticket_apply(ticket_id=ticket.pk, action="assist_report", actor=world.assist_handler, body="已协调")
    ticket_apply(ticket_id=ticket.pk, action="reply", actor=world.handler, body="已安排上门勘察。")
    ticket_apply(
        ticket_id=ticket.pk, action="confirm", actor=world.company_user, contacted=True, resolved="resolved",
        satisfaction="satisfied", comment="满意",
    )  # fmt: skip
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_read_and_written_by_hand_is_what_the_orm_and_drf_make(full, world, make_ticket, language):
    fresh = make_ticket(Status.SUBMITTED)  # nothing but its submit event
    assigned = make_ticket(Status.ASSIGNED)  # an open assisting assignment
    with translation.override(language):
        for name in VIEWERS:
            user = world.people[name]
            access = access_for(user)
            for pk in (full.pk, fresh.pk, assigned.pk):
                if not Ticket.objects.filter(visible_q(access), pk=pk).exists():
                    continue
                public_only = access.company_only
                mine = selectors.ticket_get(access=access, ticket_id=pk, public_only=public_only)
                theirs = orm_ticket(access, pk, public_only)
                expected = output(user, theirs, drf=True)
                got = output(user, mine, drf=False)
                assert list(got) == list(expected), (name, pk)  # same keys, same order
                assert got == expected, (name, pk)
                assert output(user, theirs, drf=False) == expected
    page = output(world.handler, selectors.ticket_get(access=access_for(world.handler), ticket_id=full.pk), drf=False)
    assert {"comments", "replies", "evaluations", "attachments", "assisting_departments"} <= set(page)
    assert [len(page[k]) for k in ("comments", "replies", "evaluations", "attachments")] == [2, 1, 1, 1]
    company = selectors.ticket_get(access=access_for(world.company_user), ticket_id=full.pk, public_only=True)
    assert [c.body for c in company.comments.all()] == ["已联系企业"]  # not the internal note
    assert all(e.public for e in company.events.all())


def test_the_page_reads_nothing_more_once_read(full, world, django_assert_num_queries):
    access = access_for(world.handler)
    ticket = selectors.ticket_get(access=access, ticket_id=full.pk)
    selectors.code_names()  # the codes and names of categories, chains, departments: read once a minute
    with django_assert_num_queries(0):  # every related row and list is in the instance already
        output(world.handler, ticket, drf=False)
        for name in ("events", "comments", "assignments", "replies", "evaluations", "attachments"):
            rows = list(getattr(ticket, name).all())
            assert all(row.ticket is ticket for row in rows)
        assert [e.actor.display_name for e in ticket.events.all() if e.actor_id]
        assert ticket.lead_department.name == world.lead.name and ticket.company.name == world.company.name
        assert ticket.category.code == "energy" and ticket.district.code == "longyou" and ticket.chain.code == "xcl"


def test_who_may_not_see_a_ticket_finds_nothing(full, world):
    for name in [*VIEWERS, "other_company_user", "other_handler"]:
        access = access_for(world.people[name])
        visible = Ticket.objects.filter(visible_q(access), pk=full.pk).exists()
        try:
            selectors.ticket_get(access=access, ticket_id=full.pk)
        except selectors.NotFound:
            found = False
        else:
            found = True
        assert found == visible, name
    assert not Ticket.objects.filter(visible_q(access_for(world.other_company_user)), pk=full.pk).exists()
