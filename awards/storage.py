"""PDF attachments of entries: checked by their content, stored under a random key.

Files live in `app.config["UPLOAD_DIR"]` (outside `static/`, created when missing), named by
a random key from `secrets.token_urlsafe`; the entrant's file name is only kept (sanitised)
in `Entry.attachment_name` (or `EntryAnswer.file_name`). Nothing here writes to the database:
`awards.services.entries` and `awards.services.questions` record the key, and a replaced file
is deleted once the change is committed (`release_after_commit`).

Jurors open these files, so a PDF with active content is refused rather than cleaned (a
refusal cannot miss a part that a cleaner would): JavaScript, actions that launch a program
or open another file, embedded files, multimedia, forms that send or load data, XFA forms
and links that open a web address by themselves. The whole object graph is walked (every
object the cross-reference table lists and everything reachable from the trailer, through
indirect objects, name trees, annotations and the `/OpenAction` and `/AA` triggers), with a
bound on the objects visited, the pages and the bytes the streams inflate to.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import Response, current_app, send_file
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import decode_stream_data
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    PdfObject,
    StreamObject,
)
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from core.errors import InvalidInput
from core.extensions import db
from core.i18n import format_number

_KEY = re.compile(r"^[A-Za-z0-9_-]{20,80}$")
_NAME_MAX = 200

MAX_PDF_PAGES = 1000
MAX_PDF_OBJECTS = 100_000  # dictionaries and arrays visited (900 real pages: under 50,000)

# Flate streams are counted in slices of this many bytes, never held whole.
_INFLATE_SLICE = 1024 * 1024
# pypdf tries to repair a damaged Flate stream byte by byte, in Python; bound that work.
_RECOVERY_INPUT_BYTES = 1_000_000

# The filters that expand data, by every name they go by, and the name pypdf decodes. Image
# codecs (DCT, JPX, JBIG2, CCITT) are never decoded here: a stream's bytes are counted up to
# the first of them, as the server never turns them into pixels.
_INFLATING = {
    "/FlateDecode": "/FlateDecode",
    "/Fl": "/FlateDecode",
    "/LZWDecode": "/LZWDecode",
    "/LZW": "/LZWDecode",
    "/RunLengthDecode": "/RunLengthDecode",
    "/RL": "/RunLengthDecode",
    "/ASCIIHexDecode": "/ASCIIHexDecode",
    "/AHx": "/ASCIIHexDecode",
    "/ASCII85Decode": "/ASCII85Decode",
    "/A85": "/ASCII85Decode",
    "/BrotliDecode": "/BrotliDecode",
}

# What active content a PDF may hold, most serious first: the refusal names the first found.
JAVASCRIPT = "attachment_javascript"
LAUNCH = "attachment_launch"
EMBEDDED_FILE = "attachment_embedded_file"
MULTIMEDIA = "attachment_multimedia"
FORM_ACTION = "attachment_form_action"
XFA = "attachment_xfa"
OPENS_WEB_ADDRESS = "attachment_opens_web_address"

_ACTIVE_CONTENT = {
    JAVASCRIPT: _l(
        "This PDF contains JavaScript, which could run on the jurors' computers. Save it as "
        "a PDF without scripts (for example with “Print to PDF”) and attach that file."
    ),
    LAUNCH: _l(
        "This PDF contains an action that starts a program or opens another file. Save it as "
        "a plain PDF (for example with “Print to PDF”) and attach that file."
    ),
    EMBEDDED_FILE: _l(
        "This PDF contains embedded files (attachments inside the PDF). Put everything in "
        "one PDF without embedded files and attach that."
    ),
    MULTIMEDIA: _l(
        "This PDF contains embedded multimedia (Flash, video or 3D). Save it as a plain PDF "
        "(for example with “Print to PDF”) and attach that file."
    ),
    FORM_ACTION: _l(
        "This PDF contains a form that sends or loads data. Save it as a plain PDF (for "
        "example with “Print to PDF”) and attach that file."
    ),
    XFA: _l(
        "This PDF is an XFA form, which not every PDF reader can show safely. Save it as a "
        "plain PDF (for example with “Print to PDF”) and attach that file."
    ),
    OPENS_WEB_ADDRESS: _l(
        "This PDF opens a web address by itself when it is read. Remove that action, or "
        "save it as a plain PDF (for example with “Print to PDF”), and attach that file."
    ),
}

# An action's type (/S) that is refused wherever the action sits.
_ACTIONS = {
    "/JavaScript": JAVASCRIPT,
    "/Launch": LAUNCH,
    "/GoToR": LAUNCH,
    "/GoToE": EMBEDDED_FILE,
    "/SubmitForm": FORM_ACTION,
    "/ImportData": FORM_ACTION,
    "/RichMediaExecute": MULTIMEDIA,
}
# A dictionary key that is refused wherever it sits.
_KEYS = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,
    "/EmbeddedFiles": EMBEDDED_FILE,
    "/EF": EMBEDDED_FILE,
    "/RichMediaContent": MULTIMEDIA,
    "/RichMediaSettings": MULTIMEDIA,
    "/XFA": XFA,
}
# A /Type or /Subtype that is refused.
_TYPES = {
    "/EmbeddedFile": EMBEDDED_FILE,
    "/FileAttachment": EMBEDDED_FILE,
    "/RichMedia": MULTIMEDIA,
    "/3D": MULTIMEDIA,
}
# Actions that run by themselves: on opening the document, a page or a form field.
_TRIGGERS = ("/OpenAction", "/AA")
_MAX_ACTION_CHAIN = 100


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


@dataclass(frozen=True)
class PdfLimits:
    """What checking one PDF may cost: the bytes all its streams together inflate to, its
    pages, and the dictionaries and arrays walked."""

    inflated_bytes: int
    pages: int = MAX_PDF_PAGES
    objects: int = MAX_PDF_OBJECTS


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


def check_pdf(data: bytes, limits: PdfLimits) -> None:
    """Accept only a real, readable, unencrypted PDF with at least one page, no active
    content and within `limits`.

    Raises AttachmentRefused with code "attachment_not_pdf" (no `%PDF-` header),
    "attachment_unreadable" (a PDF parser cannot read it or it has no pages),
    "attachment_encrypted", "attachment_too_many_pages", "attachment_too_complex" (more
    objects than the limit, or past one of pypdf's own bounds while parsing),
    "attachment_inflated_too_large" (its streams inflate past the limit; counted stream by
    stream, never holding more than the limit), or one of the active-content codes
    (`JAVASCRIPT`, `LAUNCH`, `EMBEDDED_FILE`, `MULTIMEDIA`, `FORM_ACTION`, `XFA`,
    `OPENS_WEB_ADDRESS`), whose message tells the entrant what to do.
    """
    if not data.startswith(b"%PDF-"):
        raise AttachmentRefused(
            _l("Only PDF files can be attached; this file is not a PDF."),
            code="attachment_not_pdf",
        )
    ceiling = limits.inflated_bytes + 1
    with apply_configuration(
        zlib_maximum_output_length=ceiling,
        zlib_maximum_recovery_input_length=_RECOVERY_INPUT_BYTES,
        lzw_maximum_output_length=ceiling,
        run_length_maximum_output_length=ceiling,
        brotli_maximum_output_length=ceiling,
    ):
        try:
            reader = PdfReader(io.BytesIO(data))
            encrypted = reader.is_encrypted
            pages = 0 if encrypted else len(reader.pages)
            if encrypted or pages < 1 or pages > limits.pages:
                found: set[str] = set()
            else:
                found = _scan(reader, limits)
        except AttachmentRefused:
            raise
        except LimitReachedError as exc:  # pypdf's own bounds, partly set from `limits`
            raise _too_complex(limits) from exc
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
    if pages > limits.pages:
        raise AttachmentRefused(
            _l("This PDF has more than %(pages)s pages.", pages=limits.pages),
            code="attachment_too_many_pages",
        )
    for code, message in _ACTIVE_CONTENT.items():
        if code in found:
            raise AttachmentRefused(message, code=code)


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

    Raises AttachmentRefused (see `read_upload`, `check_pdf`, with the limits of
    `MAX_PDF_INFLATED_BYTES`); then nothing is written.
    """
    data = read_upload(stream)
    check_pdf(data, PdfLimits(inflated_bytes=current_app.config["MAX_PDF_INFLATED_BYTES"]))
    directory = _upload_dir()
    key = secrets.token_urlsafe(24)
    target = directory / key
    temporary = directory / f".{key}.part"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, target)
    return StoredFile(key=key, name=clean_name(filename), size=len(data))


def send_attachment(path: Path, filename: str | None) -> Response:
    """A stored PDF as a download: `Content-Disposition: attachment` under a clean name,
    sandboxed (no scripts, no requests) should a browser render it anyway, and never cached
    (`nosniff` comes with every response, `core.templating`)."""
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=clean_name(filename),
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


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


def _scan(reader: PdfReader, limits: PdfLimits) -> set[str]:
    """The active-content codes found in every object of the PDF. Raises AttachmentRefused
    when the walk passes `limits.objects` or the streams inflate past
    `limits.inflated_bytes`."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    visited = 0
    inflated = 0
    stack: list[Any] = [reader.trailer]
    stack.extend(
        IndirectObject(number, generation, reader)
        for generation, numbers in reader.xref.items()
        for number in numbers
    )
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    # Object streams first (popped first), so none is inflated before it is counted.
    stack.extend(
        IndirectObject(number, 0, reader)
        for number in sorted({int(number) for number, _ in reader.xref_objStm.values()})
    )
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if not isinstance(node, DictionaryObject | ArrayObject):
            continue
        visited += 1
        if visited > limits.objects:
            raise _too_complex(limits)
        children = list.__iter__(node) if isinstance(node, ArrayObject) else dict.values(node)
        stack.extend(child for child in children if _is_container(child))
        if isinstance(node, DictionaryObject):
            found |= _active_content(node)
        if isinstance(node, StreamObject):
            inflated += _inflated_size(node, limits.inflated_bytes - inflated)
            if inflated > limits.inflated_bytes:
                raise _inflated_too_large(limits)
    return found


def _active_content(node: DictionaryObject) -> set[str]:
    """The active-content codes this one dictionary shows (not its children)."""
    found = {code for key, code in _KEYS.items() if key in node}
    action = _name(node, "/S")
    if action in _ACTIONS:
        found.add(_ACTIONS[action])
    if action == "/URI" and _text(node, "/URI").strip().lower().startswith("javascript:"):
        found.add(JAVASCRIPT)
    found |= {
        _TYPES[kind] for kind in (_name(node, "/Type"), _name(node, "/Subtype")) if kind in _TYPES
    }
    if any(_name(trigger, "/S") == "/URI" for trigger in _triggered_actions(node)):
        found.add(OPENS_WEB_ADDRESS)
    return found


def _triggered_actions(node: DictionaryObject) -> Iterator[DictionaryObject]:
    """The actions `node` runs by itself (`/OpenAction`, each `/AA` trigger), with the
    actions they chain to through `/Next`."""
    pending: list[Any] = []
    for key in _TRIGGERS:
        value = _resolve(dict.get(node, key))
        if key == "/AA" and isinstance(value, DictionaryObject):
            pending.extend(dict.values(value))
        else:
            pending.append(value)
    for _ in range(_MAX_ACTION_CHAIN):
        if not pending:
            return
        action = _resolve(pending.pop())
        if isinstance(action, ArrayObject):
            pending.extend(list.__iter__(action))
        elif isinstance(action, DictionaryObject):
            yield action
            pending.append(dict.get(action, "/Next"))


def _inflated_size(stream: StreamObject, budget: int) -> int:
    """The bytes `stream` inflates to through its expanding filters; any size above `budget`
    means over. A Flate stream is counted slice by slice and dropped (a bomb is refused
    holding one slice); a chain of filters is decoded by pypdf with its limits set just past
    `budget`, so never more than that is held."""
    filters = _as_list(dict.get(stream, "/Filter"))
    parameters = _as_list(dict.get(stream, "/DecodeParms"))
    inflating: list[PdfObject] = []
    for name in filters:
        canonical = _INFLATING.get(str(name))
        if canonical is None:
            break
        inflating.append(NameObject(canonical))
    raw: bytes = stream._data  # pypdf keeps a stream's encoded bytes here
    if not inflating:
        return len(raw)
    if inflating[0] == "/FlateDecode":
        size = _flate_size(raw, budget)
        if size is not None and (size > budget or len(inflating) == 1):
            return size
    probe = DecodedStreamObject()
    probe.set_data(raw)
    probe[NameObject("/Filter")] = ArrayObject(inflating)
    probe[NameObject("/DecodeParms")] = ArrayObject(
        _resolve(parameters[index]) if index < len(parameters) else NullObject()
        for index in range(len(inflating))
    )
    ceiling = max(budget, 0) + 1
    with apply_configuration(
        zlib_maximum_output_length=ceiling,
        lzw_maximum_output_length=ceiling,
        run_length_maximum_output_length=ceiling,
        brotli_maximum_output_length=ceiling,
    ):
        try:
            return len(decode_stream_data(probe))
        except LimitReachedError:
            return ceiling


def _flate_size(data: bytes, budget: int) -> int | None:
    """The bytes zlib `data` inflates to, counted slice by slice and stopping once past
    `budget`; None when zlib cannot read it (pypdf's repair then decides). The size is an
    upper bound for a stream with a predictor, which only drops bytes."""
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while pending and not inflater.eof:
            total += len(inflater.decompress(pending, _INFLATE_SLICE))
            if total > budget:
                return total
            pending = inflater.unconsumed_tail
        total += len(inflater.flush())
    except zlib.error:
        return None
    return total


def _too_complex(limits: PdfLimits) -> AttachmentRefused:
    return AttachmentRefused(
        _l(
            "This PDF is too large or too complex to check (more than %(objects)s objects, or "
            "more than %(mb)s MB unpacked). Please export it again as a simpler PDF.",
            objects=format_number(limits.objects),
            mb=_megabytes(limits.inflated_bytes),
        ),
        code="attachment_too_complex",
    )


def _inflated_too_large(limits: PdfLimits) -> AttachmentRefused:
    return AttachmentRefused(
        _l(
            "This PDF unpacks to more than %(mb)s MB, which is too large to check. Please "
            "export it again, for example with smaller images.",
            mb=_megabytes(limits.inflated_bytes),
        ),
        code="attachment_inflated_too_large",
    )


def _is_container(value: Any) -> bool:
    return isinstance(value, IndirectObject | DictionaryObject | ArrayObject)


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _as_list(value: Any) -> list[Any]:
    value = _resolve(value)
    if value is None or isinstance(value, NullObject):
        return []
    return list(list.__iter__(value)) if isinstance(value, ArrayObject) else [value]


def _name(node: Any, key: str) -> str | None:
    value = _resolve(dict.get(node, key)) if isinstance(node, DictionaryObject) else None
    return str(value) if isinstance(value, NameObject) else None


def _text(node: DictionaryObject, key: str) -> str:
    value = _resolve(dict.get(node, key))
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value) if value is not None else ""


def _upload_dir() -> Path:
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _megabytes(size: int) -> str:
    """`size` bytes in megabytes, to two decimals at most, as the reader writes numbers
    ("0,5" / "0.5"; `core.i18n.format_number`)."""
    value = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format_number(value, trim=True)


_RELEASED = "awards.released_attachments"


def release_after_commit(key: str | None) -> None:
    """Delete the stored file `key` once the current transaction commits; a rollback keeps
    it (the entry or answer still points at it then)."""
    if key is not None:
        db.session().info.setdefault(_RELEASED, []).append(key)


@sa.event.listens_for(Session, "after_commit")
def _delete_released(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the transaction goes on
        return
    for key in session.info.pop(_RELEASED, ()):
        delete(key)


@sa.event.listens_for(Session, "after_rollback")
def _keep_released(session: Session) -> None:
    session.info.pop(_RELEASED, None)
