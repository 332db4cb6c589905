"""`check --deploy` refuses the public demo key for personal data (privacy/crypto.py)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from .crypto import DEMO_KEY, _parse


@register(Tags.security, deploy=True)
def pii_key_check(app_configs, **kwargs):
    key = settings.QIHU["PII_KEY"]
    if not key or key == DEMO_KEY:
        return [Error("QIHU_PII_KEY is not set: phone numbers would be encrypted with the public demo key.",
                      hint="Set QIHU_PII_KEY=<id>:<64 hex digits> (docs/security.md).", id="qihu.E001")]  # fmt: skip
    try:
        _parse(key)
    except ValueError as error:
        return [Error(f"QIHU_PII_KEY is malformed: {error}", id="qihu.E002")]
    return []
