"""Service-wide behaviour: health, unknown routes and methods, the OpenAPI document, production settings."""
import os
import re
import sqlite3
import subprocess
import sys

import pytest
import requests

from bot.consultation_api import create_app
from bot.consultation_api.config import Config
from bot.consultation_api.validation import openapi_document
from bot.serve import ROOT, stop

METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def test_health_needs_no_token(api):
    response = requests.get(api.url("/health"), timeout=30)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("GET", "/nothing"), ("POST", "/v1/nothing"), ("GET", "/v1/consultations/PH-2026-000001/x/y"),
    ("GET", "/v2/consultations"), ("GET", "/static/../../etc/passwd"),
])
def test_unknown_routes_get_json_404(api, method, path):
    response = requests.request(method, api.url(path), headers=api.auth(), timeout=30)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "not_found", "message": "The requested resource does not exist.", "details": []}
    }


@pytest.mark.parametrize("method, path", [
    ("GET", "/v1/consultations"), ("PUT", "/v1/handoffs"), ("DELETE", "/health"), ("OPTIONS", "/v1/consultations"),
    ("GET", "/v1/consultations/PH-2026-000001"),
])
def test_wrong_methods_get_json_405(api, method, path):
    response = requests.request(method, api.url(path), headers=api.auth(), timeout=30)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["Allow"]


def app_routes(tmp_path):
    """(METHOD, /path/{param}) for every route of an app built in this process."""
    config = Config(db_url=f"sqlite:///{tmp_path / 'routes.sqlite3'}", storage=tmp_path / "documents")
    app = create_app(config)
    routes = set()
    for route in app.router.routes:
        path = "/" + re.sub(r"<([a-z_]+)(:[^>]*)?>", r"{\1}", route.path).lstrip("/")
        routes.update((method.upper(), path) for method in route.methods)
    return routes


def document_routes(document):
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item if method in METHODS}


def test_the_openapi_document_lists_exactly_the_apps_routes(api, tmp_path):
    served = requests.get(api.url("/v1/openapi.json"), timeout=30)
    assert served.status_code == 200
    assert served.json() == openapi_document()
    assert document_routes(served.json()) == app_routes(tmp_path)


def test_every_reference_in_the_openapi_document_resolves():
    document = openapi_document()
    assert document["openapi"].startswith("3.0")

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    target = document
                    for part in value.lstrip("#/").split("/"):
                        target = target[part]
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    for path, item in document["paths"].items():
        for name in re.findall(r"{([a-z_]+)}", path):
            parameters = item.get("parameters", []) + [p for op in item.values() if isinstance(op, dict)
                                                       for p in op.get("parameters", [])]
            resolved = [document["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
                        for p in parameters]
            assert any(p["in"] == "path" and p["name"] == name for p in resolved), (path, name)


def run_server_briefly(env_overrides, tmp_path, timeout=30):
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONSULTATION_API_")}
    env.update({"CONSULTATION_API_DB_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                "CONSULTATION_API_STORAGE": str(tmp_path / "documents"), "PYTHONPATH": str(ROOT)})
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-m", "bot.consultation_api", "--port", "9"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("token, reason", [
    (None, "not set"),
    ("local-dev-consultation-token", "public local default"),
    ("short-but-not-default", "shorter than 32"),
])
def test_production_refuses_to_start_with_an_unsafe_token(tmp_path, token, reason):
    overrides = {"CONSULTATION_API_ENV": "production"}
    if token is not None:
        overrides["CONSULTATION_API_TOKEN"] = token
    result = run_server_briefly(overrides, tmp_path)
    assert result.returncode != 0
    assert reason in result.stderr
    assert not (tmp_path / "p.sqlite3").exists()  # refused before touching the database


def test_production_starts_with_a_long_secret_token(launch, tmp_path):
    secret = "s" * 40
    server = launch(tmp_path, CONSULTATION_API_ENV="production", CONSULTATION_API_TOKEN=secret)
    assert requests.get(server.url("/health"), timeout=30).status_code == 200
    assert requests.delete(server.url("/v1/conversations/c/data"), timeout=30,
                           headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert requests.delete(server.url("/v1/conversations/c/data"), timeout=30,
                           headers={"Authorization": "Bearer local-dev-consultation-token"}).status_code == 401


def test_a_database_of_an_older_schema_is_refused_at_start(tmp_path):
    with sqlite3.connect(tmp_path / "p.sqlite3") as connection:
        connection.execute("CREATE TABLE handoffs (id INTEGER PRIMARY KEY, ticket VARCHAR(32))")
    result = run_server_briefly({}, tmp_path)
    assert result.returncode != 0
    assert "table handoffs lacks column(s) status" in result.stderr


def test_an_invalid_setting_is_reported(tmp_path):
    result = run_server_briefly({"CONSULTATION_API_MAX_UPLOAD_MB": "lots"}, tmp_path)
    assert result.returncode != 0 and "CONSULTATION_API_MAX_UPLOAD_MB" in result.stderr


def test_an_unexpected_failure_is_a_bare_500_and_its_log_line_holds_no_patient_data(
    launch, make_body, new_key, tmp_path
):
    """Break a server's database on purpose: the client gets `internal_error`, the log only the exception type."""
    server = launch(CONSULTATION_API_DB_URL=f"sqlite:///{tmp_path / 'broken.sqlite3'}")
    body = make_body(patient={"relation": "self", "name": "Ottoline Fairweather", "age": 40, "country": "Peru"})
    reference = server.create_consultation(body).json()["reference"]
    link = server.upload_link(reference)
    with server.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE idempotency_keys")
        connection.exec_driver_sql("DROP TABLE upload_links")
    response = server.create_consultation(body, new_key())
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error",
                                         "message": "An internal error occurred; nothing was changed.", "details": []}}
    page = requests.get(link, timeout=30, headers={"Accept-Language": "ru"})
    assert page.status_code == 500 and '<html lang="ru"' in page.text
    assert requests.get(server.url("/health"), timeout=30).status_code == 200
    stop(server.process)
    log = server.log_text()
    assert "internal error OperationalError in POST" in log and "internal error OperationalError in GET" in log
    for secret in ["Ottoline", "Fairweather", "Peru", "jana.novakova", "INSERT", "SELECT", link.rsplit("/", 1)[-1]]:
        assert secret not in log
