from django.contrib import admin

from accounts.access import is_security_admin

from .models import Department, Membership


class MembershipInline(admin.TabularInline):
    """Shown to the system administrator, changed by the security administrator only (a membership is a role)."""

    model = Membership
    extra = 0
    raw_id_fields = ("user",)

    def has_add_permission(self, request, obj=None):
        return is_security_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_security_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_security_admin(request.user)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region", "chain", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    inlines = [MembershipInline]
