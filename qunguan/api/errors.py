"""Every API error has one shape: ``{"code": "...", "message": "中文说明", "field": ...}``.

``code`` is stable for clients and tests; ``message`` is a whole Chinese sentence a person can
read; ``field`` names the offending input where there is one. Validation errors add ``errors``,
one entry per bad field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from qunguan.registry import errors as registry_errors
from qunguan.registry.access import Forbidden, NotFound
from qunguan.registry.errors import RegistryError

if TYPE_CHECKING:
    from ninja import NinjaAPI

NOT_FOUND_MESSAGE = "对象不存在，或不在您的管理范围内。"
FORBIDDEN_MESSAGE = "您无权执行此操作。"
UNAUTHORIZED_MESSAGE = "请先登录，或在 Authorization 头中提供有效的接口令牌（Bearer）。"
VALIDATION_MESSAGE = "提交的数据不符合要求，请检查标出的字段。"
CSRF_MESSAGE = "CSRF 校验失败：浏览器会话提交数据时须带 X-CSRFToken 头。"
OUT_OF_RANGE_MESSAGE = "提交的数值超出允许的范围（编号、数量等须为 64 位整数以内）。"

# RegistryError codes whose HTTP status is not 422 ("fix your input").
REGISTRY_STATUS = {
    registry_errors.DUPLICATE_ACCOUNT: 409,
    registry_errors.DUPLICATE_NUMBER: 409,
    "duplicate_username": 409,
    registry_errors.OUT_OF_SCOPE: 403,
}


class FieldError(Schema):
    field: str | None
    message: str
    type: str


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[FieldError] | None = None


class ApiError(Exception):
    """An error an endpoint raises itself, with its HTTP status."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


# Pydantic's messages are English; these say the same in whole Chinese sentences.
_MESSAGES: dict[str, str] = {
    "missing": "此字段必须填写。",
    "string_too_short": "至少需要 {min_length} 个字符。",
    "string_too_long": "最多 {max_length} 个字符。",
    "string_type": "须为文本。",
    "int_parsing": "须为整数。",
    "int_type": "须为整数。",
    "bool_parsing": "须为 true 或 false。",
    "bool_type": "须为 true 或 false。",
    "date_from_datetime_parsing": "须为日期，格式 YYYY-MM-DD。",
    "date_parsing": "须为日期，格式 YYYY-MM-DD。",
    "date_type": "须为日期，格式 YYYY-MM-DD。",
    "greater_than_equal": "不能小于 {ge}。",
    "less_than_equal": "不能大于 {le}。",
    "literal_error": "取值须为以下之一：{expected}。",
    "list_type": "须为列表。",
    "json_invalid": "请求体不是有效的 JSON。",
    "value_error": "{error}",
}


def _message_of(error: dict[str, Any]) -> str:
    """Return the Chinese message for one pydantic error, falling back to pydantic's own."""
    template = _MESSAGES.get(str(error.get("type", "")))
    if template is None:
        return str(error.get("msg", ""))
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return str(error.get("msg", ""))


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str | None:
    """Return the client's name for an error location: ("body", "payload", "account") → "account"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
        # ninja puts the endpoint's parameter name (payload, filters) before the field
        if len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts) or None


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error the shape above."""

    def respond(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
        body = {"code": code, "message": message, "field": extra.pop("field", None), **extra}
        return api.create_response(request, body, status=status)

    def on_registry_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, REGISTRY_STATUS.get(exc.code, 422), exc.code, exc.message, field=exc.field)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 404, "not_found", NOT_FOUND_MESSAGE)

    def on_forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, "forbidden", FORBIDDEN_MESSAGE)

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, exc.status, exc.code, exc.message, field=exc.field)

    def on_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        items = [
            {"field": _field_of(e.get("loc", ())), "message": _message_of(e), "type": str(e.get("type", ""))}
            for e in exc.errors
        ]
        first = items[0]["field"] if items else None
        return respond(request, 422, "validation_error", VALIDATION_MESSAGE, field=first, errors=items)

    def on_out_of_range(request: HttpRequest, exc: Any) -> HttpResponse:
        # An id, offset or count beyond what the database holds (SQLite: OverflowError; PostgreSQL:
        # "integer out of range", a DataError) cannot name anything: the input is wrong, not the server.
        return respond(request, 422, "out_of_range", OUT_OF_RANGE_MESSAGE)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, AuthenticationError):
            return respond(request, 401, "unauthorized", UNAUTHORIZED_MESSAGE)
        if exc.status_code == 403 and "CSRF" in exc.message:
            return respond(request, 403, "csrf_failed", CSRF_MESSAGE)
        if exc.status_code == 403:
            return respond(request, 403, "forbidden", FORBIDDEN_MESSAGE)
        if exc.status_code == 404:
            return respond(request, 404, "not_found", NOT_FOUND_MESSAGE)
        return respond(request, exc.status_code, "http_error", exc.message)

    api.add_exception_handler(RegistryError, on_registry_error)
    api.add_exception_handler(NotFound, on_not_found)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(Forbidden, on_forbidden)
    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(OverflowError, on_out_of_range)
    api.add_exception_handler(DataError, on_out_of_range)
