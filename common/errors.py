"""Expected failures of the domain. Each carries the HTTP status the API answers with."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    default_message = _("请求无效。")

    def __init__(self, message=None, *, code: str | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class NotFound(DomainError):
    """The caller may not see it: indistinguishable from it not existing."""

    status_code = 404
    code = "not_found"
    default_message = _("未找到该诉求。")


class NotPermitted(DomainError):
    """The caller sees it but their role may not do this."""

    status_code = 403
    code = "not_permitted"
    default_message = _("您无权执行此操作。")


class InvalidState(DomainError):
    """The action is not allowed in the current state (or the caller's copy is stale)."""

    status_code = 409
    code = "invalid_state"
    default_message = _("当前状态不允许此操作。")


class InvalidInput(DomainError):
    """A page's query the page cannot answer (a date out of range, too long a period). Pages answer it with a
    400 and its message (common.middleware), the API as any DomainError."""

    code = "invalid_input"
