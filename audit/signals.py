"""What is recorded without the views calling it: logins, logouts, role and membership changes, and the
configuration of the routing catalogue, the SLA policies and the working-day calendar."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from departments.models import Membership
from sla.models import CalendarOverride, SlaPolicy
from triage.models import Category, RoutingRule

from . import services
from .models import Action, Result

User = get_user_model()


@receiver(user_logged_in, dispatch_uid="audit_login_success")
def _login_success(sender, request, user, **kwargs):
    services.record(Action.LOGIN_SUCCESS, request=request, user=user, details={"via": _via(request)})


@receiver(user_login_failed, dispatch_uid="audit_login_failure")
def _login_failure(sender, credentials, request=None, **kwargs):
    services.record(
        Action.LOGIN_FAILURE,
        request=request,
        username=str(credentials.get("username", ""))[:150],
        result=Result.FAILURE,
        details={"via": _via(request)},
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logout(sender, request, user, **kwargs):
    services.record(Action.LOGOUT, request=request, user=user, details={"via": _via(request)})


def _via(request) -> str:
    if request is None:
        return ""
    path = getattr(request, "path", "") or ""
    return "admin" if path.startswith("/admin/") else "api" if path.startswith("/api/") else "web"


# Role flags of a user: a change of any is a role change (三员分立: who administers, who audits).
ROLE_FLAGS = ("is_superuser", "is_staff", "is_auditor", "is_security_admin", "is_active", "company_id")


@receiver(pre_save, sender=User, dispatch_uid="audit_user_roles_before")
def _user_roles_before(sender, instance, raw=False, update_fields=None, **kwargs):
    touched = update_fields is None or {f.removesuffix("_id") for f in ROLE_FLAGS} & set(update_fields)
    if raw or instance._state.adding or not instance.pk or not touched:  # a login's last_login: no query
        instance._audit_roles_before = None
        return
    instance._audit_roles_before = User.objects.filter(pk=instance.pk).values(*ROLE_FLAGS).first()


@receiver(post_save, sender=User, dispatch_uid="audit_user_roles_after")
def _user_roles_after(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    after = {flag: getattr(instance, flag) for flag in ROLE_FLAGS}
    before = getattr(instance, "_audit_roles_before", None)
    if created:
        if any(after[f] for f in ("is_superuser", "is_staff", "is_auditor", "is_security_admin")):
            services.record(Action.ROLE_CHANGE, obj=instance, details={"created": True, "after": after})
        return
    if before is not None and before != after:
        changed = {f: [before[f], after[f]] for f in ROLE_FLAGS if before[f] != after[f]}
        services.record(Action.ROLE_CHANGE, obj=instance, details={"changed": changed})


@receiver(post_save, sender=Membership, dispatch_uid="audit_membership_saved")
def _membership_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        services.record(Action.MEMBERSHIP_CHANGE, obj=instance, details=_membership(instance, created and "added"))


@receiver(post_delete, sender=Membership, dispatch_uid="audit_membership_deleted")
def _membership_deleted(sender, instance, **kwargs):
    services.record(Action.MEMBERSHIP_CHANGE, obj=instance, details=_membership(instance, "removed"))


def _membership(m: Membership, change) -> dict:
    return {
        "change": change or "changed",
        "user_id": m.user_id,
        "department_id": m.department_id,
        "role": m.role,
    }


CONFIGURATION = (Category, RoutingRule, SlaPolicy, CalendarOverride)


def _config_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        services.record(Action.CONFIG_CHANGE, obj=instance, details={"change": "added" if created else "changed"})


def _config_deleted(sender, instance, **kwargs):
    services.record(Action.CONFIG_CHANGE, obj=instance, details={"change": "deleted"})


for _model in CONFIGURATION:
    post_save.connect(_config_saved, sender=_model, dispatch_uid=f"audit_config_saved_{_model._meta.label_lower}")
    post_delete.connect(_config_deleted, sender=_model, dispatch_uid=f"audit_config_deleted_{_model._meta.label_lower}")
