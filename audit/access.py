"""Who may read the audit log: the auditor, and only a pure one (三员分立). A superuser, a staff member (the
system administrators) or an official or company user who was also flagged an auditor is refused, so that no
one both acts and reads the record of their acts."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def is_auditor(user) -> bool:
    if not (user.is_authenticated and user.is_active and getattr(user, "is_auditor", False)):
        return False
    return not (user.is_superuser or user.is_staff or user.company_id or user.memberships.exists())


def require_auditor(user) -> None:
    if not is_auditor(user):
        raise PermissionDenied(_("只有审计员可以查看安全审计记录。"))
