"""A throwaway Redis server on loopback, from Debian's `redis-server` package, for tests and benchmarks.

    with temporary_redis(folder) as (host, port):
        ...

`python -m bot.tools.local_redis` starts one and prints its address until Ctrl-C.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Tuple

import redis

from bot.serve import HOST, free_port


class RedisMissing(RuntimeError):
    """The Redis server program is not installed."""


def server_program() -> str:
    program = shutil.which("redis-server")
    if not program:
        raise RedisMissing("Redis is not installed: `apt-get install redis-server` (.ci/run does it).")
    return program


def wait_for_redis(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    client = redis.Redis(host=HOST, port=port, socket_timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        try:
            if client.ping():
                return
        except redis.RedisError:
            time.sleep(0.1)
    raise TimeoutError(f"Redis on port {port} did not answer within {timeout:.0f} s")


@contextmanager
def temporary_redis(folder: Optional[Path] = None, port: Optional[int] = None) -> Iterator[Tuple[str, int]]:
    """Start redis-server on 127.0.0.1 only, without persistence, its log in `folder`; yield (host, port)."""
    owned = folder is None
    folder = Path(folder or tempfile.mkdtemp(prefix="redis-"))
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    command = [server_program(), "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
               "--protected-mode", "yes", "--dir", str(folder), "--logfile", str(folder / "redis.log")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_redis(port, process)
        yield HOST, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if owned:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    from bot.tools.local_postgres import serve_until_interrupted

    with temporary_redis() as (host, port):
        return serve_until_interrupted(f"redis://{host}:{port}")


if __name__ == "__main__":
    sys.exit(main())
