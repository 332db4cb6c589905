from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. A company user belongs to a company; officials get their roles from memberships."""

    company = models.ForeignKey(
        "companies.Company",
        verbose_name=_("所属企业"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("手机号"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def led_chain_ids(self) -> frozenset[int]:
        """The chains this user leads (read with the rest of their standing, once per request)."""
        from tickets.access import access_for

        return access_for(self).chain_ids
