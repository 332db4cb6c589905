"""The security audit log (issue 18, item 3): append-only records chained by a hash (SM3, else SHA-256).

Each record's `hash` covers a canonical serialisation of its fields and the previous record's hash, so an edit
or a missing record breaks the chain (`manage.py audit_verify`). The application never updates or deletes a
record: `save()` refuses an update, `delete()` and the querysets' `update()`/`delete()` raise, the admin is
read-only and PostgreSQL refuses UPDATE and DELETE in a trigger (migration 0002). The only delete is the
retention purge (audit/services.py), which leaves an `AuditAnchor` where the kept chain starts.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """An update or delete of an audit record through the application."""


class Action(models.TextChoices):
    LOGIN_SUCCESS = "login_success", _("登录成功")
    LOGIN_FAILURE = "login_failure", _("登录失败")
    LOGOUT = "logout", _("退出登录")
    ROLE_CHANGE = "role_change", _("角色变更")
    MEMBERSHIP_CHANGE = "membership_change", _("部门成员变更")
    CONFIG_CHANGE = "config_change", _("配置变更")
    EXPORT = "export", _("导出")
    CONTACT_REVEAL = "contact_reveal", _("查看完整联系电话")
    AUDIT_PURGE = "audit_purge", _("清理过期审计记录")
    OTP_ENROL = "otp_enrol", _("启用双因素认证")
    OTP_DISABLE = "otp_disable", _("停用双因素认证")
    OTP_FAILURE = "otp_failure", _("动态口令错误")
    ACCOUNT_LOCKED = "account_locked", _("账号锁定")
    ACCOUNT_UNLOCKED = "account_unlocked", _("账号解锁")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    SESSION_TIMEOUT = "session_timeout", _("会话超时")
    CONTACT_EXPORT = "contact_export", _("导出个人信息")
    CONTACT_ERASE = "contact_erase", _("删除个人信息")
    CONTACT_ANONYMISE = "contact_anonymise", _("个人信息到期匿名化")


class Result(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")


class AuditRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("audit records are append-only")

    def delete(self):
        raise AppendOnly("audit records are append-only")


class AuditRecord(models.Model):
    seq = models.BigIntegerField(_("序号"), unique=True)  # consecutive: a gap is a missing record
    time = models.DateTimeField(_("时间"), db_index=True)
    # No database constraint and no cascade: a user's deletion leaves their records (and their username) as
    # they were; the user id stays, as written, in the hashed text.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    address = models.CharField(_("来源地址"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=30, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    algorithm = models.CharField(_("摘要算法"), max_length=10)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64)
    hash = models.CharField(_("摘要"), max_length=64)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_action_display()} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("audit records are append-only: an update is refused")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit records are append-only: a delete is refused")


class AuditAnchor(models.Model):
    """Where the kept chain starts after a purge: the first kept record's number and the hash before it."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    seq = models.BigIntegerField(_("首条保留记录序号"))
    prev_hash = models.CharField(_("前一条摘要"), max_length=64)
    purged = models.PositiveIntegerField(_("清理条数"))

    class Meta:
        verbose_name = _("审计链起点")
        verbose_name_plural = _("审计链起点")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.prev_hash[:12]}"
