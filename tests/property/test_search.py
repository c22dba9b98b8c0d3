"""FTS query building: any text is a valid FTS5 query; words and phrases mean what they say."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from callreview.library.schema import MIGRATIONS
from callreview.library.sqlite import fts_query

# The library's own index definition, so the tokenizer is the one the app searches with.
_FTS_TABLE = re.compile(r"CREATE VIRTUAL TABLE calls_fts USING fts5 \(.*?\);", re.S)


@pytest.fixture(scope="module")
def index() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    (statement,) = (m.group(0) for m in map(_FTS_TABLE.search, MIGRATIONS) if m)
    db.execute(statement.removesuffix(";"))
    yield db
    db.close()


def matches(db: sqlite3.Connection, document: str, query: str) -> bool:
    """Whether the FTS5 `query` finds a call whose transcript is `document`."""
    db.execute("DELETE FROM calls_fts")
    db.execute("INSERT INTO calls_fts (rowid, transcript) VALUES (1, ?)", (document,))
    return bool(
        db.execute("SELECT rowid FROM calls_fts WHERE calls_fts MATCH ?", (query,)).fetchall()
    )


def run(db: sqlite3.Connection, query: str) -> None:
    db.execute("SELECT rowid FROM calls_fts WHERE calls_fts MATCH ?", (query,)).fetchall()


# -- any text is a valid query -------------------------------------------------------------

# Text without NUL or lone surrogates; those two have a test of their own below.
clean_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


@given(clean_text)
@example('"')
@example('a"b"c"d"')
@example("NEAR(a b) OR c* AND NOT d ^e -f :g")
@example("'; DROP TABLE calls; --")
def test_any_text_is_a_valid_fts5_query(index: sqlite3.Connection, text: str) -> None:
    query = fts_query(text)
    if query is None:
        assert not text.replace('"', " ").split()  # only blank input or bare quotes
    else:
        run(index, query)  # never sqlite3.OperationalError


@settings(report_multiple_bugs=False)
@given(st.text())
@example("\x00")
@example("ab\udcff")
def test_any_text_even_nul_or_surrogates_is_a_valid_fts5_query(
    index: sqlite3.Connection, text: str
) -> None:
    query = fts_query(text)
    if query is not None:
        run(index, query)


# -- what is typed is found ----------------------------------------------------------------

# Words the tokenizer keeps whole: letters and digits of any script, folded the same way for
# the document and the query.
word = st.text(st.characters(categories=["Lu", "Ll", "Lo", "Nd"]), min_size=1, max_size=12)
filler = st.text(st.sampled_from(" \n\t.,;!?-()"), min_size=1, max_size=3)


@given(st.lists(word, min_size=1, max_size=5), st.lists(word, max_size=5), filler)
def test_typed_words_find_a_document_that_contains_them(
    index: sqlite3.Connection, words: list[str], others: list[str], sep: str
) -> None:
    document = sep.join([*others, *reversed(words), *others])
    query = fts_query(" ".join(words))
    assert query is not None
    assert matches(index, document, query)


@given(st.lists(word, min_size=1, max_size=5), st.lists(word, max_size=3), filler)
def test_the_last_word_is_a_prefix_while_typing(
    index: sqlite3.Connection, words: list[str], others: list[str], sep: str
) -> None:
    *done, typing = words
    query = fts_query(" ".join([*done, typing[: max(1, len(typing) // 2)]]))
    assert query is not None
    assert matches(index, sep.join([*others, *words]), query)


@given(st.lists(word, min_size=1, max_size=4), st.lists(word, max_size=3), filler)
def test_a_quoted_phrase_finds_its_words_in_order(
    index: sqlite3.Connection, phrase: list[str], others: list[str], sep: str
) -> None:
    query = fts_query('"' + " ".join(phrase) + '"')
    assert query is not None
    assert matches(index, sep.join([*others, *phrase, *others]), query)


# -- against a reference: every word must appear, a phrase is consecutive words ------------

VOCABULARY = ["ab", "abc", "b", "bd", "cd"]  # prefixes of one another, so '*' matters
Part = tuple[str, ...]  # one word, or a phrase of one or more words


def reference(parts: list[tuple[bool, Part]], document: list[str]) -> bool:
    """What the docstring promises: quoted text is a phrase, every other word must appear,
    and the last word (if it is not quoted) may be a prefix."""
    for i, (quoted, words) in enumerate(parts):
        last_word = i == len(parts) - 1 and not quoted
        n = len(words)
        windows = [document[j : j + n] for j in range(len(document) - n + 1)]
        if last_word:
            found = any(token.startswith(words[0]) for token in document)
        else:
            found = list(words) in windows
        if not found:
            return False
    return True


def typed(parts: list[tuple[bool, Part]]) -> str:
    return " ".join('"' + " ".join(words) + '"' if quoted else words[0] for quoted, words in parts)


vocab_word = st.sampled_from(VOCABULARY)
a_word = st.tuples(st.just(False), st.tuples(vocab_word))
a_phrase = st.tuples(st.just(True), st.lists(vocab_word, min_size=1, max_size=3).map(tuple))
documents = st.lists(vocab_word, max_size=8)


@given(st.lists(a_word, min_size=1, max_size=4), documents)
def test_word_queries_agree_with_the_reference(
    index: sqlite3.Connection, parts: list[tuple[bool, Part]], document: list[str]
) -> None:
    query = fts_query(typed(parts))
    assert query is not None
    assert matches(index, " ".join(document), query) == reference(parts, document)


@given(a_phrase, st.lists(a_word, max_size=3), documents)
def test_a_leading_phrase_and_words_agree_with_the_reference(
    index: sqlite3.Connection,
    phrase: tuple[bool, Part],
    words: list[tuple[bool, Part]],
    document: list[str],
) -> None:
    parts = [phrase, *words]
    query = fts_query(typed(parts))
    assert query is not None
    assert matches(index, " ".join(document), query) == reference(parts, document)


@settings(report_multiple_bugs=False)
@given(st.lists(st.one_of(a_word, a_phrase), min_size=1, max_size=4), documents)
@example([(False, ("cd",)), (True, ("ab",))], ["ab"])  # the word before the phrase is lost
@example([(True, ("ab",)), (True, ("b", "cd"))], ["ab", "cd", "b"])  # the 2nd phrase is split
def test_any_mix_of_words_and_phrases_agrees_with_the_reference(
    index: sqlite3.Connection, parts: list[tuple[bool, Part]], document: list[str]
) -> None:
    query = fts_query(typed(parts))
    assert query is not None
    assert matches(index, " ".join(document), query) == reference(parts, document)
