"""The transition table says what DESIGN.md §3 says: written out here by hand, independently."""

from tickets.transitions import ACTIONS, PUBLIC_ACTIONS, allowed_actions

HANDLER = {"handler", "dept_head"}
DESIGN = {  # action: (from, to, roles)
    "submit": (set(), {"submitted"}, {"company_user"}),
    "triage": ({"submitted"}, {"assigned", "pending_dispatch", "rejected"}, {"system"}),
    "dispatch": ({"pending_dispatch"}, {"assigned"}, {"dispatcher"}),
    "accept": ({"assigned"}, {"accepted"}, HANDLER),
    "return": ({"assigned"}, {"pending_dispatch"}, HANDLER),
    "request_info": ({"accepted"}, {"on_hold"}, HANDLER),
    "provide_info": ({"on_hold"}, {"accepted"}, {"company_user"}),
    "request_extension": ({"accepted", "on_hold"}, set(), HANDLER),
    "decide_extension": ({"accepted", "on_hold"}, set(), {"supervisor"}),
    "assist_report": ({"accepted", "on_hold"}, set(), {"assist_handler"}),
    "reply": ({"accepted"}, {"replied"}, HANDLER),
    "confirm": ({"replied"}, {"closed", "disputed"}, {"company_user"}),
    "reopen": ({"disputed"}, {"accepted"}, {"dispatcher", "supervisor"}),
    "close": ({"disputed"}, {"closed"}, {"dispatcher", "supervisor"}),
    "close_unevaluated": ({"replied"}, {"closed"}, {"system"}),
    "withdraw": ({"submitted", "pending_dispatch", "assigned"}, {"withdrawn"}, {"company_user"}),
    "reject": ({"submitted", "pending_dispatch"}, {"rejected"}, {"dispatcher"}),
    # From filing on (issue 17): a leader's assignment (领导交办) is supervised before it is dispatched.
    "supervise": (
        {"submitted", "pending_dispatch", "assigned", "accepted", "on_hold"},
        set(),
        {"supervisor", "system"},
    ),
    "escalate": ({"assigned", "accepted"}, set(), {"system"}),
    "comment": (
        {"submitted", "pending_dispatch", "assigned", "accepted", "on_hold", "replied", "disputed"},
        set(),
        {"company_user", "assist_handler", "dispatcher", "supervisor", "chain_leader"} | HANDLER,
    ),
    "attach": (
        {"submitted", "pending_dispatch", "assigned", "accepted", "on_hold", "replied", "disputed"},
        set(),
        {"company_user", "assist_handler"} | HANDLER,
    ),
    "merge": ({"submitted", "pending_dispatch", "assigned"}, set(), {"dispatcher", "system"}),
    "archive": ({"submitted"}, {"closed"}, {"system"}),
    "answer_with_primary": (
        {"submitted", "pending_dispatch", "assigned", "accepted", "on_hold"},
        {"replied"},
        {"system"},
    ),
    # A common problem's answer (DESIGN.md §6), given to each member ticket once it has been routed.
    "inform": (
        {
            "submitted",
            "pending_dispatch",
            "assigned",
            "accepted",
            "on_hold",
            "replied",
            "disputed",
            "closed",
            "withdrawn",
            "rejected",
        },
        set(),
        {"system"},
    ),
    "answer_with_problem": ({"pending_dispatch", "assigned", "accepted", "on_hold"}, {"replied"}, {"system"}),
}


def test_table_matches_design():
    actual = {name: (set(a.sources), set(a.targets), set(a.roles)) for name, a in ACTIONS.items()}
    assert actual == DESIGN


def test_only_actions_people_take_get_endpoints():
    assert {a.slug for a in PUBLIC_ACTIONS} == {
        "dispatch", "accept", "return", "request-info", "provide-info", "request-extension", "decide-extension",
        "assist-report", "reply", "confirm", "reopen", "close", "withdraw", "reject", "supervise", "comment", "merge",
        "attach",
    }  # fmt: skip


def test_allowed_actions_for_a_handler_of_an_assigned_ticket():
    assert [a.name for a in allowed_actions(status="assigned", roles={"handler"})] == [
        "accept",
        "return",
        "comment",
        "attach",
    ]
