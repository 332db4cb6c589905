from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("企业"), {"fields": ("company", "phone")}),
        (_("审计"), {"fields": ("is_auditor",)}),
    )
    list_display = ("username", "first_name", "company", "is_staff")
    list_filter = ("is_staff", "is_superuser")
    search_fields = ("username", "first_name", "company__name")
    raw_id_fields = ("company",)
