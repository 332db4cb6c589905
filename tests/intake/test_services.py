"""The intake desk's writes: one create path, the channel and the caller recorded, who filed it for whom in the
trail, a leader's assignment supervised from the start, a meeting's requests all or none."""

from datetime import date

import pytest

from common.errors import DomainError, NotPermitted
from intake.models import Meeting
from intake.services import MeetingRequest, company_register, meeting_record
from tickets.models import Source, Status, Supervision, Ticket
from tickets.services import OnBehalf, ticket_apply, ticket_create

from ..conftest import DESCRIPTION, TITLE, drive

pytestmark = pytest.mark.django_db


def file(desk, world, source=Source.HOTLINE, **on_behalf):
    ticket, _created = ticket_create(
        submitter=desk.operator, title=TITLE, description=DESCRIPTION, contact_name="李来电",
        contact_phone="0570-3012345", source=source, triage_later=False,
        on_behalf=OnBehalf(company=world.company, department=desk.hotline, **on_behalf),
    )  # fmt: skip
    return ticket


def test_a_hotline_call_is_the_companys_ticket_with_channel_caller_and_filer(world, desk):
    ticket = file(desk, world)
    ticket.refresh_from_db()
    assert (ticket.company, ticket.source, ticket.submitter) == (world.company, Source.HOTLINE, None)
    assert (ticket.contact_name, ticket.contact_phone) == ("李来电", "0570-3012345")
    assert (ticket.filed_by, ticket.intake_department) == (desk.operator, desk.hotline)
    submit = ticket.events.get()
    assert (submit.action, submit.actor, submit.actor_role, submit.public) == ("submit", desk.operator, "intake", True)
    assert world.company.name in submit.note and "热线电话" in submit.note
    assert submit.data == {"on_behalf_of": world.company.name, "channel": "hotline", "intake_department": "rexian"}


def test_the_company_evaluates_a_ticket_filed_for_it(world, desk):
    ticket = drive(world, file(desk, world), Status.REPLIED)
    ticket_apply(ticket_id=ticket.pk, action="confirm", actor=world.company_user, contacted=True,
                 resolved="resolved", satisfaction="satisfied")  # fmt: skip
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_a_leaders_assignment_starts_supervised_through_the_supervise_action(world, desk):
    ticket = file(desk, world, Source.LEADER, leader_name="张副市长")
    assert ticket.supervision_level == Supervision.NORMAL
    assert ticket.leader_name == "张副市长"
    submit, supervise = ticket.events.all()
    assert (submit.action, supervise.action) == ("submit", "supervise")
    assert supervise.data == {"from": "none", "to": "normal"} and "张副市长" in supervise.note
    assert supervise.actor is None and supervise.actor_role == "system"


def test_a_leaders_assignment_needs_the_leader(world, desk):
    with pytest.raises(DomainError, match="交办领导"):
        file(desk, world, Source.LEADER)
    assert not Ticket.objects.exists()


def test_only_intake_staff_of_the_desk_file_for_a_company(world, desk):
    for staff in (world.company_user, world.handler, world.dispatcher, desk.counter_clerk):
        with pytest.raises(NotPermitted):
            ticket_create(submitter=staff, title=TITLE, description=DESCRIPTION, source=Source.HOTLINE,
                          on_behalf=OnBehalf(company=world.other_company, department=desk.hotline))  # fmt: skip
    with pytest.raises(DomainError, match="渠道"):
        file(desk, world, Source.WEB)
    assert not Ticket.objects.exists()


def test_intake_staff_cannot_act_as_handlers(world, desk):
    ticket = drive(world, file(desk, world), Status.ASSIGNED)
    for action, params in (("accept", {}), ("reply", {"body": "x"}), ("dispatch", {"lead": world.lead})):
        with pytest.raises(DomainError) as refused:
            ticket_apply(ticket_id=ticket.pk, action=action, actor=desk.operator, **params)
        assert refused.value.status_code in (403, 409)


def test_a_retry_of_the_same_form_files_once(world, desk):
    first, created = ticket_create(
        submitter=desk.operator, title=TITLE, description=DESCRIPTION, source=Source.COUNTER, triage_later=False,
        idempotency_key="k1", on_behalf=OnBehalf(company=world.company, department=desk.hotline),
    )  # fmt: skip
    again, created_again = ticket_create(
        submitter=desk.operator, title=TITLE, description=DESCRIPTION, source=Source.COUNTER, triage_later=False,
        idempotency_key="k1", on_behalf=OnBehalf(company=world.company, department=desk.hotline),
    )  # fmt: skip
    assert (created, created_again, again.pk) == (True, False, first.pk)


def test_register_a_company_with_a_valid_credit_code(world, desk):
    company = company_register(staff=desk.operator, name="衢州新来电企业有限公司", credit_code="91330800ma2dh2yx0q")
    assert company.credit_code == "91330800MA2DH2YX0Q"
    with pytest.raises(DomainError, match="已登记"):
        company_register(staff=desk.operator, name="重名", credit_code="91330800MA2DH2YX0Q")
    with pytest.raises(DomainError, match="GB 32100"):
        company_register(staff=desk.operator, name="错码企业", credit_code="91330800MA2DH2YX0A")
    with pytest.raises(NotPermitted):
        company_register(staff=world.company_user, name="企业用户不能登记", credit_code="91330800704000000M")


def meeting(desk, requests, **kwargs):
    return meeting_record(
        staff=desk.operator, department=desk.hotline, title="2026年第4期亲清会（新材料产业链）",
        held_on=date(2026, 11, 20), place="市行政服务中心三楼会议室", officials="张副市长、市发改委、市经信局",
        requests=requests, **kwargs,
    )  # fmt: skip


def row(company, title=TITLE, phone="13905701234"):
    return MeetingRequest(company=company, title=title, description=DESCRIPTION, caller_name="赵总", caller_phone=phone)


def test_a_meeting_files_one_ticket_per_company_linked_to_it(world, desk):
    recorded = meeting(desk, [row(world.company), row(world.other_company, title="用工招聘难")], idempotency_key="m1")
    tickets = Ticket.objects.filter(meeting=recorded).order_by("pk")
    assert [t.company for t in tickets] == [world.company, world.other_company]
    assert {t.source for t in tickets} == {Source.MEETING}
    assert {t.filed_by_id for t in tickets} == {desk.operator.pk}
    assert meeting(desk, [row(world.company)], idempotency_key="m1") == recorded  # the same page sent twice
    assert Meeting.objects.count() == 1 and tickets.count() == 2


def test_a_refused_row_saves_nothing_of_the_meeting(world, desk):
    with pytest.raises(DomainError, match="第 2 行") as refused:
        meeting(desk, [row(world.company), row(world.other_company, title="   ")])
    assert world.other_company.name in refused.value.message
    with pytest.raises(DomainError, match="第 2 行"):
        meeting(desk, [row(world.company), row(world.company)])
    assert not Meeting.objects.exists() and not Ticket.objects.exists()


def test_the_company_is_told_of_a_ticket_filed_for_it(world, desk):
    """Filed on its behalf, the request has no company submitter: its users hear of acceptance and the answer."""
    from notifications.models import OutgoingEmail

    drive(world, file(desk, world), Status.REPLIED)
    told = [email.subject for email in OutgoingEmail.objects.order_by("pk") if world.company_user.email in email.to]
    assert len(told) == 2 and "签收" in told[0], told  # accepted, then answered
    assert not any(world.other_company_user.email in email.to for email in OutgoingEmail.objects.all())
