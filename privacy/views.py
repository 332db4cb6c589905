"""The reveal of a contact's full phone number: an explicit POST (a button on the ticket's page, or the API),
recorded in the audit log (privacy/services.py)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound, NotPermitted

from .services import contact_reveal


@login_required
@require_POST
def ticket_contact_reveal(request, pk: int):
    try:
        contact = contact_reveal(request=request, user=request.user, ticket_id=pk)
    except NotFound:
        raise Http404 from None
    except NotPermitted as refused:
        raise PermissionDenied(refused.message) from None
    template = "privacy/_contact_phone.html" if request.headers.get("HX-Request") else "privacy/contact.html"
    return render(request, template, {"contact": contact, "ticket_id": pk})


class TicketContactRevealApi(APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer(
            "ContactOutput", {"contact_name": serializers.CharField(), "contact_phone": serializers.CharField()}
        ),
        summary="查看完整联系人和联系电话（仅办理人员；记入安全审计）",
    )
    def post(self, request, pk: int):
        return Response(contact_reveal(request=request, user=request.user, ticket_id=pk))
