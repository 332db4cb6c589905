"""The API's login and logout: a token for a username and password (DESIGN.md §8), and the token revoked."""

from drf_spectacular.utils import extend_schema
from rest_framework import parsers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import services as audit
from audit.models import Action
from common.parsers import JSONParser
from common.throttling import LoginThrottle

from .tokens import token_issue, tokens_revoke


class TokenLoginApi(ObtainAuthToken):
    # DRF's view names its own parsers (its stock JSON parser among them), not REST_FRAMEWORK's: ours, same order.
    parser_classes = (parsers.FormParser, parsers.MultiPartParser, JSONParser)
    throttle_classes = [LoginThrottle]

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # a failure is recorded by Django's user_login_failed signal
        user = serializer.validated_data["user"]
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
