"""The page cache's keys start with the release (core.caching.release_fingerprint), so a new
deployment sharing Redis with the old one never serves a fragment the old code, templates or
catalogues rendered."""

from __future__ import annotations

from pathlib import Path

from core import caching


def _tree(root: Path) -> Path:
    (root / "templates" / "events").mkdir(parents=True)
    (root / "templates" / "events" / "show.html").write_text("<h1>{{ title }}</h1>")
    (root / "core").mkdir()
    (root / "core" / "money.py").write_text("EURO = '€'\n")
    return root


def test_the_same_files_give_the_same_release_wherever_they_are(tmp_path):
    one = _tree(tmp_path / "host-1")
    two = _tree(tmp_path / "host-2")
    parts = [one / "templates", one / "core"]
    assert caching.release_fingerprint(parts) == caching.release_fingerprint(
        [two / "templates", two / "core"]
    )


def test_a_changed_template_or_module_is_another_release(tmp_path):
    root = _tree(tmp_path)
    parts = [root / "templates", root / "core"]
    before = caching.release_fingerprint(parts)
    (root / "templates" / "events" / "show.html").write_text("<h2>{{ title }}</h2>")
    after_template = caching.release_fingerprint(parts)
    (root / "core" / "money.py").write_text("EURO = 'EUR'\n")
    after_code = caching.release_fingerprint(parts)
    assert len({before, after_template, after_code}) == 3


def test_compiled_leftovers_do_not_count(tmp_path):
    root = _tree(tmp_path)
    parts = [root / "templates", root / "core"]
    before = caching.release_fingerprint(parts)
    (root / "core" / "__pycache__").mkdir()
    (root / "core" / "__pycache__" / "money.cpython-311.pyc").write_bytes(b"\0\1\2")
    assert caching.release_fingerprint(parts) == before


def test_a_fragment_is_kept_under_this_release_only(app):
    assert app.config["CACHE_RELEASE"] == caching.release_fingerprint(caching.RELEASE_PARTS)
    renders = []

    def render() -> str:
        renders.append(1)
        return "<p>frozen</p>"

    assert caching.fragment("winners", (1, "nl"), render) == "<p>frozen</p>"
    assert caching.fragment("winners", (1, "nl"), render) == "<p>frozen</p>"
    assert len(renders) == 1
    app.config["CACHE_RELEASE"] = "the-next-release"  # (the fixture restores the config)
    caching.fragment("winners", (1, "nl"), render)
    assert len(renders) == 2
