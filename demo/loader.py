"""Load the demo: reference data, logins (DESIGN.md §8) and a few hundred tickets in every status.

Tickets are not written as rows: each one is driven through the real services at past instants
(time-machine), so its events, deadlines and assignments are exactly what the platform would have made.
Idempotent: reference data is updated in place; tickets are generated only once.
"""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta

import time_machine
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from companies.credit_code import CHARSET, check_character
from companies.models import Company, IndustryChain
from departments.models import Department, Membership
from intake.services import MeetingRequest, meeting_record
from partners.models import Partner, PartnerKey
from partners.services import partner_create
from problems.models import Problem
from problems.services import problems_detect, window_start
from tickets.models import CategorySource, Evaluation, Source, Status, Ticket
from tickets.services import OnBehalf, ticket_apply, ticket_create
from triage.engine import train_model
from triage.models import Category, RoutingRule, TriageModel
from triage.router import priority_of, request_type_of, route
from triage.services import refresh_pending_suggestions

from . import content, reference

PASSWORD = "qihu-demo"
INTAKE_LOGIN = "shouli-rexian"
# Requests filed at the intake desk for companies: (channel, how far along the loop, the leader who assigned it).
INTAKE_TICKETS = [
    (Source.HOTLINE, "closed", ""), (Source.HOTLINE, "accepted", ""), (Source.COUNTER, "assigned", ""),
    (Source.VISIT, "replied", ""), (Source.LEADER, "accepted", "王副市长"), (Source.HOTLINE, "pending_dispatch", ""),
]  # fmt: skip
# The demo partner system's key (docs/integrations.md): fixed, so that the docs' examples run against `make run`.
# Demo data only, loaded like the rest of the demo (refused with DEBUG off).
DEMO_PARTNER = ("hotline12345", "12345 热线平台")
DEMO_KEY_ID, DEMO_SECRET = "qk_demo12345", "qihu-demo-partner-secret"
TICKETS = 320
# How far along the loop each demo ticket goes, with weights (several hundred tickets in every status).
TARGETS = [
    ("pending_dispatch", 6), ("assigned", 8), ("accepted", 12), ("on_hold", 4), ("replied", 8),
    ("disputed", 3), ("closed", 40), ("withdrawn", 3), ("rejected", 3), ("reopened", 3), ("returned", 3),
    ("unevaluated", 4), ("submitted", 1),
]  # fmt: skip


# How many days ago a demo ticket was filed, by target: the ones still awaiting evaluation are recent.
# Work in progress is spread so that the queues show green, yellow and red lights.
AGE_DAYS = {
    "submitted": (0, 0), "pending_dispatch": (0.5, 4), "assigned": (0.1, 2), "accepted": (1, 12), "on_hold": (2, 10),
    "replied": (5, 9), "disputed": (5, 12),
}  # fmt: skip


def credit_code(index: int) -> str:
    """A valid, fictional unified social credit code: 91 (enterprise), 330800 (Quzhou), 9 digits, check."""
    body = f"91330800MA{index:07d}"
    body = body[:17]
    body = "".join(ch if ch in CHARSET else "0" for ch in body)
    return body + check_character(body)


def load_reference() -> dict[str, Department]:
    english = reference.ENGLISH
    for code, name in reference.CHAINS:
        IndustryChain.objects.update_or_create(code=code, defaults={"name": name, "name_en": english[code]})
    chains = {c.code: c for c in IndustryChain.objects.all()}
    for kind, rows in (
        (Department.Kind.CITY, reference.CITY_DEPARTMENTS),
        (Department.Kind.COUNTY, reference.COUNTIES),
        (Department.Kind.SERVICE, reference.SERVICE_BOARDS),
    ):
        for code, name in rows:
            Department.objects.update_or_create(
                code=code, defaults={"name": name, "name_en": english[code], "kind": kind}
            )
    for code, name in reference.CHAINS:
        Department.objects.update_or_create(
            code=f"zhuanban-{code}",
            defaults={
                "name": f"{name}产业链专班",
                "name_en": f"{english[code]} chain working group",
                "kind": Department.Kind.CHAIN_GROUP,
                "chain": chains[code],
            },
        )
    departments = {d.code: d for d in Department.objects.all()}
    for county_code, _name in reference.COUNTIES:
        Department.objects.filter(code=county_code).update(region=departments[county_code])

    for position, (code, name, keywords, lead, assisting) in enumerate(reference.CATEGORIES):
        category, _created = Category.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": english[code], "keywords": keywords, "position": position}
        )
        _rule(category, departments[lead], [departments[a] for a in assisting])
        if code in reference.COUNTY_LED:
            for county_code, _name in reference.COUNTIES:
                _rule(category, departments[county_code], [departments[reference.COUNTY_LED[code]]],
                      district=departments[county_code])  # fmt: skip
        if code == "chain":
            for chain_code, _name in reference.CHAINS:
                _rule(category, departments[f"zhuanban-{chain_code}"], [departments["jingxin"]],
                      chain=chains[chain_code])  # fmt: skip
    return departments


def _rule(category, lead, assisting, *, district=None, chain=None) -> None:
    rule, _created = RoutingRule.objects.update_or_create(
        category=category, district=district, chain=chain, defaults={"lead": lead}
    )
    rule.assisting.set(assisting)


def load_people(departments: dict[str, Department]) -> list[User]:
    """Companies and every demo login; one password hash shared (hashing is slow on purpose)."""
    password = make_password(PASSWORD)
    chains = {c.code: c for c in IndustryChain.objects.all()}

    def user(username: str, name: str, **fields) -> User:
        account, _created = User.objects.update_or_create(
            username=username,
            # the password chosen now: a reloaded demo's officials are not sent to change an expired one
            defaults={
                "first_name": name,
                "password": password,
                "password_changed_at": timezone.now(),
                "email": f"{username}@demo.qihu.local",
                **fields,
            },
        )
        return account

    def member(account: User, department: Department, role: str) -> None:
        Membership.objects.get_or_create(user=account, department=department, role=role)

    user("admin", "系统管理员", is_staff=True, is_superuser=True)
    user("anquan", "安全管理员", is_staff=True, is_security_admin=True)  # accounts and roles (三员分立)
    user("shenji", "安全审计员", is_auditor=True)  # reads the audit log only
    member(user("shouli", "受理研判员"), departments["fuwu"], Role.DISPATCHER)
    member(user("duban", "效能督办员"), departments["xiaoneng"], Role.SUPERVISOR)
    # The service centre's intake desk (代录): 12345-8 hotline calls, counter visits, meetings, leaders' tasks.
    member(user(INTAKE_LOGIN, "热线受理员"), departments["fuwu"], Role.INTAKE)
    for code, name in reference.CHAINS:
        member(user(f"lianzhang-{code}", f"{name}链长"), departments[f"zhuanban-{code}"], Role.CHAIN_LEADER)
    for department in departments.values():
        member(user(f"banli-{department.code}", f"{department.name}承办人"), department, Role.HANDLER)
        member(user(f"kezhang-{department.code}", f"{department.name}负责人"), department, Role.DEPT_HEAD)

    company_users = []
    for index, row in enumerate(content.COMPANIES, start=1):
        company, _created = Company.objects.update_or_create(
            credit_code=credit_code(index),
            defaults={
                "name": row["name"], "district": departments[row["district"]], "address": row["address"],
                "contact_name": row["contact"], "contact_phone": row["phone"],
            },
        )  # fmt: skip
        company.chains.set([chains[row["chain"]]])
        company_users.append(user(f"qiye{index}", row["contact"], company=company, phone=row["phone"]))
    return company_users


def load_tickets(company_users: list[User], *, count: int = TICKETS, seed: int = 2026) -> int:
    """Drive `count` tickets through the loop, each to a target state, at realistic past instants."""
    if Ticket.objects.filter(source=Source.DEMO).exists():
        return 0
    rng = random.Random(seed)
    categories = {c.code: c for c in Category.objects.all()}
    officials = {u.username: u for u in User.objects.filter(username__in=["shouli", "duban"])}
    names, weights = zip(*TARGETS, strict=True)
    now = timezone.now()
    for n in range(count):
        submitter = company_users[n % len(company_users)]
        request = content.REQUESTS[rng.randrange(len(content.REQUESTS))]
        target = rng.choices(names, weights)[0]
        start = now - timedelta(days=rng.uniform(*AGE_DAYS.get(target, (20, 80))))
        _drive(rng, submitter, request, categories[request["category"]], target, start, officials)
    return count


class _Now(Exception):
    """The next step of a demo ticket would lie in the future: it stays where it is."""


def fitting_reply(request_text: str, replies: list[str]) -> str:
    """The category's answer that shares most character pairs with the request: the water-pressure request gets
    the answer about water pressure, not the one about sewage."""
    asked = {request_text[i : i + 2] for i in range(len(request_text) - 1)}
    return max(replies, key=lambda reply: len(asked & {reply[i : i + 2] for i in range(len(reply) - 1)}))


def load_intake(company_users: list[User], fuwu: Department, *, seed: int = 17) -> int:
    """Requests the service centre's intake desk filed for companies (a call, a counter visit, a company visit, a
    leader's assignment), driven along the loop like the others, and a recent 亲清会 of three companies."""
    if Ticket.objects.filter(intake_department__isnull=False).exists():
        return 0
    rng = random.Random(seed)
    staff = User.objects.get(username=INTAKE_LOGIN)
    categories = {c.code: c for c in Category.objects.all()}
    officials = {u.username: u for u in User.objects.filter(username__in=["shouli", "duban"])}
    now = timezone.now()
    for n, (source, target, leader) in enumerate(INTAKE_TICKETS):
        company_user = company_users[(7 * n + 3) % len(company_users)]
        request = content.REQUESTS[rng.randrange(len(content.REQUESTS))]
        filing = {
            "submitter": staff, "source": source, "contact_name": company_user.first_name,
            "contact_phone": company_user.phone,
            "on_behalf": OnBehalf(company=company_user.company, department=fuwu, leader_name=leader),
        }  # fmt: skip
        start = now - timedelta(days=rng.uniform(*AGE_DAYS.get(target, (10, 40))))
        _drive(rng, company_user, request, categories[request["category"]], target, start, officials, filing)
    attending = company_users[:3]
    with time_machine.travel(now - timedelta(days=2), tick=False):
        meeting_record(
            staff=staff, department=fuwu, title="2026年第4期亲清会（新材料产业链专场）",
            held_on=timezone.localdate(), place="市行政服务中心三楼会议室", officials="王副市长、市经信局、市发改委",
            requests=[
                MeetingRequest(company=u.company, title=r["title"], description=r["description"],
                               caller_name=u.first_name, caller_phone=u.phone)
                for u, r in zip(attending, content.REQUESTS[-3:], strict=True)
            ],
        )  # fmt: skip
    return len(INTAKE_TICKETS) + len(attending)


def _drive(rng, submitter, request, category, target, start, officials, filing=None) -> None:
    with contextlib.suppress(_Now):
        _drive_steps(rng, submitter, request, category, target, start, officials, filing)


def _drive_steps(rng, submitter, request, category, target, start, officials, filing=None) -> None:
    """`submitter` is the company's user, who withdraws, adds material and evaluates; `filing` (ticket_create's
    arguments) files the request at the intake desk on its behalf instead of by that user."""
    clock = {"t": start}
    real_now = timezone.now()

    def at(hours: float):
        clock["t"] += timedelta(hours=hours)
        if clock["t"] > real_now:
            raise _Now
        return time_machine.travel(clock["t"], tick=False)

    def act(actor, action, **params):
        return ticket_apply(ticket_id=ticket.pk, action=action, actor=actor, **params)

    with at(0):
        own = {"submitter": submitter, "source": Source.DEMO}
        ticket, _created = ticket_create(
            title=request["title"], description=request["description"], triage_later=target == "submitted",
            **own | (filing or {}),
        )  # fmt: skip
    if target == "submitted":
        return
    if target == "withdrawn" and rng.random() < 0.5:
        with at(0.5):
            act(submitter, "withdraw", note="问题已自行解决，撤回诉求。")
        return
    text = request["title"] + request["description"]
    company = submitter.company
    chain = company.chains.first()
    rule = route(category=category, district_id=company.district_id, chain_id=chain.pk if chain else None)
    parked = target in ("pending_dispatch", "rejected") or rng.random() < 0.15
    with at(0.02):
        act(None, "triage", outcome=Status.PENDING_DISPATCH if parked else Status.ASSIGNED,
            lead=None if parked else rule.lead, assisting=[] if parked else list(rule.assisting.all()),
            category=category, priority="urgent" if request["urgent"] else priority_of(text),
            request_type=request.get("request_type") or request_type_of(text), chain=chain,
            category_source=CategorySource.HISTORY, note=f"分类：{category.name}")  # fmt: skip
    dispatcher = officials["shouli"]
    if target == "pending_dispatch":
        return
    if target == "rejected":
        with at(3):
            act(dispatcher, "reject", reason="该事项属于司法诉讼程序中的争议，不属于平台受理范围，请通过法律途径解决。")
        return
    if parked:
        with at(rng.uniform(1, 5)):
            act(dispatcher, "dispatch", lead=rule.lead, assisting=list(rule.assisting.all()), category=category)
    handler = User.objects.get(username=f"banli-{rule.lead.code}")
    if target == "withdrawn":
        with at(1):
            act(submitter, "withdraw", note="已与相关部门电话沟通，撤回。")
        return
    if target == "assigned":
        return
    if target == "returned":
        with at(rng.uniform(0.5, 4)):
            act(handler, "return", reason="该事项不属于本单位职责范围，建议改派属地政府。")
        return
    with at(rng.uniform(0.5, 20)):
        act(handler, "accept")
    if rng.random() < 0.3:
        with at(rng.uniform(1, 24)):
            act(handler, "comment", body=rng.choice(content.COMMENTS), public=True)
    if target == "on_hold":
        with at(rng.uniform(2, 30)):
            act(handler, "request_info", note="请补充相关合同、发票及现场照片等材料。")
        return
    if target == "accepted":
        return
    if rng.random() < 0.2:
        with at(rng.uniform(2, 30)):
            act(handler, "request_info", note="请补充项目立项文件。")
        with at(rng.uniform(4, 48)):
            act(submitter, "provide_info", note="已上传立项批复文件，请查收。")
    with at(rng.uniform(8, 90)):
        act(handler, "reply", body=fitting_reply(text, content.REPLIES[category.code]), basis="")
    if target in ("replied",):
        return
    if target == "unevaluated":
        with at(7 * 24 + 1):
            act(None, "close_unevaluated")
        return
    unhappy = target in ("disputed", "reopened")
    with at(rng.uniform(2, 72)):
        act(submitter, "confirm", contacted=True,
            resolved=Evaluation.Resolved.UNRESOLVED if unhappy else rng.choice(["resolved", "resolved", "partly"]),
            satisfaction=Evaluation.Satisfaction.UNSATISFIED if unhappy else rng.choice(
                ["satisfied", "satisfied", "basically_satisfied"]),
            comment="问题仍未解决。" if unhappy else "感谢相关部门的帮助！")  # fmt: skip
    if target == "reopened":
        with at(rng.uniform(2, 24)):
            act(officials["duban"], "reopen", note="企业反映问题未解决，经复核需重新办理。")


@transaction.atomic
def load_partner() -> PartnerKey:
    """The 12345 hotline platform as a partner system, with the documented demo key."""
    code, name = DEMO_PARTNER
    partner = Partner.objects.filter(code=code).first() or partner_create(name=name, code=code)
    key, _created = PartnerKey.objects.update_or_create(
        key_id=DEMO_KEY_ID, defaults={"partner": partner, "secret": DEMO_SECRET, "revoked_at": None}
    )
    return key


def load_demo() -> dict[str, int]:
    departments = load_reference()
    company_users = load_people(departments)
    load_partner()
    created = load_tickets(company_users)
    created += load_intake(company_users, departments["fuwu"])
    if not TriageModel.objects.exists():
        train_model()  # the demo's requests are labelled: start with a trained model
        refresh_pending_suggestions()
    if not Problem.objects.exists():
        problems_detect(since=window_start(), index_terms=True)  # the chain workspace shows shared problems
    return {"departments": len(departments), "companies": len(company_users), "tickets": created}
