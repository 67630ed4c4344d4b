"""The patient's upload pages: translated texts (upload_texts.yml) rendered with autoescaping Jinja templates."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from sanic.request import Request
from sanic.response import HTTPResponse

from .errors import ApiError

HERE = Path(__file__).parent
LANGUAGES = ("en", "zh", "ru", "ar", "es", "fr", "id", "vi")
DEFAULT_LANGUAGE = "en"
# No external resources, no referrer (the URL holds the link's token), no framing, no caching.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
# Error codes shown to patients; anything else gets the generic request_error (4xx) or internal_error (5xx) text.
_ERROR_TEXTS = {
    "not_found": "link_not_found",
    "link_not_found": "link_not_found",
    "link_expired": "link_expired",
    "link_used": "link_used",
    "no_file": "no_file",
    "file_too_large": "file_too_large",
    "payload_too_large": "file_too_large",
    "unsupported_file_type": "unsupported_file_type",
}
# The link is still usable after these, so the page offers to try again.
_RETRYABLE = {"no_file", "file_too_large", "payload_too_large", "unsupported_file_type", "request_error",
              "internal_error"}


@lru_cache(maxsize=1)
def all_texts() -> Dict[str, Dict[str, str]]:
    with (HERE / "upload_texts.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def texts(language: str) -> Dict[str, str]:
    table = all_texts()
    return table.get(language) or table[DEFAULT_LANGUAGE]


def language_from_header(accept_language: str) -> str:
    """The supported language the browser prefers most (Accept-Language), else English."""
    best, best_quality = DEFAULT_LANGUAGE, 0.0
    for position, item in enumerate(accept_language.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().split("-")[0].lower()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        quality -= position * 1e-6  # earlier wins on equal quality
        if primary in LANGUAGES and quality > best_quality:
            best, best_quality = primary, quality
    return best


def fill(text: str, **values: object) -> Markup:
    """Put values into a translated sentence, escaped, each isolated for right-to-left text (<bdi>)."""
    return escape(text).format(**{name: Markup("<bdi>%s</bdi>") % value for name, value in values.items()})


def format_mb(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True)
    environment.globals["fill"] = fill
    return environment


def render(
    template: str, language: str, status: int, headers: Optional[Dict[str, str]] = None, **context
) -> HTTPResponse:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    t = texts(language)
    html = _environment().get_template(template).render(t=t, lang=language, dir=t["dir"], **context)
    return HTTPResponse(
        body=html.encode("utf-8"),
        status=status,
        headers={**PAGE_HEADERS, **(headers or {})},
        content_type="text/html; charset=utf-8",
    )


def upload_page(language: str, reference: str, expires_at: datetime, max_mb: float, accept: str) -> HTTPResponse:
    return render(
        "upload.html",
        language,
        200,
        reference=reference,
        expires=expires_at.strftime("%Y-%m-%d %H:%M"),
        max_mb=format_mb(max_mb),
        accept=accept,
    )


def received_page(language: str, count: int) -> HTTPResponse:
    return render("message.html", language, 201, kind="received", count=count)


def error_page(request: Request, error: ApiError, headers: Dict[str, str]) -> HTTPResponse:
    """The translated page for an error on an upload URL, in the consultation's or else the browser's language."""
    language = getattr(request.ctx, "language", None) or language_from_header(
        request.headers.getone("accept-language", "")
    )
    key = _ERROR_TEXTS.get(error.code) or ("internal_error" if error.status >= 500 else "request_error")
    config = request.app.ctx.config
    retry = request.method == "POST" and (error.code in _RETRYABLE or key in _RETRYABLE)
    return render(
        "message.html",
        language,
        error.status,
        headers,
        kind="error",
        message_key=key,
        code=error.code,
        max_mb=format_mb(config.max_upload_mb),
        retry_url=request.path if retry else None,
    )
