"""Writes of the partner channel. Every work order ends in the one `tickets.services.ticket_create`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from common.errors import DomainError
from common.text import visible_text
from companies.credit_code import validate_credit_code
from companies.models import Company
from tickets.access import agent_access
from tickets.models import Source, Status, Ticket
from tickets.services import ticket_apply, ticket_create

from .models import Partner, PartnerKey, PartnerWorkOrder


def partner_create(*, name: str, code: str) -> Partner:
    with transaction.atomic():
        return Partner.objects.create(name=name, code=code, user=partner_account_create(name=name, code=code))


def partner_account_create(*, name: str, code: str):
    """A partner's system account: no password and inactive, so that it can never log in."""
    user = get_user_model()(username=f"partner-{code}", first_name=name[:150], is_active=False)
    user.set_unusable_password()
    user.save()
    return user


def key_issue(*, partner: Partner) -> PartnerKey:
    """A new key; its secret is for the caller to show once. Older keys stay valid until revoked (rotation)."""
    with transaction.atomic():
        key = PartnerKey.objects.create(partner=partner)
        audit.record(Action.CONFIG_CHANGE, obj=key, details={"change": "key_issued", "partner": partner.code})
    return key


def keys_revoke(*, keys) -> int:
    """Revoke the keys not yet revoked (a queryset); how many. A revoked key is refused from the next request."""
    with transaction.atomic():
        revoked = list(keys.filter(revoked_at__isnull=True).select_for_update())
        PartnerKey.objects.filter(pk__in=[k.pk for k in revoked]).update(revoked_at=timezone.now())
        for key in revoked:
            audit.record(Action.CONFIG_CHANGE, obj=key, details={"change": "key_revoked"})
    return len(revoked)


def key_touch(*, key: PartnerKey, now) -> None:
    """Remember when a key was last used, at most once a minute (not a write on every request)."""
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        PartnerKey.objects.filter(pk=key.pk).update(last_used_at=now)


def company_for(*, credit_code: str, name: str = "") -> Company:
    """The company a partner files for, by its unified social credit code.

    One not yet known is registered, with the name the partner gives (required then): a hotline hears from
    companies that never used the platform, and the company finds its ticket when it signs up. A known
    company's name is never changed by a partner.
    """
    credit_code = (credit_code or "").strip().upper()
    try:
        validate_credit_code(credit_code)
    except ValidationError as invalid:
        raise DomainError(invalid.messages[0], code="invalid_credit_code") from None
    company = Company.objects.filter(credit_code=credit_code).first()
    if company is not None:
        return company
    name = visible_text(name or "").strip()
    if not name:
        raise DomainError(_("该统一社会信用代码的企业尚未登记，请同时提供企业名称。"), code="company_name_required")
    try:
        with transaction.atomic():
            return Company.objects.create(credit_code=credit_code, name=name[:200])
    except IntegrityError:  # registered by a concurrent request in the meantime
        return Company.objects.get(credit_code=credit_code)


def work_order_create(
    *, partner: Partner, external_id: str, company: Company, title: str, description: str, category=None,
    contact_name: str = "", contact_phone: str = "", files=(),
) -> tuple[Ticket, bool]:  # fmt: skip
    """File the partner's work order as a ticket; returns (ticket, created). A new ticket comes as reading it
    back would give it (`tickets.selectors.ticket_fresh`, its work order with it).

    The same external id again gives the ticket of the first call, also when both race: the unique constraint
    on (partner, external id) decides, the repeat's ticket is rolled back with its work order and it reads the
    first's. No look-up before (a query on every create for the rare repeat), except with files.
    """
    if files:  # a repeat's files would be stored before the constraint refuses it: look first
        existing = _work_order_ticket(partner, external_id)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            ticket, _created = ticket_create(
                submitter=partner.user, company=company, title=title, description=description, category=category,
                contact_name=contact_name, contact_phone=contact_phone, source=Source.PARTNER, files=files,
            )  # fmt: skip
            # cached on the fresh ticket: the answer to a create is built without reading anything back
            ticket.partner_work_order = PartnerWorkOrder.objects.create(
                partner=partner, external_id=external_id, ticket=ticket
            )
    except IntegrityError:
        existing = _work_order_ticket(partner, external_id)
        if existing is None:
            raise
        return existing, False
    return ticket, True


def _work_order_ticket(partner: Partner, external_id: str) -> Ticket | None:
    order = PartnerWorkOrder.objects.filter(partner=partner, external_id=external_id).select_related("ticket").first()
    return order.ticket if order else None


def work_order_add_material(*, partner: Partner, ticket: Ticket, note: str = "", files=()) -> Ticket:
    """The partner's additions to its work order, as the company's agent: while the department waits for
    material (待补充材料) they are that material and the handling clock runs again; otherwise a comment, or
    attachments with the note."""
    access = agent_access(partner.user, ticket.company_id)
    note = (note or "").strip()
    if ticket.status == Status.ON_HOLD:
        params = {"action": "provide_info", "note": note, "files": files}
    elif files:
        params = {"action": "attach", "note": note, "files": files}
    else:
        if not note:
            raise DomainError(_("请提供补充说明或附件。"), code="required")
        params = {"action": "comment", "body": note}
    return ticket_apply(ticket_id=ticket.pk, actor=partner.user, access=access, **params)
