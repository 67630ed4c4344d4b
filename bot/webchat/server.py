"""Serve the widget's files and the demo page. The widget itself talks to Rasa's REST channel, not to this server.

`python -m bot.webchat --host 127.0.0.1 --port 8080 --rasa-url http://127.0.0.1:5005` (started by `make run`).
A hospital serves widget.js and widget.css from wherever it likes; Rasa must then list that page's origin in
its CORS origins (bot/serve.py passes WEBCHAT_ORIGINS to `rasa run --cors`).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import urlsplit

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"widget.js": "application/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def create_app(rasa_url: str) -> Sanic:
    app = Sanic("webchat")
    demo = (STATIC / "demo.html").read_text(encoding="utf-8").replace("{{RASA_URL}}", rasa_url.rstrip("/"))
    policy = (f"default-src 'self'; connect-src 'self' {origin(rasa_url)}; style-src 'self' 'unsafe-inline'; "
              "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")

    @app.get("/")
    async def page(_: Request) -> HTTPResponse:
        return response.html(demo, headers={"Content-Security-Policy": policy})

    @app.get("/<name:str>")
    async def asset(_: Request, name: str) -> HTTPResponse:
        if name not in ASSETS:
            return response.json({"error": {"code": "not_found", "message": "No such file."}}, status=404)
        return await response.file(STATIC / name, mime_type=ASSETS[name], headers={"Cache-Control": "no-cache"})

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.middleware("response")
    async def security_headers(_: Request, reply: HTTPResponse) -> None:
        reply.headers.setdefault("X-Content-Type-Options", "nosniff")
        reply.headers.setdefault("Referrer-Policy", "no-referrer")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    args = parser.parse_args()
    create_app(args.rasa_url).run(host=args.host, port=args.port, access_log=False, motd=False)
