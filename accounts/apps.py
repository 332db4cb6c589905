from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号")

    def ready(self):
        from . import tokens  # noqa: F401  (its receiver: the web logout revokes the user's API tokens)
