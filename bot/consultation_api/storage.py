"""Document files on disk: random names without extension, owner-only permissions, never served over HTTP."""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

_NAME = re.compile(r"[0-9a-f]{32}")


class Storage:
    """The folder that holds uploaded documents."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def prepare(self) -> None:
        """Create the folder (owner-only) if it does not exist."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def save(self, data: bytes) -> str:
        """Write `data` under a new random name (mode 0600) and return that name."""
        self.prepare()
        while True:
            name = secrets.token_hex(16)
            try:
                fd = os.open(self.path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            except FileExistsError:  # astronomically unlikely; pick another name
                continue
            break
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            self.delete(name)
            raise
        return name

    def delete(self, name: str) -> None:
        """Remove a stored file; a file already gone is not an error."""
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            pass

    def path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError("not a stored document name")
        return self.root / name
