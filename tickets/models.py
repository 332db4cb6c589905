"""Tickets (诉求/工单) and everything that hangs off one.

`Ticket.status` is written only by `tickets.services.ticket_apply` (and the create service), following the
table in `tickets.transitions`; a check constraint keeps the column to the known values.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceLabels
from common.ids import MAX_ID
from privacy.crypto import EncryptedCharField
from sla.calendar import CITY_TZ
from sla.policies import light_at


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待研判")
    PENDING_DISPATCH = "pending_dispatch", _("待派单")
    ASSIGNED = "assigned", _("待签收")
    ACCEPTED = "accepted", _("办理中")
    ON_HOLD = "on_hold", _("待补充材料")
    REPLIED = "replied", _("待评价")
    DISPUTED = "disputed", _("待复核")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")
    REJECTED = "rejected", _("不予受理")


FINAL_STATUSES = frozenset({Status.CLOSED, Status.WITHDRAWN, Status.REJECTED})
OPEN_STATUSES = frozenset(set(Status) - FINAL_STATUSES)


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Difficulty(models.TextChoices):
    GENERAL = "general", _("一般")
    COMPLEX = "complex", _("复杂")
    HARD = "hard", _("疑难")


class Level(models.TextChoices):
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWN = "town", _("乡镇级")


class RequestType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class Supervision(models.TextChoices):
    NONE = "none", _("未督办")
    NORMAL = "normal", _("督办")
    YELLOW_CARD = "yellow_card", _("黄牌督办")
    RED_CARD = "red_card", _("红牌督办")


class ExtensionStatus(models.TextChoices):
    NONE = "none", _("无")
    REQUESTED = "requested", _("申请中")
    GRANTED = "granted", _("已批准")
    DENIED = "denied", _("未批准")


class CategorySource(models.TextChoices):
    """Who settled the category; the model learns only from categories a person settled."""

    NONE = "", _("未定")
    COMPANY = "company", _("企业选择")
    MODEL = "model", _("模型研判")
    KEYWORDS = "keywords", _("关键词研判")
    DISPATCHER = "dispatcher", _("研判员确定")
    HISTORY = "history", _("历史数据")


LEARNABLE_SOURCES = (CategorySource.DISPATCHER, CategorySource.HISTORY)


class Source(models.TextChoices):
    """The channel a request came in by (涉企问题池: every channel ends in the one ticket_create)."""

    API = "api", _("接口")
    WEB = "web", _("网页")
    HOTLINE = "hotline", _("热线电话")
    COUNTER = "counter", _("窗口受理")
    VISIT = "visit", _("走访")
    MEETING = "meeting", _("亲清会")
    LEADER = "leader", _("领导交办")
    PARTNER = "partner", _("合作系统")
    IMPORT = "import", _("历史导入")
    DEMO = "demo", _("演示数据")


# The channels of the intake desk (代录): staff file these on a company's behalf.
INTAKE_SOURCES = (Source.HOTLINE, Source.COUNTER, Source.VISIT, Source.MEETING, Source.LEADER)


class Ticket(ChoiceLabels, models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="tickets")
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("诉求内容"), max_length=5000)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    # SM4-encrypted at rest; found by its blind index (privacy/crypto.py).
    contact_phone = EncryptedCharField(_("联系电话"), blank=True, index_field="contact_phone_index")
    contact_phone_index = models.CharField(_("联系电话索引"), max_length=64, blank=True, db_index=True, editable=False)
    source = models.CharField(_("渠道"), max_length=10, choices=Source.choices, default=Source.API)
    # Filed at the intake desk (代录) on the company's behalf: by whom, for which service centre or hotline (its
    # intake staff see the ticket), from which meeting, on which leader's assignment. The caller is the contact.
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("代录人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    intake_department = models.ForeignKey(
        "departments.Department", verbose_name=_("受理单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,  # ticket_intake_idx begins with it
    )  # fmt: skip
    meeting = models.ForeignKey(
        "intake.Meeting", verbose_name=_("亲清会"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="tickets",
    )  # fmt: skip
    leader_name = models.CharField(_("交办领导"), max_length=50, blank=True)

    # Triage (问题研判).
    category = models.ForeignKey(
        "triage.Category", verbose_name=_("分类"), on_delete=models.PROTECT, null=True, blank=True
    )
    request_type = models.CharField(_("诉求类型"), max_length=12, choices=RequestType.choices, default=RequestType.HELP)
    priority = models.CharField(_("紧急程度"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    difficulty = models.CharField(_("难度"), max_length=10, choices=Difficulty.choices, default=Difficulty.GENERAL)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, default=Level.CITY)
    chain = models.ForeignKey(
        "companies.IndustryChain", verbose_name=_("产业链"), on_delete=models.PROTECT, null=True, blank=True
    )
    district = models.ForeignKey(
        "departments.Department",
        verbose_name=_("县(市、区)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    category_source = models.CharField(
        _("分类来源"), max_length=12, choices=CategorySource.choices, default=CategorySource.NONE, blank=True
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_note = models.TextField(_("研判说明"), blank=True)
    triage_confidence = models.FloatField(_("研判置信度"), null=True, blank=True)
    # Up to three routes with their reasons, and possible duplicates: what a dispatcher decides from.
    triage_suggestions = models.JSONField(_("研判建议"), default=dict, blank=True)

    # Workflow.
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    lead_department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("主办部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_tickets",
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("并入"), on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    supervision_level = models.CharField(
        _("督办等级"), max_length=12, choices=Supervision.choices, default=Supervision.NONE
    )
    rejection_reason = models.TextField(_("不予受理理由"), blank=True)
    close_reason = models.CharField(_("办结方式"), max_length=20, blank=True)

    # Clocks. `due_at` and `yellow_at` belong to the stage now running and drive the traffic light.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accept_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_in_time = models.BooleanField(null=True, blank=True)
    handle_deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    hold_started_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    evaluate_deadline = models.DateTimeField(_("评价时限"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    yellow_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("当前时限"), null=True, blank=True)
    # The escalation ladder of the running stage (0 none, 1 reminded, 2 red notice, 3 yellow card, 4 red card)
    # and when its next step falls due; null while no clock runs (on hold, answered, closed).
    escalation_step = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)

    # Extension (延期).
    extension_status = models.CharField(
        _("延期"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.NONE
    )
    extension_days_requested = models.PositiveSmallIntegerField(null=True, blank=True)
    extension_days_granted = models.PositiveSmallIntegerField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    extensions_used = models.PositiveSmallIntegerField(default=0)

    # A client's retry of the same POST (same submitter, same key) gets the same ticket.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=64, unique=True, null=True, blank=True)
    # Public support where the source has it (a message board's 赞同/反对): part of a common problem's heat.
    upvotes = models.PositiveIntegerField(_("赞同数"), default=0)
    downvotes = models.PositiveIntegerField(_("反对数"), default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="ticket_status_known"),
            models.UniqueConstraint(
                fields=["submitter", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ticket_idempotency_key_unique",
            ),
            models.UniqueConstraint(
                fields=["filed_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ticket_filed_idempotency_key_unique",
            ),
        ]
        indexes = [
            # The department queue: open tickets of a department in order of urgency.
            models.Index(fields=["lead_department", "due_at", "id"], name="ticket_queue_idx"),
            # The SLA sweeper finds due tickets by a range scan over open ones only.
            models.Index(fields=["due_at"], name="ticket_open_due_idx", condition=Q(status__in=sorted(OPEN_STATUSES))),
            # The SLA sweeper's query is a range scan over tickets whose next ladder step is set.
            models.Index(
                fields=["next_escalation_at"],
                name="ticket_escalation_due_idx",
                condition=Q(next_escalation_at__isnull=False),
            ),
            # Replied tickets whose evaluation window has ended (closed as 未评价 by a sweeper).
            models.Index(fields=["evaluate_deadline"], name="ticket_evaluate_due_idx", condition=Q(status="replied")),
            models.Index(fields=["status", "created_at"], name="ticket_status_created_idx"),
            # The newest request, what a problem's heat is measured against (problems.services.newest_report, on
            # every attach and every official's merge or split): a backward scan that stops at its first row, where
            # a scan of every ticket took 28 ms at 100,000 tickets. Lists in the default order use it too.
            models.Index(fields=["created_at", "id"], name="ticket_created_idx"),
            models.Index(fields=["company", "-created_at"], name="ticket_company_idx"),
            # The figures (tickets/figures.py) of a period: ranges over the tickets they count, never over imported
            # history (the dashboard over 1,000,000 tickets, DESIGN.md §11); any of them also lists the counted
            # tickets, for the counts read through a ticket (its lead assignments, its evaluations).
            models.Index(fields=["replied_at"], name="ticket_counted_replied_idx", condition=~Q(source="import")),
            models.Index(
                fields=["closed_at"],
                name="ticket_counted_closed_idx",
                condition=~Q(source="import") & Q(status="closed"),
            ),
            models.Index(
                fields=["due_at"],
                name="ticket_counted_late_idx",
                condition=~Q(source="import") & Q(status__in=["assigned", "accepted"]),
            ),
            # What a service centre's intake desk filed, newest first.
            models.Index(
                fields=["intake_department", "-created_at"],
                name="ticket_intake_idx",
                condition=Q(intake_department__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return ticket_number(self.id, self.created_at)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def light(self, now=None):
        return ticket_light(self.status, self.hold_started_at, self.yellow_at, self.due_at, now)


def ticket_number(ticket_id: int, created_at) -> str:
    """Human-facing number: QH, the city-local filing date, the id (e.g. QH20261123-42)."""
    return f"QH{created_at.astimezone(CITY_TZ):%Y%m%d}-{ticket_id}"


NUMBER = re.compile(r"QH(?P<date>\d{8})-(?P<id>[1-9]\d{0,18})")


def ticket_id_from_number(text: str) -> int | None:
    """The id a ticket number names (QH20261123-42 → 42; spaces and case forgiven), or None if it is not one.
    Whether a ticket of that number exists (its filing date agreeing) is for the caller to check."""
    found = NUMBER.fullmatch(text.strip().upper())
    return int(found["id"]) if found and int(found["id"]) <= MAX_ID else None


LIT = frozenset({Status.PENDING_DISPATCH, Status.ASSIGNED, Status.ACCEPTED, Status.ON_HOLD})


def ticket_light(status: str, hold_started_at, yellow_at, due_at, now=None):
    """Traffic light of the running stage; paused time (on hold) is frozen where the pause began.

    Of a ticket's columns, for the list rows that are read as values, not model instances.
    """
    if status not in LIT:
        return None
    at = hold_started_at if status == Status.ON_HOLD else (now or timezone.now())
    return light_at(at, yellow_at=yellow_at, due_at=due_at)


class Assignment(models.Model):
    """A department's part in a ticket: the lead, or an assisting department with its own deadlines."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSIST = "assist", _("协办")

    class State(models.TextChoices):
        PENDING = "pending", _("待签收")
        ACCEPTED = "accepted", _("已签收")
        REPORTED = "reported", _("已反馈")
        RETURNED = "returned", _("已退回")
        CANCELLED = "cancelled", _("已撤销")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    assigned_at = models.DateTimeField(default=timezone.now)
    accept_deadline = models.DateTimeField(null=True, blank=True)
    report_deadline = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(_("协办意见"), blank=True)

    class Meta:
        verbose_name = _("承办分配")
        verbose_name_plural = _("承办分配")
        ordering = ["ticket", "role", "id"]
        indexes = [
            models.Index(fields=["department", "state"], name="assignment_dept_state_idx"),
            # The figures' response and return rates: the lead assignments made in a period.
            models.Index(fields=["assigned_at"], name="assignment_lead_made_idx", condition=Q(role="lead")),
            # The department queue's "or we assist" test reads every open assist of the department: from this
            # index alone, not from the heap behind the one above (bench/queue: 55 ms → 3 ms a page).
            models.Index(
                fields=["department", "ticket"],
                name="assignment_open_assist_idx",
                condition=Q(role="assist", state__in=["pending", "accepted"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_role_display()} {self.department}"

    @property
    def active(self) -> bool:
        return self.state in (self.State.PENDING, self.State.ACCEPTED, self.State.REPORTED)


# A department works a ticket while it is in one of these, as its lead or as an assisting department that
# has not reported yet.
QUEUE_STATUSES = (Status.ASSIGNED, Status.ACCEPTED, Status.ON_HOLD)
QUEUE_ASSIST_STATES = (Assignment.State.PENDING, Assignment.State.ACCEPTED)


class QueueEntry(models.Model):
    """One row per department and ticket in that department's queue, with the ticket's deadline.

    The queue page reads one index range of this table, most urgent first (DESIGN.md §11), instead of walking
    every department's open tickets for its own. Derived data: `services.queue_refresh` rewrites a ticket's
    rows from the ticket and its assignments whenever the services write either; nothing else writes here.
    """

    # No index of its own: queue_entry_urgency_idx begins with it.
    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="+", db_index=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="queue_entries")
    due_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("部门待办")
        verbose_name_plural = _("部门待办")
        constraints = [models.UniqueConstraint(fields=["department", "ticket"], name="queue_entry_once")]
        indexes = [models.Index(fields=["department", "due_at", "ticket"], name="queue_entry_urgency_idx")]

    def __str__(self) -> str:
        return f"{self.department_id} {self.ticket_id}"


class PendingNotice(models.Model):
    """A notice a rule decided (签收: tell the company; 派单: tell the department; …), written in the deciding
    transaction and told by a worker after the commit (`notify.tell_pending`), which writes the e-mails, SMS
    and work notices and deletes it: the person who acted does not wait for who is told, and nothing decided
    is lost (a lost task is covered by the minute's sweep)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)  # a notice of tickets.notify.KINDS
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.ticket_id}"


class TicketEvent(models.Model):
    """One immutable line of a ticket's audit trail: who did what, when, from which state to which."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("身份"), max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(_("企业可见"), default=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("ticket events are append-only")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        from .transitions import ACTIONS  # the table imports this module

        spec = ACTIONS.get(self.action)
        return str(spec.label) if spec else self.action


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("内容"), max_length=5000)
    public = models.BooleanField(_("企业可见"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("留言")
        verbose_name_plural = _("留言")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.body[:30]}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="tickets/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Reply(ChoiceLabels, models.Model):
    """The lead department's structured answer (答复)."""

    class Result(models.TextChoices):
        RESOLVED = "resolved", _("已解决")
        IN_PROGRESS = "in_progress", _("正在推进")
        EXPLAINED = "explained", _("已解释说明")
        UNABLE = "unable", _("暂无法解决")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, null=True, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.CharField(_("办理结果"), max_length=12, choices=Result.choices, default=Result.RESOLVED)
    body = models.TextField(_("答复内容"), max_length=5000)
    basis = models.CharField(_("政策依据"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_result_display()}"


class Evaluation(models.Model):
    """The company's verdict (回访/评价); one per round (a reopened ticket is evaluated again)."""

    class Resolved(models.TextChoices):
        RESOLVED = "resolved", _("已解决")
        PARTLY = "partly", _("部分解决")
        UNRESOLVED = "unresolved", _("未解决")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="evaluations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(default=0)
    contacted = models.BooleanField(_("是否联系"))
    resolved = models.CharField(_("解决情况"), max_length=12, choices=Resolved.choices)
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices)
    comment = models.TextField(_("评价意见"), max_length=2000, blank=True)
    # A dispute judged unreasonable keeps the evaluation, with the reviewer's reason.
    review_note = models.TextField(_("复核意见"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at"], name="evaluation_made_idx")]  # the figures of a period

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_satisfaction_display()}"
