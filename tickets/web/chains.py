"""The chain workspace (产业链工作台) for chain leaders: the chain's companies, open tickets, shared
problems, list items and figures on one page."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from companies.models import IndustryChain
from lists.models import ListItem
from problems.selectors import chain_problems_q, problem_list
from problems.services import may_decide_for_chain

from .. import figures, selectors
from ..access import access_for
from ..models import OPEN_STATUSES
from .menu import require_page
from .rows import ListRows

PERIOD = timedelta(days=90)


@login_required
def my_chain(request):
    """Chain leaders land on their (first) chain's workspace."""
    require_page(request.user, "web-my-chain")
    chain = IndustryChain.objects.filter(pk__in=access_for(request.user).chain_ids).order_by("code").first()
    if chain is None:
        raise Http404
    return redirect("web-chain", code=chain.code)


@login_required
def chain_workspace(request, code: str):
    access = access_for(request.user)
    chain = IndustryChain.objects.filter(code=code).first()
    if chain is None or not may_decide_for_chain(access, chain.pk):
        raise Http404  # a chain one may not work on is not shown, as for tickets
    now = timezone.now()
    rows = ListRows(now)
    open_tickets = Q(tickets__status__in=OPEN_STATUSES, tickets__chain=chain)
    companies = chain.companies.select_related("district").annotate(open=Count("tickets", filter=open_tickets))
    context = {
        "chain": chain,
        "company_count": chain.companies.count(),
        "companies": companies.order_by("-open", "name")[:30],
        "tickets": [
            rows.of_ticket(t)
            for t in selectors.ticket_list(access=access)
            .filter(chain=chain, status__in=OPEN_STATUSES, merged_into=None)
            .order_by("due_at", "id")[:30]
        ],
        "problems": problem_list(access=access).filter(chain_problems_q([chain.pk])).order_by("-heat", "-id")[:20],
        "items": ListItem.objects.filter(chain=chain).select_related("owner").order_by("-created_at")[:20],
        "figures": (totals := figures.chain_figures(chain_id=chain.pk, start=now - PERIOD, end=now, now=now)),
        "rates": [(label, totals.rate(name)) for name, label in figures.RATES[:4]],
        "now": now,
    }
    return render(request, "tickets/chain.html", context)
