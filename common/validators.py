"""Input rules shared by the web forms and the API serializers: one rule, one message, in the user's language.

Django validators: a Django form runs them, and DRF runs them too (it turns their ValidationError into its own).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# A mainland mobile number (1[3-9] and nine digits, optionally +86/86 before it), or a landline with its area
# code (0 and two or three digits, a hyphen or not, seven or eight digits), optionally with an extension.
PHONE = re.compile(r"(?:(?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?[1-9]\d{6,7}(?:(?:-|转|#|ext\.?)\d{1,6})?)")
PHONE_MESSAGE = _(
    "联系电话格式不正确：请填写11位手机号（如 13905701234）或带区号的固定电话（如 0570-1234567，可带分机号）。"
)


def validate_phone(value: str) -> None:
    """A Chinese mobile or landline number; spaces are allowed between the digits (`139 0570 1234`)."""
    if not PHONE.fullmatch(re.sub(r"\s+", "", value or "")):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")


MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


def mobile_number(value: str | None) -> str | None:
    """The 11 digits of a mainland mobile number (what an SMS can reach), or None: a landline, or not a number."""
    match = MOBILE.fullmatch(re.sub(r"[\s-]+", "", value or ""))
    return match.group(1) if match else None


@deconstructible
class MaxChars:
    """At most `limit` characters, said plainly with how many there are. Fields use this instead of `max_length`,
    whose message was Django's own and whose HTML `maxlength` made the browser cut a paste silently."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, value) -> None:
        if isinstance(value, str) and len(value) > self.limit:
            raise ValidationError(
                _("最多 %(limit)d 个字符，现有 %(length)d 个字符，请精简后再提交（较长的材料可作为附件上传）。"),
                code="max_length",
                params={"limit": self.limit, "length": len(value)},
            )

    def __eq__(self, other):
        return isinstance(other, MaxChars) and other.limit == self.limit


class LimitedCharField(serializers.CharField):
    """A DRF CharField whose length limit is `MaxChars` (our message); `max_length` still says it to the schema."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.validators.append(MaxChars(max_length))
