"""A local fake of the messaging platforms' APIs on loopback: records every call and answers like the platform.

Each platform lives under its own prefix, which is what the connector's base URL is set to in the tests:
/telegram, /twilio, /messenger, /whatsapp, /line, /wechat.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
WECHAT_TOKEN = "fake-wechat-access-token"


@dataclass
class Call:
    platform: str
    method: str
    path: str  # without the platform prefix
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> Dict[str, List[str]]:
        return parse_qs(self.body.decode("utf-8"))


def _telegram(call: Call) -> Any:
    data = call.json() if call.body and call.headers.get("content-type", "").startswith("application/json") else {}
    if not data and call.body:
        data = {key: values[0] for key, values in call.form().items()}
    chat_id = int(data.get("chat_id", 0) or 0)
    if call.path.endswith("/getMe"):
        return {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Hospital", "username": "hospital_bot"}}
    if not re.search(r"/(send|edit)[A-Za-z]*$", call.path):  # setWebhook, answerCallbackQuery, ...: True
        return {"ok": True, "result": True}
    return {"ok": True, "result": {"message_id": int(time.time() * 1000) % 10**9, "date": int(time.time()),
                                   "chat": {"id": chat_id, "type": "private"}, "text": data.get("text", "")}}


def _twilio(call: Call) -> Any:
    form = {key: values[0] for key, values in call.form().items()}
    return {"sid": "SM" + "0" * 32, "status": "queued", "to": form.get("To"), "from": form.get("From"),
            "body": form.get("Body"), "account_sid": "AC" + "0" * 32, "num_media": "0", "num_segments": "1",
            "date_created": None, "date_updated": None, "date_sent": None, "uri": call.path}


ANSWERS: Dict[str, Callable[[Call], Any]] = {
    "telegram": _telegram,
    "twilio": _twilio,
    "messenger": lambda call: {"recipient_id": "1", "message_id": "m_1"},
    "whatsapp": lambda call: {"messaging_product": "whatsapp", "messages": [{"id": "wamid.fake"}]},
    "line": lambda call: {},
    "wechat": lambda call: ({"access_token": WECHAT_TOKEN, "expires_in": 7200} if call.path.endswith("/token")
                            else {"errcode": 0, "errmsg": "ok"}),
}


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"  # what every "file" a patient sent contains


def media(call: Call, base: str) -> Optional[Any]:
    """A patient's file as each platform serves it (bytes), a platform's JSON about it, or None."""
    if call.method != "GET":
        return None
    path = call.path
    if path.startswith(("/download/", "/media/", "/file/", "/cgi-bin/media/get")) or path.endswith("/content"):
        return PDF
    if call.platform == "whatsapp" and re.fullmatch(r"/[\w.-]+", path):
        return {"url": f"{base}/download{path}", "mime_type": "application/pdf", "id": path[1:]}
    if call.platform == "telegram" and path.endswith("/getFile"):
        file_id = call.query.get("file_id", [""])[0]
        return {"ok": True, "result": {"file_id": file_id, "file_path": "documents/report.pdf"}}
    return None


@dataclass
class FakePlatforms:
    """Start with `with FakePlatforms() as fake:`; `fake.base(name)` is a platform's base URL."""

    calls: List[Call] = field(default_factory=list)
    server: Optional[ThreadingHTTPServer] = None

    def __enter__(self) -> "FakePlatforms":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                match = re.match(r"^/([a-z]+)(/.*)?$", parts.path)
                platform = match.group(1) if match else ""
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(platform, self.command, (match.group(2) or "/") if match else parts.path,
                            parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()},
                            self.rfile.read(length) if length else b"")
                fake.calls.append(call)
                answer = ANSWERS.get(platform)
                found = media(call, fake.base(platform)) if answer else None
                content_type = "application/pdf" if isinstance(found, bytes) else "application/json"
                if isinstance(found, bytes):
                    body = found
                else:
                    reply = found if found is not None else (answer(call) if answer else {"error": "unknown platform"})
                    body = json.dumps(reply).encode()
                self.send_response(200 if answer else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def base(self, platform: str) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/{platform}"

    def of(self, platform: str, path_contains: str = "") -> List[Call]:
        return [c for c in list(self.calls) if c.platform == platform and path_contains in c.path]

    def wait_for(self, platform: str, count: int = 1, path_contains: str = "", timeout: float = 60.0) -> List[Call]:
        """The platform's calls once there are at least `count` (replies may be sent after the webhook answered)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.of(platform, path_contains)
            if len(calls) >= count:
                return calls
            time.sleep(0.1)
        return self.of(platform, path_contains)
