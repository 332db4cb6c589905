"""Demand list → reform / service list: who may do what, and the companies told when an item is done."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from companies.models import IndustryChain
from departments.models import Department
from lists.models import ListItem
from notifications.models import OutgoingEmail
from problems.models import Problem, ProblemMember
from tests.conftest import api
from tests.factories import UserFactory, member
from tickets.models import Status, TicketEvent

from ..problems.conftest import SAME, third_user  # noqa: F401 (a fixture)

DUE = (timezone.localdate() + timedelta(days=60)).isoformat()


@pytest.fixture
def problem(world, make_ticket, third_user):  # noqa: F811
    users = [world.company_user, world.other_company_user, third_user]
    statuses = [Status.CLOSED, Status.REPLIED, Status.ACCEPTED]  # the first company closed its ticket already
    tickets = [
        make_ticket(status, user=u, title=t, description=d)
        for status, u, (t, d) in zip(statuses, users, SAME, strict=True)
    ]
    problem = Problem.objects.create(title="绿色产业园频繁停电", chain=world.chain)
    ProblemMember.objects.bulk_create([ProblemMember(problem=problem, ticket=t) for t in tickets])
    for user in users:
        user.email = f"{user.username}@example.cn"
        user.save()
    return problem


def create(user, **body):
    return api(user).post("/api/v1/lists/", body, format="json")


def act(user, item_id, action, body):
    return api(user).post(f"/api/v1/lists/{item_id}/{action}/", body, format="json")


def test_a_demand_item_from_a_problem_becomes_a_reform_item_and_its_completion_reaches_every_company(
    world, problem, django_capture_on_commit_callbacks
):
    created = create(world.chain_leader, problem=problem.pk, title="园区供电线路改造")
    assert created.status_code == 201, created.data
    item = created.data
    assert (item["kind"], item["status"], item["chain"]) == ("demand", "open", world.chain.code)

    converted = act(world.chain_leader, item["id"], "convert", {"kind": "reform", "owner": "gongdian", "due_date": DUE})
    assert converted.status_code == 200, converted.data
    assert (converted.data["kind"], converted.data["status"], converted.data["owner"]) == (
        "reform", "in_progress", "gongdian"
    )  # fmt: skip
    assert act(world.company_user, item["id"], "complete", {"output": "x"}).status_code == 404

    with django_capture_on_commit_callbacks(execute=False):
        done = act(world.handler, item["id"], "complete", {"output": "衢电〔2026〕88号 园区线路改造方案"})
    assert done.status_code == 200 and done.data["status"] == "done"  # the owner department completes it
    assert [e["action"] for e in done.data["events"]] == ["create", "convert", "complete"]

    informed = TicketEvent.objects.filter(action="inform", data__list_item=item["id"])
    assert informed.count() == 3  # every member ticket, closed ones included
    assert all("衢电〔2026〕88号" in e.note for e in informed)
    mails = OutgoingEmail.objects.filter(key__startswith=f"list-item-{item['id']}-done-")
    assert sorted(a for m in mails for a in m.to) == ["qiye-a@example.cn", "qiye-b@example.cn", "qiye-c@example.cn"]
    assert all("改革清单" in m.subject for m in mails)


def test_who_may_create_convert_and_drop(world, problem, make_ticket):
    assert create(world.company_user, problem=problem.pk).status_code == 400  # companies do not see problems
    assert create(world.handler, problem=problem.pk).data["code"] == "unknown_source"
    ticket = make_ticket(Status.ACCEPTED)
    assert create(world.handler, tickets=[ticket.pk]).status_code == 403  # sees the ticket, may not decide
    assert create(world.other_handler, tickets=[ticket.pk]).status_code == 400
    assert create(world.dispatcher).status_code == 400  # from nothing
    item = create(world.dispatcher, tickets=[ticket.pk], title="用电报装“一件事”").data
    assert item["chain"] == world.chain.code and item["tickets"] == [ticket.pk]

    refused = act(world.dispatcher, item["id"], "complete", {"output": "x"})
    assert refused.status_code == 409 and "不能执行“完成”" in refused.data["detail"]
    assert (
        act(
            world.dispatcher, item["id"], "convert", {"kind": "demand", "owner": "gongdian", "due_date": DUE}
        ).status_code
        == 400
    )
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert (
        act(
            world.dispatcher, item["id"], "convert", {"kind": "service", "owner": "gongdian", "due_date": past}
        ).status_code
        == 400
    )
    dropped = act(world.supervisor, item["id"], "drop", {"reason": "已有政策覆盖"})
    assert dropped.status_code == 200 and dropped.data["status"] == "dropped"
    assert ListItem.objects.get().events.count() == 2


def test_lists_are_filtered_and_seen_by_the_right_people(world, problem):
    item = create(world.dispatcher, problem=problem.pk).data
    act(world.dispatcher, item["id"], "convert", {"kind": "service", "owner": "fagai", "due_date": DUE})
    assert [i["id"] for i in api(world.chain_leader).get("/api/v1/lists/", {"kind": "service"}).data["results"]] == [
        item["id"]
    ]
    assert api(world.chain_leader).get("/api/v1/lists/", {"kind": "reform"}).data["results"] == []
    assert [i["id"] for i in api(world.assist_handler).get("/api/v1/lists/").data["results"]] == [
        item["id"]
    ]  # fagai owns it
    assert api(world.other_handler).get("/api/v1/lists/").data["results"] == []
    assert api(world.company_user).get(f"/api/v1/lists/{item['id']}/").status_code == 404


def test_a_chain_leader_cannot_move_an_item_into_another_chain_and_a_refusal_changes_nothing(world, make_ticket):
    """Issue 20 §1: the convert answered 404 but committed the item into the other chain, whose leader could
    then complete it (an event on a ticket they cannot open, an e-mail to its company)."""
    other = IndustryChain.objects.create(code="xny", name="新能源")
    group = Department.objects.create(
        code="zhuanban-xny", name="新能源产业链专班", kind=Department.Kind.CHAIN_GROUP, chain=other
    )
    other_leader = member(UserFactory(username="lianzhang-xny"), group, Role.CHAIN_LEADER)
    ticket = make_ticket(Status.ACCEPTED)
    item = create(world.chain_leader, tickets=[ticket.pk], title="园区供电").data
    assert item["chain"] == world.chain.code

    body = {"kind": "service", "owner": "gongdian", "due_date": DUE, "chain": "xny"}
    refused = act(world.chain_leader, item["id"], "convert", body)
    assert refused.status_code == 403 and "产业链" in refused.data["detail"]
    stored = ListItem.objects.get(pk=item["id"])
    assert (stored.chain_id, stored.kind, stored.status, stored.owner_id) == (world.chain.pk, "demand", "open", None)
    assert [e.action for e in stored.events.all()] == ["create"]
    assert api(other_leader).get(f"/api/v1/lists/{item['id']}/").status_code == 404
    assert act(other_leader, item["id"], "complete", {"output": "x"}).status_code == 404

    # in its own chain the same leader converts it; a dispatcher may hand it to any chain
    own = act(world.chain_leader, item["id"], "convert", {**body, "chain": world.chain.code})
    assert own.status_code == 200 and own.data["chain"] == world.chain.code
    second = create(world.dispatcher, tickets=[ticket.pk]).data
    moved = act(world.dispatcher, second["id"], "convert", body)
    assert moved.status_code == 200 and moved.data["chain"] == "xny"


@pytest.mark.parametrize("field", ["owner", "chain"])
def test_a_code_with_a_nul_character_is_invalid_input_and_converts_nothing(world, problem, field):
    item = create(world.chain_leader, problem=problem.pk, title="园区供电线路改造").data
    body = {"kind": "reform", "owner": "gongdian", "due_date": DUE, field: "gong\x00dian"}
    response = act(world.chain_leader, item["id"], "convert", body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert ListItem.objects.get(pk=item["id"]).kind == "demand"
