"""The roles of DESIGN.md §1. What a user may do to a ticket depends on the roles they hold *for it*."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMPANY_USER = "company_user", _("企业用户")
    DISPATCHER = "dispatcher", _("研判员")
    HANDLER = "handler", _("承办人")
    DEPT_HEAD = "dept_head", _("部门负责人")
    SUPERVISOR = "supervisor", _("督办员")
    CHAIN_LEADER = "chain_leader", _("链长/专班")
    INTAKE = "intake", _("受理员")
    ADMIN = "admin", _("管理员")
    AUDITOR = "auditor", _("审计员")  # a user flag (User.is_auditor), not a membership: audit/access.py
    SECURITY_ADMIN = "security_admin", _("安全管理员")  # a user flag too (三员分立)
    SYSTEM = "system", _("系统")


# Roles held through a department membership (the rest come from the company link or superuser).
MEMBERSHIP_ROLES = [
    (r.value, r.label)
    for r in (Role.HANDLER, Role.DEPT_HEAD, Role.DISPATCHER, Role.SUPERVISOR, Role.CHAIN_LEADER, Role.INTAKE)
]
