from django import forms
from django.contrib import admin

from privacy.admin import MaskedPhoneFormMixin

from .models import Company, IndustryChain


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


class CompanyAdminForm(MaskedPhoneFormMixin, forms.ModelForm):
    masked_phone_fields = ("contact_phone",)  # the model and fields come from the ModelAdmin


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    form = CompanyAdminForm
    list_display = ("name", "credit_code", "district")
    list_filter = ("district", "chains")
    search_fields = ("name", "credit_code")
    filter_horizontal = ("chains",)
