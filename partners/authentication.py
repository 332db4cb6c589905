"""The partner API's authentication: a signed, time-stamped request (partners/signing.py)."""

import hmac
import logging
import time
from functools import cache

from django.contrib.auth import get_user_model
from django.core.cache import cache as shared_cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from common.errors import NotPermitted

from .models import Partner, PartnerKey
from .services import key_touch
from .signing import WINDOW_SECONDS, signature

logger = logging.getLogger(__name__)


class PartnerSignatureAuthentication(authentication.BaseAuthentication):
    """X-Qihu-Key, X-Qihu-Timestamp, X-Qihu-Signature. The user is the partner's system account, `auth` the key.

    Refused (401): a missing header, an unknown or revoked key (or an inactive partner), a bad signature, a
    timestamp outside ±WINDOW_SECONDS, and the exact same signed request a second time within the window (the
    signature is remembered in the cache for twice the window). When the cache is down, the replay check is
    skipped rather than the request refused (logged): a create is idempotent by its external id, and the
    window still bounds a replay.
    """

    def authenticate(self, request):
        headers = request.headers
        key_id, stamp, given = (headers.get(f"X-Qihu-{name}", "") for name in ("Key", "Timestamp", "Signature"))
        if not (key_id and stamp and given):
            raise exceptions.NotAuthenticated(_("缺少签名：请提供 X-Qihu-Key、X-Qihu-Timestamp 和 X-Qihu-Signature。"))
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            raise exceptions.AuthenticationFailed(_("X-Qihu-Timestamp 应为 Unix 时间戳（秒）。"))
        if abs(time.time() - int(stamp)) > WINDOW_SECONDS:
            raise exceptions.AuthenticationFailed(
                _("请求时间戳已过期或超前（允许误差 ±%(seconds)d 秒），请校准时钟后重新签名。")
                % {"seconds": WINDOW_SECONDS}
            )
        key = key_get(key_id)
        if key is None or not key.usable:
            raise exceptions.AuthenticationFailed(_("接口密钥无效或已吊销。"))
        expected = signature(key.secret, request.method, request.get_full_path(), stamp, request.body)
        if not hmac.compare_digest(expected, given.strip().lower()):
            raise exceptions.AuthenticationFailed(_("签名不正确：请按文档的规范串重新计算签名。"))
        if not _first_use(key_id, expected):
            raise exceptions.AuthenticationFailed(_("重复的请求：该签名已使用过，请用新的时间戳重新签名。"))
        key_touch(key=key, now=timezone.now())
        return key.partner.user, key

    def authenticate_header(self, request):
        return "X-Qihu-Signature"  # a 401, not a 403, for a request that failed authentication


KEY_COLUMNS = ("id", "key_id", "secret", "created_at", "revoked_at", "last_used_at")
PARTNER_COLUMNS = ("id", "name", "code", "active", "user_id", "created_at")


@cache
def key_sql() -> str:
    """The key `%s` with its partner and the partner's account, in one statement prepared once per process (as
    accounts.authentication does for tokens): the ORM's select_related over three tables cost more CPU to
    build than the rest of the signature check."""
    key, partner, user = PartnerKey._meta, Partner._meta, get_user_model()._meta
    columns = [f'u."{f.column}"' for f in user.concrete_fields]
    columns += [f'k."{c}" AS "key_{c}"' for c in KEY_COLUMNS] + [f'p."{c}" AS "partner_{c}"' for c in PARTNER_COLUMNS]
    return (
        f'SELECT {", ".join(columns)} FROM "{key.db_table}" k JOIN "{partner.db_table}" p ON p.id = k.partner_id '
        f'JOIN "{user.db_table}" u ON u.id = p.user_id WHERE k.key_id = %s'
    )


def key_get(key_id: str) -> PartnerKey | None:
    """The key of this id with its partner and the partner's account (None: no such key)."""
    key_id = key_id[:40]
    if "\x00" in key_id:  # PostgreSQL text cannot hold it: no key has it
        return None
    if connection.vendor != "postgresql":  # the embedded default: the ORM's plain look-up
        return PartnerKey.objects.select_related("partner__user").filter(key_id=key_id).first()
    user = next(iter(get_user_model().objects.raw(key_sql(), [key_id])), None)
    if user is None:
        return None
    partner = _from_row(Partner, {c: getattr(user, f"partner_{c}") for c in PARTNER_COLUMNS})
    key = _from_row(PartnerKey, {"partner_id": partner.pk, **{c: getattr(user, f"key_{c}") for c in KEY_COLUMNS}})
    partner.user, key.partner = user, partner
    return key


def _from_row(model, values: dict):
    """A model instance from some of its columns: `from_db` takes the values in the order of the model's fields,
    whatever the order of the names given."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def key_for_api_key(api_key: str) -> PartnerKey:
    """Open311's `api_key`, the key id and its secret joined by a colon (sent as is, over HTTPS: Open311 has no
    request signing). A missing, unknown, revoked or wrong one is a 403 (the spec's answer)."""
    key_id, _colon, secret = (api_key or "").partition(":")
    key = key_get(key_id) if secret else None
    if key is None or not key.usable or not hmac.compare_digest(key.secret.encode(), secret.encode()):
        raise NotPermitted(_("api_key 无效：应为“密钥编号:密钥”，且密钥未被吊销。"))
    key_touch(key=key, now=timezone.now())
    return key


def _first_use(key_id: str, sig: str) -> bool:
    try:
        return shared_cache.add(f"partner-signature:{key_id}:{sig}", 1, timeout=2 * WINDOW_SECONDS)
    except Exception:  # the cache backend's connection errors vary by backend
        logger.warning("cache unavailable: partner request accepted without the replay check", exc_info=True)
        return True
