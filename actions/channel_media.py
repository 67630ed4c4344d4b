"""Fetch a file a patient sent on a messaging app from that platform (the connector passes only its id or URL).

The platforms' secrets and base URLs are the ones bot/credentials.yml reads, from the same environment.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

MAX_BYTES = 20 * 1024 * 1024
TIMEOUT = (3.05, 30)


class MediaUnavailable(Exception):
    """The file could not be fetched (not configured, refused, too large, or the platform is unreachable)."""


@dataclass(frozen=True)
class Media:
    content: bytes
    content_type: str
    filename: str


def _session() -> requests.Session:
    session = requests.Session()
    retry = Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504), allowed_methods={"GET"})
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


@dataclass(frozen=True)
class Fetched:
    content: bytes
    content_type: str

    def json(self) -> Dict[str, Any]:
        try:
            data = json.loads(self.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise MediaUnavailable("the platform did not answer JSON") from None
        return data if isinstance(data, dict) else {}


def _get(url: str, **kwargs: Any) -> Fetched:
    """GET with a timeout and a size limit, read in chunks so that a huge file is refused early."""
    try:
        with _session().get(url, timeout=TIMEOUT, stream=True, **kwargs) as reply:
            if reply.status_code >= 400:
                raise MediaUnavailable(f"HTTP {reply.status_code}")
            chunks, size = [], 0
            for chunk in reply.iter_content(64 * 1024):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise MediaUnavailable("too large")
                chunks.append(chunk)
            content_type = reply.headers.get("Content-Type", "").split(";")[0].strip()
            return Fetched(b"".join(chunks), content_type)
    except requests.RequestException as error:
        raise MediaUnavailable(type(error).__name__) from None


def _media(reply: Fetched, attachment: Mapping[str, Any], default_name: str) -> Media:
    content_type = reply.content_type or attachment.get("mime_type") or "application/octet-stream"
    return Media(reply.content, str(content_type), str(attachment.get("filename") or default_name))


def _env(name: str, default: str = "") -> str:
    value = os.environ.get(name, "").strip() or default
    if not value:
        raise MediaUnavailable(f"{name} is not set")
    return value.rstrip("/")


def _whatsapp(attachment: Mapping[str, Any]) -> Media:
    base, auth = _env("WHATSAPP_API_BASE_URL", "https://graph.facebook.com/v19.0"), _bearer("WHATSAPP_ACCESS_TOKEN")
    info = _get(f"{base}/{attachment['media_id']}", headers=auth).json()
    return _media(_get(info["url"], headers=auth), {**attachment, "mime_type": info.get("mime_type")}, "whatsapp-file")


def _line(attachment: Mapping[str, Any]) -> Media:
    base = _env("LINE_DATA_API_BASE_URL", os.environ.get("LINE_API_BASE_URL", "").strip() or "https://api-data.line.me")
    reply = _get(f"{base}/v2/bot/message/{attachment['media_id']}/content",
                 headers=_bearer("LINE_CHANNEL_ACCESS_TOKEN"))
    return _media(reply, attachment, "line-file")


def _wechat(attachment: Mapping[str, Any]) -> Media:
    base = _env("WECHAT_API_BASE_URL", "https://api.weixin.qq.com")
    token = _get(f"{base}/cgi-bin/token", params={"grant_type": "client_credential", "appid": _env("WECHAT_APP_ID"),
                                                  "secret": _env("WECHAT_APP_SECRET")}).json().get("access_token")
    if not token:
        raise MediaUnavailable("no access token")
    reply = _get(f"{base}/cgi-bin/media/get", params={"access_token": token, "media_id": attachment["media_id"]})
    if reply.content_type in ("application/json", "text/plain"):
        raise MediaUnavailable("WeChat refused the media id")  # errors come back as JSON with status 200
    return _media(reply, attachment, "wechat-file")


def _telegram(attachment: Mapping[str, Any]) -> Media:
    base, token = _env("TELEGRAM_API_BASE_URL", "https://api.telegram.org"), _env("TELEGRAM_TOKEN")
    info = _get(f"{base}/bot{token}/getFile", params={"file_id": attachment["media_id"]}).json()
    path = (info.get("result") or {}).get("file_path")
    if not path:
        raise MediaUnavailable("no file path")
    return _media(_get(f"{base}/file/bot{token}/{path}"), attachment, path.rsplit("/", 1)[-1])


def _twilio(attachment: Mapping[str, Any]) -> Media:
    url = attachment.get("url") or attachment.get("media_id")
    auth = (_env("TWILIO_ACCOUNT_SID"), _env("TWILIO_AUTH_TOKEN"))
    return _media(_get(str(url), auth=auth), attachment, "twilio-file")


def _public_url(attachment: Mapping[str, Any]) -> Media:
    url = attachment.get("url") or attachment.get("media_id")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise MediaUnavailable("no URL")
    return _media(_get(url), attachment, "file")


def _bearer(variable: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {_env(variable)}"}


FETCHERS: Dict[str, Callable[[Mapping[str, Any]], Media]] = {
    "whatsapp": _whatsapp, "line": _line, "wechat": _wechat, "telegram": _telegram, "twilio": _twilio,
    "facebook": _public_url,
}


def fetch(channel: Optional[str], attachment: Optional[Mapping[str, Any]]) -> Media:
    """The file described by a connector's `attachment` metadata, or MediaUnavailable."""
    fetcher = FETCHERS.get(channel or "")
    usable = isinstance(attachment, Mapping) and (attachment.get("media_id") or attachment.get("url"))
    if fetcher is None or not usable:
        raise MediaUnavailable("no file to fetch on this channel")
    try:
        return fetcher(attachment)
    except (KeyError, TypeError, ValueError) as error:
        raise MediaUnavailable(type(error).__name__) from None
