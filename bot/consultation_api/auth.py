"""Bearer-token check for the /v1 API (constant-time comparison)."""
from __future__ import annotations

import hmac

from sanic.request import Request

from .errors import ApiError

PUBLIC_PATHS = frozenset({"/v1/openapi.json"})


def needs_token(path: str) -> bool:
    """Every /v1/... path needs the bearer token, except the OpenAPI document."""
    return path.startswith("/v1/") and path not in PUBLIC_PATHS


def check_bearer(request: Request, token: str) -> None:
    """Raise 401 `unauthorized` unless the request carries `Authorization: Bearer <token>`."""
    header = request.headers.getone("authorization", "")
    scheme, _, presented = header.partition(" ")
    ok = hmac.compare_digest(presented.strip().encode("utf-8"), token.encode("utf-8"))
    if scheme.lower() != "bearer" or not ok:
        raise ApiError(401, "unauthorized", "A valid bearer token is required.")
