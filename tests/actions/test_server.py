"""The action server does not start with an open door."""
import pytest

from actions.server import UnsafeConfiguration, allowed_origins, check_configuration

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
