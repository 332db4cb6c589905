from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号")

    def ready(self):
        # Their receivers: the web logout revokes the user's API tokens; failed logins count towards the lockout;
        # a login starts the session's clocks and judges what the user owes (second factor, expired password).
        from . import lockout, middleware, tokens  # noqa: F401
