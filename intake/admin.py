from django.contrib import admin

from .models import Meeting


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """Meetings are recorded on the intake desk's page (their requests are filed with them); here they are read."""

    list_display = ("held_on", "title", "place", "department", "recorded_by")
    list_filter = ("department",)
    search_fields = ("title", "officials", "place")
    readonly_fields = ("department", "recorded_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
