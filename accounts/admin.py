"""Accounts in the admin belong to the security administrator alone (三员分立): users, their roles and
memberships, their lockout and second factor. The system administrator (superuser) configures departments,
the routing catalogue, SLA policies and the calendar, but neither sees nor changes accounts; the auditor has no
admin at all (audit/access.py). Every change is recorded by the audit log's signals."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments.models import Membership
from privacy.admin import MaskedPhoneFormMixin

from . import lockout
from .access import is_security_admin
from .models import User
from .otp import otp_remove


class SecurityAdminOnly:
    """Every permission of a ModelAdmin is the security administrator's, superusers' not included."""

    def has_module_permission(self, request):
        return is_security_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_security_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_security_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_security_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_security_admin(request.user)


class MembershipInline(SecurityAdminOnly, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    raw_id_fields = ("department",)


class UserAdminForm(MaskedPhoneFormMixin, UserChangeForm):
    masked_phone_fields = ("phone",)

    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(SecurityAdminOnly, BaseUserAdmin):
    form = UserAdminForm
    fieldsets = (
        (None, {"fields": ("username", "password", "password_changed_at")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("企业"), {"fields": ("company", "phone")}),
        # Django's groups and per-user permissions are not used: roles are these flags and the memberships below.
        (
            _("角色（三员分立）"),
            {"fields": ("is_active", "is_staff", "is_superuser", "is_security_admin", "is_auditor")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("password_changed_at", "last_login", "date_joined")
    list_display = ("username", "first_name", "company", "is_staff", "is_superuser", "is_security_admin", "is_auditor")
    list_filter = ("is_staff", "is_superuser", "is_security_admin", "is_auditor", "is_active")
    search_fields = ("username", "first_name", "company__name")
    raw_id_fields = ("company",)
    inlines = [MembershipInline]
    actions = ["unlock_accounts", "reset_second_factor"]

    @admin.action(description=_("解除登录锁定"))
    def unlock_accounts(self, request, queryset):
        for user in queryset:
            lockout.unlock(user.get_username(), request=request)
        self.message_user(request, _("已解除所选账号的锁定。"), messages.SUCCESS)

    @admin.action(description=_("重置双因素认证（下次登录重新绑定）"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            otp_remove(request=request, user=user)
        self.message_user(request, _("已重置所选账号的双因素认证。"), messages.SUCCESS)


# The second factor's devices are managed through the actions above, and Django's groups are not used.
for model in (TOTPDevice, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
