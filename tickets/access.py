"""Who sees which tickets and which roles they hold for one (DESIGN.md §1).

A company user sees their company's tickets; officials see tickets their department leads or assists (or
once did); dispatchers, supervisors and admins see all; chain leaders see their chains'; intake staff (受理员)
see the tickets their service centre or hotline filed (代录), and take no action on them. What one may not
see does not exist for them (404). Roles for a ticket feed the transition table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from accounts.roles import Role

from .models import Assignment, Ticket
from .transitions import ASSIST_HANDLER


@dataclass(frozen=True)
class Access:
    user_id: int | None
    company_id: int | None
    sees_all: bool
    department_ids: frozenset[int]  # departments where the user handles or heads
    head_of: frozenset[int]
    chain_ids: frozenset[int]
    global_roles: frozenset[str]  # dispatcher, supervisor: roles that do not depend on the ticket
    # Service centres / hotlines where the user files on companies' behalf (代录): they see what those filed.
    intake_department_ids: frozenset[int] = frozenset()

    @property
    def company_only(self) -> bool:
        """A company's own user and nothing more: sees public events and comments only."""
        return bool(self.company_id) and not self.sees_all and not self.department_ids


SYSTEM = Access(None, None, True, frozenset(), frozenset(), frozenset(), frozenset({Role.SYSTEM}))


MEMBERSHIP_COLUMNS = ("department_id", "role", "department__chain_id")


def memberships_sql(user_id_column: str) -> str:
    """SQL for a JSON (jsonb) array of the memberships of the user whose id is in `user_id_column` (quoted, of the
    outer query), each as [department_id, role, chain_id]: read with the token in one query
    (`accounts.authentication.read_user`), handed to `remember_memberships`. Plain SQL: the ORM's
    ArraySubquery of JSONObject cost more CPU to build and compile (2.3 ms) than a second query (1.5 ms)."""
    from departments.models import Department, Membership

    return (
        f"(SELECT COALESCE(jsonb_agg(jsonb_build_array(m.department_id, m.role, d.chain_id)), '[]') "
        f'FROM "{Membership._meta.db_table}" m JOIN "{Department._meta.db_table}" d ON d.id = m.department_id '
        f"WHERE m.user_id = {user_id_column})"
    )


def remember_memberships(user, rows: list[list]) -> None:
    """The memberships read by `memberships_sql`: `access_for` uses them instead of a query of its own."""
    user._qihu_memberships = [tuple(row) for row in rows]


def access_for(user) -> Access:
    """The user's standing, read once per request (one query, or none after token authentication) and kept on
    the user object."""
    if user is None:
        return SYSTEM
    cached = getattr(user, "_qihu_access", None)
    if cached is not None:
        return cached
    departments, heads, chains, global_roles, intake = set(), set(), set(), set(), set()
    memberships = getattr(user, "_qihu_memberships", None)
    if memberships is None:
        memberships = user.memberships.values_list(*MEMBERSHIP_COLUMNS)
    for dept_id, role, chain_id in memberships:
        if role in (Role.HANDLER, Role.DEPT_HEAD):
            departments.add(dept_id)
            if role == Role.DEPT_HEAD:
                heads.add(dept_id)
        elif role == Role.CHAIN_LEADER and chain_id:
            chains.add(chain_id)
        elif role in (Role.DISPATCHER, Role.SUPERVISOR):
            global_roles.add(role)
        elif role == Role.INTAKE:
            intake.add(dept_id)
    access = Access(
        user_id=user.pk,
        company_id=user.company_id,
        sees_all=bool(global_roles) or user.is_superuser,
        department_ids=frozenset(departments),
        head_of=frozenset(heads),
        chain_ids=frozenset(chains),
        global_roles=frozenset(global_roles),
        intake_department_ids=frozenset(intake),
    )
    user._qihu_access = access
    return access


def agent_access(user, company_id: int) -> Access:
    """The standing of a channel's account acting as one company's agent (a partner system for the tickets it
    filed): that company's user, nothing more."""
    return Access(user.pk, company_id, False, frozenset(), frozenset(), frozenset(), frozenset())


def visible_q(access: Access) -> Q:
    """A filter for the tickets this user may see."""
    if access.sees_all:
        return Q()
    q = Q(pk__in=[])
    if access.company_id:
        q |= Q(company_id=access.company_id)
    if access.department_ids:
        q |= Q(lead_department_id__in=access.department_ids) | Exists(
            Assignment.objects.filter(ticket=OuterRef("pk"), department_id__in=access.department_ids)
        )
    if access.chain_ids:
        q |= Q(chain_id__in=access.chain_ids)
    if access.intake_department_ids:
        q |= Q(intake_department_id__in=access.intake_department_ids)
    return q


OPEN_ASSIGNMENT = (Assignment.State.PENDING, Assignment.State.ACCEPTED)


def remember_assisting(ticket: Ticket, department_ids) -> None:
    """The departments with an open assisting assignment of the ticket, read with it (`selectors.ticket_lock`):
    `roles_for` uses them instead of a query of its own, until the assignments change (`forget_assisting`)."""
    ticket._qihu_assisting = frozenset(department_ids)


def forget_assisting(ticket: Ticket) -> None:
    ticket.__dict__.pop("_qihu_assisting", None)


def _assists(access: Access, ticket: Ticket) -> bool:
    """One of the user's departments is an open assisting assignment of the ticket (read with the locked ticket,
    or from the prefetched assignments when the page loaded them, else one query)."""
    assisting = getattr(ticket, "_qihu_assisting", None)
    if assisting is not None:
        return not assisting.isdisjoint(access.department_ids)
    if "assignments" in getattr(ticket, "_prefetched_objects_cache", {}):
        return any(
            a.role == Assignment.Role.ASSIST and a.state in OPEN_ASSIGNMENT and a.department_id in access.department_ids
            for a in ticket.assignments.all()
        )
    return ticket.assignments.filter(
        role=Assignment.Role.ASSIST, state__in=OPEN_ASSIGNMENT, department_id__in=access.department_ids
    ).exists()


def roles_for(access: Access, ticket: Ticket) -> frozenset[str]:
    """The roles this user holds for this (visible) ticket: the keys into the transition table."""
    roles = set(access.global_roles)
    if access.company_id and ticket.company_id == access.company_id:
        roles.add(Role.COMPANY_USER)
    if ticket.lead_department_id in access.department_ids:
        roles.add(Role.HANDLER)
        if ticket.lead_department_id in access.head_of:
            roles.add(Role.DEPT_HEAD)
    if access.department_ids and _assists(access, ticket):
        roles.add(ASSIST_HANDLER)
    if ticket.chain_id in access.chain_ids:
        roles.add(Role.CHAIN_LEADER)
    if ticket.intake_department_id in access.intake_department_ids:
        roles.add(Role.INTAKE)  # no action in the transition table: the filing desk follows, it does not handle
    return frozenset(roles)


# -- personal data --------------------------------------------------------------------------------
# Who works the ticket sees personal data in full; everyone else sees it masked (DESIGN.md §1).
# The intake desk that took the call typed the caller's number in, and may have to call back.
HANDLING_PATH = frozenset(
    {Role.COMPANY_USER, Role.HANDLER, Role.DEPT_HEAD, ASSIST_HANDLER, Role.DISPATCHER, Role.INTAKE}
)


def mask_phone(phone: str) -> str:
    """13905701234 → 139****1234; a shorter number shows at most a third of itself, its last digits."""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    shown = len(phone) // 3
    return "*" * (len(phone) - shown) + phone[len(phone) - shown :]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name only."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def contact_for(roles: frozenset[str], ticket: Ticket) -> tuple[str, str]:
    """The company's contact person and phone for the ticket as these roles may see them (API and pages): the
    phone masked for everyone (the handling path reveals it with an audited click: privacy.services.contact_reveal),
    the name too outside the handling path."""
    phone = mask_phone(ticket.contact_phone) if ticket.contact_phone else ""
    return (ticket.contact_name if may_reveal_contact(roles) else mask_name(ticket.contact_name)), phone


def may_reveal_contact(roles: frozenset[str]) -> bool:
    return bool(roles & HANDLING_PATH)
