"""The intake desk's pages per role (DESIGN.md §1): intake staff file for companies and follow what their desk
filed; nobody else opens the desk; the company sees the ticket as its own, other companies and desks do not."""

import pytest

from intake.models import Meeting
from tickets.models import Source, Status, Supervision, Ticket

pytestmark = pytest.mark.django_db
DESK_PAGES = ["/intake/", "/intake/companies/new/", "/intake/meetings/new/"]


def filing(world, desk, **changes):
    return {
        "department": desk.hotline.pk, "form_token": "t1", "channel": "hotline", "caller_name": "李来电",
        "caller_phone": "0570-3012345", "title": "新厂房用电增容", "description": "变压器容量不足，请尽快增容。",
    } | changes  # fmt: skip


@pytest.mark.parametrize(
    "persona", ["company_user", "handler", "dept_head", "dispatcher", "supervisor", "chain_leader"]
)
def test_only_intake_staff_open_the_desk(world, desk, client, persona):
    client.force_login(world.people[persona])
    for url in [*DESK_PAGES, f"/intake/companies/{world.company.pk}/file/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/intake/companies/{world.company.pk}/file/", filing(world, desk)).status_code == 403
    assert not Ticket.objects.exists()


def test_intake_staff_land_on_the_desk_and_have_no_other_page(world, desk, client):
    client.force_login(desk.operator)
    assert client.get("/").url == "/intake/"
    page = client.get("/intake/").content.decode()
    assert 'data-page="intake-desk"' in page and 'data-page="intake-meeting-new"' in page
    for other in ("/workbench/", "/dashboard/"):
        assert client.get(other).status_code == 403


def test_find_a_company_by_credit_code_name_or_phone(world, desk, client):
    world.company.contact_phone = "0570-8881234"
    world.company.save()
    client.force_login(desk.operator)
    for query in (world.company.credit_code.lower(), world.company.name[2:8], "05708881234", "0570 888 1234"):
        found = client.get("/intake/", {"q": query}).content.decode()
        assert f"/intake/companies/{world.company.pk}/file/" in found, query
    assert client.get("/intake/", {"q": "衢州\x00"}).status_code == 200  # what cannot be searched is left out
    missing = client.get("/intake/", {"q": "91330800MA2DH2YX0Q"}).content.decode()
    assert "没有找到企业" in missing and "?code=91330800MA2DH2YX0Q" in missing


def test_register_a_new_company_then_file_for_it(world, desk, client):
    client.force_login(desk.operator)
    bad = client.post("/intake/companies/new/", {"name": "错码企业", "credit_code": "91330800MA2DH2YX0A"})
    assert bad.status_code == 400 and "GB 32100" in bad.content.decode()
    made = client.post("/intake/companies/new/", {"name": "衢州新来电企业有限公司", "credit_code": "91330800MA2DH2YX0Q",
                                                  "contact_phone": "13905701234"})  # fmt: skip
    company = world.company.__class__.objects.get(credit_code="91330800MA2DH2YX0Q")
    assert made.url == f"/intake/companies/{company.pk}/file/"
    again = client.post("/intake/companies/new/", {"name": "重名", "credit_code": "91330800ma2dh2yx0q"})
    assert "已登记" in again.content.decode()


def test_a_call_filed_at_the_desk_is_the_companys_own(world, desk, client):
    client.force_login(desk.operator)
    answer = client.post(f"/intake/companies/{world.company.pk}/file/", filing(world, desk))
    ticket = Ticket.objects.get()
    assert answer.url == f"/tickets/{ticket.pk}/"
    assert (ticket.source, ticket.filed_by, ticket.contact_phone) == (Source.HOTLINE, desk.operator, "0570-3012345")
    page = client.get(answer.url).content.decode()
    assert "热线电话" in page and "0570-3012345" not in page and 'id="reveal-phone"' in page  # masked, as for all
    revealed = client.post(f"/tickets/{ticket.pk}/contact/").content.decode()
    assert "0570-3012345" in revealed  # the desk may reveal the caller's number (audited): it calls back
    assert "data-action" not in page  # and takes no action on the ticket
    assert ticket.number in client.get("/intake/").content.decode()
    assert client.post(f"/intake/companies/{world.company.pk}/file/", filing(world, desk)).status_code == 302
    assert Ticket.objects.count() == 1  # the same form sent twice

    client.force_login(world.company_user)
    assert ticket.number in client.get("/my/").content.decode()
    own = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "王接线" in own and world.company.name in own  # the trail says who filed it for whom
    for stranger in (world.other_company_user, desk.counter_clerk):
        client.force_login(stranger)
        assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
        assert ticket.number not in client.get("/my/" if stranger.company_id else "/intake/").content.decode()


def test_intake_staff_cannot_act_on_a_ticket(world, desk, client):
    client.force_login(desk.operator)
    client.post(f"/intake/companies/{world.company.pk}/file/", filing(world, desk))
    ticket = Ticket.objects.get()
    from ..conftest import drive

    drive(world, ticket, Status.ASSIGNED)
    refused = client.post(f"/tickets/{ticket.pk}/act/accept/", {})
    assert refused.status_code == 403
    assert Ticket.objects.get().status == Status.ASSIGNED


def test_bad_input_is_said_and_nothing_is_filed(world, desk, client):
    client.force_login(desk.operator)
    url = f"/intake/companies/{world.company.pk}/file/"
    bad_phone = client.post(url, filing(world, desk, caller_phone="12345"))
    assert bad_phone.status_code == 400 and "联系电话格式不正确" in bad_phone.content.decode()
    no_leader = client.post(url, filing(world, desk, channel="leader"))
    assert no_leader.status_code == 400 and "须填写交办领导" in no_leader.content.decode()
    other_desk = client.post(url, filing(world, desk, department=desk.counter.pk))
    assert other_desk.status_code == 400  # not one of the operator's desks
    assert client.get("/intake/companies/999999/file/").status_code == 404
    assert not Ticket.objects.exists()


def test_a_leaders_assignment_is_filed_supervised(world, desk, client):
    client.force_login(desk.operator)
    client.post(f"/intake/companies/{world.company.pk}/file/", filing(world, desk, channel="leader",
                                                                      leader_name="张副市长"))  # fmt: skip
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.leader_name, ticket.supervision_level) == ("leader", "张副市长", Supervision.NORMAL)
    assert "交办领导：张副市长" in client.get(f"/tickets/{ticket.pk}/").content.decode()


def meeting_form(world, **rows):
    data = {
        "department": "", "form_token": "m1", "title": "2026年第4期亲清会", "held_on": "2026-11-20",
        "place": "市行政服务中心", "officials": "张副市长、市发改委", "rows-TOTAL_FORMS": "3",
        "rows-INITIAL_FORMS": "0", "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "30",
    }  # fmt: skip
    for i, (company, title) in enumerate(
        [(world.company.credit_code, "用电增容"), (world.other_company.name, "招工难")]
    ):
        data |= {f"rows-{i}-company": company, f"rows-{i}-caller_name": "赵总", f"rows-{i}-caller_phone": "13905701234",
                 f"rows-{i}-title": title, f"rows-{i}-description": "请协调解决。"}  # fmt: skip
    return data | rows


def test_a_meeting_page_files_its_requests_together(world, desk, client):
    client.force_login(desk.operator)
    assert client.get("/intake/meetings/new/", {"rows": "8"}).content.decode().count("data-row=") == 8
    data = meeting_form(world, department=desk.hotline.pk)
    saved = client.post("/intake/meetings/new/", data)
    meeting = Meeting.objects.get()
    assert saved.url == f"/intake/meetings/{meeting.pk}/"
    assert sorted(t.company_id for t in meeting.tickets.all()) == sorted([world.company.pk, world.other_company.pk])
    page = client.get(saved.url).content.decode()
    assert "招工难" in page and "张副市长" in page
    client.force_login(desk.counter_clerk)
    assert client.get(saved.url).status_code == 404  # another desk's meeting


def test_a_bad_row_saves_nothing_and_says_which(world, desk, client):
    client.force_login(desk.operator)
    unknown = client.post("/intake/meetings/new/", meeting_form(world, department=desk.hotline.pk,
                                                                **{"rows-1-company": "不存在的企业"}))  # fmt: skip
    assert unknown.status_code == 400 and "找不到该企业" in unknown.content.decode()
    twice = client.post("/intake/meetings/new/", meeting_form(world, department=desk.hotline.pk,
                                                              **{"rows-1-company": world.company.name}))  # fmt: skip
    assert twice.status_code == 400 and "第 2 行" in twice.content.decode()
    assert not Meeting.objects.exists() and not Ticket.objects.exists()


def test_the_api_says_the_channel_and_who_filed_it(world, desk, client, client_for):
    client.force_login(desk.operator)
    client.post(
        f"/intake/companies/{world.company.pk}/file/", filing(world, desk, channel="leader", leader_name="张副市长")
    )
    ticket = Ticket.objects.get()
    detail = client_for(world.company_user).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert (detail["source"], detail["leader_name"]) == ("leader", "张副市长")
    submit = detail["events"][0]
    assert (submit["action"], submit["actor"], submit["actor_role"]) == ("submit", "王接线", "intake")
    assert client_for(desk.operator).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
    assert client_for(desk.counter_clerk).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
    assert client_for(world.other_company_user).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
