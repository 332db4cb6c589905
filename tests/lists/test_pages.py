"""The list-item pages (issue 15): a chain leader works an item from the chain workspace to its completion by
the owner department, in the pages; what a person may not do is not offered, and a refusal is said in Chinese."""

from django.test import Client

from lists.models import ListItem

from ..problems.conftest import third_user  # noqa: F401 (a fixture)
from .test_lists import DUE, create, problem  # noqa: F401 (fixtures)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_chain_leader_converts_an_item_and_the_owner_completes_it_in_the_pages(world, problem):  # noqa: F811
    item_id = create(world.chain_leader, problem=problem.pk, title="园区供电线路改造").data["id"]
    leader = browser(world.chain_leader)
    workspace = leader.get(f"/chains/{world.chain.code}/").content.decode()
    assert f'href="/lists/{item_id}/"' in workspace  # the workspace links to the page, not to the API

    page = leader.get(f"/lists/{item_id}/").content.decode()
    assert 'data-action="convert"' in page and 'data-action="drop"' in page and 'data-action="complete"' not in page
    missing = leader.post(f"/lists/{item_id}/convert/", {"kind": "reform", "due_date": DUE})
    assert missing.status_code == 400 and "未完成" in missing.content.decode()
    assert ListItem.objects.get(pk=item_id).status == "open"  # nothing changed

    converted = leader.post(f"/lists/{item_id}/convert/", {"kind": "reform", "owner": "gongdian", "due_date": DUE})
    assert converted.status_code == 302
    item = ListItem.objects.get(pk=item_id)
    assert (item.kind, item.status, item.owner.code) == ("reform", "in_progress", "gongdian")

    handler = browser(world.handler)
    page = handler.get(f"/lists/{item_id}/").content.decode()
    assert 'data-action="complete"' in page and 'data-action="convert"' not in page  # the owner only completes
    refused = handler.post(f"/lists/{item_id}/drop/", {"reason": "不需要"})
    assert refused.status_code == 403 and "不能对该清单事项执行" in refused.content.decode()  # 403 before 409
    done = handler.post(f"/lists/{item_id}/complete/", {"output": "衢电〔2026〕88号 园区线路改造方案"})
    assert done.status_code == 302
    page = handler.get(f"/lists/{item_id}/").content.decode()
    assert "衢电〔2026〕88号" in page and [e.action for e in ListItem.objects.get(pk=item_id).events.all()] == [
        "create", "convert", "complete"
    ]  # fmt: skip


def test_an_item_one_may_not_see_is_not_found(world, problem):  # noqa: F811
    item_id = create(world.dispatcher, problem=problem.pk).data["id"]
    assert browser(world.company_user).get(f"/lists/{item_id}/").status_code == 404
    assert browser(world.other_handler).post(f"/lists/{item_id}/drop/", {"reason": "x"}).status_code == 404
