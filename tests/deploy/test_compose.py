"""What an operator relies on in deploy/compose.yml, deploy/nginx.conf and the Dockerfile (docs/deployment.md).

No Docker engine is needed: the files are read as YAML and text.
"""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yml"
NGINX_CONF = DEPLOY / "nginx.conf"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

# The secrets without which nothing may start; each must be `${NAME:?message}` wherever compose.yml uses it.
REQUIRED_SECRETS = {"ACTION_SERVER_TOKEN", "CONSULTATION_API_TOKEN", "STAFF_SECRET_KEY", "POSTGRES_PASSWORD",
                    "REDIS_PASSWORD"}
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|AUTH|_KEY$|_SID$")
REQUIRED_REFERENCE = re.compile(r"\$\{(\w+):\?[^}]+\}")
OPTIONAL_EMPTY_REFERENCE = re.compile(r"\$\{(\w+):-\}")
APP_SERVICES = ("rasa", "actions", "delivery-worker", "consultation-api", "staff", "webchat")
HTTP_SERVICES = {  # service: (port it listens on, path its health check asks for)
    "rasa": (5005, "/"),
    "actions": (5055, "/health"),
    "consultation-api": (5056, "/health"),
    "staff": (5057, "/sign-in"),
    "webchat": (8080, "/health"),
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> Dict[str, dict]:
    return compose["services"]


def command_text(service: dict) -> str:
    command = service.get("command", [])
    return command if isinstance(command, str) else " ".join(command)


def healthcheck_text(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def variables_read_by(path: Path) -> set:
    return set(re.findall(r"\$\{(\w+)\}", path.read_text(encoding="utf-8")))


def environment_items(services: Dict[str, dict]) -> Iterator[Tuple[str, str, str]]:
    for name, service in services.items():
        environment = service.get("environment") or {}
        assert isinstance(environment, dict), f"{name}: write `environment` as a mapping"
        for key, value in environment.items():
            yield name, key, str(value)


def nginx_blocks(kind: str, text: str) -> Dict[str, str]:
    """`upstream NAME { ... }` or `location PREFIX { ... }` (no nested braces inside) -> their bodies."""
    return {m.group(1): m.group(2) for m in re.finditer(kind + r"\s+(?:=\s*)?(\S+)\s*\{([^{}]*)\}", text)}


# --- Rasa replicas behind the proxy ------------------------------------------------------------------------------


def test_at_least_two_rasa_replicas_are_reached_only_through_the_proxy(services):
    rasa = services["rasa"]
    assert rasa["deploy"]["replicas"] >= 2
    assert "ports" not in rasa and "container_name" not in rasa, "replicas must not publish ports or fix a name"
    published = [str(port) for port in services["proxy"].get("ports", [])]
    assert any(port.endswith(":8080") for port in published), published
    for name in APP_SERVICES + ("postgres", "redis"):
        assert "ports" not in services[name], f"{name} must be reached through the proxy only"


def test_the_proxy_sends_channel_webhooks_to_every_rasa_replica_and_nothing_else_of_rasa():
    text = NGINX_CONF.read_text(encoding="utf-8")
    upstreams = nginx_blocks("upstream", text)
    rasa_upstreams = {name for name, body in upstreams.items() if re.search(r"server\s+rasa:5005\b", body)}
    assert rasa_upstreams, "no upstream points at the rasa service"
    for name in rasa_upstreams:
        # `resolve` re-resolves the service name: replicas added by --scale or restarted elsewhere are reached.
        assert re.search(r"server\s+rasa:5005\s+resolve\b", upstreams[name])
        assert not re.search(r"^\s*(ip_hash|hash)\b", upstreams[name], re.M), "REST needs no sticky sessions"
    assert re.search(r"^\s*resolver\s+127\.0\.0\.11\b", text, re.M), "Docker's DNS must be the resolver"
    locations = nginx_blocks("location", text)
    to_rasa = {prefix for prefix, body in locations.items()
               if any(re.search(rf"proxy_pass\s+http://{name}\s*;", body) for name in rasa_upstreams)}
    assert to_rasa == {"/webhooks/"}, f"only the channel webhooks may reach Rasa, not {to_rasa}"


def test_the_proxy_image_supports_resolve_in_upstreams(services):
    image = services["proxy"]["image"]
    version = re.match(r"nginx:(\d+)\.(\d+)(?:\.(\d+))?", image)
    assert version, f"pin nginx to a version, not {image}"
    assert tuple(int(part or 0) for part in version.groups()) >= (1, 27, 3), "`resolve` needs nginx 1.27.3+"


def test_the_staff_app_is_published_on_loopback_only(services):
    text = NGINX_CONF.read_text(encoding="utf-8")
    staff_server = re.search(r"listen\s+8081;.*?proxy_pass\s+http://staff\s*;", text, re.S)
    assert staff_server, "the staff app has its own server block on 8081"
    published = [str(port) for port in services["proxy"]["ports"]]
    assert [port for port in published if port.endswith(":8081")] == ["127.0.0.1:${STAFF_HTTP_PORT:-8081}:8081"]


def test_upload_links_may_carry_the_documents_the_api_accepts():
    locations = nginx_blocks("location", NGINX_CONF.read_text(encoding="utf-8"))
    upload = locations["/upload/"]
    assert "proxy_pass http://consultation_api;" in upload
    size = re.search(r"client_max_body_size\s+(\d+)m;", upload)
    # bot/consultation_api/config.py: request_max_size = 4 files of 20 MB + 1 MB
    assert size and int(size.group(1)) >= 81


# --- stores ------------------------------------------------------------------------------------------------------


def test_rasa_keeps_conversations_in_postgresql_and_locks_in_redis(services):
    env = services["rasa"]["environment"]
    assert env["TRACKER_DB_DIALECT"] == "postgresql"
    assert env["TRACKER_DB_HOST"] == "postgres:5432"
    assert env["LOCK_STORE_TYPE"] == "bot.lock_store.RedisLockStore"
    assert env["REDIS_HOST"] == "redis" and env["REDIS_PORT"] == "6379"
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    depends = services["rasa"]["depends_on"]
    assert {"postgres", "redis", "actions"} <= set(depends)


def test_several_sanic_workers_are_only_possible_with_the_redis_lock(services):
    env = services["rasa"]["environment"]
    assert "SANIC_WORKERS" in env
    assert env["LOCK_STORE_TYPE"] == "bot.lock_store.RedisLockStore", "several workers need the Redis lock store"


def test_every_variable_endpoints_and_credentials_read_is_set_for_rasa(services):
    wanted = variables_read_by(ROOT / "endpoints.yml") | variables_read_by(ROOT / "bot" / "credentials.yml")
    assert {"ACTION_SERVER_URL", "TRACKER_DB_DIALECT", "TELEGRAM_TOKEN"} <= wanted  # the parsing found them
    missing = wanted - set(services["rasa"]["environment"])
    assert not missing, f"Rasa fails at start on unset variables: {sorted(missing)}"


def test_the_action_server_reads_the_channel_secrets_to_fetch_patients_files(services):
    credentials = variables_read_by(ROOT / "bot" / "credentials.yml")
    missing = credentials - set(services["actions"]["environment"])
    assert not missing, sorted(missing)


def test_staff_app_and_delivery_worker_read_the_same_tracker_store_as_rasa(services):
    rasa = services["rasa"]["environment"]
    tracker = {key: value for key, value in rasa.items() if key.startswith("TRACKER_DB")}
    assert len(tracker) == 5
    for name in ("staff", "delivery-worker"):
        env = services[name]["environment"]
        assert {key: env.get(key) for key in tracker} == tracker, name


def test_each_service_has_its_own_postgresql_database(services):
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_DB"] == services["rasa"]["environment"]["TRACKER_DB"]
    init = [volume for volume in postgres["volumes"] if "/docker-entrypoint-initdb.d/" in volume]
    assert len(init) == 1
    script = (DEPLOY / init[0].split(":")[0]).resolve()
    sql = script.read_text(encoding="utf-8")
    for service, variable, database in (("consultation-api", "CONSULTATION_API_DB_URL", "consultations"),
                                        ("staff", "STAFF_DB_URL", "staff")):
        url = services[service]["environment"][variable]
        assert url.startswith("postgresql://") and url.endswith(f"@postgres:5432/{database}"), url
        assert re.search(rf"CREATE DATABASE {database};", sql), f"{script} must create {database}"


# --- production settings and listening addresses -----------------------------------------------------------------


def test_services_run_in_production_mode(services):
    for name in ("rasa", "actions", "delivery-worker", "staff"):
        assert services[name]["environment"]["ASSISTANT_ENV"] == "production", name
    assert services["consultation-api"]["environment"]["CONSULTATION_API_ENV"] == "production"


@pytest.mark.parametrize("name", sorted(HTTP_SERVICES))
def test_servers_listen_on_all_interfaces_of_their_container(services, name):
    port, _ = HTTP_SERVICES[name]
    words = shlex.split(command_text(services[name]))
    flag = "--interface" if name == "rasa" else "--host"
    assert words[words.index(flag) + 1] == "0.0.0.0", f"{name} would listen on loopback only"
    assert words[words.index("--port") + 1] == str(port)


def test_rasas_http_api_is_off_or_behind_a_required_token(services):
    command = command_text(services["rasa"])
    if "--enable-api" in command:
        assert "--auth-token" in command or "--jwt-secret" in command
        assert REQUIRED_REFERENCE.fullmatch(services["rasa"]["environment"].get("RASA_AUTH_TOKEN", ""))
    assert "--cors '*'" not in command and '--cors "*"' not in command


def test_the_web_chat_page_talks_to_rasa_through_the_public_site(services):
    words = shlex.split(command_text(services["webchat"]))
    assert words[words.index("--rasa-url") + 1] == "${PUBLIC_URL:-http://localhost:8080}"
    assert services["consultation-api"]["environment"]["CONSULTATION_API_PUBLIC_URL"] == \
        "${PUBLIC_URL:-http://localhost:8080}"


# --- health checks and start order -------------------------------------------------------------------------------


def test_every_service_has_a_health_check(services):
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and not check.get("disable") and check.get("test"), f"{name} has no health check"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), f"{name}: {check['test']}"


@pytest.mark.parametrize("name", sorted(HTTP_SERVICES))
def test_http_services_are_checked_on_their_own_port_and_path(services, name):
    port, path = HTTP_SERVICES[name]
    assert f"http://127.0.0.1:{port}{path}" in healthcheck_text(services[name]).split()


def test_data_stores_and_the_worker_have_their_own_checks(services):
    assert "pg_isready" in healthcheck_text(services["postgres"])
    assert "redis-cli ping" in healthcheck_text(services["redis"])
    assert "REDISCLI_AUTH" in services["redis"]["environment"], "redis-cli ping needs the password"
    worker = healthcheck_text(services["delivery-worker"])
    assert "CONSULTATION_OUTBOX" in worker and "FROM outbox" in worker
    assert "/healthz" in healthcheck_text(services["proxy"])


def test_services_wait_for_what_they_need_to_be_healthy(services):
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for other, condition in depends.items():
            assert other in services, f"{name} depends on unknown {other}"
            assert condition == {"condition": "service_healthy"}, f"{name} -> {other}"
    needs = {"proxy": {"rasa", "webchat", "staff", "consultation-api"}, "rasa": {"postgres", "redis"},
             "staff": {"postgres"}, "consultation-api": {"postgres"}, "delivery-worker": {"postgres"}}
    for name, wanted in needs.items():
        assert wanted <= set(services[name]["depends_on"]), name


# --- secrets -----------------------------------------------------------------------------------------------------


def test_required_secrets_are_demanded_from_the_environment_wherever_they_are_used():
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    uses = re.findall(r"\$\{(\w+)([^}]*)\}", text)
    for secret in REQUIRED_SECRETS:
        forms = [rest for name, rest in uses if name == secret]
        assert forms, f"{secret} is never used"
        wrong = [rest for rest in forms if not re.fullmatch(r":\?.+", rest)]
        assert not wrong, f"{secret} must be ${{{secret}:?message}}, also found {wrong}"


def test_no_secret_has_a_literal_value(services):
    for service, key, value in environment_items(services):
        if not SECRET_NAME.search(key):
            continue
        required, optional = REQUIRED_REFERENCE.fullmatch(value), OPTIONAL_EMPTY_REFERENCE.fullmatch(value)
        assert required or optional, f"{service}: {key} must come from the environment, not {value!r}"
        if key in REQUIRED_SECRETS or (optional and optional.group(1) in REQUIRED_SECRETS):
            assert required, f"{service}: {key} is required"


def test_database_urls_take_the_password_from_the_environment(services):
    urls = [(service, key, value) for service, key, value in environment_items(services) if "://" in value]
    with_credentials = [(service, key, value) for service, key, value in urls if "@" in value]
    assert len(with_credentials) == 2  # consultation API and staff app
    for service, key, value in with_credentials:
        password = re.match(r"postgresql://(?:\$\{[^}]*\}|[^:@]+):(.*)@postgres:5432/", value)
        assert password and REQUIRED_REFERENCE.fullmatch(password.group(1)), f"{service}: {key}"
        assert password.group(1).startswith("${POSTGRES_PASSWORD:?"), f"{service}: {key}"


def test_redis_demands_its_password(services):
    redis = services["redis"]
    assert "--requirepass" in command_text(redis)
    assert REQUIRED_REFERENCE.fullmatch(redis["environment"]["REDIS_PASSWORD"])


def test_the_env_template_names_every_variable_and_holds_no_secret(services):
    template: Dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            template[name.strip()] = value.strip()
    required = set(REQUIRED_REFERENCE.findall(COMPOSE_FILE.read_text(encoding="utf-8")))
    assert required == REQUIRED_SECRETS
    assert required <= set(template)
    channel_secrets = {name for name in variables_read_by(ROOT / "bot" / "credentials.yml") if SECRET_NAME.search(name)}
    assert channel_secrets <= set(template)
    filled = {name: value for name, value in template.items() if SECRET_NAME.search(name) and value}
    assert not filled, f"the template must not carry secret values: {sorted(filled)}"


def test_filled_in_secret_files_are_ignored_by_git():
    paths = ["deploy/.env", "deploy/k8s/secrets.env"]
    result = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True,
                            timeout=30)
    assert sorted(result.stdout.split()) == sorted(paths)


# --- volumes and images ------------------------------------------------------------------------------------------


def mounts(service: dict) -> Dict[str, str]:
    """Named volume -> path inside the container."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if not source.startswith((".", "/")):
            found[source] = target
    return found


def test_the_outbox_is_one_volume_shared_by_the_action_server_and_the_delivery_worker(compose, services):
    actions, worker = mounts(services["actions"]), mounts(services["delivery-worker"])
    assert "outbox" in compose["volumes"]
    assert actions.get("outbox") and actions["outbox"] == worker.get("outbox")
    outbox_files = {services[name]["environment"]["CONSULTATION_OUTBOX"] for name in ("actions", "delivery-worker")}
    assert len(outbox_files) == 1
    assert Path(outbox_files.pop()).parent == Path(actions["outbox"])


def test_data_outlives_the_containers(compose, services):
    assert mounts(services["postgres"]).get("postgres-data") == "/var/lib/postgresql/data"
    documents = mounts(services["consultation-api"]).get("documents")
    assert documents and documents == services["consultation-api"]["environment"]["CONSULTATION_API_STORAGE"]
    assert {"postgres-data", "documents", "outbox"} <= set(compose["volumes"])


def image_tag(image: str) -> str:
    default = re.fullmatch(r"\$\{\w+:-(.+)\}", image)
    image = default.group(1) if default else image
    name, _, tag = image.rpartition(":")
    return tag if name and "/" not in tag else ""


def test_images_are_pinned_not_latest(services):
    for name, service in services.items():
        tag = image_tag(service["image"])
        assert tag and tag != "latest", f"{name}: pin {service['image']}"


def test_the_assistant_image_is_built_from_the_repository(services):
    rasa = services["rasa"]
    assert (COMPOSE_FILE.parent / rasa["build"]["context"]).resolve() == ROOT
    assert rasa["build"]["dockerfile"] == "Dockerfile"
    for name in APP_SERVICES:
        assert services[name]["image"] == rasa["image"], name


# --- the image ---------------------------------------------------------------------------------------------------


def dockerfile_stages() -> List[str]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    return re.split(r"^FROM\s", text, flags=re.M)[1:]


def test_the_image_installs_the_lock_and_carries_a_trained_model():
    build, runtime = dockerfile_stages()[0], dockerfile_stages()[-1]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.10-slim", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert "COPY pyproject.toml uv.lock" in build
    assert re.search(r"uv sync --frozen --no-dev", build)
    train = re.search(r"rasa train (.*)", build)
    words = train.group(1).split() if train else []
    pairs = {f"{flag} {value}" for flag, value in zip(words[:-1], words[1:], strict=True)}
    assert {"--config bot/config.yml", "--domain bot/domain", "--data data", "--out models"} <= pairs
    assert re.search(r"COPY --from=build /app/models", runtime)
    for path in ("bot/", "actions/", "data/", "endpoints.yml"):
        assert re.search(rf"^COPY {re.escape(path)}", runtime, re.M), path


def test_the_image_runs_as_an_unprivileged_user_and_bakes_in_no_secret():
    runtime = dockerfile_stages()[-1]
    users = re.findall(r"^USER\s+(\S+)", runtime, re.M)
    assert users and users[-1].split(":")[0] not in ("0", "root")
    for match in re.finditer(r"^(ENV|ARG)\s+(.*)$", DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " "),
                             re.M):
        names = re.findall(r"(\w+)=", match.group(2)) or [match.group(2).split()[0]]
        assert not [name for name in names if SECRET_NAME.search(name)], match.group(0)
    cmd = re.search(r"^CMD (.*)", runtime, re.M)
    assert cmd and '"--interface", "0.0.0.0"' in cmd.group(1)
