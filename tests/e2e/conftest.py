"""Start the real action server and Rasa server (trained model) on loopback for the session."""
from pathlib import Path

import pytest
import requests
from rasa.shared.core.domain import Domain

from bot.locales import load_catalogues
from bot.serve import (
    HOST,
    ROOT,
    free_port,
    service_env,
    start_action_server,
    start_rasa_server,
    stop,
    wait_until_ready,
)


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("No trained model in models/: run `make train` (make test does it).")
    return models[-1]


class Patient:
    """Talks to the assistant through Rasa's REST channel, as a web or app client would."""

    def __init__(self, url: str, sender: str):
        self.url, self.sender = url, sender

    def says(self, text: str, **metadata) -> list:
        body = {"sender": self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = requests.post(self.url, json=body, timeout=60)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("assistant")
    rasa_port, action_port = free_port(), free_port()
    env = service_env(action_port, run_dir / "tracker.db")
    actions = start_action_server(action_port, env, run_dir / "actions.log")
    rasa = start_rasa_server(rasa_port, env, latest_model(), run_dir / "rasa.log")
    try:
        wait_until_ready(f"http://{HOST}:{action_port}/health", actions)
        wait_until_ready(f"http://{HOST}:{rasa_port}/", rasa)
        yield f"http://{HOST}:{rasa_port}/webhooks/rest/webhook"
    except Exception:
        print((run_dir / "rasa.log").read_text(errors="replace")[-5000:])
        raise
    finally:
        stop(rasa, actions)


@pytest.fixture
def patient(assistant, request):
    return Patient(assistant, f"test-{request.node.name}")


@pytest.fixture(scope="session")
def catalogues():
    return load_catalogues(Domain.load(str(ROOT / "bot" / "domain")).responses)
