"""The API's login and logout: a token for a username and password (DESIGN.md §8), and the token revoked."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import services as audit
from audit.models import Action
from common.errors import DomainError, NotPermitted
from common.parsers import JSONParser
from common.throttling import LoginThrottle

from .lockout import is_locked, locked_message, login_succeeded
from .middleware import password_expired
from .otp import confirmed_device, otp_check, second_factor_due
from .tokens import token_issue, tokens_revoke


def _field(data, name: str) -> str:
    value = data.get(name, "") if hasattr(data, "get") else ""  # a JSON array or number is no login
    return value if isinstance(value, str) else ""


class TokenLoginApi(ObtainAuthToken):
    # DRF's view names its own parsers (its stock JSON parser among them), not REST_FRAMEWORK's: ours, same order.
    parser_classes = (parsers.FormParser, parsers.MultiPartParser, JSONParser)
    throttle_classes = [LoginThrottle]

    @extend_schema(
        summary="用户名和密码（及双因素认证的动态口令 otp）换取令牌",
        description="启用了双因素认证的账号（生产环境中的政府用户和管理员必须启用）须同时提交 `otp`：身份验证器显示的 "
        "6 位动态口令。连续登录失败（密码或动态口令）达到 QIHU_LOCKOUT_FAILURES 次后账号锁定（403 account_locked）。",
    )
    def post(self, request, *args, **kwargs):
        if is_locked(_field(request.data, "username")):
            raise NotPermitted(locked_message(), code="account_locked")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # a failure is recorded by Django's user_login_failed signal
        user = serializer.validated_data["user"]
        if second_factor_due(user):
            if confirmed_device(user) is None:
                raise NotPermitted(_("您的账号须先在网页上启用双因素认证。"), code="otp_enrolment_required")
            if not otp_check(request=request, user=user, token=_field(request.data, "otp"), via="api"):
                raise DomainError(_("动态口令不正确或缺失（字段 otp）。"), code="otp_invalid")
        if password_expired(user):
            raise NotPermitted(_("密码已过期，请先在网页上修改密码。"), code="password_expired")
        login_succeeded(user.get_username())
        token = token_issue(user=user)
        # A token login does not go through django.contrib.auth.login(): its success is recorded here.
        audit.record(Action.LOGIN_SUCCESS, request=request, user=user, details={"via": "api"})
        return Response({"token": token.key})


class TokenLogoutApi(APIView):
    @extend_schema(
        request=None,
        responses={204: None},
        summary="注销本人的令牌（此后须重新登录）",
        description="令牌还会在签发 QIHU_TOKEN_TTL_HOURS 小时（默认 24）后过期，并在修改密码或网页退出登录时失效。",
    )
    def post(self, request):
        tokens_revoke(user=request.user)
        audit.record(Action.LOGOUT, request=request, user=request.user, details={"via": "api"})
        return Response(status=status.HTTP_204_NO_CONTENT)
