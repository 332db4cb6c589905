"""The chain workspace: the chain's figures, problems, list items, open tickets and companies."""

from lists.models import ListItem
from problems.models import Problem
from tickets.models import Status


def test_a_chain_leader_works_the_chain_on_one_page(world, make_ticket, client):
    open_one = make_ticket(Status.ACCEPTED)
    make_ticket(Status.CLOSED)
    Problem.objects.create(title="园区供电不稳定", chain=world.chain, company_count=3, ticket_count=4)
    ListItem.objects.create(
        title="园区供电线路改造", kind="reform", status="in_progress", chain=world.chain, owner=world.lead
    )
    client.force_login(world.chain_leader)
    home = client.get("/chains/")
    assert home.status_code == 302 and home["Location"] == f"/chains/{world.chain.code}/"
    page = client.get(home["Location"]).content.decode()
    assert "新材料" in page and "产业链工作台" in page
    assert "园区供电不稳定" in page and "园区供电线路改造" in page and "改革清单" in page
    assert open_one.number in page  # open tickets only
    assert world.company.name in page


def test_the_workspace_is_only_for_the_chains_deciders(world, client):
    client.force_login(world.handler)
    assert client.get(f"/chains/{world.chain.code}/").status_code == 404
    assert client.get("/chains/").status_code == 403  # not in a handler's menu (tickets/web/menu.py)
    client.force_login(world.company_user)
    assert client.get(f"/chains/{world.chain.code}/").status_code == 404
    client.force_login(world.supervisor)
    assert client.get(f"/chains/{world.chain.code}/").status_code == 200
    assert client.get("/chains/nowhere/").status_code == 404


def test_problems_shared_across_chains_show_to_the_leaders_of_each_chain_concerned(world, make_ticket, client):
    from problems.models import ProblemMember
    from tests.conftest import api

    member = make_ticket(Status.ACCEPTED)  # a ticket of this chain
    shared = Problem.objects.create(title="跨链共性：物流园区限行", chain=None, company_count=4)
    ProblemMember.objects.create(problem=shared, ticket=member)
    client.force_login(world.chain_leader)
    assert "跨链共性：物流园区限行" in client.get(f"/chains/{world.chain.code}/").content.decode()
    assert api(world.chain_leader).get(f"/api/v1/problems/{shared.pk}/").status_code == 200
    assert (
        api(world.chain_leader)
        .post(f"/api/v1/problems/{shared.pk}/dismiss/", {"note": "不是本链问题"}, format="json")
        .status_code
        == 403
    )  # seen, not decided: the problem is not the chain's own
