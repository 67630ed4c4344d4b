"""The API's error type and the handler that turns every exception into a JSON (or upload HTML) error response."""
from __future__ import annotations

import json
import logging
import traceback
from typing import Any, Dict, List, Optional

from sanic import exceptions as sanic_exceptions
from sanic.handlers import ErrorHandler
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger("bot.consultation_api")

JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class ApiError(Exception):
    """An error the client caused or must know about, with its HTTP status, code and English message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Optional[List[Dict[str, Any]]] = None,
        headers: Optional[Dict[str, str]] = None,
    ):
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}


def not_found() -> ApiError:
    return ApiError(404, "not_found", "The requested resource does not exist.")


def json_response(payload: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    """A JSON response with the headers every API answer carries."""
    return raw_json_response(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), status, headers)


def raw_json_response(body: str, status: int, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return HTTPResponse(
        body=body.encode("utf-8"),
        status=status,
        headers={**JSON_HEADERS, **(headers or {})},
        content_type="application/json",
    )


def error_body(error: ApiError) -> Dict[str, Any]:
    return {"error": {"code": error.code, "message": error.message, "details": error.details}}


def wants_html(request: Request) -> bool:
    """Upload pages answer HTML to browsers (GET always, POST when the client accepts text/html)."""
    if not request.path.startswith("/upload/"):
        return False
    if request.method == "GET":
        return True
    accept = request.headers.getone("accept", "")
    media_types = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return bool(media_types & {"text/html", "application/xhtml+xml"})


def is_upload_route(request: Request) -> bool:
    return request.path.startswith("/upload/") or request.path.rstrip("/").endswith("/documents")


def as_api_error(request: Request, exception: BaseException) -> ApiError:
    """Map any exception to the ApiError the client sees; unexpected ones become a bare 500."""
    if isinstance(exception, ApiError):
        return exception
    if isinstance(exception, sanic_exceptions.NotFound):
        return not_found()
    if isinstance(exception, sanic_exceptions.MethodNotSupported):
        allow = (getattr(exception, "headers", None) or {}).get("Allow")
        return ApiError(
            405,
            "method_not_allowed",
            "This method is not allowed on this resource.",
            headers={"Allow": allow} if allow else None,
        )
    if isinstance(exception, sanic_exceptions.PayloadTooLarge):
        if is_upload_route(request):
            return ApiError(413, "file_too_large", "The upload is larger than the service accepts.")
        return ApiError(413, "payload_too_large", "The request body is larger than the service accepts.")
    if isinstance(exception, sanic_exceptions.HeaderExpectationFailed):
        return ApiError(417, "expectation_failed", "The Expect header is not supported.")
    if isinstance(exception, sanic_exceptions.RequestTimeout):
        return ApiError(408, "request_timeout", "The request took too long to arrive.")
    if isinstance(exception, sanic_exceptions.ServiceUnavailable):
        return ApiError(503, "service_unavailable", "The service is not available right now.")
    if isinstance(exception, sanic_exceptions.InvalidUsage):
        return ApiError(400, "bad_request", "The request is malformed.")
    if getattr(request, "route", None) is None and not isinstance(exception, sanic_exceptions.SanicException):
        # Nothing of ours runs before routing: this is Sanic failing to parse a malformed request.
        return ApiError(400, "bad_request", "The request is malformed.")
    status = getattr(exception, "status_code", None)
    if isinstance(exception, sanic_exceptions.SanicException) and isinstance(status, int) and 400 <= status < 500:
        return ApiError(status, "bad_request", "The request cannot be processed.")
    return ApiError(500, "internal_error", "An internal error occurred; nothing was changed.")


class ApiErrorHandler(ErrorHandler):
    """Renders every error as `{"error": {...}}` JSON, or as a translated page for the patient's upload form."""

    def default(self, request: Request, exception: BaseException) -> HTTPResponse:
        error = as_api_error(request, exception)
        if error.status >= 500:
            _log_internal_error(request, exception)
        headers = dict(error.headers)
        if error.status == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        if wants_html(request):
            try:
                from .pages import error_page

                return error_page(request, error, headers)
            except Exception as page_exception:  # the JSON answer below is always possible
                _log_internal_error(request, page_exception)
        return json_response(error_body(error), error.status, headers)


def _log_internal_error(request: Request, exception: BaseException) -> None:
    """Log the exception type and code locations only: messages may quote SQL parameters (patient data)."""
    route = request.route.name if getattr(request, "route", None) else "-"
    frames = "".join(traceback.StackSummary.from_list(traceback.extract_tb(exception.__traceback__)).format())
    logger.error("internal error %s in %s %s\n%s", type(exception).__name__, request.method, route, frames)
