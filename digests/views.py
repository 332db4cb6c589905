"""The digest pages: a preview of what the logged-in official would receive, and their subscription settings."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from common.dates import day_from
from tickets.web.menu import require_page

from . import services
from .content import Week, previous_week
from .forms import SubscriptionForm
from .models import DigestSubscription, Kind

WEEK = timedelta(days=7)


@login_required
def preview(request):
    require_page(request.user, "digests-preview")
    try:
        week_start = day_from(request.GET.get("week")) or previous_week()
    except ValueError:  # malformed: last week's, as by default (out of range is a 400: InvalidInput)
        week_start = previous_week()
    kind = request.GET.get("kind") if request.GET.get("kind") in Kind.values else None
    kinds, digest = services.digest_preview(user=request.user, week_start=week_start, kind=kind)
    week = Week.of(week_start)
    subscription = DigestSubscription.objects.filter(user=request.user).first()
    opted_out = [Kind(k).label for k in kinds if subscription and not subscription.wants(k)]
    return render(
        request,
        "digests/preview.html",
        {"week": week, "kind": kind, "kinds": [(k, Kind(k).label) for k in kinds], "digest": digest,
         "opted_out": opted_out, "previous": week.start - WEEK, "next": week.start + WEEK},
    )  # fmt: skip


@login_required
def subscription(request):
    require_page(request.user, "digests-preview")
    (recipient,) = services.digest_recipients(users=[request.user], subscriptions=False) or [None]
    kinds = recipient.kinds if recipient else []
    current = DigestSubscription.objects.filter(user=request.user).first()
    if request.method == "POST":
        form = SubscriptionForm(request.POST, kinds=kinds)
        if form.is_valid():
            wanted = {k: form.cleaned_data.get(k, current.wants(k) if current else True) for k in Kind.values}
            services.subscription_update(user=request.user, **wanted)
            messages.success(request, _("简报订阅已保存。"))
            return redirect("digests-settings")
    else:
        form = SubscriptionForm(initial={k: current.wants(k) if current else True for k in kinds}, kinds=kinds)
    return render(request, "digests/settings.html", {"form": form, "kinds": kinds})
