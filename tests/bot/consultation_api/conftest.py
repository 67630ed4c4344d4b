"""Real consultation API servers on loopback (`python -m bot.consultation_api`), each with its own temporary
SQLite database and document folder, and helpers to talk to them over HTTP.

TEST_CONSULTATION_API_DB_URL=postgresql://... runs the servers of these tests on that database instead (every
record the tests create has its own random conversation id and key, so a database can be reused).
"""
from __future__ import annotations

import copy
import itertools
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
import requests
import sqlalchemy as sa

from bot.serve import HOST, ROOT, free_port, stop, wait_until_ready

TOKEN = "test-consultation-token-0123456789abcdef"
_numbers = itertools.count(1)
_run = secrets.token_hex(4)

BASE_CONSULTATION: Dict[str, Any] = {
    "patient": {"relation": "self", "name": "Jana Nováková", "age": 54, "country": "Czechia"},
    "contact": {"kind": "email", "value": "Jana.Novakova@Example.org", "guardian": False},
    "diagnosis": {"cancer_type": "breast", "status": "confirmed", "text": "ductal carcinoma, 2 cm"},
    "treatment_stage": "surgery_planned",
    "interest": "iort",
    "reports_available": True,
    "description": "Surgery is planned for next month; I would like to know if IORT is possible.",
    "language": "en",
    "channel": "rest",
    "conversation_id": "conversation-1",
    "consent": {"given": True, "given_at": "2026-11-26T15:50:00+01:00", "language": "en", "text_version": "v1"},
    "transcript_summary": {
        "topics": ["iort", "side_effects"],
        "last_messages": [
            {"sender": "patient", "text": "Can I have IORT?", "timestamp": "2026-11-26T15:49:00Z"},
            {"sender": "bot", "text": "The medical team decides who can have IORT.", "timestamp": 1795704540.5},
        ],
    },
}


class ApiServer:
    """One running server: its base URL, token, database and storage folder."""

    def __init__(self, base: str, token: str, db_url: str, storage: Path, log: Path, process: subprocess.Popen):
        self.base, self.token, self.db_url, self.storage, self.log, self.process = (
            base, token, db_url, storage, log, process,
        )
        self._engine: Optional[sa.engine.Engine] = None

    def url(self, path: str) -> str:
        return self.base + path

    def auth(self, **headers: str) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **headers}

    def post(self, path: str, body: Any = None, key: Optional[str] = None, **kwargs) -> requests.Response:
        headers = self.auth(**({"Idempotency-Key": key} if key else {}))
        headers.update(kwargs.pop("headers", {}))
        return requests.post(self.url(path), json=body, headers=headers, timeout=30, **kwargs)

    def create_consultation(self, body: Dict[str, Any], key: Optional[str] = None) -> requests.Response:
        return self.post("/v1/consultations", body, key=key or unique("key"))

    def upload_link(self, reference: str) -> str:
        response = self.post(f"/v1/consultations/{reference}/upload-links")
        assert response.status_code == 201, response.text
        return response.json()["url"]

    @property
    def engine(self) -> sa.engine.Engine:
        """Direct access to the server's database, to check what was stored."""
        if self._engine is None:
            self._engine = sa.create_engine(self.db_url, future=True)
        return self._engine

    def query(self, sql: str, **params) -> list:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).fetchall()

    def stored_files(self) -> set:
        return {path.name for path in self.storage.iterdir()} if self.storage.exists() else set()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def unique(prefix: str) -> str:
    return f"{prefix}-{_run}-{next(_numbers)}"


def consultation(**changes: Any) -> Dict[str, Any]:
    """A valid consultation request body with its own conversation id; `changes` replace top-level fields."""
    body = copy.deepcopy(BASE_CONSULTATION)
    body["conversation_id"] = unique("conversation")
    body.update(copy.deepcopy(changes))
    return body


def server_env(directory: Path, **overrides: str) -> Dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("CONSULTATION_API_"):
            del env[name]
    env.update(
        {
            "CONSULTATION_API_DB_URL": os.environ.get("TEST_CONSULTATION_API_DB_URL")
            or f"sqlite:///{directory / 'api.sqlite3'}",
            "CONSULTATION_API_TOKEN": TOKEN,
            "CONSULTATION_API_STORAGE": str(directory / "documents"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
    )
    env.update(overrides)
    return env


def start_server(directory: Path, log_name: str = "server.log", **overrides: str) -> ApiServer:
    """Start `python -m bot.consultation_api` on a free loopback port and wait until /health answers."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://{HOST}:{port}"
    env = server_env(directory, CONSULTATION_API_PUBLIC_URL=base, **overrides)
    log = directory / log_name
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.consultation_api", "--host", HOST, "--port", str(port)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_until_ready(f"{base}/health", process, timeout=60)
    except Exception:
        stop(process)
        print(log.read_text(errors="replace")[-5000:])
        raise
    return ApiServer(base, env["CONSULTATION_API_TOKEN"], env["CONSULTATION_API_DB_URL"],
                     Path(env["CONSULTATION_API_STORAGE"]), log, process)


def stop_and_check(server: ApiServer) -> None:
    """Stop a server; every bad request the tests sent must have been a 4xx, never an internal error."""
    stop(server.process)
    log = server.log_text()
    assert "internal error" not in log and "Traceback" not in log, log[-3000:]


@pytest.fixture(scope="session")
def api(tmp_path_factory):
    """The default server (20 MB upload limit, 72-hour links), shared by the session."""
    server = start_server(tmp_path_factory.mktemp("consultation-api"))
    yield server
    stop_and_check(server)


@pytest.fixture(scope="session")
def small_api(tmp_path_factory):
    """A server with CONSULTATION_API_MAX_UPLOAD_MB=1, for the size limits."""
    server = start_server(tmp_path_factory.mktemp("consultation-api-small"), CONSULTATION_API_MAX_UPLOAD_MB="1")
    yield server
    stop_and_check(server)


@pytest.fixture
def created(api):
    """A consultation request just created on the default server: (request body, response JSON)."""
    body = consultation()
    response = api.create_consultation(body)
    assert response.status_code == 201, response.text
    return body, response.json()


@pytest.fixture(scope="session")
def make_body():
    """`make_body(**changes)`: a fresh valid consultation request body (see `consultation`)."""
    return consultation


@pytest.fixture(scope="session")
def new_key():
    """`new_key()`: a fresh Idempotency-Key."""
    return lambda: unique("key")


@pytest.fixture(scope="session")
def launch(tmp_path_factory):
    """`launch(directory=None, **env)`: start another server (stopped at the end of the session)."""
    started = []

    def start(directory: Optional[Path] = None, **overrides: str) -> ApiServer:
        server = start_server(directory or tmp_path_factory.mktemp("consultation-api-extra"),
                              log_name=f"server-{len(started)}.log", **overrides)
        started.append(server)
        return server

    yield start
    stop(*(server.process for server in started))
