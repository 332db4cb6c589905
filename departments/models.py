from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import MEMBERSHIP_ROLES
from common.names import EnglishName


class Department(EnglishName):
    class Kind(models.TextChoices):
        CITY = "city", _("市级部门")
        COUNTY = "county", _("县(市、区)")
        SERVICE = "service", _("服务板块")
        CHAIN_GROUP = "chain_group", _("产业链专班")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # The county or district a department serves; null for city-wide departments.
    region = models.ForeignKey(
        "self",
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    chain = models.ForeignKey(
        "companies.IndustryChain",
        verbose_name=_("产业链"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="working_groups",
        help_text=_("产业链专班所对应的产业链"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["kind", "code"]


class Membership(models.Model):
    """A user's role in a department: handler, head, dispatcher (service centre), supervisor, chain leader."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=MEMBERSHIP_ROLES)

    class Meta:
        verbose_name = _("部门成员")
        verbose_name_plural = _("部门成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department} ({self.get_role_display()})"
