"""Markdown written by staff (event descriptions), rendered to HTML that is safe to show.

markdown-it-py parses CommonMark with raw HTML switched off (a `<script>` in the text comes out
as escaped text), then nh3 cleans the result against an allow-list: paragraphs, emphasis,
lists, headings, quotes, code and links. Anything else (tags, `on…` attributes, `javascript:`
links) is dropped. Links get `rel="noopener nofollow"`. Headings are kept between h2 and h4,
whatever level the writer chose, so a description never adds a second h1 to its page.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
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
    escaped by the parser, and the cleaner removes any tag or attribute not allowed above."""
    if not text or not text.strip():
        return Markup("")
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
