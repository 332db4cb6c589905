from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _

from .calendar import known_years
from .models import CalendarOverride, SlaPolicy


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"

    def changelist_view(self, request, extra_context=None):
        next_year = timezone.localdate().year + 1
        if next_year not in known_years() and not CalendarOverride.objects.filter(date__year=next_year).exists():
            messages.warning(
                request,
                _("尚无 %(year)s 年的法定节假日安排：该年按周一至周五计算工作日。请在此录入节假日和调休上班日。")
                % {"year": next_year},
            )
        return super().changelist_view(request, extra_context)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "accept_days", "accept_hours", "handle_days", "handle_hours", "evaluate_days")
    list_filter = ("priority", "difficulty", "category")
