"""Paging of long lists: which page a request asks for, and the slice of rows it shows.

A list page reads `?page=` with `requested_page` and pages its query with `paginate` (one
COUNT and one LIMIT/OFFSET query, whatever the number of rows) or a list already in memory
with `paginate_list`. The template shows the `pager` macro of `templates/_pager.html` (a
`<nav>` with an aria-label, rel="prev"/"next" links, the current page marked with
`aria-current`); it works without JavaScript.

Bad page numbers never fail: text, 0 and negative numbers give page 1; a page past the last
one is NotFound (404), except page 1 of an empty list. (A number beyond PostgreSQL's integer
is refused with 400 before any view runs: `core.unit_of_work.refuse_hostile_url`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import request

from core.errors import NotFound
from core.extensions import db

#: rows per page unless a list says otherwise
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number (from 1), the page size and the total."""

    items: Sequence[Any]
    number: int
    size: int
    total: int
    #: the request's other query arguments, kept in the pager's links
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages the list has (at least 1, an empty list being one empty page)."""
        return max(1, -(-self.total // self.size))

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first row in the whole list (0 when empty)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        """The 1-based position of the page's last row."""
        return min(self.number * self.size, self.total)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers for the pager: the first, the last and `around` either side of the
        current one; None stands for a gap ("…")."""
        wanted = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out

    def link_args(self, number: int) -> dict[str, Any]:
        """The query arguments of the link to page `number` (no `page` for page 1)."""
        args = {k: v for k, v in self.args.items() if k != "page"}
        if number > 1:
            args["page"] = number
        return args


def requested_page(name: str = "page") -> int:
    """The page number the request asks for in `?<name>=`; 1 for a missing, non-numeric,
    zero or negative one."""
    text = request.args.get(name, "").strip()
    if not text.isdigit():
        return 1
    return max(1, int(text))


def _checked(number: int, size: int, total: int) -> None:
    """NotFound for a page past the last one (page 1 of an empty list exists)."""
    if number > 1 and (number - 1) * size >= total:
        raise NotFound()


def _args(keep: Iterable[str] | None = None) -> dict[str, Any]:
    """The request's path arguments and its query arguments but `page` (only those named in
    `keep`, when given), for the pager's links."""
    query = {
        k: v
        for k, v in request.args.to_dict(flat=False).items()
        if k != "page" and (keep is None or k in keep)
    }
    return {**(request.view_args or {}), **query}


def paginate(
    query: sa.Select,
    *,
    size: int = PAGE_SIZE,
    number: int | None = None,
    keep: Iterable[str] | None = None,
) -> Page:
    """The requested page (`requested_page` unless `number`) of `query`'s rows (scalars):
    two statements, a COUNT and the page's rows. The pager's links keep the request's query
    arguments (those in `keep`, when given). Raises NotFound past the last page."""
    number = requested_page() if number is None else number
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    _checked(number, size, total or 0)
    items = db.session.scalars(query.limit(size).offset((number - 1) * size)).all()
    return Page(items, number, size, total or 0, _args(keep))


def paginate_list(
    rows: Sequence[Any],
    *,
    size: int = PAGE_SIZE,
    number: int | None = None,
    keep: Iterable[str] | None = None,
) -> Page:
    """The requested page of rows already loaded (as `paginate`). Raises NotFound past the
    last page."""
    number = requested_page() if number is None else number
    _checked(number, size, len(rows))
    start = (number - 1) * size
    return Page(rows[start : start + size], number, size, len(rows), _args(keep))
