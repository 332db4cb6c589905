from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.names import EnglishName
from common.text import split_keywords


class Category(EnglishName):
    """The taxonomy of requests (two levels), edited by admins."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Words that suggest this category to the keyword router, separated by spaces or commas.
    keywords = models.TextField(_("关键词"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.local_name if self.parent_id is None else f"{self.parent.local_name}-{self.local_name}"

    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)

    def clean(self):
        """Every active category is routable: it needs a catalogue rule for all districts and chains."""
        if self.active and not (self.pk and self.rules.filter(district=None, chain=None).exists()):
            raise ValidationError(
                _("启用的分类必须有一条适用于全部区域和产业链的派单规则：请先停用保存、添加规则后再启用。")
            )


def unroutable_categories():
    """Active categories the catalogue cannot route (what the admin warns about)."""
    generic = RoutingRule.objects.filter(category=models.OuterRef("pk"), district=None, chain=None)
    return Category.objects.filter(active=True).exclude(models.Exists(generic))


class RoutingRule(models.Model):
    """The routing catalogue (派单目录): category × district (× chain) → lead and assisting departments.

    The most specific rule wins: district and chain, then district, then chain, then the category alone.
    """

    category = models.ForeignKey(Category, verbose_name=_("分类"), on_delete=models.CASCADE, related_name="rules")
    district = models.ForeignKey(
        "departments.Department",
        verbose_name=_("县(市、区)"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    chain = models.ForeignKey(
        "companies.IndustryChain", verbose_name=_("产业链"), on_delete=models.CASCADE, null=True, blank=True
    )
    lead = models.ForeignKey(
        "departments.Department", verbose_name=_("主办部门"), on_delete=models.PROTECT, related_name="lead_rules"
    )
    assisting = models.ManyToManyField(
        "departments.Department", verbose_name=_("协办部门"), blank=True, related_name="assisting_rules"
    )

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单目录")
        ordering = ["category", "district", "chain"]

    def __str__(self) -> str:
        return f"{self.category} → {self.lead}"

    def clean(self):
        clash = RoutingRule.objects.filter(category=self.category_id, district=self.district_id, chain=self.chain_id)
        if clash.exclude(pk=self.pk).exists():
            raise ValidationError(_("同一分类、区域和产业链只能有一条派单规则。"))


class TriageModel(models.Model):
    """A trained text model, versioned. Workers load the newest once and reload when a newer one appears."""

    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    trained_on = models.PositiveIntegerField(_("训练样本数"))
    labels = models.JSONField(_("分类"), default=list)
    metrics = models.JSONField(_("指标"), default=dict, blank=True)
    blob = models.BinaryField(_("模型"))

    class Meta:
        verbose_name = _("研判模型")
        verbose_name_plural = _("研判模型")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"v{self.pk} ({self.trained_on})"
