"""Every note has its author: stored, checked, carried by bundles, deduplicated with it."""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from callreview.domain import CallRef, ConfigError
from callreview.domain.stored import clean_author
from callreview.library import SqliteLibrary
from callreview.library.bundle import BundleError, export_bundle, import_bundle
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.secrets import MemorySecretStore
from callreview.workspace import build_workspace
from callreview.workspace.workspace import default_reviewer
from tests.cli_helpers import run_cli
from tests.library.helpers import open_library
from tests.standin import seed

REF = CallRef("ringyo", "call_xyz789")


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "a")
    library.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    yield library
    library.close()


def test_the_author_is_stored_and_read_back(lib: SqliteLibrary) -> None:
    note = lib.add_note(REF, "Greeting OK", 3200, "Dana Reyes")
    untimed = lib.add_note(REF, "no author given")
    assert note.author == "Dana Reyes" and untimed.author is None
    stored = lib.get(REF)
    assert stored is not None
    assert [(n.text, n.author) for n in stored.review.notes] == [
        ("Greeting OK", "Dana Reyes"),
        ("no author given", None),
    ]


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 101, "Dana\nReyes", "tab\there", "bell\x07", "half \ud800 pair"]
)
def test_a_name_unfit_to_show_is_refused(lib: SqliteLibrary, name: str) -> None:
    with pytest.raises(ConfigError):
        clean_author(name)
    with pytest.raises(ConfigError):
        lib.add_note(REF, "text", None, name)


def test_a_name_is_stripped_and_may_be_any_script() -> None:
    assert clean_author("  Zoë Ōtsuka-李  ") == "Zoë Ōtsuka-李"
    assert clean_author("x" * 100) == "x" * 100


def test_the_reviewer_defaults_to_the_os_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "qa.dana")
    assert default_reviewer() == "qa.dana"

    def no_user() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert default_reviewer() == "reviewer"
    monkeypatch.setattr(getpass, "getuser", lambda: "bad\nname")
    assert default_reviewer() == "reviewer"


def test_the_workspace_writes_its_reviewer_on_each_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "qa.dana")

    async def scenario() -> None:
        ws = build_workspace(tmp_path / "data", secrets=MemorySecretStore())
        try:
            await ws.library.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
            assert ws.reviewer == "qa.dana"
            first = await ws.add_note(REF, "by the OS user", 1000)
            ws.reviewer = "  Dana Reyes "
            second = await ws.add_note(REF, "by the settings name")
            with pytest.raises(ConfigError):
                ws.reviewer = " "
            assert ws.reviewer == "Dana Reyes"
            assert (first.author, second.author) == ("qa.dana", "Dana Reyes")
            stored = await ws.call(REF)
            assert [n.author for n in stored.review.notes] == ["qa.dana", "Dana Reyes"]
        finally:
            await ws.aclose()

    asyncio.run(scenario())


def bundle_of(lib: SqliteLibrary, out: Path) -> Path:
    assert export_bundle(lib, [REF], out) == 1
    return out


def edit_review(bundle: Path, change: Callable[[dict[str, object]], None], out: Path) -> Path:
    with zipfile.ZipFile(bundle) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in files if n.endswith(".review.json"))
    review = json.loads(files[name])
    change(review)
    old = hashlib.sha256(files[name]).hexdigest()
    files[name] = json.dumps(review).encode()
    # The manifest holds each file's checksum: the edited file's is written again.
    new = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = files["manifest.json"].replace(old.encode(), new.encode())
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry, data in files.items():
            zf.writestr(entry, data)
    return out


def test_bundles_carry_the_author(lib: SqliteLibrary, tmp_path: Path) -> None:
    lib.add_note(REF, "Greeting OK", 3200, "Dana Reyes")
    lib.add_note(REF, "older note")
    bundle = bundle_of(lib, tmp_path / "b.crbundle")
    with zipfile.ZipFile(bundle) as zf:
        review = json.loads(next(zf.read(n) for n in zf.namelist() if n.endswith("review.json")))
    assert [n["author"] for n in review["notes"]] == ["Dana Reyes", None]
    target = open_library(tmp_path / "t")
    import_bundle(target, bundle)
    stored = target.get(REF)
    assert stored is not None
    assert [(n.text, n.author) for n in stored.review.notes] == [
        ("Greeting OK", "Dana Reyes"),
        ("older note", None),
    ]
    # A second import adds nothing: the author is part of what makes notes the same.
    report = import_bundle(target, bundle)
    assert report.merged == 1
    again = target.get(REF)
    assert again is not None and len(again.review.notes) == 2


def test_a_bundle_without_authors_still_imports(lib: SqliteLibrary, tmp_path: Path) -> None:
    lib.add_note(REF, "Greeting OK", 3200, "Dana Reyes")
    bundle = bundle_of(lib, tmp_path / "b.crbundle")

    def strip_authors(review: dict[str, object]) -> None:
        for note in review["notes"]:  # type: ignore[attr-defined]
            del note["author"]

    old = edit_review(bundle, strip_authors, tmp_path / "old.crbundle")
    target = open_library(tmp_path / "t")
    import_bundle(target, old)
    stored = target.get(REF)
    assert stored is not None
    assert [(n.text, n.author) for n in stored.review.notes] == [("Greeting OK", None)]


def test_the_same_words_by_another_reviewer_are_another_note(
    lib: SqliteLibrary, tmp_path: Path
) -> None:
    lib.add_note(REF, "Greeting OK", 3200, "Dana Reyes")
    bundle = bundle_of(lib, tmp_path / "b.crbundle")

    def by_sam(review: dict[str, object]) -> None:
        review["notes"][0]["author"] = "Sam Ito"  # type: ignore[index]

    sams = edit_review(bundle, by_sam, tmp_path / "sam.crbundle")
    import_bundle(lib, sams)
    stored = lib.get(REF)
    assert stored is not None
    assert [(n.text, n.author) for n in stored.review.notes] == [
        ("Greeting OK", "Dana Reyes"),
        ("Greeting OK", "Sam Ito"),
    ]


@pytest.mark.parametrize("author", ["", "x" * 101, "two\nlines", 42, ["Dana"]])
def test_a_bundle_with_an_unfit_author_is_refused_and_changes_nothing(
    lib: SqliteLibrary, tmp_path: Path, author: object
) -> None:
    lib.add_note(REF, "Greeting OK", 3200, "Dana Reyes")
    bundle = bundle_of(lib, tmp_path / "b.crbundle")

    def bad(review: dict[str, object]) -> None:
        review["notes"][0]["author"] = author  # type: ignore[index]

    forged = edit_review(bundle, bad, tmp_path / "bad.crbundle")
    target = open_library(tmp_path / "t")
    with pytest.raises(BundleError, match="author"):
        import_bundle(target, forged)
    assert target.refs() == []


def test_calls_show_prints_the_author(tmp_path: Path) -> None:
    lib = open_library(tmp_path)
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    lib.add_note(REF, "Greeting OK", 3200, "Dana Reyes")
    lib.close()
    code, out, err = run_cli(["calls", "show", str(REF)], tmp_path, MemorySecretStore())
    assert code == 0, err
    assert "note @0:03 by Dana Reyes: Greeting OK" in out
    code, out, _ = run_cli(["calls", "show", str(REF), "--json"], tmp_path, MemorySecretStore())
    assert json.loads(out)["review"]["notes"][0]["author"] == "Dana Reyes"
