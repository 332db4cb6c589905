"""Work notices (工作通知) to officials on DingTalk or the government's DingTalk (浙政钉), in the shape of
DingTalk's server API:

- `GET {base}/gettoken?appkey=…&appsecret=…` → `{"errcode": 0, "access_token": …, "expires_in": 7200}`; the
  token is kept in the cache until shortly before it expires, for every worker;
- `POST {base}/topapi/message/corpconversation/asyncsend_v2?access_token=…` with
  `{"agent_id": …, "userid_list": "…", "msg": {"msgtype": "text", "text": {"content": …}}}` →
  `{"errcode": 0, "task_id": …}`.

A token the server no longer accepts is dropped and the notice retried with a new one.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.core.cache import cache

from ..models import OutgoingMessage
from ..outbox import Result
from .http import request

SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"
TOKEN_REFUSED = {40001, 40014, 42001, 88}  # invalid or expired access_token


class DingTalkWorkNotice:
    def __init__(self, *, base_url: str, app_key: str, app_secret: str, agent_id: str, timeout: float = 10):
        self.base_url, self.app_key, self.app_secret = base_url.rstrip("/"), app_key, app_secret
        self.agent_id, self.timeout = agent_id, timeout
        self.cache_key = f"dingtalk-token:{app_key}"

    def _call(self, method: str, path: str, query: dict, body: dict | None = None) -> dict:
        url = f"{self.base_url}{path}?{urlencode(query)}"
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = {"Content-Type": "application/json; charset=utf-8"} if data else {}
        response = request(method, url, body=data, headers=headers, timeout=self.timeout)
        try:
            return json.loads(response.body)
        except ValueError:
            raise OSError(f"HTTP {response.status}: not JSON") from None

    def token(self) -> str:
        token = cache.get(self.cache_key)
        if token:
            return token
        answer = self._call("GET", "/gettoken", {"appkey": self.app_key, "appsecret": self.app_secret})
        if answer.get("errcode") != 0:
            raise OSError(f"gettoken {answer.get('errcode')}: {answer.get('errmsg', '')}")
        cache.set(self.cache_key, answer["access_token"], max(60, int(answer.get("expires_in", 7200)) - 300))
        return answer["access_token"]

    def send(self, message: OutgoingMessage) -> Result:
        body = {
            "agent_id": int(self.agent_id),
            "userid_list": message.address,
            "msg": {"msgtype": "text", "text": {"content": message.text}},
        }
        try:
            answer = self._call("POST", SEND_PATH, {"access_token": self.token()}, body)
        except OSError as exc:
            return Result(ok=False, error=f"{type(exc).__name__}: {exc}")
        code = answer.get("errcode")
        if code == 0:
            return Result(ok=True, reference=str(answer.get("task_id", "")))
        if code in TOKEN_REFUSED:
            cache.delete(self.cache_key)
        return Result(ok=False, error=f"{code}: {answer.get('errmsg', '')}")
