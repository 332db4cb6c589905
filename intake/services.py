"""Writes of the intake desk (代录). Every request filed here goes through `tickets.services.ticket_create`
(with `OnBehalf`): no second create path. These add what surrounds it: registering a company that calls for the
first time, and a meeting (亲清会) whose requests are filed together, all or none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from common.errors import DomainError, NotPermitted
from common.text import visible_text
from companies.credit_code import validate_credit_code
from companies.models import Company
from departments.models import Department
from tickets.access import access_for
from tickets.models import Source, Ticket
from tickets.services import OnBehalf, ticket_create

from .models import Meeting


def _require_intake(staff, department: Department | None = None) -> None:
    intake = access_for(staff).intake_department_ids
    if not intake or (department is not None and department.pk not in intake):
        raise NotPermitted(_("只有受理员可以代企业录入。"))


def company_register(
    *, staff, name: str, credit_code: str, district=None, address: str = "", contact_name: str = "",
    contact_phone: str = "",
) -> Company:  # fmt: skip
    """A company that calls for the first time, registered by its unified social credit code (GB 32100 check);
    a code already registered is refused with the name it is registered under."""
    _require_intake(staff)
    credit_code = credit_code.strip().upper()
    try:
        validate_credit_code(credit_code)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_credit_code") from None
    name = visible_text(name).strip()
    if not name:
        raise DomainError(_("请填写企业名称。"), code="required")
    existing = Company.objects.filter(credit_code=credit_code).first()
    if existing is not None:
        raise DomainError(
            _("该统一社会信用代码已登记为“%(name)s”，请直接为其代录。") % {"name": existing.name}, code="duplicate"
        )
    try:
        with transaction.atomic():
            return Company.objects.create(
                name=name, credit_code=credit_code, district=district, address=address.strip(),
                contact_name=visible_text(contact_name).strip(), contact_phone=contact_phone.strip(),
            )  # fmt: skip
    except IntegrityError:  # registered by another desk at the same moment
        raise DomainError(_("该统一社会信用代码已登记，请直接为其代录。"), code="duplicate") from None


@dataclass(frozen=True)
class MeetingRequest:
    """One company's request raised at a meeting."""

    company: Company
    title: str
    description: str
    caller_name: str
    caller_phone: str


def meeting_record(
    *, staff, department: Department, title: str, held_on: date, place: str, officials: str,
    requests: list[MeetingRequest], idempotency_key: str | None = None,
) -> Meeting:  # fmt: skip
    """Record a 亲清会 and file its requests, one per company, each linked to it: in one transaction, so a row
    that is refused takes the meeting and every other row back with it (the error names the row).

    With an idempotency key, submitting the same page twice gives the meeting of the first time."""
    _require_intake(staff, department)
    if idempotency_key:
        first = Ticket.objects.filter(filed_by=staff, idempotency_key=f"{idempotency_key}-1").first()
        if first is not None and first.meeting_id:
            return first.meeting
    if not requests:
        raise DomainError(_("请至少填写一家企业的诉求。"), code="required")
    seen: dict[int, int] = {}
    for row, request in enumerate(requests, start=1):
        if request.company.pk in seen:
            raise DomainError(
                _("第 %(row)d 行：%(company)s 已在第 %(first)d 行，一家企业在一次亲清会上记录一条诉求。")
                % {"row": row, "company": request.company.name, "first": seen[request.company.pk]},
                code="duplicate_company",
            )
        seen[request.company.pk] = row
    with transaction.atomic():
        meeting = Meeting.objects.create(
            title=visible_text(title).strip(), held_on=held_on, place=visible_text(place).strip(),
            officials=visible_text(officials).strip(), department=department, recorded_by=staff,
        )  # fmt: skip
        on_behalf = {"department": department, "meeting": meeting}
        for row, request in enumerate(requests, start=1):
            try:
                ticket_create(
                    submitter=staff, title=request.title, description=request.description,
                    contact_name=request.caller_name, contact_phone=request.caller_phone, source=Source.MEETING,
                    on_behalf=OnBehalf(company=request.company, **on_behalf),
                    idempotency_key=f"{idempotency_key}-{row}" if idempotency_key else None,
                )  # fmt: skip
            except DomainError as exc:
                raise type(exc)(
                    _("第 %(row)d 行（%(company)s）：%(reason)s")
                    % {"row": row, "company": request.company.name, "reason": exc.message},
                    code=exc.code,
                ) from exc
    return meeting
