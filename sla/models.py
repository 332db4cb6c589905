from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """An admin's word on one date, above the chinese-calendar package (e.g. next year's 调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


PRIORITIES = [("normal", _("一般")), ("urgent", _("紧急"))]
DIFFICULTIES = [("general", _("一般")), ("complex", _("复杂")), ("hard", _("疑难"))]


class SlaPolicy(models.Model):
    """Time limits for tickets of a category × priority × difficulty (blank: any). The most specific wins."""

    category = models.ForeignKey(
        "triage.Category", verbose_name=_("分类"), on_delete=models.CASCADE, null=True, blank=True
    )
    priority = models.CharField(_("紧急程度"), max_length=10, blank=True, choices=PRIORITIES)
    difficulty = models.CharField(_("难度"), max_length=10, blank=True, choices=DIFFICULTIES)
    accept_days = models.PositiveSmallIntegerField(_("签收时限（工作日）"), null=True, blank=True)
    accept_hours = models.PositiveSmallIntegerField(_("签收时限（工作小时）"), null=True, blank=True)
    handle_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), null=True, blank=True)
    handle_hours = models.PositiveSmallIntegerField(_("办理时限（工作小时）"), null=True, blank=True)
    assist_days = models.PositiveSmallIntegerField(_("协办反馈时限（工作日）"), default=3)
    evaluate_days = models.PositiveSmallIntegerField(_("评价期限（自然日）"), default=7)
    extension_max_days = models.PositiveSmallIntegerField(_("单次延期上限（工作日）"), default=10)
    extensions_allowed = models.PositiveSmallIntegerField(_("可延期次数"), default=1)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["category", "priority", "difficulty"]

    def __str__(self) -> str:
        any_ = _("全部")
        parts = [self.category or any_, self.get_priority_display() or any_, self.get_difficulty_display() or any_]
        return " / ".join(str(p) for p in parts)

    def clean(self):
        same = SlaPolicy.objects.filter(category=self.category_id, priority=self.priority, difficulty=self.difficulty)
        if same.exclude(pk=self.pk).exists():
            raise ValidationError(_("同一分类、紧急程度和难度只能有一条时限规则。"))
        for stage, label in (("accept", _("签收")), ("handle", _("办理"))):
            days, hours = getattr(self, f"{stage}_days"), getattr(self, f"{stage}_hours")
            if (days is None) == (hours is None):
                raise ValidationError(_("%(stage)s时限须填写工作日或工作小时之一。") % {"stage": label})
