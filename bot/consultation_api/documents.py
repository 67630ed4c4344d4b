"""Check uploaded files (presence, size, type by content) and store them all or nothing."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, List, Optional

from sanic.headers import parse_content_header
from sanic.request import File, Request, parse_multipart_form
from sqlalchemy.engine import Connection, Engine

from . import filetypes
from .db import documents, utcnow
from .errors import ApiError
from .storage import Storage

_UNSAFE_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")


@dataclass(frozen=True)
class IncomingFile:
    """One checked file: its bytes, the type detected from its content and a display name."""

    data: bytes
    content_type: str
    original_name: str


def checked_files(request: Request, max_bytes: int) -> List[IncomingFile]:
    """The request's multipart `file` parts, each checked; raise the first problem found (nothing is stored)."""
    parts = [part for part in multipart_files(request) if part.name or part.body]
    if not parts:
        raise ApiError(400, "no_file", "Send at least one file in the multipart field 'file'.")
    checked = []
    for position, part in enumerate(parts):
        field = [{"field": f"file[{position}]", "problem": ""}]
        if len(part.body) > max_bytes:
            field[0]["problem"] = f"is larger than {max_bytes} bytes"
            raise ApiError(413, "file_too_large", "A file is larger than the size limit.", field)
        content_type = filetypes.detect(part.body)
        if content_type is None:
            field[0]["problem"] = "is not a PDF, JPEG, PNG or DICOM file"
            raise ApiError(415, "unsupported_file_type", "Only PDF, JPEG, PNG and DICOM files are accepted.", field)
        checked.append(IncomingFile(part.body, content_type, display_name(part.name)))
    return checked


def multipart_files(request: Request) -> List[File]:
    """The parts of the multipart field `file`; none when the body is not (well-formed) multipart/form-data.

    Parsed here rather than through `request.files`, which logs a traceback for every malformed body.
    """
    content_type, parameters = parse_content_header(request.headers.getone("content-type", ""))
    boundary = parameters.get("boundary")
    if content_type.lower() != "multipart/form-data" or not boundary:
        return []
    try:
        _fields, files = parse_multipart_form(request.body or b"", boundary.encode("utf-8"))
    except Exception:  # any malformation: treated as "no file"
        return []
    return files.getlist("file") or []


def display_name(name: Optional[str]) -> str:
    """The original file name reduced to a harmless label for staff (no path, no control characters)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_CHARACTERS.sub("_", name).strip().strip(".")
    name = "".join(ch for ch in name if not 0xD800 <= ord(ch) <= 0xDFFF)
    return name[:200] or "document"


def store_all(
    engine: Engine,
    storage: Storage,
    consultation_id: int,
    files: List[IncomingFile],
    source: str,
    in_transaction: Optional[Callable[[Connection], None]] = None,
) -> List[dict]:
    """Write the files and their rows in one transaction; on any failure remove the files already written.

    `in_transaction` runs first inside the same transaction (e.g. consuming the one-time link) and may raise.
    """
    written: List[str] = []
    try:
        with engine.begin() as connection:
            if in_transaction is not None:
                in_transaction(connection)
            result = []
            for incoming in files:
                name = storage.save(incoming.data)
                written.append(name)
                inserted = connection.execute(
                    documents.insert().values(
                        consultation_id=consultation_id,
                        stored_name=name,
                        content_type=incoming.content_type,
                        size=len(incoming.data),
                        sha256=hashlib.sha256(incoming.data).hexdigest(),
                        original_name=incoming.original_name,
                        source=source,
                        created_at=utcnow(),
                    )
                )
                result.append(
                    {
                        "id": inserted.inserted_primary_key[0],
                        "content_type": incoming.content_type,
                        "size": len(incoming.data),
                    }
                )
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    return result
