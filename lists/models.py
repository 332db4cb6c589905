"""Demand list → reform list / service list (DESIGN.md §6).

A demand-list item (需求清单) comes from a common problem or from tickets. Converted, it becomes a
reform-list item (改革清单: a policy change) or a service-list item (服务清单: a service offering) with an
owner, a chain, a deadline and, when done, its output (a document number or the service item). The
companies concerned are told when it is done. The lifecycle is `lists.services.TRANSITIONS`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DEMAND = "demand", _("需求清单")
    REFORM = "reform", _("改革清单")
    SERVICE = "service", _("服务清单")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("待研究")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    DROPPED = "dropped", _("不予采纳")


class ListItem(models.Model):
    kind = models.CharField(_("清单"), max_length=10, choices=Kind.choices, default=Kind.DEMAND)
    status = models.CharField(_("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    problem = models.ForeignKey(
        "problems.Problem", verbose_name=_("共性问题"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="list_items",
    )  # fmt: skip
    tickets = models.ManyToManyField("tickets.Ticket", verbose_name=_("诉求"), blank=True, related_name="list_items")
    chain = models.ForeignKey(
        "companies.IndustryChain", verbose_name=_("产业链"), on_delete=models.PROTECT, null=True, blank=True
    )
    owner = models.ForeignKey(
        "departments.Department", verbose_name=_("责任单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="list_items",
    )  # fmt: skip
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    output = models.CharField(_("成果（文号或服务事项）"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="list_item_kind_known"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="list_item_status_known"),
        ]

    def __str__(self) -> str:
        return f"[{self.get_kind_display()}] {self.title}"


class ListItemEvent(models.Model):
    """Append-only history of an item: who created, converted, completed or dropped it, and when."""

    item = models.ForeignKey(ListItem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"
