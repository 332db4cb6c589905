"""The transition table of the closed loop (DESIGN.md §3): the one place that says who may do what, when.

Each action names the statuses it may start from, the statuses it may lead to (none: a flag that leaves
the status as it is) and the roles that may take it. Roles are held *for a ticket*: `handler` means a
member of the ticket's lead department, `assist_handler` a member of an assisting one, `company_user`
someone of the ticket's own company (see `tickets.access`). `system` is the platform itself (workers,
sweepers) and is never a person's role.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role

from .models import OPEN_STATUSES, Status

ASSIST_HANDLER = "assist_handler"  # a member of an assisting department (not a role of its own)
HANDLERS = frozenset({Role.HANDLER, Role.DEPT_HEAD})
REVIEWERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR})
PARTICIPANTS = frozenset({Role.COMPANY_USER, *HANDLERS, ASSIST_HANDLER, *REVIEWERS, Role.CHAIN_LEADER})
BEFORE_REPLY = frozenset({Status.SUBMITTED, Status.PENDING_DISPATCH, Status.ASSIGNED, Status.ACCEPTED, Status.ON_HOLD})
IN_HANDLING = frozenset({Status.ACCEPTED, Status.ON_HOLD})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    targets: tuple[str, ...]  # () = a flag: the status stays
    roles: frozenset[str]

    @property
    def slug(self) -> str:
        """The URL segment: `request_info` → `request-info`."""
        return self.name.replace("_", "-")

    @property
    def is_public_api(self) -> bool:
        """Actions a person takes get an endpoint; the platform's own ones do not."""
        return bool(self.roles - {Role.SYSTEM}) and bool(self.sources)


def _a(name, label, sources, targets, roles) -> Action:
    return Action(name, label, frozenset(sources), tuple(targets), frozenset(roles))


S = Status
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _a("submit", _("提交诉求"), [], [S.SUBMITTED], [Role.COMPANY_USER]),
        _a("triage", _("问题研判"), [S.SUBMITTED], [S.ASSIGNED, S.PENDING_DISPATCH, S.REJECTED], [Role.SYSTEM]),
        _a("dispatch", _("派单"), [S.PENDING_DISPATCH], [S.ASSIGNED], [Role.DISPATCHER]),
        _a("accept", _("签收"), [S.ASSIGNED], [S.ACCEPTED], HANDLERS),
        _a("return", _("退回"), [S.ASSIGNED], [S.PENDING_DISPATCH], HANDLERS),
        _a("request_info", _("要求补充材料"), [S.ACCEPTED], [S.ON_HOLD], HANDLERS),
        _a("provide_info", _("补充材料"), [S.ON_HOLD], [S.ACCEPTED], [Role.COMPANY_USER]),
        _a("request_extension", _("申请延期"), IN_HANDLING, [], HANDLERS),
        _a("decide_extension", _("审批延期"), IN_HANDLING, [], [Role.SUPERVISOR]),
        _a("assist_report", _("协办反馈"), IN_HANDLING, [], [ASSIST_HANDLER]),
        _a("reply", _("答复"), [S.ACCEPTED], [S.REPLIED], HANDLERS),
        _a("confirm", _("企业评价"), [S.REPLIED], [S.CLOSED, S.DISPUTED], [Role.COMPANY_USER]),
        _a("reopen", _("重办"), [S.DISPUTED], [S.ACCEPTED], REVIEWERS),
        _a("close", _("复核办结"), [S.DISPUTED], [S.CLOSED], REVIEWERS),
        _a("close_unevaluated", _("逾期未评价办结"), [S.REPLIED], [S.CLOSED], [Role.SYSTEM]),
        _a("withdraw", _("撤回"), [S.SUBMITTED, S.PENDING_DISPATCH, S.ASSIGNED], [S.WITHDRAWN], [Role.COMPANY_USER]),
        _a("reject", _("不予受理"), [S.SUBMITTED, S.PENDING_DISPATCH], [S.REJECTED], [Role.DISPATCHER]),
        _a("escalate", _("超时预警与升级督办"), [S.ASSIGNED, S.ACCEPTED], [], [Role.SYSTEM]),
        # From filing on: a leader's assignment (领导交办) is supervised before it is even dispatched.
        _a("supervise", _("督办"), BEFORE_REPLY, [], [Role.SUPERVISOR, Role.SYSTEM]),
        _a("comment", _("留言"), OPEN_STATUSES, [], PARTICIPANTS),
        _a("attach", _("上传附件"), OPEN_STATUSES, [], [Role.COMPANY_USER, *HANDLERS, ASSIST_HANDLER]),
        _a("merge", _("并单"), [S.SUBMITTED, S.PENDING_DISPATCH, S.ASSIGNED], [], [Role.DISPATCHER, Role.SYSTEM]),
        _a("archive", _("历史归档"), [S.SUBMITTED], [S.CLOSED], [Role.SYSTEM]),
        _a("inform", _("清单事项告知"), list(Status), [], [Role.SYSTEM]),
        _a("answer_with_primary", _("随主件答复"), BEFORE_REPLY, [S.REPLIED], [Role.SYSTEM]),
        # A common problem's owner answers every member ticket that has been routed and not yet answered.
        _a("answer_with_problem", _("共性问题统一答复"), BEFORE_REPLY - {S.SUBMITTED}, [S.REPLIED], [Role.SYSTEM]),
    ]
}

PUBLIC_ACTIONS = [a for a in ACTIONS.values() if a.is_public_api]


def allowed_actions(*, status: str, roles: frozenset[str] | set[str]) -> list[Action]:
    """Public actions these roles may take in this status (what a page or client should offer)."""
    return [a for a in PUBLIC_ACTIONS if status in a.sources and a.roles & roles]


# The step that moves a ticket along the loop, for whoever takes it: on a ticket page its form is the one open,
# the others stay folded (DESIGN.md §3). Irreversible actions (withdraw, return, reject, close, merge) are never
# opened for the user; a form that just failed is opened again instead, with what was typed.
NEXT_STEPS = ("dispatch", "accept", "reply", "assist_report", "provide_info", "confirm", "decide_extension")


def opening_action(actions: list[Action], *, failed: str | None = None) -> str | None:
    """Which of the offered actions' forms a page opens: the one that failed, else the next step, else none."""
    names = [a.name for a in actions]
    if failed in names:
        return failed
    return next((name for name in NEXT_STEPS if name in names), None)
