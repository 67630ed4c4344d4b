"""Checks that run before Sanic reads a request body: a sane Content-Length and the per-route body limit."""
from __future__ import annotations

import re

from sanic.exceptions import InvalidUsage
from sanic.request import Request

from .config import MAX_JSON_BYTES
from .errors import is_upload_route

_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(.*?)[ \t]*$", re.IGNORECASE | re.MULTILINE)


def check_head(head: bytes) -> None:
    """Refuse a Content-Length that is not one plain decimal number.

    Sanic 21.12 passes the header to int(): "abc" would become a 500, and "-5" makes its body reader spin
    forever and block every other request. Raising here makes Sanic answer 400 and close the connection.
    """
    values = {value.rstrip(b"\r") for value in _CONTENT_LENGTH.findall(head)}
    if len(values) > 1 or any(not value.isdigit() or len(value) > 18 for value in values):
        raise InvalidUsage("Invalid Content-Length header")


def limit_body(request: Request) -> None:
    """JSON routes accept 1 MB; upload routes keep Sanic's REQUEST_MAX_SIZE. Larger bodies get 413 unread."""
    if request.stream is not None and not is_upload_route(request):
        request.stream.request_max_size = min(request.stream.request_max_size, MAX_JSON_BYTES)
