"""Recognise the accepted document types by their content (magic bytes), never by name or declared type."""
from __future__ import annotations

from typing import Optional

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DICOM = "application/dicom"
ACCEPTED = (PDF, JPEG, PNG, DICOM)
# What the upload form's file picker offers; the server still checks every file's content.
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,.dcm,application/pdf,image/jpeg,image/png,application/dicom"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_DICOM_PREAMBLE = 128


def detect(data: bytes) -> Optional[str]:
    """The content type of `data` if it is a PDF, JPEG, PNG or DICOM (Part 10) file, else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data[_DICOM_PREAMBLE:_DICOM_PREAMBLE + 4] == b"DICM":
        return DICOM
    return None
