"""REST-channel latency of the assistant, one client: starts its own servers on loopback.

`make benchmark` (python -m bot.benchmark): trained model from models/, N messages
(default 300) taken from the held-out test set in every language, sent one after
another in conversations of 6 messages; prints p50/p95/p99, errors, model load
time and the Rasa server's resident memory. Bounded in count, stops by itself.
"""
from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from pathlib import Path

import requests

from bot.serve import ROOT, latest_model, running_assistant


def messages(count: int, seed: int = 7) -> list[str]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    texts = [ex.get("text") for path in sorted((ROOT / "tests" / "nlu").glob("*.yml"))
             for ex in RasaYAMLReader().read(path).intent_examples]
    random.Random(seed).shuffle(texts)
    return list(itertools.islice(itertools.cycle(texts), count))


def resident_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--per-conversation", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    model = latest_model()
    texts = messages(args.warmup + args.messages)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        with running_assistant(Path(tmp), model) as assistant:
            load_seconds = time.monotonic() - started
            session = requests.Session()
            latencies, errors = [], 0
            for i, text in enumerate(texts):
                sender = f"bench-{i // args.per_conversation}"
                t0 = time.perf_counter()
                try:
                    response = session.post(assistant.webhook, json={"sender": sender, "message": text}, timeout=30)
                    ok = response.status_code == 200 and response.json()
                except requests.RequestException:
                    ok = False
                elapsed = (time.perf_counter() - t0) * 1000
                if i >= args.warmup:
                    latencies.append(elapsed)
                    errors += not ok
            memory = resident_mb(assistant.rasa.pid)
    print(f"model: {model.name}")
    print(f"server start (model load): {load_seconds:.1f} s")
    print(f"messages: {len(latencies)}, errors: {errors}")
    print(f"latency ms: p50 {percentile(latencies, 50):.0f}, p95 {percentile(latencies, 95):.0f}, "
          f"p99 {percentile(latencies, 99):.0f}, max {max(latencies):.0f}")
    print(f"Rasa server resident memory: {memory:.0f} MB")


if __name__ == "__main__":
    main()
