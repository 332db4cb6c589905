"""OpenAPI: the error answers every operation can give, documented once for all (drf-spectacular hook).

drf-spectacular documents only the success answer. A client (and the schemathesis fuzz run in
tests/security/test_fuzz_api.py) must also know the others, all JSON:
- 400: the input is invalid — `{"field": ["message", ...], ...}` or `{"detail", "code"}`;
- 401: no or a wrong token; 403: the role may not do this (or a CSRF failure with a session);
- 404: the object does not exist or the caller may not see it (also a stale list cursor);
- 409: the action is not allowed in the ticket's state, or the caller's `version` is stale;
- 413: the body is too large or has too many fields (common/middleware.py, common/api.py);
- 429: throttled (login, submit, a partner's filings); 503: the database is unavailable (`Retry-After` header).
"""

from rest_framework.settings import api_settings

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "字段名 → 错误信息列表（嵌套字段同构），或 `detail`/`code`。",
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "输入无效",
    "401": "未登录或令牌无效",
    "403": "无权执行",
    "404": "不存在或无权查看",
    "409": "当前状态不允许此操作，或版本已过期",
    "413": "提交的内容过大或字段过多",
    "429": "请求过于频繁",
    "503": "服务暂时不可用",
}


def _answer(code: str, component: str) -> dict:
    answer = {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }
    if code in ("429", "503"):
        answer["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "秒"}}
    return answer


def _throttled(generator) -> set[tuple[str, str]]:
    """(path, method) of the operations whose view throttles (a 429 is possible)."""
    throttled = set()
    for path, _regex, method, callback in generator.endpoints or []:
        throttles = getattr(callback.cls, "throttle_classes", api_settings.DEFAULT_THROTTLE_CLASSES)
        if any(method in getattr(throttle, "methods", (method,)) for throttle in throttles):
            throttled.add((path.replace("{pk}", "{id}"), method.lower()))  # as SCHEMA_COERCE_PATH_PK names it
    return throttled


def document_errors(result, generator, request, public):
    """Add the JSON error answers to every operation of the schema."""
    result.setdefault("components", {}).setdefault("schemas", {})
    result["components"]["schemas"]["Error"] = ERROR
    result["components"]["schemas"]["ValidationError"] = VALIDATION_ERROR
    throttled = _throttled(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = {p["name"]: p["in"] for p in operation.get("parameters", [])}
            codes = ["401", "403", "503"]
            if "{" in path or "cursor" in parameters:
                codes.append("404")
            if operation.get("requestBody") or set(parameters.values()) - {"path"}:
                codes.append("400")
            if operation.get("requestBody"):
                codes.append("413")
            if method == "post" and "{" in path:
                codes.append("409")
            if (path, method) in throttled:
                codes.append("429")
            for code in codes:
                responses.setdefault(code, _answer(code, "ValidationError" if code == "400" else "Error"))
    return result


def document_empty_filters(result, generator, request, public):
    """A query filter with a set of values also takes the empty value, which means no filter (django-filter's
    rule, and what the pages' "all" choice sends): say so, or a client that sends it breaks the schema."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                values = parameter.get("schema", {}).get("enum") if parameter.get("in") == "query" else None
                if values is not None and "" not in values:
                    values.append("")
    return result
