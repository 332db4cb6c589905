"""Who is who among the accounts (三员分立, DESIGN.md §1): one rule each, used by the second factor, password
expiry and the admin's account pages."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def is_government_account(user) -> bool:
    """Officials (a department membership) and administrators of every kind: the accounts the second factor and
    password expiry apply to. Company users are not."""
    return bool(
        user.is_staff or user.is_superuser or user.is_auditor or user.is_security_admin or user.memberships.exists()
    )


def is_security_admin(user) -> bool:
    """The security administrator: flagged, staff (the admin's pages), and nothing else — not the system
    administrator (superuser), not the auditor, not an official or a company user."""
    if not (user.is_authenticated and user.is_active and user.is_security_admin and user.is_staff):
        return False
    return not (user.is_superuser or user.is_auditor or user.company_id or user.memberships.exists())


def require_security_admin(user) -> None:
    if not is_security_admin(user):
        raise PermissionDenied(_("只有安全管理员可以管理账号和角色。"))
