from django.contrib import admin

from .models import Department, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region", "chain", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    inlines = [MembershipInline]
