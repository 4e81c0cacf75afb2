"""PDF attachments are stored under a random key (the content checks: tests/unit/test_attachments.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from awards import storage
from awards.storage import AttachmentRefused
from tests.factories import pdf_bytes, png_bytes


@pytest.fixture(autouse=True)
def _request(app):
    """Services run inside a request (translated messages need its locale)."""
    with app.test_request_context("/?lang=en"):
        yield


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
