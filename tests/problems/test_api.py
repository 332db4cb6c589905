"""Officials' decisions over the API: roles (404 unseen, 403 not theirs, 409 wrong state) and answering."""

from datetime import timedelta

import pytest
from django.utils import timezone

from problems import services
from problems.models import Problem, ProblemMember, ProblemStatus
from tests.conftest import api
from tickets.models import Status, TicketEvent

from .conftest import SAME

DUE = (timezone.localdate() + timedelta(days=30)).isoformat()


@pytest.fixture
def problem(world, make_ticket, third_user):
    """A candidate of three companies' tickets in the chain, all being handled."""
    users = [world.company_user, world.other_company_user, third_user]
    tickets = [
        make_ticket(Status.ACCEPTED, user=user, title=title, description=description)
        for user, (title, description) in zip(users, SAME, strict=True)
    ]
    problem = Problem.objects.create(title=SAME[0][0], chain=world.chain)
    ProblemMember.objects.bulk_create([ProblemMember(problem=problem, ticket=t) for t in tickets])
    services.refresh_stats({problem.pk})
    problem.tickets_made = tickets
    return problem


def confirm(user, problem, **extra):
    body = {"owner_kind": "chain_group", "owner_department": "zhuanban-xcl", "due_date": DUE, **extra}
    return api(user).post(f"/api/v1/problems/{problem.pk}/confirm/", body, format="json")


def post(user, problem, action, body):
    return api(user).post(f"/api/v1/problems/{problem.pk}/{action}/", body, format="json")


def test_who_sees_problems(world, problem):
    for user in (world.dispatcher, world.supervisor, world.chain_leader, world.admin):
        assert api(user).get("/api/v1/problems/").data["results"][0]["id"] == problem.pk
        assert api(user).get(f"/api/v1/problems/{problem.pk}/").status_code == 200
    for user in (world.company_user, world.handler, world.other_handler):
        assert api(user).get("/api/v1/problems/").data["results"] == []
        assert api(user).get(f"/api/v1/problems/{problem.pk}/").status_code == 404
        assert confirm(user, problem).status_code == 404


def test_detail_lists_members_and_trend(world, problem):
    data = api(world.dispatcher).get(f"/api/v1/problems/{problem.pk}/").data
    assert data["company_count"] == 3 and data["trend"] == "rising" and data["chain"] == "xcl"
    assert {m["id"] for m in data["members"]} == {t.pk for t in problem.tickets_made}


def test_chain_leader_confirms_with_owner_and_due_date(world, problem):
    response = confirm(world.chain_leader, problem, note="专班牵头协调供电公司")
    assert response.status_code == 200, response.data
    assert response.data["status"] == "confirmed"
    assert response.data["owner_department"]["code"] == "zhuanban-xcl"
    assert response.data["due_date"] == DUE
    assert [e["action"] for e in response.data["events"]] == ["confirm"]
    assert response.data["events"][0]["actor"] == "lianzhang-xcl"


def test_the_owning_department_sees_it_once_confirmed_but_may_not_decide(world, problem):
    assert confirm(world.dispatcher, problem, owner_kind="department", owner_department="gongdian").status_code == 200
    assert api(world.handler).get(f"/api/v1/problems/{problem.pk}/").status_code == 200
    response = post(world.handler, problem, "dismiss", {"note": "不是共性问题"})
    assert response.status_code == 403
    assert response.data["code"] == "not_permitted"


def test_confirm_checks_its_input(world, problem):
    assert confirm(world.dispatcher, problem, owner_department=None).data["code"] == "owner_required"
    assert confirm(world.dispatcher, problem, owner_department="gongdian").data["code"] == "invalid_owner"
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert confirm(world.dispatcher, problem, due_date=past).data["code"] == "invalid_due_date"
    assert confirm(world.dispatcher, problem, owner_kind="joint_meeting", owner_department=None).status_code == 200


def test_dismiss_then_no_more_decisions(world, problem):
    response = post(world.supervisor, problem, "dismiss", {"note": "各自情况不同"})
    assert response.status_code == 200 and response.data["status"] == "dismissed"
    again = post(world.supervisor, problem, "dismiss", {"note": "再次"})
    assert again.status_code == 409 and again.data["code"] == "invalid_state"
    assert confirm(world.supervisor, problem).status_code == 409


def test_merge_moves_the_tickets_and_keeps_the_record(world, problem, make_ticket):
    other = Problem.objects.create(title="另一个候选问题", chain=world.chain)
    extra = make_ticket(Status.ACCEPTED, title="园区停电", description="绿色产业园停电")
    ProblemMember.objects.create(problem=other, ticket=extra)
    response = post(world.dispatcher, other, "merge", {"into": problem.pk, "note": "同一问题"})
    assert response.status_code == 200, response.data
    assert response.data["id"] == problem.pk and response.data["ticket_count"] == 4
    other.refresh_from_db()
    assert other.status == ProblemStatus.MERGED and other.merged_into_id == problem.pk
    assert list(other.events.values_list("action", flat=True)) == ["merge"]
    assert post(world.dispatcher, problem, "merge", {"into": problem.pk}).status_code == 400
    assert post(world.dispatcher, problem, "merge", {"into": other.pk}).status_code == 409  # merged already


def test_split_moves_tickets_into_a_new_candidate(world, problem):
    moving = problem.tickets_made[2].pk
    response = post(world.dispatcher, problem, "split", {"tickets": [moving], "note": "另一园区"})
    assert response.status_code == 200, response.data
    assert [m["id"] for m in response.data["members"]] == [moving]
    assert response.data["status"] == "candidate" and response.data["id"] != problem.pk
    problem.refresh_from_db()
    assert problem.ticket_count == 2
    remaining = [t.pk for t in problem.tickets_made[:2]]
    assert post(world.dispatcher, problem, "split", {"tickets": remaining}).data["code"] == "split_all"
    assert post(world.dispatcher, problem, "split", {"tickets": [moving]}).data["code"] == "split_not_member"


def test_answering_a_confirmed_problem_answers_every_member_ticket(world, problem, make_ticket):
    closed = make_ticket(Status.CLOSED, title="园区停电", description="绿色产业园停电")
    ProblemMember.objects.create(problem=problem, ticket=closed)
    body = {"body": "供电公司将于下月完成园区线路改造。", "result": "in_progress", "basis": "衢电〔2026〕12号"}
    assert post(world.chain_leader, problem, "answer", body).status_code == 409  # a candidate is not answered
    assert confirm(world.dispatcher, problem).status_code == 200
    response = post(world.chain_leader, problem, "answer", body)
    assert response.status_code == 200, response.data
    members = [t.pk for t in problem.tickets_made]
    assert sorted(response.data["answered"]) == sorted(members)
    assert [s["id"] for s in response.data["skipped"]] == [closed.pk]
    assert response.data["skipped"][0]["status"] == "closed"
    assert response.data["problem"]["status"] == "answered"
    for ticket_id in members:
        event = TicketEvent.objects.filter(ticket_id=ticket_id).latest("id")
        assert event.action == "answer_with_problem" and event.to_status == Status.REPLIED
        assert event.note == body["body"] and event.data["problem"] == problem.pk
    assert not TicketEvent.objects.filter(ticket=closed, action="answer_with_problem").exists()


def test_companies_may_not_answer(world, problem):
    confirm(world.dispatcher, problem)
    assert post(world.company_user, problem, "answer", {"body": "已解决"}).status_code == 404
