from django.contrib import admin

from .models import Company, IndustryChain


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "district")
    list_filter = ("district", "chains")
    search_fields = ("name", "credit_code")
    filter_horizontal = ("chains",)
