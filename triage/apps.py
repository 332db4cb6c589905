from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = _("问题研判与派单目录")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from common.cache import clear_process_caches
        from companies.models import IndustryChain
        from sla.models import CalendarOverride, SlaPolicy

        from .models import Category, RoutingRule

        # An edit of reference data is seen at once in this process (others: within a minute).
        for model in (Category, RoutingRule, IndustryChain, CalendarOverride, SlaPolicy):
            post_save.connect(clear_process_caches, sender=model, dispatch_uid=f"clear-caches-save-{model.__name__}")
            post_delete.connect(clear_process_caches, sender=model, dispatch_uid=f"clear-caches-del-{model.__name__}")
        m2m_changed.connect(clear_process_caches, sender=RoutingRule.assisting.through, dispatch_uid="clear-caches-m2m")
