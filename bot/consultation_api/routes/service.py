"""Service routes: health check and the OpenAPI document."""
from __future__ import annotations

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from ..errors import json_response
from ..validation import openapi_document


async def health(request: Request) -> HTTPResponse:
    return json_response({"status": "ok"})


async def openapi(request: Request) -> HTTPResponse:
    return json_response(openapi_document())


def register(app: Sanic) -> None:
    app.add_route(health, "/health", methods=["GET"], name="health")
    app.add_route(openapi, "/v1/openapi.json", methods=["GET"], name="openapi")
