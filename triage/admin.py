from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .models import Category, RoutingRule, TriageModel, unroutable_categories


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    filter_horizontal = ("assisting",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "active", "position")
    search_fields = ("code", "name", "keywords")
    inlines = [RoutingRuleInline]

    def changelist_view(self, request, extra_context=None):
        missing = ", ".join(c.name for c in unroutable_categories())
        if missing:
            warning = _("以下启用的分类没有通用派单规则，研判时只能转人工：%(names)s")
            messages.error(request, warning % {"names": missing})
        return super().changelist_view(request, extra_context)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "district", "chain", "lead")
    list_filter = ("category", "district", "chain")
    filter_horizontal = ("assisting",)


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "trained_on")
    exclude = ("blob",)
    readonly_fields = ("created_at", "trained_on", "labels", "metrics")
