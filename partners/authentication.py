"""The partner API's authentication: a signed, time-stamped request (partners/signing.py)."""

import hmac
import logging
import time

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from common.errors import NotPermitted

from .models import PartnerKey
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
        key = PartnerKey.objects.select_related("partner__user").filter(key_id=key_id[:40]).first()
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


def key_for_api_key(api_key: str) -> PartnerKey:
    """Open311's `api_key`, the key id and its secret joined by a colon (sent as is, over HTTPS: Open311 has no
    request signing). A missing, unknown, revoked or wrong one is a 403 (the spec's answer)."""
    key_id, _colon, secret = (api_key or "").partition(":")
    key = PartnerKey.objects.select_related("partner__user").filter(key_id=key_id[:40]).first() if secret else None
    if key is None or not key.usable or not hmac.compare_digest(key.secret.encode(), secret.encode()):
        raise NotPermitted(_("api_key 无效：应为“密钥编号:密钥”，且密钥未被吊销。"))
    key_touch(key=key, now=timezone.now())
    return key


def _first_use(key_id: str, sig: str) -> bool:
    try:
        return cache.add(f"partner-signature:{key_id}:{sig}", 1, timeout=2 * WINDOW_SECONDS)
    except Exception:  # the cache backend's connection errors vary by backend
        logger.warning("cache unavailable: partner request accepted without the replay check", exc_info=True)
        return True
