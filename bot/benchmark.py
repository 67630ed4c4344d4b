"""REST-channel load test of the assistant against a plain `rasa init` bot, on loopback, in one run.

`make benchmark` (python -m bot.benchmark): for each bot, one client sending messages one after another, then
N clients (default 20) each holding conversations of 6 messages back to back. Messages: the held-out test
set in all 8 languages, shuffled, the same for both bots. Prints p50/p95/p99 latency, messages per second,
errors, server start time and resident memory per Rasa process, and the ratios. Bounded: a fixed number of
messages per phase and a deadline; every server it starts is stopped at the end.

The assistant runs as deployed for load (docs/deployment.md): PostgreSQL tracker store, Redis lock store and
SANIC_WORKERS Rasa workers (default 2, one per core), PostgreSQL and Redis from Debian's packages on
loopback. `--single` runs it as `make run` does instead (one process, SQLite, in-memory lock).
The plain bot is made once with `rasa init --no-prompt` in .cache/plain-rasa (its training is timed then).
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

from bot.serve import (
    HOST,
    ROOT,
    VENV_BIN,
    free_port,
    latest_model,
    running_assistant,
    shared_store_settings,
    stop,
    wait_until_ready,
)

PLAIN_BOT = ROOT / ".cache" / "plain-rasa"
DEADLINE_SECONDS = 600  # per phase: the benchmark stops by itself even if a server hangs
REQUEST_TIMEOUT = 60


def messages(count: int, seed: int = 7) -> List[str]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    texts = [ex.get("text") for path in sorted((ROOT / "tests" / "nlu").glob("*.yml"))
             for ex in RasaYAMLReader().read(path).intent_examples]
    random.Random(seed).shuffle(texts)
    return list(itertools.islice(itertools.cycle(texts), count))


def resident_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def process_tree(pid: int) -> List[int]:
    """A process and all its descendants (Sanic workers are children of the Rasa process)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue += [int(child) for child in task.read_text().split()]
    return found


def cpu_seconds(pids: List[int]) -> float:
    """CPU time (user + system) the processes have used so far, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_busy_seconds() -> float:
    """CPU time all cores have spent busy since boot (/proc/stat), summed over the cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def percentile(values: List[float], q: int) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


@dataclass
class PhaseResult:
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0
    seconds: float = 0.0
    rasa_cpu: float = 0.0  # CPU seconds the Rasa server's processes used during the phase
    machine_cpu: float = 0.0  # CPU seconds all processes on the machine used (load generator included)

    def cpu_ms_per_message(self, seconds: float) -> float:
        return seconds / len(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def quantile(self, q: int) -> float:
        return percentile(self.latencies, q)


def drive(webhooks: List[str], texts: List[str], clients: int, per_conversation: int, label: str) -> PhaseResult:
    """`clients` threads, each sending its conversations' messages back to back, until `texts` are used up.
    Conversations are spread over `webhooks` (several servers) one message at a time."""
    result = PhaseResult()
    queue = iter(texts)
    lock = threading.Lock()
    deadline = time.monotonic() + DEADLINE_SECONDS

    def client(number: int) -> None:
        session = requests.Session()
        servers = itertools.cycle(webhooks[number % len(webhooks):] + webhooks[:number % len(webhooks)])
        sent = 0
        while time.monotonic() < deadline:
            with lock:
                text = next(queue, None)
            if text is None:
                return
            sender = f"{label}-{number}-{sent // per_conversation}"
            sent += 1
            started = time.perf_counter()
            try:
                response = session.post(next(servers), json={"sender": sender, "message": text},
                                        timeout=REQUEST_TIMEOUT)
                ok, replies = response.status_code == 200, response.json() if response.status_code == 200 else []
            except (requests.RequestException, ValueError):
                ok, replies = False, []
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    result.latencies.append(elapsed)
                    result.empty += not replies
                else:
                    result.errors += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    result.seconds = time.monotonic() - started
    return result


@dataclass
class BotResult:
    name: str
    start_seconds: float
    phases: Dict[int, PhaseResult]
    memory_mb: List[float]


def measure(name: str, webhooks: List[str], pid: int, start_seconds: float, args) -> BotResult:
    warmup = messages(args.warmup, seed=3)
    drive(webhooks, warmup, 1, args.per_conversation, f"{name}-warmup")
    phases = {}
    for clients in (1, args.clients):
        count = args.messages if clients == 1 else args.concurrent_messages
        rasa_before, machine_before = cpu_seconds(process_tree(pid)), machine_busy_seconds()
        phases[clients] = drive(webhooks, messages(count), clients, args.per_conversation, f"{name}-{clients}")
        phases[clients].rasa_cpu = cpu_seconds(process_tree(pid)) - rasa_before
        phases[clients].machine_cpu = machine_busy_seconds() - machine_before
    memory = [resident_mb(p) for p in process_tree(pid)]
    return BotResult(name, start_seconds, phases, memory)


@contextmanager
def plain_rasa(run_dir: Path) -> Iterator[tuple[List[str], int, float]]:
    """The `rasa init` bot, trained once, served by `rasa run` as its README says."""
    model_dir = PLAIN_BOT / "models"
    if not list(model_dir.glob("*.tar.gz")):
        raise SystemExit("No plain Rasa bot: run `python -m bot.benchmark --make-plain-bot` first.")
    port = free_port()
    started = time.monotonic()
    command = [str(VENV_BIN / "rasa"), "run", "--model", "models", "--interface", HOST, "--port", str(port)]
    with open(run_dir / "plain-rasa.log", "ab") as log:
        process = subprocess.Popen(command, cwd=PLAIN_BOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_until_ready(f"http://{HOST}:{port}/", process)
        yield [f"http://{HOST}:{port}/webhooks/rest/webhook"], process.pid, time.monotonic() - started
    finally:
        stop(process)


def make_plain_bot() -> float:
    """`rasa init --no-prompt` (writes the project and trains it); returns the training time in seconds."""
    PLAIN_BOT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run([str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(PLAIN_BOT)], check=True,
                   timeout=3600, cwd=PLAIN_BOT.parent)
    return time.monotonic() - started


@contextmanager
def our_assistant(run_dir: Path, args) -> Iterator[tuple[List[str], int, float]]:
    from bot.tools.local_postgres import temporary_postgres
    from bot.tools.local_redis import temporary_redis

    with ExitStack() as stack:
        settings = {}
        if not args.single:
            postgres_url = stack.enter_context(temporary_postgres())
            redis_host, redis_port = stack.enter_context(temporary_redis(run_dir / "redis"))
            settings = {**shared_store_settings(postgres_url, redis_host, redis_port),
                        "SANIC_WORKERS": str(args.workers)}
        started = time.monotonic()
        assistant = stack.enter_context(running_assistant(run_dir, latest_model(), settings=settings))
        yield [assistant.webhook], assistant.rasa.pid, time.monotonic() - started


def report(ours: BotResult, plain: Optional[BotResult], args) -> str:
    """A markdown table: plain Rasa, this assistant and their ratio (this assistant alone with --without-plain)."""
    setup = "1 process, SQLite" if args.single else f"{args.workers} workers, PostgreSQL + Redis"
    lines = [f"| measure | plain `rasa init` bot | this assistant ({setup}) | ratio |", "|---|---:|---:|---:|"]

    def row(label: str, a: Optional[float], b: float, unit: str, digits: int = 0) -> None:
        shown = f"{a:.{digits}f} {unit}" if a is not None else "-"
        ratio = f"{b / a:.2f}×" if a else "-"
        lines.append(f"| {label} | {shown} | {b:.{digits}f} {unit} | {ratio} |")

    def counts(result: Optional[BotResult], clients: int) -> tuple:
        if result is None:
            return "-", "-"
        phase = result.phases[clients]
        return f"{phase.errors} / {len(phase.latencies) + phase.errors}", str(phase.empty)

    for clients in (1, args.clients):
        p, o = plain.phases[clients] if plain else None, ours.phases[clients]
        who = "1 client" if clients == 1 else f"{clients} clients"
        for q in (50, 95, 99):
            row(f"{who}: p{q} latency", p.quantile(q) if p else None, o.quantile(q), "ms")
        row(f"{who}: messages per second", p.throughput if p else None, o.throughput, "msg/s", 1)
        (plain_errors, plain_empty), (our_errors, our_empty) = counts(plain, clients), counts(ours, clients)
        lines.append(f"| {who}: errors / messages | {plain_errors} | {our_errors} | |")
        lines.append(f"| {who}: empty replies | {plain_empty} | {our_empty} | |")
        row(f"{who}: Rasa CPU per message", p.cpu_ms_per_message(p.rasa_cpu) if p else None,
            o.cpu_ms_per_message(o.rasa_cpu), "ms", 1)
        row(f"{who}: machine CPU per message", p.cpu_ms_per_message(p.machine_cpu) if p else None,
            o.cpu_ms_per_message(o.machine_cpu), "ms", 1)
    row("server start (model load)", plain.start_seconds if plain else None, ours.start_seconds, "s", 1)
    row("largest Rasa process, resident", max(plain.memory_mb) if plain else None, max(ours.memory_mb), "MB")
    processes = lambda result: " + ".join(f"{mb:.0f}" for mb in result.memory_mb) + " MB"  # noqa: E731
    lines.append(f"| Rasa processes, resident | {processes(plain) if plain else '-'} | {processes(ours)} | |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200, help="messages sent by the single client")
    parser.add_argument("--concurrent-messages", type=int, default=600, help="messages sent by the N clients")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-conversation", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="Sanic workers of the assistant's Rasa server")
    parser.add_argument("--single", action="store_true", help="the assistant as `make run` starts it")
    parser.add_argument("--make-plain-bot", action="store_true", help="(re)create and train the plain bot")
    parser.add_argument("--without-plain", action="store_true", help="measure this assistant alone")
    args = parser.parse_args(argv)
    if not args.without_plain and (args.make_plain_bot or not list((PLAIN_BOT / "models").glob("*.tar.gz"))):
        print(f"plain bot: `rasa init` trained in {make_plain_bot():.0f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        results = {}
        bots = (("ours", lambda: our_assistant(run_dir, args)),)
        if not args.without_plain:
            bots = (("plain", lambda: plain_rasa(run_dir)), *bots)
        for name, start in bots:
            with start() as (webhooks, pid, seconds):
                results[name] = measure(name, webhooks, pid, seconds, args)
            print(f"{name}: done", flush=True)
    print(report(results["ours"], results.get("plain"), args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
