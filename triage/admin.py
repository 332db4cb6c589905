from django.contrib import admin

from .models import Category, RoutingRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "active", "position")
    list_editable = ("position", "active")
    search_fields = ("code", "name", "keywords")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "district", "chain", "lead")
    list_filter = ("category", "district", "chain")
    filter_horizontal = ("assisting",)
