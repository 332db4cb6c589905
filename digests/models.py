"""Weekly digests (DESIGN.md §7): who opted out of which kind, and which digest each person got.

A week is Monday 00:00 to the next Monday 00:00, city time, named by its Monday (`week_start`). The digest of a
week is sent on the following Monday morning.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The sections a digest can hold; a person gets those their roles give them."""

    DEPARTMENT = "department", _("部门简报")
    CHAIN = "chain", _("产业链简报")
    CITY = "city", _("全市简报")


class DigestSubscription(models.Model):
    """A person's choices; no row means every kind their roles give them (digests are on by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="digest_subscription"
    )
    department = models.BooleanField(Kind.DEPARTMENT.label, default=True)
    chain = models.BooleanField(Kind.CHAIN.label, default=True)
    city = models.BooleanField(Kind.CITY.label, default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("简报订阅")
        verbose_name_plural = _("简报订阅")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, kind: str) -> bool:
        return getattr(self, kind)


class DigestDelivery(models.Model):
    """One row per person and week, written in the transaction that queues the e-mail: a rerun, or two senders
    at once, find the row and send nothing more. Whether the e-mail went out is on the outbox row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries")
    week_start = models.DateField(_("周一"))
    kinds = models.JSONField(_("内容"), default=list)  # the sections it held, e.g. ["department", "city"]
    email = models.ForeignKey(
        "notifications.OutgoingEmail", verbose_name=_("邮件"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("简报发送记录")
        verbose_name_plural = _("简报发送记录")
        ordering = ["-week_start", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "week_start"], name="digest_delivery_once_a_week")]

    def __str__(self) -> str:
        return f"{self.user} {self.week_start}"
