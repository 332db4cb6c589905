"""Partner systems (合作系统): a 12345 platform, an app, that files and follows work orders with its own keys.

A partner files on behalf of companies named by credit code in each request (docs/integrations.md); it is
not tied to a company. It acts through its own system account (`Partner.user`, which cannot log in): the
submitter of the tickets it files, the author of the material it adds, the actor in the tickets' trails.
"""

import re
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The partner's work-order id: what fits a URL segment unescaped (letters, digits, . _ ~ : -), up to 64.
EXTERNAL_ID_PATTERN = re.compile(r"\A[A-Za-z0-9._~:-]{1,64}\Z")  # anchored: RegexValidator searches


class Partner(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("系统账号"), on_delete=models.PROTECT, related_name="partner"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("合作系统")
        verbose_name_plural = _("合作系统")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


def new_key_id() -> str:
    return "qk_" + secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class PartnerKey(models.Model):
    """One signing key of a partner. Several may be live at once, so that a partner rotates without a gap:
    issue a new key, switch over, revoke the old one.

    The secret is kept as issued: verifying an HMAC needs it (as a webhook's signing secret). It is shown
    once, when issued (the admin's action), and never again: not in the admin, not in any API.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(_("密钥编号"), max_length=40, unique=True, default=new_key_id, editable=False)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["partner", "-created_at"]

    def __str__(self) -> str:
        return self.key_id

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.partner.active


class PartnerWorkOrder(models.Model):
    """The partner's own work-order id of a ticket it filed: the same id twice is the same ticket."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="work_orders")
    external_id = models.CharField(_("合作方工单号"), max_length=64)
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="partner_work_order")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("合作方工单")
        verbose_name_plural = _("合作方工单")
        constraints = [
            models.UniqueConstraint(fields=["partner", "external_id"], name="partner_work_order_once"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.external_id}"
