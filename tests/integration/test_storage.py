"""PDF attachments are judged by their content and stored under a random key."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter

from awards import storage
from awards.storage import AttachmentRefused


@pytest.fixture(autouse=True)
def _request(app):
    """Services run inside a request (translated messages need its locale)."""
    with app.test_request_context("/?lang=en"):
        yield


def pdf_bytes(pages: int = 1, *, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_a_real_pdf_passes():
    storage.check_pdf(pdf_bytes(2))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (png_bytes(), "attachment_not_pdf"),
        (b"Hello, I am a text file", "attachment_not_pdf"),
        (b"%PDF-1.7\n" + b"junk " * 200, "attachment_unreadable"),
        (pdf_bytes(password="secret"), "attachment_encrypted"),
    ],
    ids=["renamed-png", "text", "fake-pdf-header", "encrypted"],
)
def test_content_that_is_not_a_usable_pdf_is_refused(data, code):
    with pytest.raises(AttachmentRefused) as refused:
        storage.check_pdf(data)
    assert refused.value.code == code


def test_a_truncated_pdf_is_refused():
    data = pdf_bytes()
    with pytest.raises(AttachmentRefused) as refused:
        storage.check_pdf(data[: len(data) // 2])
    assert refused.value.code == "attachment_unreadable"


def test_read_upload_enforces_the_size_limit_and_refuses_empty_files(app):
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    assert storage.read_upload(io.BytesIO(b"x" * 1000)) == b"x" * 1000
    with pytest.raises(AttachmentRefused) as refused:
        storage.read_upload(io.BytesIO(b"x" * 1001))
    assert refused.value.code == "attachment_too_large"
    with pytest.raises(AttachmentRefused) as refused:
        storage.read_upload(io.BytesIO(b""))
    assert refused.value.code == "attachment_empty"


def test_save_pdf_stores_under_a_random_key_in_the_upload_dir(app, tmp_path):
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists()  # created on first use
    data = pdf_bytes()
    first = storage.save_pdf(io.BytesIO(data), "../../etc/Ons Plan 2025.pdf")
    second = storage.save_pdf(io.BytesIO(data), "plan.pdf")

    assert first.key != second.key
    assert first.name == "etc_Ons_Plan_2025.pdf"
    assert first.size == len(data)
    stored = upload_dir / first.key
    assert stored.read_bytes() == data
    assert storage.path_for(first.key) == stored
    assert sorted(p.name for p in upload_dir.iterdir()) == sorted([first.key, second.key])
    assert "static" not in stored.parts


def test_save_pdf_refuses_and_writes_nothing(app):
    with pytest.raises(AttachmentRefused):
        storage.save_pdf(io.BytesIO(png_bytes()), "photo.pdf")
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("case.PDF", "case.PDF"),
        ("case", "case.pdf"),
        ("", "attachment.pdf"),
        (None, "attachment.pdf"),
        ("Univé case.pdf", "Unive_case.pdf"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_clean_name(given, expected):
    assert storage.clean_name(given) == expected


def test_path_for_refuses_malformed_keys_and_delete_ignores_them(app):
    assert storage.path_for("../../etc/passwd") is None
    assert storage.path_for("") is None
    assert storage.path_for(None) is None
    stored = storage.save_pdf(io.BytesIO(pdf_bytes()), "x.pdf")
    storage.delete("../" + stored.key)
    assert storage.path_for(stored.key) is not None
    storage.delete(stored.key)
    assert storage.path_for(stored.key) is None
    storage.delete(stored.key)  # already gone: no error


def test_a_released_file_is_deleted_when_the_transaction_commits_never_on_rollback(app):
    from awards.services.entries import release_after_commit
    from core.extensions import db

    kept = storage.save_pdf(io.BytesIO(pdf_bytes()), "kept.pdf")
    release_after_commit(kept.key)
    with db.session.begin_nested():  # a savepoint released: the transaction goes on
        pass
    assert storage.path_for(kept.key) is not None
    db.session.rollback()  # the entry still points at the file
    db.session.commit()
    assert storage.path_for(kept.key) is not None
    replaced = storage.save_pdf(io.BytesIO(pdf_bytes()), "old.pdf")
    release_after_commit(replaced.key)
    db.session.commit()
    assert storage.path_for(replaced.key) is None
