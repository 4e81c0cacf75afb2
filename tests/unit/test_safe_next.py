"""After log-in, `next` only ever leads to a path on this site."""

from __future__ import annotations

import pytest

from core.accounts.views import safe_next


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/entries/3?x=1", True),
        ("/", True),
        ("//evil.example", False),
        ("/\\\\evil.example", False),
        ("https://localhost/", False),
        ("", False),
        (None, False),
        ("/ok\r\nSet-Cookie: x", False),
    ],
)
def test_safe_next(target, safe):
    assert safe_next(target) == (target if safe else None)
