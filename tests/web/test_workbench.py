"""The officials' workbench: filters of the queue and bulk accept (批量签收)."""

from tickets.models import Status, Ticket
from triage.models import Category, RoutingRule


def test_the_queue_filters_by_category_chain_district_and_keeps_the_choice(world, make_ticket, client):
    water = Category.objects.create(code="water", name="要素保障-用水")
    RoutingRule.objects.create(category=water, lead=world.lead)
    power = make_ticket(Status.ASSIGNED)
    pipes = make_ticket(Status.ASSIGNED, title="园区供水管网老化", description="厂区供水压力不足，请协调水务集团。")
    Ticket.objects.filter(pk=pipes.pk).update(category=water, chain=None)
    client.force_login(world.handler)

    page = client.get("/workbench/", {"category": "water"}).content.decode()
    assert pipes.number in page and power.number not in page
    assert '<option value="water" selected>' in page
    page = client.get("/workbench/", {"chain": world.chain.code}).content.decode()
    assert power.number in page and pipes.number not in page
    page = client.get("/workbench/", {"district": world.county.code}).content.decode()
    assert power.number in page and pipes.number in page
    page = client.get("/workbench/", {"district": "nowhere"}).content.decode()
    assert power.number not in page and pipes.number not in page


def test_a_bad_filter_value_is_a_message_not_an_error(world, client):
    client.force_login(world.handler)
    response = client.get("/workbench/", {"status": "nonsense", "light": "purple"})
    assert response.status_code == 200
    assert "筛选条件有误" in response.content.decode()


def test_bulk_accept_accepts_each_ticked_ticket_and_reports_the_others(world, make_ticket, client):
    mine = [make_ticket(Status.ASSIGNED) for _ in range(3)]
    accepted_already = make_ticket(Status.ACCEPTED)
    client.force_login(world.handler)
    page = client.get("/workbench/").content.decode()
    assert page.count('name="ticket"') == 3 and "批量签收" in page  # only tickets waiting to be accepted

    ids = [t.pk for t in mine] + [accepted_already.pk, 10**9]
    response = client.post("/workbench/accept/", {"ticket": ids}, follow=True)
    text = response.content.decode()
    assert response.status_code == 200 and "已签收 3 件" in text
    assert f"{accepted_already.number} 未签收" in text and "不能执行“签收”" in text
    for ticket in mine:
        ticket.refresh_from_db()
        assert ticket.status == Status.ACCEPTED and ticket.events.filter(action="accept").count() == 1
    assert accepted_already.events.filter(action="accept").count() == 1


def test_bulk_accept_takes_nothing_a_company_cannot_take(world, make_ticket, client):
    ticket = make_ticket(Status.ASSIGNED)
    client.force_login(world.company_user)
    response = client.post("/workbench/accept/", {"ticket": [ticket.pk]}, follow=True)
    assert "未签收" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED
