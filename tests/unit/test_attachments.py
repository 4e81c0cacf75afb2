"""PDF attachments are judged by their content; stored names are cleaned (no app needed).

The hostile PDFs (tests/hostile_pdfs.py) are built with pypdf itself, each carrying one kind
of active content in one of the places a PDF reader runs it from, or streams that inflate
past the limit.
"""

from __future__ import annotations

import time
import tracemalloc
import zlib

import pytest
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

from awards import storage
from awards.storage import AttachmentRefused, PdfLimits
from tests import hostile_pdfs as hostile
from tests.factories import pdf_bytes, png_bytes
from tests.hostile_pdfs import MIB, build, with_streams, zeros_deflated

LIMITS = PdfLimits(inflated_bytes=50 * MIB)


def check(data: bytes, limits: PdfLimits = LIMITS) -> str:
    """The refusal's code, or "accepted"."""
    try:
        storage.check_pdf(data, limits)
    except AttachmentRefused as refused:
        return refused.code
    return "accepted"


def test_a_real_pdf_passes():
    storage.check_pdf(pdf_bytes(2), LIMITS)


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
        storage.check_pdf(data, LIMITS)
    assert refused.value.code == code


def test_a_truncated_pdf_is_refused():
    data = pdf_bytes()
    with pytest.raises(AttachmentRefused) as refused:
        storage.check_pdf(data[: len(data) // 2], LIMITS)
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
        ('x"; filename=evil.html\r\nX-Injected: 1', "x_filenameevil.html_X-Injected_1.pdf"),
    ],
)
def test_clean_name(given, expected):
    assert storage.clean_name(given) == expected


# --- hostile PDFs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decorate", "code"),
    [
        (hostile.document_javascript, "attachment_javascript"),
        (hostile.open_action_javascript, "attachment_javascript"),
        (hostile.page_open_javascript, "attachment_javascript"),
        (hostile.catalog_will_close_javascript, "attachment_javascript"),
        (hostile.link_javascript, "attachment_javascript"),
        (hostile.widget_keystroke_javascript_behind_indirections, "attachment_javascript"),
        (hostile.javascript_uri_link, "attachment_javascript"),
        (hostile.javascript_reachable_only_from_the_xref, "attachment_javascript"),
        (hostile.launch_on_open, "attachment_launch"),
        (hostile.launch_link, "attachment_launch"),
        (hostile.remote_go_to, "attachment_launch"),
        (hostile.attached_file, "attachment_embedded_file"),
        (hostile.file_attachment_annotation, "attachment_embedded_file"),
        (hostile.embedded_go_to, "attachment_embedded_file"),
        (hostile.rich_media, "attachment_multimedia"),
        (hostile.submit_form, "attachment_form_action"),
        (hostile.import_data, "attachment_form_action"),
        (hostile.xfa_form, "attachment_xfa"),
        (hostile.opens_web_address, "attachment_opens_web_address"),
        (hostile.page_opens_web_address_after_a_go_to, "attachment_opens_web_address"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_a_pdf_with_active_content_is_refused_saying_why(decorate, code):
    with pytest.raises(AttachmentRefused) as refused:
        storage.check_pdf(build(decorate), LIMITS)
    assert refused.value.code == code
    assert refused.value.errors["attachment"] == [storage._ACTIVE_CONTENT[code]]


def test_an_escaped_name_is_read_as_the_name_it_spells():
    data = build(hostile.open_action_javascript)
    assert b"/JavaScript" in data
    # "/J#61vaScript" is "/JavaScript"; the xref offsets no longer fit, as in a hand-made file
    assert check(data.replace(b"/S /JavaScript", b"/S /J#61vaScript")) == "attachment_javascript"


def test_javascript_wins_over_a_lesser_finding_in_the_same_file():
    def both(writer):
        hostile.opens_web_address(writer)
        hostile.link_javascript(writer)

    assert check(build(both)) == "attachment_javascript"


def test_links_a_reader_clicks_and_a_start_page_are_fine():
    assert check(build(hostile.links_and_a_start_page)) == "accepted"


# --- bounds --------------------------------------------------------------------------------


def test_a_stream_that_inflates_past_the_limit_is_refused():
    data = build(with_streams(zeros_deflated(3)))
    assert len(data) < 10_000
    assert check(data, PdfLimits(inflated_bytes=2 * MIB)) == "attachment_inflated_too_large"
    assert check(data, PdfLimits(inflated_bytes=4 * MIB)) == "accepted"


def test_the_limit_is_on_all_streams_together():
    data = build(with_streams(*[zeros_deflated(1)] * 3))
    assert check(data, PdfLimits(inflated_bytes=int(2.5 * MIB))) == "attachment_inflated_too_large"
    assert check(data, PdfLimits(inflated_bytes=3 * MIB)) == "accepted"


def test_a_chain_of_filters_is_bounded_too():
    twice = zlib.compress(zeros_deflated(3))
    data = build(with_streams(twice, filters=("/FlateDecode", "/FlateDecode")))
    assert check(data, PdfLimits(inflated_bytes=2 * MIB)) == "attachment_inflated_too_large"
    assert check(data, PdfLimits(inflated_bytes=4 * MIB)) == "accepted"


def test_a_one_gib_bomb_is_refused_quickly_holding_little_memory():
    data = build(with_streams(zeros_deflated(1024)))
    assert len(data) < 1.1 * MIB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        code = check(data)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == "attachment_inflated_too_large"
    assert elapsed < 5
    assert peak < 16 * MIB  # the file, a few slices: never the 50 MiB limit, let alone 1 GiB


def test_too_many_pages_are_refused():
    data = pdf_bytes(3)
    assert check(data, PdfLimits(inflated_bytes=MIB, pages=2)) == "attachment_too_many_pages"
    assert check(data, PdfLimits(inflated_bytes=MIB, pages=3)) == "accepted"


def test_too_many_objects_are_refused():
    def many(writer):
        writer.root_object[NameObject("/Junk")] = ArrayObject(
            writer._add_object(DictionaryObject({NameObject("/N"): NumberObject(i)}))
            for i in range(50)
        )

    data = build(many)
    assert check(data, PdfLimits(inflated_bytes=MIB, objects=40)) == "attachment_too_complex"
    assert check(data, PdfLimits(inflated_bytes=MIB, objects=100)) == "accepted"


def test_past_one_of_pypdfs_own_bounds_is_too_complex():
    def huge_array(writer):
        writer.root_object[NameObject("/Junk")] = ArrayObject(
            NumberObject(0) for _ in range(100_001)
        )

    assert check(build(huge_array)) == "attachment_too_complex"
