"""PDF attachments are judged by their content; stored names are cleaned (no app needed)."""

from __future__ import annotations

import pytest

from awards import storage
from awards.storage import AttachmentRefused
from tests.factories import pdf_bytes, png_bytes


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
