from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import (
    ContactPreference,
    OutgoingEmail,
    OutgoingMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from .services import webhook_replay


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("subject", "key")
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(admin.ModelAdmin):
    list_display = ("channel", "template", "address", "status", "attempts", "created_at", "sent_at")
    list_filter = ("channel", "status", "template")
    search_fields = ("address", "key", "text")
    readonly_fields = [f.name for f in OutgoingMessage._meta.fields]


@admin.register(ContactPreference)
class ContactPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "sms", "work_account")
    list_filter = ("sms",)
    search_fields = ("user__username", "user__first_name", "work_account")
    raw_id_fields = ("user",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "partner", "url", "enabled", "disabled_reason", "created_at")
    list_filter = ("enabled",)
    search_fields = ("name", "owner", "url")


class AttemptInline(admin.TabularInline):
    """The delivery log: every try, what the receiver answered, how long it took."""

    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "status_code", "duration_ms", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_type", "endpoint", "message_id", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "event_type", "endpoint")
    search_fields = ("message_id", "key")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]

    @admin.action(description=_("重新投递所选（同一 webhook-id）"))
    def replay(self, request, queryset):
        count = webhook_replay(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("已安排重新投递 %(count)d 条。") % {"count": count}, messages.SUCCESS)
