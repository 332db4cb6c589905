"""Issue 15, part 2, below the browser: the dispatch clock, the dispatch form's proposal, 并单 by number, replies
superseded by 重办, the menu and landing page per role, the common-problem pages' refusals."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tickets import selectors
from tickets.access import access_for
from tickets.models import Status, Ticket
from tickets.services import sla_sweep, ticket_apply

from ..conftest import api

CITY = ZoneInfo("Asia/Shanghai")
ROUTE = {"lead": {"code": "gongdian", "name": "国网衢州供电公司"}, "assisting": [{"code": "fagai", "name": "市发改委"}]}


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=CITY), tick=False)


def test_a_ticket_waiting_for_dispatch_has_a_working_day_limit_and_its_light(world, make_ticket, settings):
    with at(2026, 11, 23, 10, 0):  # Monday: 1 working day → the end of Tuesday
        parked = make_ticket(Status.PENDING_DISPATCH)
    assert parked.due_at == datetime(2026, 11, 24, 17, 30, tzinfo=CITY)
    assert parked.light(datetime(2026, 11, 23, 12, 0, tzinfo=CITY)) == "green"
    assert parked.light(datetime(2026, 11, 24, 15, 0, tzinfo=CITY)) == "yellow"  # past 70 % of 9 working hours
    assert parked.light(datetime(2026, 11, 24, 17, 31, tzinfo=CITY)) == "red"
    assert parked.next_escalation_at is None  # the ladder is the departments'
    with at(2026, 11, 30, 9, 0):
        assert sla_sweep() == 0
    with at(2026, 11, 25, 9, 0):  # red now: the queue's light filter finds it as the page shows it
        client = api(world.dispatcher)
        assert [t["id"] for t in client.get("/api/v1/tickets/", {"light": "red"}).json()["results"]] == [parked.pk]

    settings.QIHU = {**settings.QIHU, "DISPATCH_DAYS": 3}  # the setting
    with at(2026, 11, 23, 10, 0):
        returned = make_ticket(Status.ASSIGNED)
        ticket_apply(ticket_id=returned.pk, action="return", actor=world.handler, reason="不属于本单位")
    returned.refresh_from_db()
    assert returned.due_at == datetime(2026, 11, 26, 17, 30, tzinfo=CITY)
    with at(2026, 11, 24, 9, 0):
        ticket_apply(ticket_id=returned.pk, action="dispatch", actor=world.dispatcher, lead=world.county)
    returned.refresh_from_db()
    assert returned.due_at == returned.accept_deadline  # the accept clock took over


def test_the_dispatch_form_never_proposes_a_department_that_returned_the_ticket(world, make_ticket):
    ticket = make_ticket(Status.ASSIGNED)
    Ticket.objects.filter(pk=ticket.pk).update(triage_suggestions={"routes": [ROUTE]})
    fresh = selectors.ticket_get(access=access_for(world.dispatcher), ticket_id=ticket.pk)
    assert selectors.dispatch_initial(fresh)["lead"] == "gongdian"
    ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason="不属于本单位")
    returned = selectors.ticket_get(access=access_for(world.dispatcher), ticket_id=ticket.pk)
    assert selectors.dispatch_initial(returned) == {"lead": None, "assisting": ["fagai"], "category": None}


@pytest.mark.parametrize(
    "given, answer",
    [("number", 200), ("lower", 200), ("id", 200), ("id-string", 200), ("wrong-date", 400), ("nonsense", 400)],
)
def test_merge_takes_the_ticket_number_or_the_id(world, make_ticket, given, answer):
    primary, duplicate = make_ticket(Status.PENDING_DISPATCH), make_ticket(Status.PENDING_DISPATCH)
    value = {
        "number": primary.number, "lower": f" {primary.number.lower()} ", "id": primary.pk,
        "id-string": str(primary.pk), "wrong-date": f"QH19990101-{primary.pk}", "nonsense": "QH-2026-000123",
    }[given]  # fmt: skip
    response = api(world.dispatcher).post(f"/api/v1/tickets/{duplicate.pk}/merge/", {"primary": value}, format="json")
    assert response.status_code == answer, response.json()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == (primary.pk if answer == 200 else None)


def test_replies_before_a_reopen_are_history(world, make_ticket):
    ticket = make_ticket(Status.REPLIED)
    access = access_for(world.supervisor)
    assert [
        s for _r, s in selectors.replies_with_standing(selectors.ticket_get(access=access, ticket_id=ticket.pk))
    ] == [True]
    ticket_apply(ticket_id=ticket.pk, action="confirm", actor=world.company_user, contacted=True,
                 resolved="unresolved", satisfaction="unsatisfied")  # fmt: skip
    ticket_apply(ticket_id=ticket.pk, action="reopen", actor=world.supervisor, note="重新办理")
    reopened = selectors.ticket_get(access=access, ticket_id=ticket.pk)
    assert [s for _r, s in selectors.replies_with_standing(reopened)] == [False]
    ticket_apply(ticket_id=ticket.pk, action="reply", actor=world.handler, body="已重新核实并解决。")
    again = selectors.ticket_get(access=access, ticket_id=ticket.pk)
    assert [s for _r, s in selectors.replies_with_standing(again)] == [False, True]


@pytest.mark.parametrize(
    "persona, lands, menu",
    [
        ("company_user", "/my/", ["我的诉求", "提交诉求"]),
        ("handler", "/workbench/", ["工作台", "统计"]),
        ("dept_head", "/workbench/", ["工作台", "统计", "每周简报"]),
        ("dispatcher", "/workbench/", ["工作台", "统计"]),
        ("supervisor", "/workbench/", ["工作台", "统计", "每周简报"]),
        ("chain_leader", "/chains/", ["产业链工作台", "每周简报"]),
        ("admin", "/dashboard/", ["统计"]),
    ],
)
def test_each_role_lands_on_its_main_page_and_its_menu_opens(world, client, persona, lands, menu):
    from tickets.web.menu import menu_for

    user = world.people[persona]
    client.force_login(user)
    assert client.get("/")["Location"] == lands
    pages = menu_for(user)
    assert [str(p.label) for p in pages] == menu
    for page in pages:  # everything offered opens
        from django.urls import reverse

        response = client.get(reverse(page.name), follow=True)
        assert response.status_code == 200, page.name


@pytest.mark.parametrize("language, text", [("zh-hans", "只有政府部门用户可以查看统计"), ("en", "Only government")])
def test_a_page_outside_the_menu_is_the_sites_403_in_the_users_language(world, client, language, text):
    client.force_login(world.chain_leader)
    client.cookies["django_language"] = language
    response = client.get("/dashboard/")
    html = response.content.decode()
    assert response.status_code == 403 and text in html and 'class="top"' in html and "Forbidden" not in html


def test_workbench_is_not_a_chain_leaders_page(world, client):
    client.force_login(world.chain_leader)
    assert client.get("/workbench/").status_code == 403


def test_problem_pages_refuse_in_words_and_the_api_keeps_working(world, make_ticket, client):
    from problems.models import Problem, ProblemMember

    problem = Problem.objects.create(title="用电报装难", chain=world.chain, company_count=2, ticket_count=2)
    ProblemMember.objects.create(problem=problem, ticket=make_ticket(Status.ACCEPTED))
    client.force_login(world.chain_leader)
    page = client.post(f"/problems/{problem.pk}/dismiss/", {"note": ""})
    assert page.status_code == 400 and "排除" in page.content.decode()
    past = (datetime.now(CITY).date() - timedelta(days=1)).isoformat()
    page = client.post(
        f"/problems/{problem.pk}/confirm/",
        {"owner_kind": "chain_group", "owner_department": "zhuanban-xcl", "due_date": past},
    )
    assert page.status_code == 400 and "办理期限不能早于今天" in page.content.decode()
    assert client.post(f"/problems/{problem.pk}/answer/", {"body": "x"}).status_code == 409  # a candidate
    client.force_login(world.company_user)
    assert client.get(f"/problems/{problem.pk}/").status_code == 404  # not theirs: not there
    client.force_login(world.dispatcher)
    assert client.post(f"/problems/{problem.pk}/dismiss/", {"note": "不是共性问题"}).status_code == 302
    assert api(world.dispatcher).get(f"/api/v1/problems/{problem.pk}/").json()["status"] == "dismissed"


def test_a_chain_leader_splits_and_merges_problems_in_pages(world, make_ticket, client):
    from problems.models import Problem, ProblemMember, ProblemStatus

    tickets = [make_ticket(Status.ACCEPTED) for _ in range(3)]
    problem = Problem.objects.create(title="用电报装难", chain=world.chain)
    ProblemMember.objects.bulk_create([ProblemMember(problem=problem, ticket=t) for t in tickets])
    client.force_login(world.chain_leader)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert f'name="tickets" value="{tickets[2].pk}" form="split-form"' in page  # the members' boxes
    assert client.post(f"/problems/{problem.pk}/split/", {"note": "x"}).status_code == 400  # none ticked
    moved = client.post(f"/problems/{problem.pk}/split/", {"tickets": [tickets[2].pk], "note": "另一个问题"})
    new = Problem.objects.exclude(pk=problem.pk).get()
    assert moved["Location"] == f"/problems/{new.pk}/"
    assert list(new.members.values_list("ticket_id", flat=True)) == [tickets[2].pk]
    merged = client.post(f"/problems/{new.pk}/merge/", {"into": problem.pk})
    assert merged["Location"] == f"/problems/{problem.pk}/"
    assert Problem.objects.get(pk=new.pk).status == ProblemStatus.MERGED
    assert problem.members.count() == 3
