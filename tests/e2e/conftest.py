"""Start the real action server and Rasa server (trained model) on loopback for the session."""
import pytest
import requests
from rasa.shared.core.domain import Domain

from bot.locales import load_catalogues
from bot.serve import ROOT, latest_model, running_assistant


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
    try:
        with running_assistant(run_dir, latest_model()) as running:
            yield running.webhook
    except Exception:
        print((run_dir / "rasa.log").read_text(errors="replace")[-5000:])
        raise


@pytest.fixture
def patient(assistant, request):
    return Patient(assistant, f"test-{request.node.name}")


@pytest.fixture(scope="session")
def catalogues():
    return load_catalogues(Domain.load(str(ROOT / "bot" / "domain")).responses)
