"""Which pages each role may open (DESIGN.md §1): one rule for the menu, the landing page and the pages' own
checks. A page outside a user's menu answers 403 with the site's page in the user's language; the first page
of the menu is where the user lands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from audit.access import is_auditor
from digests.services import has_digest

from .. import selectors
from ..access import Access, access_for


def _company(access: Access) -> bool:
    return bool(access.company_id)


def _official(access: Access) -> bool:
    return bool(access.department_ids or access.global_roles or access.sees_all)


def _chain_leader(access: Access) -> bool:
    return bool(access.chain_ids)


def _intake(access: Access) -> bool:
    return bool(access.intake_department_ids)


def _has_queue(access: Access) -> bool:
    return selectors.queue_kind(access) != "none"


@dataclass(frozen=True)
class Page:
    name: str  # the URL's name
    label: str
    may_open: Callable[[Access], bool]
    refusal: str  # what the 403 page says to whoever may not open it


# In the order of the menu; a user lands on the first they may open (their main page).
PAGES = [
    Page("web-my-tickets", _("我的诉求"), _company, _("只有企业用户可以查看本企业的诉求。")),
    Page("web-ticket-new", _("提交诉求"), _company, _("只有企业用户可以提交诉求。")),
    Page("web-my-chain", _("产业链工作台"), _chain_leader, _("只有链长和产业链专班可以打开产业链工作台。")),
    Page("web-workbench", _("工作台"), _has_queue, _("工作台属于承办部门、研判员和督办员。")),
    Page("intake-desk", _("代录"), _intake, _("只有受理员（热线、窗口和驻企服务人员）可以代企业录入诉求。")),
    Page("intake-meeting-new", _("亲清会"), _intake, _("只有受理员可以记录亲清会。")),
    Page("web-dashboard", _("统计"), _official, _("只有政府部门用户可以查看统计。")),
    Page("digests-preview", _("每周简报"), has_digest, _("每周简报发给部门负责人、链长和督办员。")),
]
BY_NAME = {page.name: page for page in PAGES}
# The auditor's one page (三员分立): not a ticket role, so not in PAGES; audit/access.py decides who opens it.
AUDIT_PAGE = Page("audit-log", _("安全审计"), lambda access: False, _("只有审计员可以查看安全审计记录。"))


def menu_for(user) -> list[Page]:
    if not user.is_authenticated:
        return []
    if is_auditor(user):
        return [AUDIT_PAGE]
    access = access_for(user)
    return [page for page in PAGES if page.may_open(access)]


def landing_url(user) -> str | None:
    pages = menu_for(user)
    if not pages and user.is_staff:  # the security administrator: accounts and roles are in the admin
        return reverse("admin:index")
    return reverse(pages[0].name) if pages else None


def require_page(user, name: str) -> None:
    """Refuse (403) a page that is not in the user's menu."""
    page = BY_NAME[name]
    if not page.may_open(access_for(user)):
        raise PermissionDenied(page.refusal)


def menu(request) -> dict:
    """Template context: the user's menu (read only when a page renders it)."""
    return {"menu": SimpleLazyObject(lambda: menu_for(request.user))}
