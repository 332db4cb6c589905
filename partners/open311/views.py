"""Open311 GeoReport v2 (docs/integrations.md, "Open311"): the category catalogue as services, tickets as
service requests, filed and followed by a partner with its `api_key` (key id and secret joined by a colon).

Enterprise requests are not public: reading requests needs the api_key too, and shows the partner's own.
"""

from functools import wraps

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from common.errors import DomainError
from common.throttling import PartnerThrottle, throttled

from .. import selectors, services
from ..authentication import key_for_api_key
from . import mapping
from .formats import errors, respond


def open311(view):
    """Domain errors (a bad key, bad input, not found) as the spec's error array in the request's format."""

    @wraps(view)
    def wrapped(request, *args, fmt: str, **kwargs):
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except DomainError as exc:
            return errors(fmt, exc.status_code, str(exc.message))

    return wrapped


def _partner(request):
    params = request.POST if request.method == "POST" else request.GET
    request.auth = key_for_api_key(params.get("api_key", ""))  # where DRF keeps it: the partner throttle reads it
    return request.auth.partner


@require_GET
@open311
def services_list(request, fmt: str):
    return respond(mapping.services(), fmt, root="services", item="service")


@require_GET
@open311
def service_definition(request, service_code: str, fmt: str):
    return respond(mapping.service_definition(service_code), fmt, root="service_definition", item="")


@csrf_exempt  # no cookie is involved: the api_key authenticates each call
@require_http_methods(["GET", "POST"])
@open311
def requests_collection(request, fmt: str):
    partner = _partner(request)
    if request.method == "GET":
        tickets = selectors.open311_requests(partner=partner, **mapping.request_filters(request.GET))
        return respond([mapping.service_request(t) for t in tickets], fmt, root="service_requests", item="request")
    if refused := throttled(PartnerThrottle, request):
        message, wait = refused
        response = errors(fmt, 429, message)
        response["Retry-After"] = str(wait)
        return response
    fields = mapping.post_fields(request.POST)
    company = services.company_for(credit_code=fields.pop("credit_code"), name=fields.pop("company_name"))
    ticket, created = services.work_order_create(partner=partner, company=company, **fields)
    answer = [{"service_request_id": ticket.number, "service_notice": mapping.notice(created), "account_id": None}]
    return respond(answer, fmt, root="service_requests", item="request", status=201 if created else 200)


@require_GET
@open311
def request_detail(request, service_request_id: str, fmt: str):
    ticket = selectors.work_order_get(partner=_partner(request), number=service_request_id)
    return respond([mapping.service_request(ticket)], fmt, root="service_requests", item="request")
