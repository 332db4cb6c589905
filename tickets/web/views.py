"""Server-rendered pages: the company's portal and the officials' workbench. Thin: forms, services, selectors."""

import dataclasses
import uuid
from datetime import date, datetime, time, timedelta
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from rest_framework import serializers

from audit import services as audit
from audit.models import Action
from common.dates import day_from
from common.errors import DomainError, InvalidInput, NotFound
from common.excel import xlsx_response
from common.ids import as_id
from common.throttling import SubmitThrottle, throttle_posts
from departments.selectors import grouped_by_kind
from sla.policies import Light

from .. import figures, selectors, services
from ..access import access_for, contact_for, may_reveal_contact, roles_for, visible_q
from ..api.filters import TicketFilter
from ..api.serializers import ACTION_INPUTS
from ..models import Source, Status, Ticket
from ..transitions import ACTIONS, opening_action
from .forms import TicketForm
from .menu import landing_url, require_page
from .rows import ListRow, ListRows

QUEUE_ROWS = 50
QUEUE_STATUSES = {  # the statuses each kind of queue holds, for its filter
    "department": [Status.ASSIGNED, Status.ACCEPTED, Status.ON_HOLD],
    "dispatch": [Status.PENDING_DISPATCH, Status.DISPUTED],
    "supervision": [Status.ASSIGNED, Status.ACCEPTED, Status.ON_HOLD, Status.DISPUTED],
}


@login_required
def home(request):
    """Each role lands on its main page: the first of its menu (tickets/web/menu.py)."""
    url = landing_url(request.user)
    if url is None:
        raise PermissionDenied(_("您的账号尚未分配角色，请联系系统管理员。"))
    return redirect(url)


MY_ROWS = 50


@login_required
def my_tickets(request):
    """The tickets the user may see (a company's: its own), newest first, a page of MY_ROWS at a time: the next
    page starts after the last ticket shown (?before=its id), one index range whatever the page."""
    before = as_id(request.GET.get("before", ""))
    found = selectors.newest_rows(access=access_for(request.user), before=before, limit=MY_ROWS + 1)
    rows = ListRows(timezone.now())
    context = {"tickets": [rows.of_values(row) for row in found[:MY_ROWS]], "first_page": before is None}
    if len(found) > MY_ROWS:
        context["older"] = found[MY_ROWS - 1]["id"]
    return render(request, "tickets/my_tickets.html", context)


@login_required
@throttle_posts(SubmitThrottle)
def ticket_new(request):
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket, _created = services.ticket_create(
                    submitter=request.user, title=data["title"], description=data["description"],
                    category=data["category"], contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                    idempotency_key=f"web-{data['form_token']}", source=Source.WEB, files=data["files"],
                )  # fmt: skip
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("诉求已提交，编号 %(number)s。") % {"number": ticket.number})
                return redirect("web-ticket", pk=ticket.pk)
    else:
        form = TicketForm(initial={"form_token": uuid.uuid4().hex})
    # A browser cannot refill a file input: after a refusal, say which files to choose again.
    lost_files = [f.name for f in request.FILES.getlist("files")]
    return render(request, "tickets/new.html", {"form": form, "lost_files": lost_files})


@login_required
def similar_requests(request):
    """The company's similar requests while it types (htmx swaps this fragment under the form)."""
    company_id = access_for(request.user).company_id
    text = f"{request.GET.get('title', '')}{request.GET.get('description', '')}"[:5200]
    found = selectors.similar_requests(company_id=company_id, text=text, now=timezone.now()) if company_id else []
    return render(request, "tickets/_similar.html", {"found": found})


@dataclasses.dataclass
class Failed:
    """An action form that was refused: reopened with what was typed, its errors, and the files to choose again
    (a browser cannot refill a file input)."""

    action: str
    values: QueryDict
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    lost_files: list[str] = dataclasses.field(default_factory=list)


# Actions that cannot be undone ask for a ticked confirmation in their form (checked here, not by a script).
CONFIRMATIONS = {"withdraw": _lazy("我确认撤回这件诉求：撤回后不再办理，也不能恢复。")}


@login_required
def ticket_detail(request, pk: int):
    return _ticket_page(request, pk)


def _ticket_page(request, pk: int, *, failed: Failed | None = None, status: int = 200):
    access = access_for(request.user)
    public_only = access.company_only
    try:
        ticket = selectors.ticket_get(access=access, ticket_id=pk, public_only=public_only)
    except NotFound:
        raise Http404 from None
    roles = roles_for(access, ticket)
    initial = selectors.dispatch_initial(ticket)  # a dispatcher starts from triage's first suggestion
    offered = services.offered_actions(ticket=ticket, access=access, roles=roles)
    opening = opening_action(offered, failed=failed.action if failed else None)
    actions = [_action_form(a, initial, roles, failed if failed and failed.action == a.name else None) for a in offered]
    actions.sort(key=lambda a: a["name"] != opening)  # the open form first, the others in the table's order
    for action in actions:
        action["open"] = action["name"] == opening
    name, phone = contact_for(roles, ticket)
    context = {
        "ticket": ticket, "actions": actions, "public_only": public_only, "now": timezone.now(),
        "contact": {"name": name, "phone": phone, "may_reveal": may_reveal_contact(roles)},
        "replies": selectors.replies_with_standing(ticket),
    }  # fmt: skip
    if not public_only:
        context["suggestions"] = selectors.triage_panel(access, ticket)
    return render(request, "tickets/detail.html", context, status=status)


@login_required
@require_POST
def ticket_act(request, pk: int, action: str):
    spec = ACTIONS.get(action.replace("-", "_"))
    if spec is None or not spec.is_public_api:
        messages.error(request, _("未知的操作。"))
        return redirect("web-ticket", pk=pk)
    posted = request.POST.copy()
    # An empty file input arrives as a text field "files" = "" (no file chosen): only real uploads are files.
    posted.setlist("files", request.FILES.getlist("files"))
    failed = Failed(spec.name, request.POST, lost_files=[f.name for f in request.FILES.getlist("files")])
    data = ACTION_INPUTS[spec.name](data=posted)
    if spec.name in CONFIRMATIONS and request.POST.get("confirmed") != "yes":
        failed.errors["confirmed"] = [_("请勾选确认后再%(action)s。") % {"action": spec.label}]
    if not data.is_valid() or failed.errors:
        failed.errors |= {name: [str(e) for e in errors] for name, errors in data.errors.items()}
        messages.error(request, _("“%(action)s”未完成，请按提示修改后再提交。") % {"action": spec.label})
        return _ticket_page(request, pk, failed=failed, status=400)
    try:
        services.ticket_apply(ticket_id=pk, action=spec.name, actor=request.user, **data.validated_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        if exc.status_code == 404:
            return redirect("web-home")
        return _ticket_page(request, pk, failed=failed, status=exc.status_code)
    messages.success(request, _("已完成：%(action)s") % {"action": spec.label})
    return redirect("web-ticket", pk=pk)


def _queue(request, now, limit: int):
    """The caller's queue as the workbench shows it: (kind, filter set, rows in its order), for the page and
    its Excel export alike."""
    require_page(request.user, "web-workbench")
    access = access_for(request.user)
    kind = selectors.queue_kind(access)
    filtered = TicketFilter(request.GET, queryset=selectors.ticket_queue(access=access, now=now))
    rows = list(filtered.qs.order_by(*selectors.queue_ordering(kind))[:limit]) if filtered.is_valid() else []
    return kind, filtered, rows


def _department_queue(request, make: ListRows) -> tuple[str, None, list[ListRow]] | None:
    """The workbench of one department's handler, unfiltered: as the API's queue reads it (the department's
    queue rows, then that page's tickets as values: DESIGN.md §11), not the joined query over model instances."""
    access = access_for(request.user)
    department = selectors.queue_entries_department(access)
    if department is None or any(value for value in request.GET.values()):
        return None
    return "department", None, [make.of_values(row) for row in selectors.department_queue_rows(department, QUEUE_ROWS)]


FILTERS = ("status", "light", "category", "chain", "district", "q")


@login_required
def workbench(request):
    """The caller's queue, most urgent first (the light follows the deadline), with the API's filters."""
    now = timezone.now()
    make = ListRows(now)
    kind, filtered, found = _department_queue(request, make) or _queue(request, now, QUEUE_ROWS)
    rows = [row if isinstance(row, dict) else make.of_ticket(row) for row in found]
    context = {
        "rows": rows, "filter": filtered, "choices": selectors.filter_choices(),
        "chosen": {name: request.GET.get(name, "") for name in FILTERS},  # a dict: found at once by the template
        "statuses": [(s, Status(s).label) for s in QUEUE_STATUSES.get(kind, [])], "lights": Light.choices,
        "can_accept": kind == "department" and any(row["status"] == Status.ASSIGNED for row in rows),
    }  # fmt: skip
    return render(request, "tickets/workbench.html", context)


@login_required
@require_POST
def workbench_accept(request):
    """批量签收: accept the ticked tickets, each through the same service as one by one."""
    ids = [i for i in map(as_id, request.POST.getlist("ticket")) if i][:QUEUE_ROWS]
    done, refused = services.tickets_apply_each(ticket_ids=ids, action="accept", actor=request.user)
    if done:
        messages.success(request, _("已签收 %(count)d 件。") % {"count": len(done)})
    # Only the numbers of tickets the caller may see: another's is refused as if it did not exist.
    visible = Ticket.objects.filter(visible_q(access_for(request.user)), pk__in=refused).only("created_at")
    numbers = {t.pk: t.number for t in visible}
    for ticket_id, reason in refused.items():
        messages.error(
            request,
            _("%(number)s 未签收：%(reason)s") % {"number": numbers.get(ticket_id, ticket_id), "reason": reason},
        )
    if not ids:
        messages.error(request, _("请先勾选要签收的诉求。"))
    return redirect(f"{reverse('web-workbench')}?{request.GET.urlencode()}")


@cache
def _input_fields(action_name: str) -> dict:
    """The fields of an action's input serializer, made once per process (an instance deep-copies every declared
    field): their labels are lazy, printed in the reader's language; their querysets are read anew (`.all()`)."""
    return ACTION_INPUTS[action_name]().fields


def _action_form(action, initial: dict, roles: frozenset[str], failed: Failed | None) -> dict:
    """What a page needs to render an action's form, read off the API's input serializer (one validation). After a
    refusal (`failed`), the values typed and the errors by their fields. A form with nothing of its own (not refused,
    no value to start from, no choices read from the database) has the same fields on every page: made once per
    process (their labels lazy, printed in the reader's language), 20 µs a form."""
    fixed = services.fixed_inputs(action.name, roles)
    plain = failed is None and not any(initial.get(name) for name in _input_fields(action.name))
    fields = _plain_fields(action.name, fixed) if plain else None
    if fields is None:
        fields = _fields(action.name, initial, fixed, failed)
    return {"name": action.name, "slug": action.slug, "label": action.label, "fields": fields}


@cache
def _plain_fields(action_name: str, fixed: frozenset[str]) -> tuple[dict, ...] | None:
    """The fields of a form with nothing of its own (read-only: shared by every page), None if any reads its choices
    from the database (departments, categories: read anew for each page)."""
    related = (serializers.RelatedField, serializers.ManyRelatedField)
    if any(isinstance(field, related) for field in _input_fields(action_name).values()):
        return None
    return tuple(_fields(action_name, {}, fixed, None))


def _fields(action_name: str, initial: dict, fixed: frozenset[str], failed: Failed | None) -> list[dict]:
    fields = []
    for name, field in _input_fields(action_name).items():
        if name == "version" or name in fixed:
            continue
        value = failed.values.getlist(name) if failed else initial.get(name)
        spec = {
            "name": name, "label": field.label or name, "required": field.required, "kind": "text",
            "initial": value if isinstance(value, list) else [value],
            "value": value[0] if isinstance(value, list) and value else value if isinstance(value, str) else "",
            "errors": failed.errors.get(name, []) if failed else [], "help": field.help_text,
        }  # fmt: skip
        if isinstance(field, serializers.BooleanField):
            # A question to answer (no default) is a yes/no pair with neither chosen; an option is a box.
            spec["kind"] = "yesno" if field.required else "checkbox"
            spec["choices"] = [("true", _lazy("是")), ("false", _lazy("否"))]  # lazy: the fields may be kept
        elif isinstance(field, serializers.ListField) and isinstance(field.child, serializers.FileField):
            spec |= {"kind": "files", "help": field.help_text, "lost": failed.lost_files if failed else []}
        elif isinstance(field, serializers.ChoiceField):
            spec |= {"kind": "select", "choices": list(field.choices.items())}
        elif isinstance(field, serializers.ManyRelatedField):  # check boxes by kind, in a scrolling box
            spec |= {"kind": "multiple", "groups": grouped_by_kind(field.child_relation.queryset.all())}
        elif isinstance(field, serializers.SlugRelatedField) and field.queryset.model.__name__ == "Department":
            spec |= {"kind": "select", "groups": grouped_by_kind(field.queryset.all())}
        elif isinstance(field, serializers.SlugRelatedField):
            spec |= {"kind": "select", "choices": [(o.code, str(o)) for o in field.queryset.all()]}
        elif isinstance(field, serializers.IntegerField):
            spec["kind"] = "number"
        elif isinstance(field, serializers.CharField) and (field.max_length or 0) > 200:
            spec |= {"kind": "textarea", "max": field.max_length}
        fields.append(spec)
    confirm = CONFIRMATIONS.get(action_name)
    if confirm:
        errors = failed.errors.get("confirmed", []) if failed else []
        fields.append({"name": "confirmed", "kind": "confirm", "label": confirm, "required": True, "errors": errors})
    return fields


# The longest period the dashboard and its export report on: three years (leap days included) make a chart
# of 36 monthly bars; a thousand years made 12,000 (2.4 MB, a second of work). A longer one is refused, not
# cut short: cut, the figures would answer another question than the one asked, and the export's file name
# and sheets would not say so.
MAX_PERIOD_YEARS = 3
MAX_PERIOD = timedelta(days=366 * MAX_PERIOD_YEARS)


def _period(request) -> tuple[date, date]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (inclusive, either order), the last 30 days by default; a malformed date
    gives the default, a date out of range or a period over MAX_PERIOD is refused (InvalidInput: 400)."""
    today = timezone.localdate()
    try:
        end = day_from(request.GET.get("to")) or today
        start = day_from(request.GET.get("from")) or end - timedelta(days=29)
    except ValueError:
        start, end = today - timedelta(days=29), today
    start, end = min(start, end), max(start, end)
    if end - start >= MAX_PERIOD:
        raise InvalidInput(_("统计区间最长 %(years)d 年，请缩短起止日期。") % {"years": MAX_PERIOD_YEARS})
    return start, end


def _instants(request) -> tuple[date, date, datetime, datetime]:
    require_page(request.user, "web-dashboard")
    start, end = _period(request)
    tz = timezone.get_current_timezone()
    return (
        start,
        end,
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


@login_required
def dashboard(request):
    start, end, since, until = _instants(request)
    now = timezone.now()
    step = "week" if (end - start).days <= 62 else "month"
    tiers, periods, channels = figures.dashboard_figures(start=since, end=until, now=now, step=step)
    chart = _trend_chart(periods, step)
    tables = [(label, tiers[code]) for code, label in figures.TIERS if tiers[code]]
    return render(
        request,
        "tickets/dashboard.html",
        {"start": start, "end": end, "tables": tables, "rates": figures.RATES, "counts": figures.COUNTS,
         "chart": chart, "channel_rates": figures.CHANNEL_RATES,
         "channels": [(c, *c.cells(figures.CHANNEL_RATES, figures.CHANNEL_COUNTS)) for c in channels],
         "channel_counts": figures.CHANNEL_COUNTS},
    )  # fmt: skip


TREND_RATES = [("response", "#1f6feb"), ("resolution", "#2da44e"), ("satisfaction", "#bf8700")]


def _trend_chart(periods: list, step: str, *, width: int = 720, height: int = 220) -> dict:
    """Coordinates for the dashboard's SVG chart: bars for tickets dispatched, lines for three rates (0–100 %)."""
    left, right, top, bottom = 40, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(periods), 1)
    most = max([p.counts["dispatched"] for p in periods] + [1])
    label = "%m-%d" if step == "week" else "%Y-%m"
    bars, lines = [], {name: [] for name, _colour in TREND_RATES}
    for i, period in enumerate(periods):
        x = left + slot * i
        h = plot_h * period.counts["dispatched"] / most
        bars.append({"x": round(x + slot * 0.2, 1), "y": round(top + plot_h - h, 1), "w": round(slot * 0.6, 1),
                     "h": round(h, 1), "count": period.counts["dispatched"], "label": period.start.strftime(label),
                     "cx": round(x + slot / 2, 1)})  # fmt: skip
        for name in lines:
            if (value := period.rate(name)) is not None:
                lines[name].append(f"{x + slot / 2:.1f},{top + plot_h * (1 - value):.1f}")
    labels = dict(figures.RATES)
    return {
        "width": width, "height": height, "bars": bars, "base": top + plot_h, "top": top, "left": left,
        "mid": top + plot_h / 2, "most": most, "step": step,
        "lines": [{"points": " ".join(lines[n]), "colour": c, "label": labels[n]} for n, c in TREND_RATES],
    }  # fmt: skip


@login_required
def dashboard_export(request):
    start, end, since, until = _instants(request)
    tiers, channels = figures.period_figures(start=since, end=until, now=timezone.now())
    header = [str(_("排名")), str(_("部门")), *_figure_header(figures.RATES, figures.COUNTS)]
    sheets = []
    for code, label in figures.TIERS:
        rows = [
            [f.rank, f.department.local_name, *_figure_cells(f, figures.RATES, figures.COUNTS)] for f in tiers[code]
        ]
        sheets.append((str(label), header, rows))
    header = [str(_("渠道")), *_figure_header(figures.CHANNEL_RATES, figures.CHANNEL_COUNTS)]
    rows = [[str(c.label), *_figure_cells(c, figures.CHANNEL_RATES, figures.CHANNEL_COUNTS)] for c in channels]
    sheets.append((str(_("按渠道")), header, rows))
    audit.record(Action.EXPORT, request=request, object_type="figures", details={"since": start, "until": end})
    return xlsx_response(f"qihu-figures-{start}-{end}.xlsx", sheets)


def _figure_header(rates, counts) -> list[str]:
    return [str(label) for _name, label in rates] + [str(label) for _name, label in counts]


def _figure_cells(f: figures.Figures, rates, counts) -> list:
    """A row of the export: the rates as fractions (4 places), then the counts."""
    shares, numbers = f.cells(rates, counts)
    return [None if share is None else round(share, 4) for share in shares] + numbers


@login_required
def workbench_export(request):
    """The queue as the workbench shows it (same filters, same order), as an Excel file."""
    _kind, _filtered, rows = _queue(request, timezone.now(), 5000)
    header = [str(h) for h in (_("编号"), _("标题"), _("企业"), _("状态"), _("红黄绿灯"), _("主办部门"), _("当前时限"))]
    data = [
        [t.number, t.title, t.company.name, str(t.get_status_display()), str(t.light() or ""),
         t.lead_department.local_name if t.lead_department else "",
         timezone.localtime(t.due_at).strftime("%Y-%m-%d %H:%M") if t.due_at else ""]
        for t in rows
    ]  # fmt: skip
    audit.record(Action.EXPORT, request=request, object_type="tickets.ticket",
                 details={"filters": request.GET.dict(), "rows": len(data)})  # fmt: skip
    return xlsx_response("qihu-queue.xlsx", [(str(_("工作台")), header, data)])
