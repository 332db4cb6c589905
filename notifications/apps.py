from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from common.cache import clear_process_caches

        from .models import WebhookEndpoint

        # A new, changed or removed subscriber is seen at once in this process (others: within a minute).
        post_save.connect(clear_process_caches, sender=WebhookEndpoint, dispatch_uid="clear-caches-save-endpoint")
        post_delete.connect(clear_process_caches, sender=WebhookEndpoint, dispatch_uid="clear-caches-del-endpoint")
