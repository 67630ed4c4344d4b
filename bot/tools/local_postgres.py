"""A throwaway PostgreSQL server on loopback, from Debian's `postgresql` package, for tests and benchmarks.

    with temporary_postgres(folder) as url:   # postgresql://postgres@127.0.0.1:<port>/test
        ...

`python -m bot.tools.local_postgres` starts one and prints its URL until Ctrl-C.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

from bot.serve import HOST, free_port

DATABASE = "test"
SERVER_USER = "postgres"  # PostgreSQL refuses to run as root; Debian's package creates this user


class PostgresMissing(RuntimeError):
    """The PostgreSQL server programs are not installed."""


def server_bin() -> Path:
    """The folder with initdb and pg_ctl (Debian keeps them out of PATH, under /usr/lib/postgresql/<version>)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not versions:
        raise PostgresMissing("PostgreSQL is not installed: `apt-get install postgresql` (.ci/run does it).")
    return versions[-1].parent


def _as_server_user(command: List[str]) -> List[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def _run(command: List[str], log: Path) -> None:
    with open(log, "ab") as output:
        subprocess.run(_as_server_user(command), check=True, stdout=output, stderr=subprocess.STDOUT, timeout=120)


@contextmanager
def temporary_postgres(folder: Optional[Path] = None, port: Optional[int] = None) -> Iterator[str]:
    """Create a cluster in `folder` (default: a new temporary folder, removed after), start it on 127.0.0.1
    only, yield its URL, stop it after. The server user must be able to reach `folder`."""
    bin_dir = server_bin()
    owned = folder is None
    folder = Path(folder or tempfile.mkdtemp(prefix="postgres-"))
    folder.mkdir(parents=True, exist_ok=True)
    data, log, server_log = folder / "data", folder / "commands.log", folder / "server.log"
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(folder, user.pw_uid, user.pw_gid)
    port = port or free_port()
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
          "--locale=C"], log)
    options = f"-h {HOST} -p {port} -k {folder} -c fsync=off"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(server_log), "-w", "start"], log)
    try:
        _run([str(bin_dir / "createdb"), "-h", HOST, "-p", str(port), "-U", "postgres", DATABASE], log)
        yield f"postgresql://postgres@{HOST}:{port}/{DATABASE}"
    finally:
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], log)
        if owned:
            shutil.rmtree(folder, ignore_errors=True)


def serve_until_interrupted(address: str) -> int:
    """Print a throwaway server's address and keep it until Ctrl-C (or the end of standard input)."""
    print(address, flush=True)
    try:
        while True:
            input()
    except (KeyboardInterrupt, EOFError):
        return 0


def main() -> int:
    with temporary_postgres() as url:
        return serve_until_interrupted(url)


if __name__ == "__main__":
    sys.exit(main())
