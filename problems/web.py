"""The common-problem pages (issue 15): a problem with its members, heat and key words, and the officials'
decisions on it (confirm, merge, split, dismiss, answer). Thin: the API's input serializers validate, the
services in problems/services.py decide; what they refuse is said on the page in the user's language."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from common.errors import NotFound
from common.pages import decide_on_page
from departments.models import Department
from departments.selectors import grouped_by_kind
from tickets.access import access_for
from tickets.models import Reply

from . import api, selectors, services
from .models import LIVE_STATUSES, OwnerKind

MERGE_CHOICES = 50  # the hottest live problems offered to merge into
EVENT_LABELS = {
    "confirm": _lazy("确认"), "merge": _lazy("合并到其他问题"), "merged_from": _lazy("并入其他问题的诉求"),
    "split": _lazy("拆分出新问题"), "split_from": _lazy("由拆分产生"), "dismiss": _lazy("排除"),
    "answer": _lazy("答复"),
}  # fmt: skip


def _confirm(actor, pk, data):
    return services.problem_confirm(actor=actor, problem_id=pk, **data), _("已确认共性问题。")


def _merge(actor, pk, data):
    into = services.problem_merge(actor=actor, problem_id=pk, into_id=data["into"], note=data.get("note", ""))
    return into, _("已合并，诉求并入本问题。")


def _split(actor, pk, data):
    new = services.problem_split(actor=actor, problem_id=pk, ticket_ids=data["tickets"], note=data.get("note", ""))
    return new, _("已拆分出新的待确认问题。")


def _dismiss(actor, pk, data):
    return services.problem_dismiss(actor=actor, problem_id=pk, note=data["note"]), _("已排除。")


def _answer(actor, pk, data):
    report = services.problem_answer(actor=actor, problem_id=pk, **data)
    done = _("已答复 %(answered)d 件诉求。") % {"answered": len(report.answered)}
    skipped = [f"{s['number'] or s['id']}：{s['reason']}" for s in report.skipped]
    if skipped:
        done += _("未答复 %(count)d 件：%(list)s") % {"count": len(skipped), "list": "；".join(skipped)}
    return report.problem, done


# decision → (the API's input serializer, what the service returns: the problem to show next and a message)
DECISIONS = {
    "confirm": (api.ProblemConfirmInput, _confirm),
    "merge": (api.ProblemMergeInput, _merge),
    "split": (api.ProblemSplitInput, _split),
    "dismiss": (api.ProblemDismissInput, _dismiss),
    "answer": (api.ProblemAnswerInput, _answer),
}


@login_required
def problem_page(request, pk: int):
    return _page(request, pk)


def _page(request, pk: int, *, failed: dict | None = None, status: int = 200):
    access = access_for(request.user)
    try:
        problem = selectors.problem_detail(problem=services.problem_get(access=access, problem_id=pk))
    except NotFound:
        raise Http404 from None
    for event in problem.events.all():
        event.label = EVENT_LABELS.get(event.action, event.action)
    offered = services.offered_decisions(access=access, problem=problem)
    context = {
        "problem": problem, "offered": offered, "labels": {n: d.label for n, d in services.DECISIONS.items()},
        "failed": failed or {}, "values": failed["values"] if failed else {}, "today": timezone.localdate(),
    }  # fmt: skip
    if "confirm" in offered:
        context["owner_kinds"] = OwnerKind.choices
        context["owners"] = grouped_by_kind(Department.objects.filter(active=True))
    if "merge" in offered:
        context["merge_into"] = (
            selectors.problem_list(access=access, status=list(LIVE_STATUSES))
            .exclude(pk=problem.pk)
            .order_by("-heat", "-id")[:MERGE_CHOICES]
        )
    if "answer" in offered:
        context["results"] = Reply.Result.choices
    return render(request, "problems/detail.html", context, status=status)


@login_required
@require_POST
def problem_decide(request, pk: int, decision: str):
    if decision not in DECISIONS:
        raise Http404
    serializer, act = DECISIONS[decision]
    return decide_on_page(
        request, decision=decision, label=services.DECISIONS[decision].label, serializer=serializer,
        act=lambda data: act(request.user, pk, data), page=lambda **refused: _page(request, pk, **refused),
        done=lambda shown: redirect("web-problem", pk=shown.pk),
    )  # fmt: skip
