"""Markdown written by staff (event descriptions), rendered to HTML that is safe to show, and
to plain text for calendar files and plain-text e-mails.

markdown-it-py parses CommonMark with raw HTML switched off (a `<script>` in the text comes out
as escaped text), then nh3 cleans the result against an allow-list: paragraphs, emphasis,
lists, headings, quotes, code and links. Anything else (tags, `on…` attributes, `javascript:`
links) is dropped. Links get `rel="noopener nofollow"`. Headings are kept between h2 and h4,
whatever level the writer chose, so a description never adds a second h1 to its page.

`to_plain_text` reads the same parser's token stream and writes what a reader of a calendar
entry should see: blocks separated by a blank line, a heading as its own line, list items as
"• item" or "1. item" lines (nested ones indented), links as "text (url)", quotes and code
indented; no Markdown syntax (`##`, `**`, `[...](...)`) is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

#: the tags a description may produce; everything else is removed (its text kept)
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "pre"}
    | {"hr", "a"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener nofollow"
HEADING_LEVELS = (2, 4)

_parser = MarkdownIt("commonmark", {"html": False})


def render_markdown(text: str | None) -> Markup:
    """`text` as sanitised HTML (empty for None or blank text). Raw HTML never passes: it is
    escaped by the parser, and the cleaner removes any tag or attribute not allowed above.

    The same text always gives the same HTML, so the last few hundred texts' HTML is kept in
    this process (an event page shows its description on every view)."""
    if not text or not text.strip():
        return Markup("")
    return _render(text)


@lru_cache(maxsize=512)
def _render(text: str) -> Markup:
    tokens = _parser.parse(text)
    low, high = HEADING_LEVELS
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(max(int(token.tag[1]), low), high)
            token.tag = f"h{level}"
    html = _parser.renderer.render(tokens, _parser.options, {})
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
    )
    return Markup(clean)  # safe: cleaned by nh3 against the allow-list above


BULLET = "• "
INDENT = "    "  # a quote's or a code block's lines
RULE = "———"


def to_plain_text(text: str | None) -> str:
    """`text` (Markdown) as readable plain text (see the module doc); "" for None or blank
    text. Emphasis marks go and their words stay; an image leaves its alternative text.

    Kept for the last few hundred texts, as `render_markdown` (every confirmation's calendar
    file and e-mail carry the event's description)."""
    if not text or not text.strip():
        return ""
    return _plain(text)


@lru_cache(maxsize=512)
def _plain(text: str) -> str:
    writer = _PlainText()
    for token in _parser.parse(text):
        writer.feed(token)
    return "\n".join(writer.lines).strip("\n")


@dataclass
class _List:
    ordered: bool
    number: int = 1


@dataclass
class _Item:
    marker: str
    started: bool = False  # its first line is written: the next ones are indented instead


@dataclass
class _Quote:
    pass


@dataclass
class _PlainText:
    """Lines written so far, and the open lists, items and quotes that prefix the next."""

    lines: list[str] = field(default_factory=list)
    open: list[_List | _Item | _Quote] = field(default_factory=list)
    gap: bool = False  # a blank line before the next block

    def feed(self, token: Token) -> None:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            self.open.append(_List(kind == "ordered_list_open", int(start) if start else 1))
        elif kind == "list_item_open":
            owner = next(f for f in reversed(self.open) if isinstance(f, _List))
            marker = f"{owner.number}. " if owner.ordered else BULLET
            owner.number += 1
            self.open.append(_Item(marker))
        elif kind == "list_item_close":
            item = self.open[-1]
            if isinstance(item, _Item) and not item.started:  # an empty item: its marker alone
                self.write("")
            self.open.pop()
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.open.pop()
            self.gap = self.gap or not any(isinstance(f, _Item) for f in self.open)
        elif kind == "blockquote_open":
            self.open.append(_Quote())
        elif kind == "blockquote_close":
            self.open.pop()
            self.gap = True
        elif kind == "inline":
            self.write(_inline(token.children or ()))
        elif kind == "paragraph_open" and not token.hidden:
            self.gap = bool(self.lines)  # also after a nested list, inside its item
        elif kind in ("paragraph_close", "heading_close"):
            self.gap = self.gap or not token.hidden  # a tight list's items follow each other
        elif kind in ("fence", "code_block"):
            self.write("\n".join(INDENT + line for line in token.content.rstrip("\n").split("\n")))
            self.gap = True
        elif kind == "hr":
            self.write(RULE)
            self.gap = True

    def write(self, block: str) -> None:
        """`block`'s lines, each behind the prefix of the open quotes and list items."""
        if self.gap and self.lines:
            self.lines.append(self.prefix(blank=True).rstrip())
        self.gap = False
        for line in block.split("\n"):
            self.lines.append((self.prefix() + line).rstrip())

    def prefix(self, *, blank: bool = False) -> str:
        """What goes before the next line: an indent per open quote, and per open list item
        its marker on its first line (which marks the item started), spaces after it. A
        `blank` line's prefix starts no item."""
        parts = []
        for frame in self.open:
            if isinstance(frame, _Quote):
                parts.append(INDENT)
            elif isinstance(frame, _Item):
                parts.append(" " * len(frame.marker) if frame.started or blank else frame.marker)
                frame.started = frame.started or not blank
        return "".join(parts)


def _inline(children: Sequence[Token]) -> str:
    """An inline run as text: links as "text (url)" (the address alone when the text is it),
    line breaks kept, soft breaks as spaces, emphasis marks dropped."""
    parts: list[str] = []
    links: list[tuple[str, int]] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "image":
            parts.append(_inline(child.children or ()))
        elif kind == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            label = "".join(parts[start:]).strip()
            address = href.removeprefix("mailto:")
            if href and address != label:
                parts.append(f" ({address})" if label else address)
    return "".join(parts)
