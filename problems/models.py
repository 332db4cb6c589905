"""Common problems (共性问题): tickets of different companies that report the same problem (DESIGN.md §6).

Detection proposes candidates; officials confirm (owner, due date), merge, split or dismiss them; every
such decision is one append-only `ProblemEvent`. A ticket belongs to at most one live problem
(candidate, confirmed or answered): `problems.services` keeps that rule.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProblemStatus(models.TextChoices):
    CANDIDATE = "candidate", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    ANSWERED = "answered", _("已答复")
    DISMISSED = "dismissed", _("已排除")
    MERGED = "merged", _("已合并")


LIVE_STATUSES = (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED, ProblemStatus.ANSWERED)


class OwnerKind(models.TextChoices):
    CHAIN_GROUP = "chain_group", _("产业链专班")
    DEPARTMENT = "department", _("部门")
    JOINT_MEETING = "joint_meeting", _("联席会议")


class Problem(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.CANDIDATE, db_index=True
    )
    # Null: the members come from several chains, or from none (imported history).
    chain = models.ForeignKey(
        "companies.IndustryChain", verbose_name=_("产业链"), on_delete=models.PROTECT, null=True, blank=True
    )
    owner_kind = models.CharField(_("牵头方类型"), max_length=20, choices=OwnerKind.choices, blank=True)
    # The chain working group or the department; empty for the joint meeting.
    owner_department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("牵头部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_problems",
    )
    due_date = models.DateField(_("办理期限"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("并入"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tickets = models.ManyToManyField("tickets.Ticket", through="ProblemMember", related_name="problems")
    company_count = models.PositiveIntegerField(_("涉及企业数"), default=0)
    ticket_count = models.PositiveIntegerField(_("诉求数"), default=0)
    # Trend: members filed in the last four weeks, and in the four weeks before.
    recent_count = models.PositiveIntegerField(_("近四周诉求数"), default=0)
    previous_count = models.PositiveIntegerField(_("前四周诉求数"), default=0)
    # Heat (热度, problems/heat.py) orders every list; its parts besides the counts above.
    heat = models.FloatField(_("热度"), default=0.0)
    peak_company_count = models.PositiveIntegerField(_("30天内最多涉及企业数"), default=0)
    support = models.PositiveIntegerField(_("公众支持数"), default=0)
    first_reported_at = models.DateTimeField(_("首次反映"), null=True, blank=True)
    last_reported_at = models.DateTimeField(_("最近反映"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("共性问题")
        verbose_name_plural = _("共性问题")
        ordering = ["-heat", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProblemStatus.values), name="problem_status_known"),
        ]
        indexes = [models.Index(fields=["status", "-heat"], name="problem_status_heat_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def trend(self) -> str:
        """rising / steady / falling: the last four weeks against the four before."""
        if self.recent_count > self.previous_count:
            return "rising"
        if self.recent_count < self.previous_count:
            return "falling"
        return "steady"


class ProblemMember(models.Model):
    class Source(models.TextChoices):
        DETECTED = "detected", _("自动发现")
        MANUAL = "manual", _("人工调整")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="members")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="problem_memberships")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.DETECTED)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("共性问题诉求")
        verbose_name_plural = _("共性问题诉求")
        constraints = [models.UniqueConstraint(fields=["problem", "ticket"], name="problem_member_unique")]

    def __str__(self) -> str:
        return f"{self.problem_id} ← {self.ticket_id}"


class ProblemEvent(models.Model):
    """One immutable line of a problem's record: who confirmed, merged, split, dismissed or answered it."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("共性问题记录")
        verbose_name_plural = _("共性问题记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("problem events are append-only")
        super().save(*args, **kwargs)


class TicketKeyTerm(models.Model):
    """A ticket's distinctive n-grams (hashed): the index that finds a new ticket's candidates."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    term = models.IntegerField()
    created_at = models.DateTimeField()  # the ticket's filing time: the window is a range on it

    class Meta:
        indexes = [models.Index(fields=["term", "created_at"], name="keyterm_term_time_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.term}"


class FeatureSnapshot(models.Model):
    """Document frequencies of the last full run, so a single new ticket is weighed the same way."""

    n_docs = models.PositiveIntegerField()
    idf = models.BinaryField()  # zlib-compressed float32 array over the hashed feature space
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.n_docs} @ {self.created_at:%Y-%m-%d %H:%M}"
