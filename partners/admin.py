"""Partners in the admin: create one (its system account comes with it), issue keys (the secret is shown on
the page that issues it, once), revoke keys."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Partner, PartnerKey, PartnerWorkOrder


class PartnerKeyInline(admin.TabularInline):
    model = PartnerKey
    fields = ("key_id", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # issued by the partner's action, which shows the secret once


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active", "created_at")
    search_fields = ("code", "name")
    fields = ("name", "code", "active", "user")
    readonly_fields = ("user",)
    inlines = [PartnerKeyInline]
    actions = ["issue_key"]

    def save_model(self, request, obj, form, change):
        if not change:  # the admin's change form runs in one transaction: the account goes with the partner
            obj.user = services.partner_account_create(name=obj.name, code=obj.code)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("签发新密钥（密钥只显示一次）"))
    def issue_key(self, request, queryset):
        keys = [services.key_issue(partner=partner) for partner in queryset]
        context = {**self.admin_site.each_context(request), "keys": keys, "title": _("新的接口密钥")}
        return TemplateResponse(request, "partners/admin/keys_issued.html", context)


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    list_display = ("key_id", "partner", "created_at", "last_used_at", "revoked_at")
    list_filter = ("partner",)
    fields = ("partner", "key_id", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request, queryset):
        count = services.keys_revoke(keys=queryset)
        self.message_user(
            request, ngettext("已吊销 %(count)d 个密钥。", "已吊销 %(count)d 个密钥。", count) % {"count": count},
            messages.SUCCESS,
        )  # fmt: skip


@admin.register(PartnerWorkOrder)
class PartnerWorkOrderAdmin(admin.ModelAdmin):
    list_display = ("external_id", "partner", "ticket", "created_at")
    list_filter = ("partner",)
    search_fields = ("external_id",)
    raw_id_fields = ("ticket",)
