"""Tagged moments in the library: the tag list, a call's tags, the list filter, bundles."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from callreview.domain import CallQuery, CallRef, ConfigError, NotInLibraryError
from callreview.domain.tags import clean_tag_comment, clean_tag_name
from callreview.library import SqliteLibrary
from callreview.library.bundle import BundleError, export_bundle, import_bundle
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.providers.rounded import map_call as rounded_call
from tests.library.helpers import open_library
from tests.standin import seed

RINGYO = CallRef("ringyo", "call_xyz789")
ROUNDED = CallRef("rounded", seed.ROUNDED_ANSWERS_ID)


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "a")
    library.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    library.save_call(rounded_call(seed.rounded_doc_example_with_answers()), "support")
    yield library
    library.close()


def test_an_unknown_name_joins_the_tag_list_once_whatever_its_case(lib: SqliteLibrary) -> None:
    assert lib.tag_names() == []
    first = lib.add_tag(RINGYO, "  Long silence ", 42_000, 51_000, "caller waited", "alice")
    second = lib.add_tag(ROUNDED, "long SILENCE", 1000, None, None, None)
    lib.add_tag(RINGYO, "hallucination", None, None, None, "bob")
    assert lib.tag_names() == ["hallucination", "Long silence"]
    # The list's spelling wins; a start alone is that moment.
    assert (first.name, first.start_ms, first.end_ms) == ("Long silence", 42_000, 51_000)
    assert (second.name, second.start_ms, second.end_ms) == ("Long silence", 1000, 1000)
    assert (first.comment, first.author, first.ref) == ("caller waited", "alice", RINGYO)


def test_call_tags_are_ordered_by_start_and_can_be_deleted(lib: SqliteLibrary) -> None:
    late = lib.add_tag(RINGYO, "b", 90_000, 95_000, None, None)
    early = lib.add_tag(RINGYO, "a", 10_000, 12_000, None, None)
    whole = lib.add_tag(RINGYO, "c", None, None, None, None)
    assert [t.id for t in lib.call_tags(RINGYO)] == [whole.id, early.id, late.id]
    assert lib.call_tags(ROUNDED) == []
    lib.delete_tag(early.id)
    assert [t.id for t in lib.call_tags(RINGYO)] == [whole.id, late.id]
    assert lib.tag_names() == ["a", "b", "c"]  # the name stays in the list
    with pytest.raises(NotInLibraryError):
        lib.call_tags(CallRef("ringyo", "nope"))


@pytest.mark.parametrize(
    ("name", "start", "end", "comment", "words"),
    [
        ("", 0, 0, None, "empty"),
        ("x" * 61, 0, 0, None, "longer than 60"),
        ("two\nlines", 0, 0, None, "can't be shown"),
        ("bad\ud800", 0, 0, None, "can't be shown"),
        ("ok", 5000, 4000, None, "end at or after"),
        ("ok", -1, 0, None, "within the call"),
        ("ok", 0, 2**53, None, "within the call"),
        ("ok", None, 10, None, "needs a start"),
        ("ok", 0, 0, "x" * 2001, "longer than 2000"),
        ("ok", 0, 0, "bell\x07", "can't be shown"),
    ],
)
def test_bad_tags_are_refused_in_words_and_nothing_is_stored(
    lib: SqliteLibrary,
    name: str,
    start: int | None,
    end: int | None,
    comment: str | None,
    words: str,
) -> None:
    with pytest.raises(ConfigError, match=words):
        lib.add_tag(RINGYO, name, start, end, comment, None)
    assert lib.tag_names() == [] and lib.call_tags(RINGYO) == []


def test_names_and_comments_are_cleaned() -> None:
    assert clean_tag_name("  missed identity check ") == "missed identity check"
    assert clean_tag_comment("  first line\r\nsecond\tline ") == "first line\nsecond\tline"
    assert clean_tag_comment("   ") is None


def test_tags_go_with_a_deleted_call(lib: SqliteLibrary) -> None:
    lib.add_tag(RINGYO, "a", 0, 0, None, None)
    lib.delete(RINGYO)
    rows = lib._database.read("SELECT COUNT(*) FROM call_tags")
    assert rows[0][0] == 0


def test_the_call_list_filters_on_every_listed_tag_without_case(lib: SqliteLibrary) -> None:
    lib.add_tag(RINGYO, "Hallucination", 1000, 2000, None, None)
    lib.add_tag(RINGYO, "long silence", 3000, 4000, None, None)
    lib.add_tag(ROUNDED, "hallucination", 1000, 2000, None, None)

    def refs(*tags: str) -> set[CallRef]:
        query = CallQuery(tags=frozenset(tags))
        assert lib.count(query) == len(lib.query(query))
        return {r.ref for r in lib.query(query)}

    assert refs() == {RINGYO, ROUNDED}
    assert refs("HALLUCINATION") == {RINGYO, ROUNDED}
    assert refs("hallucination", "Long Silence") == {RINGYO}
    assert refs("long silence", "unknown") == set()


# bundles -------------------------------------------------------------------------------------


def test_bundles_carry_tags_and_a_second_import_adds_none(
    lib: SqliteLibrary, tmp_path: Path
) -> None:
    lib.add_tag(RINGYO, "hallucination", 42_000, 51_000, "made up a refund\nrule", "alice")
    lib.add_tag(RINGYO, "long silence", None, None, None, None)
    out = tmp_path / "calls.crbundle"
    export_bundle(lib, [RINGYO, ROUNDED], out)
    target = open_library(tmp_path / "b")
    import_bundle(target, out)
    import_bundle(target, out)

    def shape(library: SqliteLibrary) -> list[tuple[object, ...]]:
        return [
            (t.name, t.start_ms, t.end_ms, t.comment, t.author, t.created_at)
            for t in library.call_tags(RINGYO)
        ]

    assert shape(target) == shape(lib) and len(shape(target)) == 2
    assert target.tag_names() == ["hallucination", "long silence"]
    # Back into the source: every tag is already there.
    import_bundle(lib, out)
    assert len(lib.call_tags(RINGYO)) == 2


def _forged(bundle: Path, out: Path, change: Callable[[list[dict[str, object]]], None]) -> Path:
    """The bundle with its first call's tags changed and re-signed, as a forger would."""
    with zipfile.ZipFile(bundle) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in files if n.endswith(".review.json") and "ringyo" in n)
    review = json.loads(files[name])
    change(review["tags"])
    files[name] = json.dumps(review).encode()
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["calls"]:
        if name in entry["files"]:
            entry["files"][name] = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry_name, data in files.items():
            zf.writestr(entry_name, data)
    return out


def _set(key: str, value: object) -> Callable[[list[dict[str, object]]], None]:
    return lambda tags: tags[0].__setitem__(key, value)


HOSTILE_TAGS: dict[str, Callable[[list[dict[str, object]]], None]] = {
    "name missing": lambda tags: tags[0].pop("name"),
    "name blank": _set("name", "  "),
    "name too long": _set("name", "x" * 61),
    "name with a line break": _set("name", "a\nb"),
    "name not text": _set("name", 5),
    "negative start": _set("start_ms", -1),
    "start beyond 2**53": _set("start_ms", 2**53),
    "start a float": _set("start_ms", 1.5),
    "end before start": _set("end_ms", 1),
    "end without start": lambda tags: tags[0].update(start_ms=None, end_ms=5),
    "comment too long": _set("comment", "x" * 2001),
    "comment with control characters": _set("comment", "a\x1bb"),
    "author with a line break": _set("author", "a\nb"),
    "time missing": lambda tags: tags[0].pop("created_at"),
    "time not a time": _set("created_at", "yesterday"),
    "tag not an object": lambda tags: tags.__setitem__(0, "hallucination"),
    "too many tags": lambda tags: tags.extend([tags[0]] * 10_000),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TAGS))
def test_hostile_tags_refuse_the_whole_bundle(
    case: str, lib: SqliteLibrary, tmp_path: Path
) -> None:
    lib.add_tag(RINGYO, "hallucination", 42_000, 51_000, "made up a rule", "alice")
    good = tmp_path / "good.crbundle"
    export_bundle(lib, [RINGYO, ROUNDED], good)
    bad = _forged(good, tmp_path / "bad.crbundle", HOSTILE_TAGS[case])
    target = open_library(tmp_path / "b")
    with pytest.raises(BundleError):
        import_bundle(target, bad)
    assert target.refs() == [] and target.tag_names() == []


def test_a_bundle_without_tags_still_imports(lib: SqliteLibrary, tmp_path: Path) -> None:
    good = tmp_path / "good.crbundle"
    export_bundle(lib, [RINGYO], good)

    def drop(tags: list[dict[str, object]]) -> None:
        tags.clear()

    old = _forged(good, tmp_path / "old.crbundle", drop)
    target = open_library(tmp_path / "b")
    assert import_bundle(target, old).added == 1
    assert target.call_tags(RINGYO) == []
