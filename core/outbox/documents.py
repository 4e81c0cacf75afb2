"""Documents attached to mail by reference, rendered after commit at delivery.

A mail queued inside a locked transaction (an invoice number, an event's seats) must not
render PDFs there. Instead the attachment stored in the outbox row is a reference::

    {"filename": "2026-0001.pdf", "content_type": "application/pdf",
     "document": {"kind": "invoice", "invoice_id": 7}}

and delivery asks the renderer registered for the kind (`register(kind, fn)`, fn(**params) ->
bytes) for the bytes. Renderers that store what they render (invoices: `invoice_files`) make
a document rendered once and served from storage afterwards. A renderer raises DocumentGone
when the object it refers to no longer exists; delivery then gives the message up with that
reason instead of retrying it. Plain attachments ("data_b64") still work for small bytes
that are cheap to make.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

Renderer = Callable[..., bytes]

_RENDERERS: dict[str, Renderer] = {}


class DocumentGone(Exception):
    """The object a document reference points to no longer exists (or no renderer is known)."""


def register(kind: str, fn: Renderer) -> None:
    """Make `fn(**params) -> bytes` the renderer for references of `kind` (replaces any)."""
    _RENDERERS[kind] = fn


def reference(filename: str, content_type: str, kind: str, **params: Any) -> dict:
    """An attachment entry that refers to a document instead of holding its bytes."""
    return {
        "filename": filename,
        "content_type": content_type,
        "document": {"kind": kind, **params},
    }


def is_reference(attachment: dict) -> bool:
    return isinstance(attachment.get("document"), dict)


def render_document(document: dict) -> bytes:
    """The bytes for a reference's "document" part; DocumentGone for an unknown kind."""
    params = dict(document)
    kind = params.pop("kind", None)
    fn = _RENDERERS.get(kind) if isinstance(kind, str) else None
    if fn is None:
        raise DocumentGone(f"no renderer for document kind {kind!r}")
    return fn(**params)


def attachment_bytes(attachment: dict) -> bytes:
    """The bytes of one stored attachment: decoded "data_b64", or the referenced document
    rendered (or read from where it is stored). Raises DocumentGone, or ValueError for
    undecodable base64."""
    if is_reference(attachment):
        return render_document(attachment["document"])
    return base64.b64decode(attachment["data_b64"], validate=True)


def materialise(attachment: dict) -> tuple[str, str, bytes]:
    """(filename, content_type, bytes) for one stored attachment (see attachment_bytes)."""
    return (
        attachment.get("filename", "attachment"),
        attachment.get("content_type") or "application/octet-stream",
        attachment_bytes(attachment),
    )
