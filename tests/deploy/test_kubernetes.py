"""What an operator relies on in deploy/k8s (docs/deployment.md, "Kubernetes").

The source files are read as YAML; the rendering is `kubectl kustomize` (offline, no cluster), on a copy of the
folder with a secrets.env made of random values, since the real one is never in the repository.
"""
from __future__ import annotations

import base64
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SECRETS_EXAMPLE = K8S / "secrets.env.example"
CONFIG_ENV = K8S / "config.env"
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|AUTH|_KEY$|_SID$")
APP_IMAGE = "iort-assistant"
# Deployment: (container, port, probe path), for every HTTP server of the assistant.
HTTP_CONTAINERS = {
    "rasa": ("rasa", 5005, "/"),
    "actions": ("action-server", 5055, "/health"),
    "consultation-api": ("consultation-api", 5056, "/health"),
    "staff": ("staff", 5057, "/sign-in"),
    "webchat": ("webchat", 8080, "/health"),
}
MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9, "": 1}


def kubectl() -> Optional[str]:
    return shutil.which("kubectl") or (str(ROOT / ".venv" / "bin" / "kubectl")
                                       if (ROOT / ".venv" / "bin" / "kubectl").exists() else None)


needs_kubectl = pytest.mark.skipif(kubectl() is None, reason="kubectl is not installed (kubectl kustomize renders)")


def env_file(path: Path) -> Dict[str, str]:
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, separator, value = line.partition("=")
            assert separator, f"{path.name}: {line!r} is not NAME=value"
            entries[name.strip()] = value
    return entries


def render(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([kubectl(), "kustomize", str(folder)], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def secret_values(tmp_path_factory) -> Dict[str, str]:
    return {name: secrets.token_urlsafe(32) for name in env_file(SECRETS_EXAMPLE)}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, secret_values) -> Tuple[str, List[dict]]:
    if kubectl() is None:
        pytest.skip("kubectl is not installed")
    folder = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, folder, ignore=shutil.ignore_patterns("secrets.env"))
    (folder / "secrets.env").write_text("".join(f"{k}={v}\n" for k, v in secret_values.items()), encoding="utf-8")
    result = render(folder)
    assert result.returncode == 0, result.stderr
    return result.stdout, [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def objects(rendered) -> Dict[Tuple[str, str], dict]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in rendered[1]}


def named(objects: Dict[Tuple[str, str], dict], kind: str, prefix: str) -> dict:
    """The object of that kind whose name is `prefix`, or `prefix-<hash>` for generated ones."""
    found = [doc for (k, name), doc in objects.items() if k == kind and re.fullmatch(rf"{prefix}(-\w+)?", name)]
    assert len(found) == 1, f"{kind} {prefix}: {len(found)} found"
    return found[0]


def pod_spec(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def workloads(objects) -> Iterator[dict]:
    for (kind, _), doc in objects.items():
        if kind in ("Deployment", "StatefulSet", "CronJob"):
            yield doc


def container(objects, deployment: str, name: str) -> dict:
    containers = {c["name"]: c for c in pod_spec(objects[("Deployment", deployment)])["containers"]}
    assert name in containers, f"{deployment} has no container {name}"
    return containers[name]


def environment(objects, item: dict) -> Dict[str, str]:
    """Variable -> value as the container sees it: ConfigMaps of envFrom, then env (secret refs as 'secret:KEY')."""
    env: Dict[str, str] = {}
    for source in item.get("envFrom", []):
        env.update(named(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for entry in item.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        elif "secretKeyRef" in entry["valueFrom"]:
            env[entry["name"]] = "secret:" + entry["valueFrom"]["secretKeyRef"]["key"]
        else:
            ref = entry["valueFrom"]["configMapKeyRef"]
            env[entry["name"]] = objects[("ConfigMap", ref["name"])]["data"][ref["key"]]
    return env


def memory_bytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMG]i?)?", str(quantity)).groups()
    return float(number) * MEMORY_UNITS[unit or ""]


def variables_read_by(path: Path) -> set:
    return set(re.findall(r"\$\{(\w+)\}", path.read_text(encoding="utf-8")))


# --- the source files (no kubectl needed) ------------------------------------------------------------------------


def test_the_secret_template_has_names_only():
    template = env_file(SECRETS_EXAMPLE)
    assert {"ACTION_SERVER_TOKEN", "CONSULTATION_API_TOKEN", "STAFF_SECRET_KEY", "POSTGRES_PASSWORD",
            "REDIS_PASSWORD"} <= set(template)
    assert not {name: value for name, value in template.items() if value}, "placeholder names only, no values"


def test_the_secret_file_is_generated_from_an_uncommitted_env_file():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    generators = kustomization["secretGenerator"]
    assert [g["envs"] for g in generators] == [["secrets.env"]]
    tracked = subprocess.run(["git", "ls-files", "deploy/k8s"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert "deploy/k8s/secrets.env" not in tracked.stdout.split()
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "deploy/k8s/secrets.env"], cwd=ROOT,
                             capture_output=True, text=True, timeout=30)
    assert ignored.returncode == 0, "deploy/k8s/secrets.env must be git-ignored"


def test_the_config_map_holds_no_secret():
    config = env_file(CONFIG_ENV)
    assert not [name for name in config if SECRET_NAME.search(name)]
    assert not [value for value in config.values() if value.startswith(('"', "'"))], "kustomize keeps quotes"


def test_every_secret_a_pod_asks_for_is_in_the_template():
    template = set(env_file(SECRETS_EXAMPLE))
    asked = set()
    for path in K8S.glob("*.yaml"):
        asked |= set(re.findall(r"secretKeyRef:\s*\{name:\s*iort-assistant-secrets,\s*key:\s*(\w+)\}",
                                path.read_text(encoding="utf-8")))
    assert len(asked) >= 10
    assert asked <= template, f"pods would not start: {sorted(asked - template)} missing from secrets.env"


# --- the rendering -----------------------------------------------------------------------------------------------


@needs_kubectl
def test_rendering_without_the_secret_file_fails(tmp_path):
    folder = tmp_path / "k8s"
    shutil.copytree(K8S, folder, ignore=shutil.ignore_patterns("secrets.env"))
    result = render(folder)
    assert result.returncode != 0 and "secrets.env" in result.stderr


def test_all_services_are_deployed(objects):
    for name in HTTP_CONTAINERS:
        assert ("Deployment", name) in objects, name
        assert ("Service", name) in objects, name
    for name in ("postgres", "redis"):
        assert ("StatefulSet", name) in objects and ("Service", name) in objects, name
    delivery = container(objects, "actions", "delivery-worker")
    assert delivery["command"][:3] == ["python", "-m", "actions.consultation.delivery"]


def test_rasa_runs_two_replicas_with_probes_and_a_memory_limit(objects):
    deployment = objects[("Deployment", "rasa")]
    assert deployment["spec"]["replicas"] >= 2
    rasa = container(objects, "rasa", "rasa")
    limits, requests = rasa["resources"]["limits"], rasa["resources"]["requests"]
    assert memory_bytes(limits["memory"]) == 1.5 * 2**30
    assert memory_bytes(requests["memory"]) <= memory_bytes(limits["memory"]) and requests.get("cpu")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert rasa[probe]["httpGet"]["path"] == "/", probe
    budget = named(objects, "PodDisruptionBudget", "rasa")
    assert budget["spec"]["minAvailable"] >= 1


def test_rasa_replicas_share_postgresql_and_redis(objects):
    env = environment(objects, container(objects, "rasa", "rasa"))
    assert env["TRACKER_DB_DIALECT"] == "postgresql" and env["TRACKER_DB_HOST"] == "postgres:5432"
    assert env["LOCK_STORE_TYPE"] == "bot.lock_store.RedisLockStore" and env["REDIS_HOST"] == "redis"
    assert env["TRACKER_DB_PASSWORD"] == "secret:POSTGRES_PASSWORD" and env["REDIS_PASSWORD"] == "secret:REDIS_PASSWORD"
    assert env["SANIC_WORKERS"] == "1", "each worker loads the model: 1.5Gi holds one"


def test_every_variable_endpoints_and_credentials_read_is_set_for_rasa(objects):
    wanted = variables_read_by(ROOT / "endpoints.yml") | variables_read_by(ROOT / "bot" / "credentials.yml")
    assert len(wanted) > 20
    missing = wanted - set(environment(objects, container(objects, "rasa", "rasa")))
    assert not missing, f"Rasa fails at start on unset variables: {sorted(missing)}"


def test_every_app_container_has_probes_and_resource_limits(objects):
    checked = 0
    for workload in workloads(objects):
        if workload["kind"] == "CronJob":
            continue
        for item in pod_spec(workload)["containers"]:
            where = f"{workload['metadata']['name']}/{item['name']}"
            assert item.get("readinessProbe") and item.get("livenessProbe"), where
            assert item["resources"]["limits"].get("memory") and item["resources"]["requests"].get("memory"), where
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize("deployment", sorted(HTTP_CONTAINERS))
def test_http_servers_listen_on_all_interfaces_and_are_probed_there(objects, deployment):
    name, port, path = HTTP_CONTAINERS[deployment]
    item = container(objects, deployment, name)
    command = " ".join(item["command"])
    flag = "--interface" if deployment == "rasa" else "--host"
    assert re.search(rf"{flag} 0\.0\.0\.0\b", command) and re.search(rf"--port {port}\b", command), command
    ports = {p["name"]: p["containerPort"] for p in item["ports"]}
    assert ports["http"] == port
    for probe in ("readinessProbe", "livenessProbe"):
        assert item[probe]["httpGet"] == {"path": path, "port": "http"}, probe
    service = objects[("Service", deployment)]
    assert service["spec"]["selector"] == objects[("Deployment", deployment)]["spec"]["selector"]["matchLabels"]
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]


def test_the_data_stores_are_probed(objects):
    postgres = pod_spec(objects[("StatefulSet", "postgres")])["containers"][0]
    redis = pod_spec(objects[("StatefulSet", "redis")])["containers"][0]
    assert "pg_isready" in " ".join(postgres["readinessProbe"]["exec"]["command"])
    assert "redis-cli ping" in " ".join(redis["readinessProbe"]["exec"]["command"])
    assert environment(objects, redis)["REDISCLI_AUTH"] == "secret:REDIS_PASSWORD"
    assert "--requirepass" in " ".join(redis["command"])


def test_the_outbox_volume_is_shared_by_action_server_and_delivery_worker(objects):
    spec = pod_spec(objects[("Deployment", "actions")])
    claim = {v["name"]: v["persistentVolumeClaim"]["claimName"]
             for v in spec["volumes"] if "persistentVolumeClaim" in v}
    paths = []
    for name in ("action-server", "delivery-worker"):
        item = container(objects, "actions", name)
        mounts = {m["name"]: m["mountPath"] for m in item["volumeMounts"] if m["name"] in claim}
        outbox = environment(objects, item)["CONSULTATION_OUTBOX"]
        assert str(Path(outbox).parent) in mounts.values(), f"{name} writes {outbox} outside the volume"
        paths.append(outbox)
    assert paths[0] == paths[1]
    assert ("PersistentVolumeClaim", "outbox") in objects
    assert objects[("Deployment", "actions")]["spec"]["strategy"]["type"] == "Recreate"


def test_production_settings(objects):
    config = named(objects, "ConfigMap", "iort-assistant-config")["data"]
    assert config["ASSISTANT_ENV"] == "production" and config["CONSULTATION_API_ENV"] == "production"
    staff = environment(objects, container(objects, "staff", "staff"))
    assert staff["STAFF_SECRET_KEY"] == "secret:STAFF_SECRET_KEY"
    assert staff["STAFF_DB_URL"] == "postgresql://$(POSTGRES_USER):$(POSTGRES_PASSWORD)@postgres:5432/staff"
    api = environment(objects, container(objects, "consultation-api", "consultation-api"))
    assert api["CONSULTATION_API_TOKEN"] == "secret:CONSULTATION_API_TOKEN"
    for item, url in ((container(objects, "staff", "staff"), "STAFF_DB_URL"),
                      (container(objects, "consultation-api", "consultation-api"), "CONSULTATION_API_DB_URL")):
        names = [entry["name"] for entry in item["env"]]
        assert names.index("POSTGRES_PASSWORD") < names.index(url), "$(POSTGRES_PASSWORD) must be defined first"


def test_secret_references_resolve_to_the_generated_secret(objects, secret_values):
    secret = named(objects, "Secret", "iort-assistant-secrets")
    data = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert data == secret_values
    for workload in workloads(objects):
        spec = pod_spec(workload)
        for item in spec["containers"]:
            for entry in item.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == secret["metadata"]["name"] and ref["key"] in data, entry


def test_secret_values_appear_only_in_the_secret(rendered, secret_values):
    text, docs = rendered
    outside = [doc for doc in docs if doc["kind"] != "Secret"]
    dumped = yaml.safe_dump_all(outside)
    leaked = [name for name, value in secret_values.items() if value in dumped]
    assert not leaked, leaked


def test_the_ingress_publishes_webhooks_uploads_and_the_web_chat_only(objects):
    routes = {}
    tls_hosts = set()
    for (kind, _), doc in objects.items():
        if kind != "Ingress":
            continue
        tls_hosts |= {host for entry in doc["spec"].get("tls", []) for host in entry["hosts"]}
        for rule in doc["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                routes[(rule["host"], path["path"])] = backend["name"]
                assert ("Service", backend["name"]) in objects, backend
                port_names = [p["name"] for p in objects[("Service", backend["name"])]["spec"]["ports"]]
                assert backend["port"]["name"] in port_names
    public = {path: service for (host, path), service in routes.items() if not host.startswith("staff.")}
    assert public == {"/webhooks/": "rasa", "/upload/": "consultation-api", "/": "webchat"}
    assert "staff" in routes.values()
    assert {host for host, _ in routes} <= tls_hosts, "every host needs TLS"


def test_images_are_pinned_and_the_app_image_is_set_by_kustomize(rendered):
    images = set(re.findall(r"^\s*image:\s*(\S+)", rendered[0], re.M))
    assert images, "no image found"
    for image in images:
        name, _, tag = image.rpartition(":")
        assert name and "/" not in tag and tag != "latest", image
    assert not [image for image in images if image == APP_IMAGE or image.startswith(APP_IMAGE + ":")], \
        "the app image must be replaced by kustomization.yaml's `images`"


def test_app_pods_run_as_an_unprivileged_user(objects):
    for workload in workloads(objects):
        spec = pod_spec(workload)
        if not any(APP_IMAGE in item["image"] for item in spec["containers"]):
            continue
        assert spec["securityContext"]["runAsNonRoot"] is True, workload["metadata"]["name"]
        for item in spec["containers"]:
            assert item["securityContext"]["allowPrivilegeEscalation"] is False, item["name"]
