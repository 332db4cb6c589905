from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from common.links import ticket_id_of
from common.validators import mobile_number

from .models import ContactPreference
from .services import contact_preference_set


@login_required
def short_link(request, token: str):
    """/t/<token>, the link in an SMS: after the login, the ticket's page, which opens the next step's form
    (for a company whose request was answered, the evaluation). Access is the page's own check."""
    ticket_id = ticket_id_of(token)
    if ticket_id is None:
        raise Http404
    return redirect("web-ticket", pk=ticket_id)


@login_required
def preferences(request):
    """A company user says whether they want SMS about their requests (e-mails always go)."""
    if not request.user.company_id:
        raise PermissionDenied(_("只有企业用户可以设置短信通知。"))
    if request.method == "POST":
        contact_preference_set(user=request.user, sms=request.POST.get("sms") == "on")
        return redirect(f"{request.path}?saved=1")
    preference = ContactPreference.objects.filter(user=request.user).first()
    context = {
        "sms": preference.sms if preference else True,
        "mobile": mobile_number(request.user.phone),
        "saved": request.GET.get("saved") == "1",
    }
    return render(request, "notifications/preferences.html", context)
