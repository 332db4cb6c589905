from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.crypto import EncryptedCharField


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
    phone = EncryptedCharField(_("手机号"), blank=True)  # SM4-encrypted at rest (privacy/crypto.py)
    # The auditor (三员分立): reads, searches and exports the audit log (/audit/) and nothing else. Not to be held
    # with the superuser flag, staff or any other role: the audit page refuses such a user (audit/access.py).
    is_auditor = models.BooleanField(_("审计员"), default=False)
    # The security administrator (三员分立): manages accounts, roles and their security (unlock, second factor),
    # in the admin (with is_staff), and nothing else; neither a superuser, an auditor nor an official
    # (accounts/access.py). The superuser (the system administrator) configures, but no longer manages accounts.
    is_security_admin = models.BooleanField(_("安全管理员"), default=False)
    # When the password was last chosen: officials' passwords expire (QIHU["PASSWORD_MAX_AGE"]).
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args, **kwargs):
        # set_password() leaves the new password here until the save (Django's own cue for the validators'
        # password_changed); a hash upgraded at login does not. The user's API tokens go with the old password.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from .tokens import tokens_revoke  # not at import time: it needs DRF's Token model, loaded later

            tokens_revoke(user=self)
            from audit import services as audit  # the audit app's models import this one

            audit.record(audit.Action.PASSWORD_CHANGE, obj=self)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def led_chain_ids(self) -> frozenset[int]:
        """The chains this user leads (read with the rest of their standing, once per request)."""
        from tickets.access import access_for

        return access_for(self).chain_ids


class PasswordHistory(models.Model):
    """A hash of a password the user had: the policy refuses the last few again (accounts/passwords.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("密码"), max_length=128)
    created = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created:%Y-%m-%d}"
