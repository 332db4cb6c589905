from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("诉求")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from common.cache import clear_process_caches
        from departments.models import Department

        # Departments' codes and names are memoised for the list rows (selectors.code_names); categories and
        # chains already clear the memos (triage.apps). An edit is seen at once here, elsewhere within a minute.
        post_save.connect(clear_process_caches, sender=Department, dispatch_uid="clear-caches-save-Department")
        post_delete.connect(clear_process_caches, sender=Department, dispatch_uid="clear-caches-del-Department")
