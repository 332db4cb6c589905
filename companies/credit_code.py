"""Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, the last a check digit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    return len(code) == 18 and all(ch in CHARSET for ch in code) and check_character(code[:17]) == code[17]


def validate_credit_code(value: str) -> None:
    if not is_valid_credit_code(value or ""):
        raise ValidationError(_("统一社会信用代码无效：应为18位，且校验码符合 GB 32100。"), code="invalid_credit_code")
