"""Personal information (PIPL, GB/T 35273; issue 18, item 4): the audited reveal of a contact's full phone number,
a person's data exported and erased on request, and contacts anonymised after the retention period.

The pages and the API show a contact's phone masked to everyone (138****1234); those on the ticket's handling
path (tickets.access.HANDLING_PATH) may reveal it with an explicit click, and each reveal is an audit record.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from common.errors import NotPermitted
from tickets import selectors
from tickets.access import access_for, may_reveal_contact, roles_for
from tickets.models import Status, Ticket

ANONYMOUS = ""  # what an erased or anonymised contact's fields become


def contact_reveal(*, request, user, ticket_id: int) -> dict:
    """The contact in full, for someone on the ticket's handling path; recorded. A ticket the user may not see is
    a NotFound (404), one they see but do not handle a NotPermitted (403)."""
    access = access_for(user)
    ticket = selectors.ticket_get(access=access, ticket_id=ticket_id, public_only=access.company_only)
    if not may_reveal_contact(roles_for(access, ticket)):
        raise NotPermitted(_("只有办理这件诉求的人员可以查看完整的联系电话。"))
    audit.record(Action.CONTACT_REVEAL, request=request, user=user, obj=ticket,
                 details={"fields": ["contact_name", "contact_phone"]})  # fmt: skip
    return {"contact_name": ticket.contact_name, "contact_phone": ticket.contact_phone}


def personal_data_export(*, user_id: int, request=None) -> dict:
    """Everything qihu holds about a person (a company user): their account and the contacts on their tickets."""
    person = get_user_model().objects.get(pk=user_id)
    tickets = Ticket.objects.filter(submitter=person).order_by("id")
    data = {
        "account": {"username": person.username, "first_name": person.first_name, "last_name": person.last_name,
                    "email": person.email, "phone": person.phone, "date_joined": person.date_joined.isoformat()},
        "tickets": [{"number": t.number, "title": t.title, "contact_name": t.contact_name,
                     "contact_phone": t.contact_phone} for t in tickets],
    }  # fmt: skip
    audit.record(Action.CONTACT_EXPORT, request=request, obj=person, details={"tickets": len(data["tickets"])})
    return data


@transaction.atomic
def personal_data_erase(*, user_id: int, request=None) -> int:
    """Erase a person on request: their account's personal fields are cleared and the login disabled; the contact
    on their tickets is anonymised. The tickets themselves stay (the city's record of its work). Returns the
    number of tickets anonymised."""
    person = get_user_model().objects.select_for_update().get(pk=user_id)
    person.first_name = person.last_name = person.email = person.phone = ANONYMOUS
    person.is_active = False
    person.set_unusable_password()
    person.save()
    count = _anonymise(Ticket.objects.filter(submitter=person))
    audit.record(Action.CONTACT_ERASE, request=request, obj=person, details={"tickets": count})
    return count


def contacts_anonymise_expired(*, now=None) -> int:
    """Closed (or withdrawn, rejected) tickets past QIHU_PII_RETENTION_DAYS lose their contact; recorded once per
    run that changed something."""
    now = now or timezone.now()
    days = settings.QIHU["PII_RETENTION_DAYS"]
    ended = (Status.CLOSED, Status.WITHDRAWN, Status.REJECTED)
    expired = Ticket.objects.filter(status__in=ended, closed_at__lt=now - timedelta(days=days))
    count = _anonymise(expired)
    if count:
        audit.record(Action.CONTACT_ANONYMISE, request=None, username="system", object_type="tickets.ticket",
                     details={"tickets": count, "retention_days": days})  # fmt: skip
    return count


def _anonymise(tickets) -> int:
    return tickets.exclude(contact_name=ANONYMOUS, contact_phone_index=ANONYMOUS).update(
        contact_name=ANONYMOUS, contact_phone=ANONYMOUS, contact_phone_index=ANONYMOUS
    )
