from django.contrib import admin

from .models import Problem, ProblemEvent, ProblemMember


class MemberInline(admin.TabularInline):
    model = ProblemMember
    extra = 0
    raw_id_fields = ("ticket",)


class EventInline(admin.TabularInline):
    model = ProblemEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "actor", "note", "data", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "chain", "company_count", "ticket_count", "owner_department", "due_date")
    list_filter = ("status", "chain", "owner_kind")
    search_fields = ("title", "keywords")
    raw_id_fields = ("merged_into",)
    inlines = [MemberInline, EventInline]
