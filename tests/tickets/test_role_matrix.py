"""Every public action × every persona, generated from the transition table.

For each action the ticket is put in a status the action starts from; then each persona tries it with a
valid body. Expected: 404 for a persona who may not see the ticket, 403 for one who sees it but holds
none of the action's roles, 200 (and exactly one new event of that action) for the others.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from tickets.models import Status, TicketEvent
from tickets.transitions import ASSIST_HANDLER, PUBLIC_ACTIONS

from ..conftest import api

PERSONA_ROLES = {
    "company_user": {Role.COMPANY_USER},
    "other_company_user": set(),
    "handler": {Role.HANDLER},
    "dept_head": {Role.HANDLER, Role.DEPT_HEAD},
    "assist_handler": {ASSIST_HANDLER},
    "other_handler": set(),
    "dispatcher": {Role.DISPATCHER},
    "supervisor": {Role.SUPERVISOR},
    "chain_leader": {Role.CHAIN_LEADER},
    "admin": set(),
}
START = {  # the status each action is tried from (one of its sources)
    "dispatch": Status.PENDING_DISPATCH,
    "accept": Status.ASSIGNED,
    "return": Status.ASSIGNED,
    "request_info": Status.ACCEPTED,
    "provide_info": Status.ON_HOLD,
    "request_extension": Status.ACCEPTED,
    "decide_extension": Status.ACCEPTED,
    "assist_report": Status.ACCEPTED,
    "reply": Status.ACCEPTED,
    "confirm": Status.REPLIED,
    "reopen": Status.DISPUTED,
    "close": Status.DISPUTED,
    "withdraw": Status.ASSIGNED,
    "reject": Status.PENDING_DISPATCH,
    "supervise": Status.ACCEPTED,
    "comment": Status.ACCEPTED,
    "merge": Status.ASSIGNED,
    "attach": Status.ACCEPTED,
}
BODIES = {
    "dispatch": {"lead": "gongdian", "assisting": ["fagai"]},
    "return": {"reason": "不属于本单位职责，请改派属地政府。"},
    "request_info": {"note": "请补充用电报装申请表。"},
    "provide_info": {"note": "已上传申请表。"},
    "request_extension": {"days": 3, "reason": "需协调电网改造计划。"},
    "decide_extension": {"approve": True, "days": 2},
    "assist_report": {"body": "已核定能耗指标。"},
    "reply": {"body": "已安排客户经理上门勘察。", "basis": "衢电营〔2026〕12号"},
    "confirm": {"contacted": True, "resolved": "resolved", "satisfaction": "satisfied", "comment": "满意"},
    "reopen": {"note": "企业反映仍未解决。"},
    "close": {"note": "经复核，答复合理。"},
    "reject": {"reason": "属于诉讼中的纠纷，不予受理。"},
    "supervise": {"level": "normal", "note": "请加快办理。"},
    "comment": {"body": "请问目前进展如何？"},
}


def visible(persona: str, ticket, world) -> bool:
    assignments = set(ticket.assignments.values_list("department__code", flat=True))
    return {
        "company_user": True,
        "other_company_user": False,
        "handler": ticket.lead_department_id == world.lead.pk or "gongdian" in assignments,
        "dept_head": ticket.lead_department_id == world.lead.pk or "gongdian" in assignments,
        "assist_handler": "fagai" in assignments,
        "other_handler": False,
        "dispatcher": True,
        "supervisor": True,
        "chain_leader": ticket.chain_id == world.chain.pk,
        "admin": True,
    }[persona]


def test_every_public_action_is_covered():
    assert {a.name for a in PUBLIC_ACTIONS} == set(START)


@pytest.mark.parametrize("persona", PERSONA_ROLES)
@pytest.mark.parametrize("action", PUBLIC_ACTIONS, ids=lambda a: a.name)
def test_role_matrix(action, persona, world, make_ticket):
    ticket = make_ticket(START[action.name])
    body = dict(BODIES.get(action.name, {}))
    if action.name == "decide_extension":
        api(world.handler).post(f"/api/v1/tickets/{ticket.pk}/request-extension/", BODIES["request_extension"])
    if action.name == "merge":
        body["primary"] = make_ticket(Status.ASSIGNED).pk
    upload = action.name == "attach"
    if upload:
        body["files"] = [SimpleUploadedFile("用电报装申请表.pdf", b"%PDF-1.4\n%%EOF\n")]
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    response = api(world.people[persona]).post(
        f"/api/v1/tickets/{ticket.pk}/{action.slug}/", body, format="multipart" if upload else "json"
    )

    if not visible(persona, ticket, world):
        assert response.status_code == 404, response.data
    elif not PERSONA_ROLES[persona] & action.roles:
        assert response.status_code == 403, response.data
        assert TicketEvent.objects.filter(ticket=ticket).count() == events_before
    else:
        assert response.status_code == 200, response.data
        new = TicketEvent.objects.filter(ticket=ticket).order_by("id")[events_before:]
        assert [e.action for e in new] == [action.name]
        assert new[0].actor == world.people[persona]
        if action.targets:
            assert response.data["status"] in action.targets
        else:
            assert response.data["status"] == START[action.name]
