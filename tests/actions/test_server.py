"""The action server does not start with an open door."""
import socket
import time

import pytest

from actions.server import UnsafeConfiguration, allowed_origins, check_configuration
from bot.serve import HOST, free_port, service_env, start_action_server, stop, wait_until_ready

TOKEN = "t" * 40


def test_loopback_without_a_token_is_fine_locally():
    check_configuration("127.0.0.1", "", production=False)


def test_an_open_interface_needs_a_token():
    with pytest.raises(UnsafeConfiguration):
        check_configuration("0.0.0.0", "", production=False)
    check_configuration("0.0.0.0", TOKEN, production=False)


def test_production_refuses_short_or_default_secrets(monkeypatch):
    monkeypatch.delenv("CONSULTATION_API_TOKEN", raising=False)
    with pytest.raises(UnsafeConfiguration):
        check_configuration("127.0.0.1", "short", production=True)
    with pytest.raises(UnsafeConfiguration):
        check_configuration("127.0.0.1", TOKEN, production=True)  # the consultation API token is the default
    monkeypatch.setenv("CONSULTATION_API_TOKEN", "c" * 40)
    check_configuration("127.0.0.1", TOKEN, production=True)


def test_cors_lists_origins_and_never_a_wildcard(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_CORS_ORIGINS", "https://hospital.example, *")
    assert allowed_origins() == ["https://hospital.example"]


@pytest.fixture
def action_server(tmp_path):
    port = free_port()
    process = start_action_server(port, service_env(port, tmp_path, free_port()), tmp_path / "actions.log")
    try:
        wait_until_ready(f"http://{HOST}:{port}/health", process)
        yield HOST, port
    finally:
        stop(process)


def test_a_request_that_follows_its_connection_late_is_still_answered(action_server):
    """Rasa connects, then sends its request when its event loop gets to it: a busy Rasa must not lose the call."""
    with socket.create_connection(action_server, timeout=30) as connection:
        time.sleep(6)  # longer than Sanic's default keep-alive timeout of 5 s
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: actions\r\nConnection: close\r\n\r\n")
        assert connection.recv(100).startswith(b"HTTP/1.1 200")
