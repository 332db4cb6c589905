"""Detection over real tickets in PostgreSQL: who is grouped, who is not, and attaching one new ticket."""

import json
import os
from datetime import timedelta

import redis
from django.utils import timezone

from problems import detection, services
from problems.models import Problem, ProblemStatus, TicketKeyTerm
from tests.factories import CompanyFactory, UserFactory
from tickets.models import Status

from .conftest import OTHER, SAME


def file(make_ticket, user, title, description, status=Status.PENDING_DISPATCH):
    return make_ticket(status, user=user, title=title, description=description)


def background(make_ticket, world, n=None):
    """Unrelated requests of other companies, so that document frequencies mean something."""
    for i, (title, description) in enumerate(OTHER[:n]):
        file(make_ticket, UserFactory(username=f"bg{i}", company=CompanyFactory()), title, description)


def test_it_groups_different_companies_reporting_the_same_problem(world, make_ticket, third_user):
    background(make_ticket, world)
    a = file(make_ticket, world.company_user, *SAME[0])
    b = file(make_ticket, world.other_company_user, *SAME[1])
    c = file(make_ticket, third_user, *SAME[2])
    report = services.problems_detect()
    assert len(report.problems) == 1
    problem = Problem.objects.get(pk=report.problems[0])
    assert set(problem.tickets.values_list("pk", flat=True)) == {a.pk, b.pk, c.pk}
    assert problem.status == ProblemStatus.CANDIDATE
    assert problem.company_count == 3 and problem.ticket_count == 3
    assert problem.chain == world.chain  # every member is of the same chain
    assert "绿色产业园" in problem.title and "停电" in problem.keywords
    assert problem.recent_count == 3 and problem.trend == "rising"


def test_one_companys_repeats_are_not_a_common_problem(world, make_ticket):
    background(make_ticket, world)
    file(make_ticket, world.company_user, *SAME[0])
    file(make_ticket, world.company_user, *SAME[1])
    assert services.problems_detect().problems == []
    assert Problem.objects.count() == 0


def test_different_problems_are_not_grouped(world, make_ticket):
    background(make_ticket, world, n=2)
    file(make_ticket, world.company_user, *OTHER[2])
    file(make_ticket, world.other_company_user, *OTHER[3])
    file(make_ticket, world.company_user, *SAME[0])
    assert services.problems_detect().problems == []


def test_tickets_further_apart_than_the_window_do_not_link(world, make_ticket, settings):
    background(make_ticket, world)
    old = file(make_ticket, world.company_user, *SAME[0])
    old.__class__.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=200))
    file(make_ticket, world.other_company_user, *SAME[1])
    assert services.problems_detect().problems == []


def test_a_rerun_adds_to_the_same_problem_and_keeps_dismissed_ones_out(world, make_ticket, third_user):
    background(make_ticket, world)
    file(make_ticket, world.company_user, *SAME[0])
    file(make_ticket, world.other_company_user, *SAME[1])
    first = services.problems_detect().problems
    c = file(make_ticket, third_user, *SAME[2])
    again = services.problems_detect()
    assert again.problems == first and again.created == []
    assert Problem.objects.get(pk=first[0]).tickets.filter(pk=c.pk).exists()
    services.problem_dismiss(actor=world.dispatcher, problem_id=first[0], note="园区线路改造已在计划中")
    assert services.problems_detect().problems == []
    assert Problem.objects.count() == 1


def test_a_new_ticket_is_attached_to_the_problem_of_its_closest_tickets(world, make_ticket, third_user):
    background(make_ticket, world)
    file(make_ticket, world.company_user, *SAME[0])
    file(make_ticket, world.other_company_user, *SAME[1])
    report = services.problems_detect(index_terms=True)
    assert TicketKeyTerm.objects.exists()
    new = file(make_ticket, third_user, *SAME[2])
    problem = services.problem_attach_ticket(ticket_id=new.pk)
    assert problem is not None and problem.pk == report.problems[0]
    assert problem.company_count == 3
    assert services.problem_attach_ticket(ticket_id=new.pk).pk == problem.pk  # idempotent
    assert problem.members.count() == 3


def test_a_new_ticket_starts_a_candidate_with_another_companys_ticket(world, make_ticket):
    background(make_ticket, world)
    services.problems_detect(index_terms=True)  # document frequencies and the index, no problem yet
    first = file(make_ticket, world.company_user, *SAME[0])
    assert services.problem_attach_ticket(ticket_id=first.pk) is None
    second = file(make_ticket, world.other_company_user, *SAME[1])
    problem = services.problem_attach_ticket(ticket_id=second.pk)
    assert problem is not None
    assert set(problem.tickets.values_list("pk", flat=True)) == {first.pk, second.pk}


def test_a_new_ticket_of_the_same_company_starts_nothing(world, make_ticket):
    background(make_ticket, world)
    services.problems_detect(index_terms=True)
    first = file(make_ticket, world.company_user, *SAME[0])
    services.problem_attach_ticket(ticket_id=first.pk)
    second = file(make_ticket, world.company_user, *SAME[1])
    assert services.problem_attach_ticket(ticket_id=second.pk) is None
    assert Problem.objects.count() == 0


def test_triage_enqueues_the_attach_step_after_commit(world, make_ticket, django_capture_on_commit_callbacks):
    from tickets.services import ticket_create
    from triage.services import ticket_triage

    ticket, _ = ticket_create(
        submitter=world.company_user, title=SAME[0][0], description=SAME[0][1], triage_later=False
    )
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    broker.delete("celery", "background")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket_triage(ticket_id=ticket.pk)
    assert broker.llen("background") == 0  # nothing reaches the broker before the commit
    for callback in callbacks:
        callback()
    sent = [json.loads(message)["headers"] for message in broker.lrange("background", 0, -1)]
    assert [(h["task"], h["argsrepr"]) for h in sent] == [("problems.attach_tickets", f"([{ticket.pk}],)")]
    assert broker.llen("celery") == 0  # on the long-runs queue, not ahead of other tickets' routing


def test_a_new_ticket_with_a_number_in_its_title_still_finds_the_reports_it_shares_words_with(
    world, make_ticket, third_user
):
    """Its heaviest n-grams are its own (an account number), shared with nobody: it looks the others up with
    its heaviest n-grams seen before too, or it would never meet them."""
    background(make_ticket, world)
    file(make_ticket, world.company_user, *SAME[0])
    file(make_ticket, world.other_company_user, *SAME[1])
    report = services.problems_detect(index_terms=True)
    title, description = SAME[2]
    new = file(make_ticket, third_user, f"{title}（户号QZ7K3M9X2V8B4N6C1P5R0T）", description)
    problem = services.problem_attach_ticket(ticket_id=new.pk)
    assert problem is not None and problem.pk == report.problems[0]
    assert problem.company_count == 3


def test_key_words_begin_and_end_where_words_do():
    titles = ["中海国际社区夜间施工噪音扰民", "中海国际夜间施工噪声太大", "夜间施工噪音影响中海国际居民休息"]
    found = detection.keywords(titles)
    assert "夜间施工" in found and "中海国际" in found
    assert not any(word.endswith("噪") or word.startswith("间") for word in found), found


def test_the_centroid_an_attach_remembers_follows_the_problem_s_members(world, make_ticket, third_user):
    """An attach compares the ticket with each candidate problem's centroid, remembered per process under the
    problem's `updated_at`: every change of the members (a ticket joining, an official's split) moves it."""
    background(make_ticket, world)
    made = [file(make_ticket, user, *text) for user, text in zip(
        [world.company_user, world.other_company_user, third_user], SAME[:3], strict=True)]  # fmt: skip
    problem = Problem.objects.get(pk=services.problems_detect(index_terms=True).problems[0])
    features = services._features()

    def remembered():
        problem.refresh_from_db()
        return services._known_centroid(services._snapshot["pk"], problem.pk, problem.updated_at)

    def same(a, b):
        return abs(a - b).max() < 1e-6

    before = remembered()
    assert same(before, services._problem_centroid(features, problem.pk))
    services.problem_split(actor=world.dispatcher, problem_id=problem.pk, ticket_ids=[made[2].pk])
    after = remembered()
    assert same(after, services._problem_centroid(features, problem.pk)) and not same(after, before)
    late = file(make_ticket, UserFactory(username="late", company=CompanyFactory()), *SAME[0])
    joined = services.problem_attach_ticket(ticket_id=late.pk)
    assert joined is not None and joined.pk == problem.pk
    assert same(remembered(), services._problem_centroid(features, problem.pk)) and not same(remembered(), after)
