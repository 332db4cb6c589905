from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from common.links import ticket_id_of


@login_required
def short_link(request, token: str):
    """/t/<token>, the link in an SMS: after the login, the ticket's page, which opens the next step's form
    (for a company whose request was answered, the evaluation). Access is the page's own check."""
    ticket_id = ticket_id_of(token)
    if ticket_id is None:
        raise Http404
    return redirect("web-ticket", pk=ticket_id)
