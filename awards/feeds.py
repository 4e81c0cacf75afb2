"""Atom 1.0 and RSS 2.0 documents of a programme's winners, as pure functions.

Takes plain values (the view fills in the texts in the reader's language and the absolute
addresses) and returns UTF-8 XML bytes written by `xml.etree.ElementTree`, which escapes
every text and attribute; characters XML 1.0 cannot hold at all (C0 controls other than tab
and line breaks, lone surrogates, U+FFFE/U+FFFF) are dropped. Times are aware datetimes,
written in UTC: RFC 3339 with "Z" in Atom, RFC 822 with "GMT" in RSS.
No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class FeedItem:
    """One category's winner: `id` a permanent IRI, `link` the page that shows it."""

    id: str
    title: str
    link: str
    updated: datetime
    summary: str


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    link: str  # the winners page
    self_link: str  # this feed's own address
    author: str
    language: str  # "nl" or "en"
    updated: datetime
    items: tuple[FeedItem, ...]


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def rfc3339(moment: datetime) -> str:
    """An aware datetime in UTC as Atom writes it: "2025-06-12T16:00:00Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822(moment: datetime) -> str:
    """An aware datetime in UTC as RSS writes it: "Thu, 12 Jun 2025 16:00:00 GMT"."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _document(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def atom(feed: Feed) -> bytes:
    """The Atom 1.0 document of `feed`: one `entry` per item, text content."""

    # unprefixed names: the root declares Atom the default namespace
    root = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: feed.language})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title)
    _add(root, "updated", rfc3339(feed.updated))
    _add(root, "link", rel="alternate", type="text/html", href=feed.link)
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    author = _add(root, "author")
    _add(author, "name", feed.author)
    for item in feed.items:
        entry = _add(root, "entry")
        _add(entry, "id", item.id)
        _add(entry, "title", item.title)
        _add(entry, "updated", rfc3339(item.updated))
        _add(entry, "published", rfc3339(item.updated))
        _add(entry, "link", rel="alternate", type="text/html", href=item.link)
        _add(entry, "summary", item.summary, type="text")
    return _document(root)


def rss(feed: Feed) -> bytes:
    """The RSS 2.0 document of `feed`: one `item` per item, its `guid` not a link."""
    root = ET.Element("rss", {"version": "2.0"})
    channel = _add(root, "channel")
    _add(channel, "title", feed.title)
    _add(channel, "link", feed.link)
    _add(channel, "description", feed.title)
    _add(channel, "language", feed.language)
    _add(channel, "lastBuildDate", rfc822(feed.updated))
    for item in feed.items:
        element = _add(channel, "item")
        _add(element, "title", item.title)
        _add(element, "link", item.link)
        _add(element, "guid", item.id, isPermaLink="false")
        _add(element, "pubDate", rfc822(item.updated))
        _add(element, "description", item.summary)
    return _document(root)
