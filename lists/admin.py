from django.contrib import admin

from .models import ListItem, ListItemEvent


class EventInline(admin.TabularInline):
    model = ListItemEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "from_status", "to_status", "note", "data", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ListItem)
class ListItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "chain", "owner", "due_date"]
    list_filter = ["kind", "status", "chain"]
    search_fields = ["title", "output"]
    raw_id_fields = ["problem", "tickets"]
    readonly_fields = ["kind", "status", "version"]  # changes go through lists.services (events, notices)
    inlines = [EventInline]
