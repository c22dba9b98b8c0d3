"""Markdown exports render as the text that was written, never as markup, in CommonMark."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from callreview.domain import CallRef
from callreview.export.documents import md_cell, md_text
from callreview.library import SqliteLibrary
from tests.export.factories import export_from, save_ringyo, save_rounded
from tests.library.helpers import open_library

HOSTILE = [
    "<script>alert(1)</script>",
    "[x](http://evil.example/) and ![img](http://evil.example/i.png)",
    "<http://evil.example/> <b>bold</b> <!-- c --> <evil@example.com>",
    "*em* _em_ **strong** __strong__ `code` ~~del~~ ~sub~",
    "# not a heading\n## nor this ##",
    "- not\n+ a\n* list\n1. nor\n2) this\n> quote",
    "text\n---\nmore\n===\n***\n___\n- - -",
    "    indented\n```\nfence\n~~~",
    "a | b |\n|---|---|\n| c | d |",
    "&amp; &lt;b&gt; &#35; &copy",
    "trailing backslash \\\nand \\* star \\",
    '[ref]: http://evil.example/ "t"\n[ref]',
    "blank\n\n\nlines",
    "http://bare.example www.bare.example",
    "<div>\nblock html\n</div>",
    "a\\|b",
    "3 * 4 = 12, a_b_c, 2 < 3 > 1",
]
JOINED = "\n".join(HOSTILE)
RENDERERS = {
    "commonmark": MarkdownIt("commonmark"),
    # GitHub-like, without linkify (CommonMark has no bare-URL links).
    "tables": MarkdownIt("commonmark").enable(["table", "strikethrough"]),
}
OUR_TAGS = {"p", "br", "h1", "h2", "h3", "ul", "li", "strong", "table", "thead", "tbody", "tr"}
OUR_TAGS |= {"th", "td"}
OUR_LABELS = {"Agent:", "Caller:", "Summary:", "Outcome:", "Sentiment:", "Success:", "Talk time:"}
OUR_LABELS |= {"Tool call:", "System:"}


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def flat(text: str) -> str:
    return " ".join(text.split())


def as_text(rendered: str) -> str:
    """What a reader sees: tags gone, character references decoded, spaces collapsed."""
    return flat(html.unescape(re.sub(r"<[^>]+>", " ", rendered)))


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "lib")
    save_ringyo(
        library,
        "call_*x*_<b>#1</b>|",
        HOSTILE,
        agent_id="agent_<i>x</i>|[a](b)",
        from_number="+1 (555) | *0100*",
        analysis={
            "summary": JOINED,
            "outcome": "- outcome\n# with heading",
            "sentiment": "<em>good</em>",
            "successful": True,
        },
    )
    for n, text in enumerate(HOSTILE):
        library.add_note(
            CallRef("ringyo", "call_*x*_<b>#1</b>|"), text, n * 1000 if n % 2 else None
        )
    save_rounded(library)
    yield library
    library.close()


def export(lib: SqliteLibrary, tmp_path: Path) -> str:
    refs = [
        CallRef("ringyo", "call_*x*_<b>#1</b>|"),
        *[r for r in lib.refs() if r.provider == "rounded"],
    ]
    [path] = export_from(lib, refs, "md", tmp_path / "calls.md").paths
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("renderer", RENDERERS)
def test_provider_and_reviewer_text_is_never_markup(
    lib: SqliteLibrary, tmp_path: Path, renderer: str
) -> None:
    rendered = RENDERERS[renderer].render(export(lib, tmp_path))
    tags = set(re.findall(r"</?([a-z0-9]+)", rendered))
    assert tags <= OUR_TAGS, tags - OUR_TAGS  # no script, a, img, em, code, pre, hr, ol, ...
    assert set(re.findall(r"<strong>(.*?)</strong>", rendered)) <= OUR_LABELS
    assert re.findall(r"<h1>(.*?)</h1>", rendered) == ["Call summaries"]
    assert len(re.findall(r"<h2>", rendered)) == 2
    assert set(re.findall(r"<h3>(.*?)</h3>", rendered)) <= {"Analysis", "Notes", "Transcript"}
    # Our lists only: the ringyo call's four analysis lines and its notes.
    assert len(re.findall(r"<li>", rendered)) == 4 + len(HOSTILE)
    if renderer == "tables":
        # A facts table per call, and the Rounded call's questions: nothing built from text.
        assert len(re.findall(r"<table>", rendered)) == 3
        assert len(re.findall(r"<tr>", rendered)) == 2 * 11 + 5


@pytest.mark.parametrize("renderer", RENDERERS)
def test_the_rendered_text_is_the_text_written(
    lib: SqliteLibrary, tmp_path: Path, renderer: str
) -> None:
    text = as_text(RENDERERS[renderer].render(export(lib, tmp_path)))
    for original in HOSTILE:
        # In a paragraph, each line of the original (blank lines and edge spaces dropped).
        assert flat(" ".join(lines(original))) in text, original
    assert flat(" ".join(lines(JOINED))) in text
    assert "call_*x*_<b>#1</b>|" in text
    assert "- outcome # with heading" in text and "<em>good</em>" in text
    if renderer == "tables":
        # In a table cell; a cell is one line, so line breaks are " / ".
        assert "agent_<i>x</i>|[a](b)" in text and "+1 (555) | *0100*" in text


def test_line_breaks_are_hard_breaks(lib: SqliteLibrary, tmp_path: Path) -> None:
    rendered = RENDERERS["commonmark"].render(export(lib, tmp_path))
    assert "blank<br />\nlines" in rendered
    assert "trailing backslash \\<br />\nand \\* star \\" in rendered


any_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60)


@given(any_text)
def test_any_text_renders_as_itself_in_a_list_item(text: str) -> None:
    rendered = RENDERERS["tables"].render(f"- **Note:** {md_text(text, '  ')}\n")
    assert set(re.findall(r"</?([a-z0-9]+)", rendered)) <= {"ul", "li", "strong", "br"}
    assert as_text(rendered) == flat(f"Note: {' '.join(lines(text))}")


@given(any_text)
def test_any_text_renders_as_itself_in_a_table_cell(text: str) -> None:
    rendered = RENDERERS["tables"].render(f"| a | b |\n|---|---|\n| x | {md_cell(text)} |\n")
    assert set(re.findall(r"</?([a-z0-9]+)", rendered)) <= {"table", "thead", "tbody"} | {
        "tr",
        "th",
        "td",
    }
    [cell] = re.findall(r"<td>(.*?)</td>", rendered, re.S)[1:]
    assert html.unescape(cell) == " / ".join(lines(text))
