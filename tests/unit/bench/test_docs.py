"""bench.docs: the run is written between the markers, and only there."""

from __future__ import annotations

import pytest

from bench import docs


def test_the_run_replaces_what_was_between_the_markers() -> None:
    page = f"# Title\nby hand\n{docs.BEGIN}\nan older run\n{docs.END}\nby hand too\n"
    written = docs.replace_between(page, "the last run\n")
    assert written == f"# Title\nby hand\n{docs.BEGIN}\nthe last run\n{docs.END}\nby hand too\n"
    assert docs.replace_between(written, "the last run") == written  # idempotent


def test_missing_markers_are_an_error_not_a_silent_append() -> None:
    with pytest.raises(ValueError, match="markers"):
        docs.replace_between(f"{docs.END}\n{docs.BEGIN}\n", "run")
    with pytest.raises(ValueError, match="markers"):
        docs.replace_between("no markers", "run")


def test_the_page_and_the_readme_carry_the_markers() -> None:
    for path in (docs.PERFORMANCE, docs.README):
        text = path.read_text(encoding="utf-8")
        assert text.index(docs.BEGIN) < text.index(docs.END), path
