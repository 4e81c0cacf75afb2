"""PDF attachments of entries: checked by their content, stored under a random key.

Files live in `app.config["UPLOAD_DIR"]` (outside `static/`, created when missing), named by
a random key from `secrets.token_urlsafe`; the entrant's file name is only kept (sanitised)
in `Entry.attachment_name`. Nothing here touches the database: `awards.services.entries`
records the key and deletes a replaced file once the change is committed.
"""

from __future__ import annotations

import io
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader
from werkzeug.utils import secure_filename

from core.errors import InvalidInput

_KEY = re.compile(r"^[A-Za-z0-9_-]{20,80}$")
_NAME_MAX = 200


class AttachmentRefused(InvalidInput):
    """The upload is not an acceptable PDF; `code` says why, nothing was stored. The message
    is the `attachment` field's error."""

    code = "attachment_refused"
    message = _l("This file cannot be used as the attachment.")

    def __init__(self, message=None, *, code: str | None = None):
        super().__init__({"attachment": message or self.message}, message, code=code)


@dataclass(frozen=True)
class StoredFile:
    key: str
    name: str
    size: int


def read_upload(stream: BinaryIO, *, max_bytes: int | None = None) -> bytes:
    """The upload's bytes. Raises AttachmentRefused("attachment_too_large") past the limit
    (`MAX_ATTACHMENT_BYTES` by default) and ("attachment_empty") for an empty file."""
    limit = max_bytes if max_bytes is not None else current_app.config["MAX_ATTACHMENT_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise AttachmentRefused(
            _l("The PDF is larger than %(mb)s MB.", mb=_megabytes(limit)),
            code="attachment_too_large",
        )
    if not data:
        raise AttachmentRefused(_l("The file is empty."), code="attachment_empty")
    return data


def check_pdf(data: bytes) -> None:
    """Accept only a real, readable, unencrypted PDF with at least one page.

    Raises AttachmentRefused with code "attachment_not_pdf" (no `%PDF-` header),
    "attachment_unreadable" (a PDF parser cannot read it or it has no pages) or
    "attachment_encrypted".
    """
    if not data.startswith(b"%PDF-"):
        raise AttachmentRefused(
            _l("Only PDF files can be attached; this file is not a PDF."),
            code="attachment_not_pdf",
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception as exc:  # any parser failure means: not a usable PDF
        raise AttachmentRefused(
            _l("This PDF is damaged or cannot be read. Please export it again."),
            code="attachment_unreadable",
        ) from exc
    if encrypted:
        raise AttachmentRefused(
            _l("This PDF is password-protected. Please attach a PDF without a password."),
            code="attachment_encrypted",
        )
    if pages < 1:
        raise AttachmentRefused(_l("This PDF has no pages."), code="attachment_unreadable")


def clean_name(filename: str | None) -> str:
    """The entrant's file name made safe for a download header; always ends in `.pdf`."""
    name = secure_filename(filename or "") or "attachment.pdf"
    if not name.lower().endswith(".pdf"):
        name = f"{name}.pdf"
    if len(name) > _NAME_MAX:
        name = name[: _NAME_MAX - 4] + ".pdf"
    return name


def save_pdf(stream: BinaryIO, filename: str | None) -> StoredFile:
    """Read, check and store an uploaded PDF; returns its key, clean name and size.

    Raises AttachmentRefused (see `read_upload`, `check_pdf`); then nothing is written.
    """
    data = read_upload(stream)
    check_pdf(data)
    directory = _upload_dir()
    key = secrets.token_urlsafe(24)
    target = directory / key
    temporary = directory / f".{key}.part"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, target)
    return StoredFile(key=key, name=clean_name(filename), size=len(data))


def path_for(key: str | None) -> Path | None:
    """The file stored under `key`, or None when the key is malformed or the file is gone."""
    if not key or not _KEY.match(key):
        return None
    path = _upload_dir() / key
    return path if path.is_file() else None


def delete(key: str | None) -> None:
    """Remove a stored file; a missing file or a malformed key is ignored."""
    path = path_for(key)
    if path is not None:
        path.unlink(missing_ok=True)


def _upload_dir() -> Path:
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"
