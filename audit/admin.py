"""Read-only for everyone, superusers included: no add, change or delete. Only an auditor may even view the
records, and auditors have no admin access (audit/access.py): the admin lists them for no one. They are read
on /audit/."""

from django.contrib import admin

from .access import is_auditor
from .models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ("seq", "time", "username", "address", "action", "object_repr", "result")
    actions = None

    def has_view_permission(self, request, obj=None):
        return is_auditor(request.user)

    def has_module_permission(self, request):
        return is_auditor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
