"""The intake desk's pages (代录): find or register the company, record the caller and the channel, file through
`ticket_create`; record a meeting (亲清会) with its requests. Thin: forms, services, selectors. Only intake staff
open them (tickets/web/menu.py): anyone else gets the 403 page."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.ids import as_id
from common.throttling import SubmitThrottle, throttle_posts
from companies.models import Company
from tickets.access import access_for
from tickets.services import OnBehalf, ticket_create
from tickets.web.menu import require_page

from .. import selectors, services
from .forms import CompanyForm, FileForm, MeetingForm, meeting_rows


def _desk(request, page: str):
    """Refuse (403) whoever is not intake staff; the user's service centres otherwise."""
    require_page(request.user, page)
    return selectors.intake_departments(access_for(request.user))


def _initial(departments) -> dict:
    return {"department": departments.first(), "form_token": uuid.uuid4().hex}


@login_required
def desk(request):
    """Find the company (credit code, name or phone); what this desk filed lately; its meetings."""
    departments = _desk(request, "intake-desk")
    access = access_for(request.user)
    query = request.GET.get("q", "")[:100]
    context = {
        "query": query, "found": selectors.company_search(query) if query.strip() else None,
        "filed": selectors.filed_by_desk(access), "meetings": selectors.meetings_of_desk(access),
        "departments": departments,
    }  # fmt: skip
    return render(request, "intake/desk.html", context)


@login_required
def company_new(request):
    _desk(request, "intake-desk")
    form = CompanyForm(request.POST or None, initial={"credit_code": request.GET.get("code", "")[:18]})
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_register(staff=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记企业“%(name)s”。") % {"name": company.name})
            return redirect("intake-file", company_id=company.pk)
    return render(request, "intake/company_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@throttle_posts(SubmitThrottle)
def file_request(request, company_id: int):
    """One request for the company: the caller, the channel, what they ask (代录)."""
    departments = _desk(request, "intake-desk")
    company = Company.objects.select_related("district").filter(pk=as_id(str(company_id))).first()
    if company is None:
        raise Http404
    if request.method == "POST":
        form = FileForm(request.POST, request.FILES, departments=departments)
        if form.is_valid():
            data = form.cleaned_data
            on_behalf = OnBehalf(company=company, department=data["department"], leader_name=data["leader_name"])
            try:
                ticket, _created = ticket_create(
                    submitter=request.user, title=data["title"], description=data["description"],
                    category=data["category"], contact_name=data["caller_name"], contact_phone=data["caller_phone"],
                    source=data["channel"], files=data["files"], on_behalf=on_behalf,
                    idempotency_key=f"intake-{data['form_token']}",
                )  # fmt: skip
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("已代%(company)s录入诉求，编号 %(number)s。")
                    % {"company": company.name, "number": ticket.number},
                )
                return redirect("web-ticket", pk=ticket.pk)
    else:
        form = FileForm(
            departments=departments, initial=_initial(departments) | {"channel": request.GET.get("channel")}
        )
    lost_files = [f.name for f in request.FILES.getlist("files")]
    context = {"form": form, "company": company, "lost_files": lost_files}
    return render(request, "intake/file.html", context, status=400 if form.errors else 200)


@login_required
@throttle_posts(SubmitThrottle)
def meeting_new(request):
    """A 亲清会 and its requests, one row per company, filed together: all of them or, on a refusal, none."""
    departments = _desk(request, "intake-meeting-new")
    rows_class = meeting_rows(as_id(request.GET.get("rows", "")) or 5)
    if request.method == "POST":
        form = MeetingForm(request.POST, departments=departments)
        rows = rows_class(request.POST, prefix="rows")
        if form.is_valid() and rows.is_valid():
            data = form.cleaned_data
            requests = [services.MeetingRequest(**row.cleaned_data) for row in rows if row.cleaned_data]
            try:
                meeting = services.meeting_record(
                    staff=request.user, department=data["department"], title=data["title"], held_on=data["held_on"],
                    place=data["place"], officials=data["officials"], requests=requests,
                    idempotency_key=f"meeting-{data['form_token']}",
                )  # fmt: skip
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, _("已记录亲清会，代录诉求 %(count)d 件。") % {"count": meeting.tickets.count()}
                )
                return redirect("intake-meeting", pk=meeting.pk)
        else:
            messages.error(request, _("亲清会未保存，请按提示修改后再提交（所有诉求均未录入）。"))
        status = 400
    else:
        form, rows, status = (
            MeetingForm(departments=departments, initial=_initial(departments)),
            rows_class(prefix="rows"),
            200,
        )
    return render(request, "intake/meeting_new.html", {"form": form, "rows": rows}, status=status)


@login_required
def meeting_detail(request, pk: int):
    _desk(request, "intake-meeting-new")
    meeting = selectors.meeting_get(access_for(request.user), as_id(str(pk)) or 0)
    if meeting is None:
        raise Http404
    tickets = meeting.tickets.select_related("company", "lead_department").order_by("id")
    return render(request, "intake/meeting.html", {"meeting": meeting, "tickets": tickets})
