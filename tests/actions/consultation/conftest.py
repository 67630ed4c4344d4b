"""A real consultation API on loopback that tests can stop and start again, and a proxy that injects faults."""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List

import pytest
import requests

from actions.consultation.client import ConsultationApiClient
from actions.consultation.settings import Settings
from bot.serve import HOST, ROOT, free_port, start_consultation_api, stop, wait_until_ready

TOKEN = "test-token-for-the-delivery-tests-0123456789"


class Api:
    """`python -m bot.consultation_api` on a fixed port with a temporary database; stop() and start() at will."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.database = folder / "consultations.sqlite3"
        self.log = folder / "api.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CONSULTATION_API_DB_URL": f"sqlite:///{self.database}",
            "CONSULTATION_API_STORAGE": str(folder / "documents"),
            "CONSULTATION_API_TOKEN": TOKEN,
        }
        self.process = None

    def start(self) -> "Api":
        self.process = start_consultation_api(self.port, self.env, self.log)
        wait_until_ready(f"{self.url}/health", self.process)
        return self

    def stop(self) -> None:
        if self.process:
            stop(self.process)
            self.process = None

    def consultations(self) -> List[dict]:
        if not self.database.exists():
            return []
        with closing(sqlite3.connect(self.database)) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("SELECT * FROM consultations").fetchall()]


class FaultyProxy:
    """Forwards to the API, but plays a script first: "500-after" forwards the request and then answers 500
    (the API stored it, the client never heard), "500" and "429" answer without forwarding."""

    def __init__(self, target: str):
        self.script: List[str] = []
        self.seen = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                proxy.seen += 1
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fault = proxy.script.pop(0) if proxy.script else None
                if fault in ("500", "429"):
                    return self._answer(int(fault), b'{"error": {"code": "injected"}}', {"Retry-After": "1"})
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                upstream = requests.post(target + self.path, data=body, headers=headers, timeout=30)
                if fault == "500-after":
                    return self._answer(500, b'{"error": {"code": "injected"}}', {})
                self._answer(upstream.status_code, upstream.content, {})

            def _answer(self, status, body, headers):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(tmp_path):
    server = Api(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def proxy(api):
    faulty = FaultyProxy(api.url)
    yield faulty
    faulty.close()


@pytest.fixture
def client_for():
    """client_for(url, outbox, attempts) -> a ConsultationApiClient with the test token and short backoff."""

    def make(url: str, outbox, attempts: int = 2) -> ConsultationApiClient:
        config = Settings(api_url=url, api_token=TOKEN, outbox_path=outbox.path, connect_timeout=2, read_timeout=10)
        return ConsultationApiClient(config, attempts=attempts, backoff=0.1)

    return make
