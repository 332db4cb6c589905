"""The list-item pages (issue 15): a demand, reform or service list item with its tickets and history, and the
actions on it (convert, complete, drop). Thin: the API's input serializers validate, lists/services.py decides;
what it refuses is said on the page in the user's language."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from common.pages import decide_on_page
from companies.models import IndustryChain
from departments.models import Department
from departments.selectors import grouped_by_kind
from tickets.access import access_for

from . import api, services
from .models import Kind

EVENT_LABELS = {"create": _lazy("建立"), "convert": _lazy("转化"), "complete": _lazy("完成"), "drop": _lazy("不予采纳")}
# action → (the API's input serializer, the service, what the page says when it is done)
ACTIONS = {
    "convert": (api.ListItemConvertInput, services.list_item_convert, _lazy("已转化，责任单位和完成时限已确定。")),
    "complete": (api.ListItemCompleteInput, services.list_item_complete, _lazy("已完成，已告知相关企业。")),
    "drop": (api.ListItemDropInput, services.list_item_drop, _lazy("已不予采纳。")),
}


@login_required
def item_page(request, pk: int):
    return _page(request, pk)


def _page(request, pk: int, *, failed: dict | None = None, status: int = 200):
    access = access_for(request.user)
    item = api._items(request).select_related("problem").filter(pk=pk).first()
    if item is None:
        raise Http404
    for event in item.events.all():
        event.label = EVENT_LABELS.get(event.action, event.action)
    offered = services.offered_actions(access=access, item=item)
    context = {
        "item": item, "offered": offered, "labels": {a: spec[0] for a, spec in services.TRANSITIONS.items()},
        "failed": failed or {}, "values": failed["values"] if failed else {}, "today": timezone.localdate(),
    }  # fmt: skip
    if "convert" in offered:
        context["kinds"] = [(k.value, k.label) for k in (Kind.REFORM, Kind.SERVICE)]
        context["owners"] = grouped_by_kind(Department.objects.filter(active=True))
        context["chains"] = IndustryChain.objects.filter(pk__in=access.chain_ids) if not access.sees_all else (
            IndustryChain.objects.all()
        )  # fmt: skip
    return render(request, "lists/detail.html", context, status=status)


@login_required
@require_POST
def item_act(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    serializer, service, done = ACTIONS[action]
    return decide_on_page(
        request, decision=action, label=services.TRANSITIONS[action][0], serializer=serializer,
        act=lambda data: (service(actor=request.user, item_id=pk, **data), done),
        page=lambda **refused: _page(request, pk, **refused), done=lambda item: redirect("web-list-item", pk=pk),
    )  # fmt: skip
