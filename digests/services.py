"""Weekly digests: who gets which sections, and sending a week's digests once each through the outbox.

`digests_send_week` builds every section of the week in bulk (digests.content), renders one e-mail per person
with the sections their roles give them, and for each person, in one transaction, claims the (person, week)
delivery row and queues the outbox message. A rerun, a redelivered task or a second sender running at the
same time fails the claim on the unique constraint and sends nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from accounts.roles import Role
from departments.models import Membership
from notifications.services import email_queue

from .content import Week, week_content
from .models import DigestDelivery, DigestSubscription, Kind
from .render import Rendered, Renderer

logger = logging.getLogger(__name__)


@dataclass
class Recipient:
    user: User
    departments: set[int] = field(default_factory=set)  # departments they head
    chains: set[int] = field(default_factory=set)  # chains they lead
    city: bool = False  # supervisors

    @property
    def kinds(self) -> list[str]:
        present = {Kind.DEPARTMENT: self.departments, Kind.CHAIN: self.chains, Kind.CITY: self.city}
        return [kind.value for kind, has in present.items() if has]

    def only(self, kind: str | None) -> Recipient:
        if kind is None:
            return self
        return Recipient(
            self.user,
            self.departments if kind == Kind.DEPARTMENT else set(),
            self.chains if kind == Kind.CHAIN else set(),
            self.city and kind == Kind.CITY,
        )


def has_digest(access) -> bool:
    """Whether the user's roles give them a digest: the same roles `digest_recipients` reads (heads, chain
    leaders, supervisors), from their standing read once per request (tickets.access)."""
    return bool(access.head_of or access.chain_ids or Role.SUPERVISOR in access.global_roles)


def digest_recipients(*, users: list[User] | None = None, subscriptions: bool = True) -> list[Recipient]:
    """Everyone with a digest, by role (DESIGN.md §7): heads their departments, chain leaders their chains,
    supervisors the city. `subscriptions`: leave out the kinds each person opted out of."""
    memberships = Membership.objects.filter(
        role__in=[Role.DEPT_HEAD, Role.CHAIN_LEADER, Role.SUPERVISOR], department__active=True, user__is_active=True
    )
    if users is not None:
        memberships = memberships.filter(user__in=users)
    found: dict[int, Recipient] = {}
    rows = memberships.values_list("user_id", "role", "department_id", "department__chain_id").order_by("user_id")
    people = User.objects.in_bulk({row[0] for row in rows}) if users is None else {u.pk: u for u in users}
    for user_id, role, department_id, chain_id in rows:
        recipient = found.setdefault(user_id, Recipient(people[user_id]))
        if role == Role.DEPT_HEAD:
            recipient.departments.add(department_id)
        elif role == Role.CHAIN_LEADER and chain_id:
            recipient.chains.add(chain_id)
        elif role == Role.SUPERVISOR:
            recipient.city = True
    if subscriptions:
        for choice in DigestSubscription.objects.filter(user_id__in=found):
            recipient = found[choice.user_id]
            recipient.departments = recipient.departments if choice.department else set()
            recipient.chains = recipient.chains if choice.chain else set()
            recipient.city = recipient.city and choice.city
    return [r for r in found.values() if r.kinds]


@dataclass
class SendReport:
    week_start: date
    recipients: int = 0
    queued: int = 0
    already: int = 0  # delivered by an earlier run or by another sender


def renderer_for(week: Week, recipients: list[Recipient]) -> Renderer:
    """The week's sections for these recipients, read in bulk."""
    content = week_content(
        week,
        department_ids=set().union(*(r.departments for r in recipients)),
        chain_ids=set().union(*(r.chains for r in recipients)),
        city=any(r.city for r in recipients),
    )
    return Renderer(content)


def digests_send_week(week_start: date, *, now: datetime | None = None) -> SendReport:
    """Queue the digest of the week starting `week_start` (a Monday) for everyone who has not had it."""
    week = Week.of(week_start, now=now)
    report = SendReport(week_start=week.start)
    recipients = [r for r in digest_recipients() if r.user.email]
    report.recipients = len(recipients)
    done = set(DigestDelivery.objects.filter(week_start=week.start).values_list("user_id", flat=True))
    pending = [r for r in recipients if r.user.pk not in done]
    report.already = len(recipients) - len(pending)
    if not pending:
        return report
    with translation.override(settings.LANGUAGE_CODE):  # e-mails are read in the city's language
        renderer = renderer_for(week, pending)
        for recipient in pending:
            if _deliver(week, recipient, renderer):
                report.queued += 1
            else:
                report.already += 1
    logger.info("digests of %s: %s queued, %s already sent", week.start, report.queued, report.already)
    return report


def _deliver(week: Week, recipient: Recipient, renderer: Renderer) -> bool:
    """Claim the (person, week) row and queue the e-mail in one transaction; False if someone else has it."""
    user = recipient.user
    digest = renderer.render(
        renderer.sections(departments=recipient.departments, chains=recipient.chains, city=recipient.city)
    )
    try:
        with transaction.atomic():
            delivery = DigestDelivery.objects.create(user=user, week_start=week.start, kinds=recipient.kinds)
            delivery.email = email_queue(
                key=f"digest:{week.start}:{user.pk}", to=[user.email], subject=digest.subject, text=digest.text,
                html=digest.html, images=digest.images,
            )  # fmt: skip
            delivery.save(update_fields=["email"])
    except IntegrityError:
        return False
    return True


def digest_preview(*, user: User, week_start: date, kind: str | None = None) -> tuple[list[str], Rendered | None]:
    """The digest `user` would get for the week (whatever they opted out of), with charts inline (data: URIs);
    `kind` keeps one kind of section. Returns the kinds their roles give them and the digest (None: none)."""
    (recipient,) = digest_recipients(users=[user], subscriptions=False) or [None]
    if recipient is None:
        return [], None
    kinds = recipient.kinds
    recipient = recipient.only(kind)
    if not recipient.kinds:
        return kinds, None
    week = Week.of(week_start)
    renderer = renderer_for(week, [recipient])
    sections = renderer.sections(departments=recipient.departments, chains=recipient.chains, city=recipient.city)
    return kinds, renderer.render(sections, inline=True)


def subscription_update(*, user: User, department: bool, chain: bool, city: bool) -> DigestSubscription:
    subscription, _created = DigestSubscription.objects.update_or_create(
        user=user, defaults={"department": department, "chain": chain, "city": city, "updated_at": timezone.now()}
    )
    return subscription
