from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import DigestDelivery, DigestSubscription


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "department", "chain", "city", "updated_at")
    list_filter = ("department", "chain", "city")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    """Read-only: a row means that person's digest of that week is queued; the e-mail row says if it went."""

    list_display = ("week_start", "user", "kinds", "email_status", "created_at")
    list_filter = ("week_start",)
    search_fields = ("user__username",)
    list_select_related = ("user", "email")
    readonly_fields = ("user", "week_start", "kinds", "email", "created_at")

    @admin.display(description=_("邮件状态"))
    def email_status(self, delivery):
        return delivery.email.get_status_display() if delivery.email else "—"

    def has_add_permission(self, request):
        return False
