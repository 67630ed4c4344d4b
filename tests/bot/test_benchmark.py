"""The load generator counts what a patient would have seen: answers, empty answers and failures."""
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.benchmark import cpu_seconds, drive, machine_busy_seconds, percentile, process_tree


class FakeRasa(BaseHTTPRequestHandler):
    """Answers like Rasa's REST channel; "fail" gets a 500, "silent" an empty list."""

    seen = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRasa.seen.append((self.server.server_port, body["sender"], body["message"]))
        status, replies = {"fail": (500, []), "silent": (200, [])}.get(body["message"], (200, [{"text": "ok"}]))
        payload = json.dumps(replies).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def servers():
    started = [ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa) for _ in range(2)]
    for server in started:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeRasa.seen = []
    yield [f"http://127.0.0.1:{s.server_port}/webhooks/rest/webhook" for s in started]
    for server in started:
        server.shutdown()


def test_every_message_is_sent_once_and_failures_are_counted(servers):
    texts = ["hello"] * 20 + ["fail"] * 3 + ["silent"] * 2
    result = drive(servers, texts, clients=5, per_conversation=6, label="t")
    assert len(FakeRasa.seen) == 25
    assert (len(result.latencies), result.errors, result.empty) == (22, 3, 2)
    assert result.throughput > 0


def test_a_conversation_is_spread_over_the_servers_message_by_message(servers):
    drive(servers, ["hello"] * 6, clients=1, per_conversation=6, label="t")
    ports = [port for port, sender, _ in FakeRasa.seen if sender == "t-0-0"]
    assert len(ports) == 6 and len(set(ports)) == 2 and ports[0] != ports[1]


def test_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 95) == 7.0


def test_the_process_tree_includes_this_process():
    assert process_tree(os.getpid())[0] == os.getpid()


def test_cpu_time_counts_work_done():
    before, machine_before = cpu_seconds([os.getpid()]), machine_busy_seconds()
    sum(i * i for i in range(3_000_000))
    assert cpu_seconds([os.getpid()]) > before
    assert machine_busy_seconds() > machine_before
