"""Start the assistant on loopback (consultation API, delivery worker, action server, Rasa) and wait until it answers.

`python -m bot.serve` is what `make run` calls; the end-to-end tests use the same functions.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

from bot.lock_store import REDIS_LOCK_STORE

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
VENV_BIN = Path(sys.executable).parent
CREDENTIALS = ROOT / "bot" / "credentials.yml"


def latest_model() -> Path:
    """The newest trained model in models/ (what `rasa run --model models` would load)."""
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError("No trained model in models/: run `make train`.")
    return models[-1]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def service_env(action_port: int, run_dir: Path, api_port: int,
                settings: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Environment for all services: loopback only, our consultation API, SQLite files in run_dir unless
    `settings` (or the environment) name database and lock servers."""
    env = {**os.environ, **(settings or {})}
    env["ACTION_SERVER_URL"] = f"http://{HOST}:{action_port}/webhook"
    # Rasa sends it to the action server with every call (endpoints.yml); a fresh one per start unless given.
    env["ACTION_SERVER_TOKEN"] = env.get("ACTION_SERVER_TOKEN") or secrets.token_urlsafe(32)
    env.update(store_env(env, run_dir))
    env["SANIC_HOST"] = HOST
    env.setdefault("CONSULTATION_API_URL", f"http://{HOST}:{api_port}")
    env.setdefault("CONSULTATION_API_PUBLIC_URL", f"http://{HOST}:{api_port}")
    env.setdefault("CONSULTATION_API_DB_URL", f"sqlite:///{run_dir / 'consultations.sqlite3'}")
    env.setdefault("CONSULTATION_API_STORAGE", str(run_dir / "consultation-documents"))
    env.setdefault("CONSULTATION_OUTBOX", str(run_dir / "outbox.sqlite3"))
    env.setdefault("STAFF_DB_URL", f"sqlite:///{run_dir / 'staff.sqlite3'}")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    # Sanic (Rasa, the action server) drops a new connection whose request is not there within 5 s: too short
    # when a burst keeps the servers busy (actions/server.py).
    env.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", "75")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for name in channel_variables():  # a channel without its secrets stays switched off instead of failing Rasa
        env.setdefault(name, "")
    return env


# endpoints.yml's stores: SQLite in run_dir and an in-memory lock unless the environment names servers.
STORE_DEFAULTS = {"TRACKER_DB_DIALECT": "sqlite", "TRACKER_DB_HOST": "", "TRACKER_DB_USER": "",
                  "TRACKER_DB_PASSWORD": "", "LOCK_STORE_TYPE": "in_memory", "REDIS_HOST": HOST,
                  "REDIS_PORT": "6379", "REDIS_PASSWORD": "", "REDIS_DB": "1"}


def store_env(env: Dict[str, str], run_dir: Path) -> Dict[str, str]:
    """The tracker and lock store variables endpoints.yml reads: those set in `env`, defaults for the rest."""
    stores = {name: env.get(name) or default for name, default in STORE_DEFAULTS.items()}
    sqlite = stores["TRACKER_DB_DIALECT"] == "sqlite"
    stores["TRACKER_DB"] = str(run_dir / "tracker.db") if sqlite else env.get("TRACKER_DB") or "rasa"
    return stores


def shared_store_settings(postgres_url: str, redis_host: str, redis_port: int) -> Dict[str, str]:
    """The variables for several Rasa servers sharing one PostgreSQL tracker store and one Redis lock store."""
    from sqlalchemy.engine import make_url

    database = make_url(postgres_url)
    return {"TRACKER_DB_DIALECT": "postgresql", "TRACKER_DB_HOST": f"{database.host}:{database.port}",
            "TRACKER_DB": database.database or "", "TRACKER_DB_USER": database.username or "",
            "TRACKER_DB_PASSWORD": database.password or "", "LOCK_STORE_TYPE": REDIS_LOCK_STORE,
            "REDIS_HOST": redis_host, "REDIS_PORT": str(redis_port), "REDIS_DB": "1"}


def channel_variables() -> List[str]:
    """The environment variables bot/credentials.yml reads."""
    return sorted(set(re.findall(r"\$\{(\w+)\}", CREDENTIALS.read_text(encoding="utf-8"))))


def start_consultation_api(port: int, env: Dict[str, str], log: Optional[Path] = None) -> subprocess.Popen:
    command = [str(VENV_BIN / "python"), "-m", "bot.consultation_api", "--host", HOST, "--port", str(port)]
    return _start(command, env, log)


def start_delivery_worker(env: Dict[str, str], log: Optional[Path] = None, interval: float = 10.0) -> subprocess.Popen:
    command = [str(VENV_BIN / "python"), "-m", "actions.consultation.delivery", "--interval", str(interval)]
    return _start(command, env, log)


def start_action_server(port: int, env: Dict[str, str], log: Optional[Path] = None) -> subprocess.Popen:
    command = [str(VENV_BIN / "python"), "-m", "actions.server", "--host", HOST, "--port", str(port)]
    return _start(command, env, log)


def start_webchat(port: int, rasa_url: str, env: Dict[str, str], log: Optional[Path] = None) -> subprocess.Popen:
    command = [str(VENV_BIN / "python"), "-m", "bot.webchat", "--host", HOST, "--port", str(port),
               "--rasa-url", rasa_url]
    return _start(command, env, log)


def start_staff_app(port: int, env: Dict[str, str], log: Optional[Path] = None) -> subprocess.Popen:
    command = [str(VENV_BIN / "python"), "-m", "bot.staff", "serve", "--host", HOST, "--port", str(port)]
    return _start(command, env, log)


def start_rasa_server(
    port: int, env: Dict[str, str], model: Path, log: Optional[Path] = None, extra: List[str] = ()
) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "rasa"), "run",
        "--model", str(model),
        "--endpoints", "endpoints.yml",
        "--credentials", str(CREDENTIALS.relative_to(ROOT)),
        "--interface", HOST,
        "--port", str(port),
        *cors_arguments(env),
        *rasa_api_arguments(env),
        *extra,
    ]
    return _start(command, env, log)


def cors_arguments(env: Dict[str, str]) -> List[str]:
    """The pages allowed to call Rasa from a browser (WEBCHAT_ORIGINS, space-separated); never `*`."""
    origins = env.get("WEBCHAT_ORIGINS", "").split()
    if "*" in origins:
        raise SystemExit("WEBCHAT_ORIGINS must list the hospital's page origins, not '*'.")
    return ["--cors", *origins] if origins else []


def rasa_api_arguments(env: Dict[str, str]) -> List[str]:
    """Rasa's HTTP API only with RASA_AUTH_TOKEN set, and then always behind it; never open."""
    token = env.get("RASA_AUTH_TOKEN", "")
    if not token:
        return []
    if len(token) < 32:
        raise SystemExit("RASA_AUTH_TOKEN must have at least 32 characters.")
    return ["--enable-api", "--auth-token", token]


def _start(command: List[str], env: Dict[str, str], log: Optional[Path]) -> subprocess.Popen:
    output = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 300.0) -> None:
    """Poll `url` until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Assistant:
    """All services, running; `webhook` is the REST channel's URL, `api` the consultation API's, `webchat` the
    demo page's."""

    webhook: str
    api: str
    processes: List[subprocess.Popen]
    env: Dict[str, str]
    webchat: str = ""
    staff: str = ""
    webhooks: List[str] = field(default_factory=list)  # one per Rasa server when replicated

    @property
    def rasa_url(self) -> str:
        return self.webhook.split("/webhooks/")[0]

    @property
    def rasa_urls(self) -> List[str]:
        """Each Rasa server's base URL (one per replica)."""
        return [webhook.split("/webhooks/")[0] for webhook in self.webhooks]

    @property
    def rasa(self) -> subprocess.Popen:
        return self.processes[0]

    def running(self) -> bool:
        return all(process.poll() is None for process in self.processes)


@contextmanager
def running_assistant(
    run_dir: Path,
    model: Path,
    rasa_port: Optional[int] = None,
    action_port: Optional[int] = None,
    api_port: Optional[int] = None,
    delivery_interval: float = 10.0,
    webchat_port: Optional[int] = None,
    staff_port: Optional[int] = None,
    replicas: int = 1,
    settings: Optional[Dict[str, str]] = None,
) -> Iterator[Assistant]:
    """Start the consultation API, the delivery worker, the action server and Rasa on loopback; stop them after.

    Logs go to run_dir/*.log, conversations to run_dir/tracker.db, consultation requests to
    run_dir/consultations.sqlite3 (unless CONSULTATION_API_URL points at another API). The web chat's demo
    page is served too, and allowed to call Rasa from the browser, and the staff review app reads the same
    tracker store.

    `replicas` Rasa servers share the tracker and lock stores: give `settings` a PostgreSQL tracker store and
    the Redis lock store for more than one (`shared_store_settings`, docs/deployment.md).
    """
    rasa_port, action_port, api_port = rasa_port or free_port(), action_port or free_port(), api_port or free_port()
    webchat_port, staff_port = webchat_port or free_port(), staff_port or free_port()
    env = service_env(action_port, run_dir, api_port, settings)
    if replicas > 1 and (env["LOCK_STORE_TYPE"] != REDIS_LOCK_STORE or env["TRACKER_DB_DIALECT"] == "sqlite"):
        raise ValueError("Several Rasa servers need a shared tracker store and the Redis lock store.")
    rasa_ports = [rasa_port, *(free_port() for _ in range(replicas - 1))]
    webchat_url = f"http://{HOST}:{webchat_port}"
    env["WEBCHAT_ORIGINS"] = " ".join(filter(None, [env.get("WEBCHAT_ORIGINS"), webchat_url]))
    api = start_consultation_api(api_port, env, run_dir / "consultation-api.log")
    worker = start_delivery_worker(env, run_dir / "delivery.log", delivery_interval)
    actions = start_action_server(action_port, env, run_dir / "actions.log")
    rasa = start_rasa_server(rasa_port, env, model, run_dir / "rasa.log")
    webchat = start_webchat(webchat_port, f"http://{HOST}:{rasa_port}", env, run_dir / "webchat.log")
    staff = start_staff_app(staff_port, env, run_dir / "staff.log")
    staff_url = f"http://{HOST}:{staff_port}"
    processes = [rasa, actions, worker, webchat, staff, api]  # the API last: a test stops and restarts it
    try:
        wait_until_ready(f"http://{HOST}:{api_port}/health", api)
        wait_until_ready(f"http://{HOST}:{action_port}/health", actions)
        wait_until_ready(f"{webchat_url}/health", webchat)
        wait_until_ready(f"{staff_url}/sign-in", staff)
        wait_until_ready(f"http://{HOST}:{rasa_port}/", rasa)
        # The other replicas start once the first has created the tracker store's tables.
        for n, port in enumerate(rasa_ports[1:], start=2):
            replica = start_rasa_server(port, env, model, run_dir / f"rasa-{n}.log")
            processes.insert(n - 1, replica)
            wait_until_ready(f"http://{HOST}:{port}/", replica)
        webhooks = [f"http://{HOST}:{port}/webhooks/rest/webhook" for port in rasa_ports]
        yield Assistant(webhooks[0], env["CONSULTATION_API_URL"], processes, env, webchat_url, staff_url, webhooks)
    finally:
        stop(*processes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", 5055)))
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("CONSULTATION_API_PORT", 5056)))
    parser.add_argument("--webchat-port", type=int, default=int(os.environ.get("WEBCHAT_PORT", 8080)))
    parser.add_argument("--staff-port", type=int, default=int(os.environ.get("STAFF_PORT", 5057)))
    parser.add_argument("--model", type=Path, default=ROOT / "models")
    args = parser.parse_args()
    # `kill` (SIGTERM) must stop the servers too, not only Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_dir = ROOT / "run"
    run_dir.mkdir(exist_ok=True)
    try:
        with running_assistant(run_dir, args.model, args.port, args.action_port, args.api_port,
                               webchat_port=args.webchat_port, staff_port=args.staff_port) as assistant:
            print(f"Assistant ready: web chat demo {assistant.webchat}; staff app {assistant.staff}; POST"
                  f" {assistant.webhook}; consultation API {assistant.api} (logs in {run_dir}). Ctrl-C stops it.",
                  flush=True)
            while assistant.running():
                time.sleep(1)
            return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
