"""Bundles from strangers: a summary or BundleError/StorageError, and a refusal changes nothing."""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from callreview.domain import StorageError
from callreview.library import RecordingFile, SqliteLibrary
from callreview.library.bundle import (
    BundleError,
    BundleSummary,
    export_bundle,
    import_bundle,
    inspect_bundle,
)
from callreview.providers.registry import map_raw_call
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.providers.rounded import map_call as rounded_call
from tests.standin import seed

# Every example writes a zip and may open a library (an fsynced SQLite file): keep them few.
SLOW = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(64))

Json = Any
Place = tuple[str | int, ...]  # a place in a JSON document: keys and list indexes


class Bundle:
    """A valid bundle's entries, its manifest parsed, and a place to write variations of it."""

    def __init__(self, entries: dict[str, bytes], manifest: dict[str, Json], workdir: Path) -> None:
        self.entries = entries
        self.manifest = manifest
        self.workdir = workdir

    def __repr__(self) -> str:  # hypothesis prints it with every failing example
        return f"Bundle({len(self.entries)} entries in {self.workdir})"

    def file_of(self, call: int, kind: str) -> str:
        return next(n for n in self.manifest["calls"][call]["files"] if n.endswith(f".{kind}.json"))


def _export(tmp: Path) -> Bundle:
    source = SqliteLibrary(tmp / "source", map_raw_call)
    first = source.save_call(ringyo_call(seed.ringyo_doc_example()), "acme").call.ref
    second = source.save_call(
        rounded_call(seed.rounded_doc_example_with_answers()), "support"
    ).call.ref
    source.set_review(first, reviewed=True, flagged=True, sync_offset_ms=-250)
    source.add_note(first, "Greeting OK", 3200)
    source.add_note(second, "No disclosure", None)
    audio = source.recording_path(first, "wav")
    audio.write_bytes(WAV)
    source.set_recording(
        first, RecordingFile(audio, len(WAV), hashlib.sha256(WAV).hexdigest(), "audio/wav")
    )
    out = tmp / "valid.crbundle"
    export_bundle(source, [first, second], out)
    source.close()
    with zipfile.ZipFile(out) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(entries.pop("manifest.json"))
    return Bundle(entries, manifest, tmp)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return _export(tmp_path_factory.mktemp("bundles"))


class Target:
    """The library imports go into; replaced only after an import changed it."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._n = 0
        self.library = self._new()

    def _new(self) -> SqliteLibrary:
        self._n += 1
        return SqliteLibrary(self._root / f"lib{self._n}", map_raw_call)

    def renew(self) -> None:
        self.library.close()
        self.library = self._new()

    def clean(self) -> SqliteLibrary:
        """An empty library (a failing example may have left the last one half-imported)."""
        if self.library.refs() or any(self.library.recordings_dir.iterdir()):
            self.renew()
        return self.library

    def close(self) -> None:
        self.library.close()


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    t = Target(tmp_path_factory.mktemp("targets"))
    yield t
    t.close()


def write(bundle: Bundle, entries: dict[str, bytes], manifest: Json | bytes) -> Path:
    path = bundle.workdir / "variant.crbundle"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
        zf.writestr("manifest.json", data)
    return path


def check(path: Path, target: Target) -> BundleSummary | None:
    """The contract: inspect and import agree; a refusal is BundleError/StorageError and
    changes nothing; anything else (another exception, a half import) fails the test."""
    try:
        summary: BundleSummary | None = inspect_bundle(path)
    except (BundleError, StorageError):
        summary = None
    library = target.clean()
    try:
        report = import_bundle(library, path)
    except (BundleError, StorageError):
        assert library.refs() == [], "a refused import changed the library"
        assert not any(library.recordings_dir.iterdir()), "a refused import left a file"
        assert summary is None, "inspect_bundle accepted what import_bundle refused"
        return None
    imported = len(library.refs())
    target.renew()
    assert summary is not None, "import_bundle accepted what inspect_bundle refused"
    assert report.added == len(summary.calls) == imported
    assert report.recordings == summary.recordings
    return summary


def rehashed(bundle: Bundle, manifest: Json, name: str, data: bytes) -> Json:
    """The manifest with `name`'s checksum updated, so validation reaches its content."""
    manifest = copy.deepcopy(manifest)
    for call in manifest["calls"]:
        if name in call["files"]:
            call["files"][name] = hashlib.sha256(data).hexdigest()
    return manifest


# -- JSON and places in it ------------------------------------------------------------------

SQLITE_INT = 2**63 - 1
INT_EDGES = [0, -1, 2**31, 10**12, SQLITE_INT, -SQLITE_INT - 1, 2**63, -(2**63) - 1, 10**30]
TEXT_EDGES = ["x", "", " ", "\t\n", "\ud800", "x\udc80"]


def json_values(
    *, limit: int | None = None, surrogates: bool = True, blank_text: bool = True
) -> st.SearchStrategy[Json]:
    """Any JSON, with the edge values that matter here; `limit` bounds the numbers."""
    ints = st.integers(-limit, limit) if limit else st.integers()
    floats = st.floats(-float(limit), float(limit)) if limit else st.floats()
    chars = st.characters() if surrogates else st.characters(exclude_categories=["Cs"])
    text = st.text(chars, max_size=12)
    if not blank_text:
        text = text.filter(lambda t: t.strip() != "")
    edges: list[Json] = [e for e in INT_EDGES if limit is None or abs(e) <= limit]
    edges += ["", "x", "2026-01-01T00:00:00Z"]
    edges += [" ", "\t\n"] if blank_text else []
    edges += ["\ud800", "x\udc80"] if surrogates else []
    leaves = st.one_of(st.sampled_from(edges), st.none(), st.booleans(), ints, floats, text)
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)
        ),
        max_leaves=8,
    )


def places(doc: Json, prefix: Place = ()) -> list[Place]:
    """Every place in `doc` (the root excluded), parents before children."""
    found: list[Place] = []
    items = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for key, value in items:
        found.append((*prefix, key))
        found.extend(places(value, (*prefix, key)))
    return found


def replaced(doc: Json, place: Place, value: Json, *, delete: bool = False) -> Json:
    doc = copy.deepcopy(doc)
    parent = doc
    for key in place[:-1]:
        parent = parent[key]
    if delete:
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    return doc


@st.composite
def mutations(
    draw: st.DrawFn, doc: Json, values: st.SearchStrategy[Json], skip: tuple[str, ...] = ()
) -> Json:
    """`doc` with one place replaced by any JSON value, or removed."""
    candidates = [p for p in places(doc) if not (p and p[-1] in skip)]
    place = draw(st.sampled_from(candidates))
    return replaced(doc, place, draw(values), delete=draw(st.booleans()))


# -- any manifest ---------------------------------------------------------------------------


@SLOW
@given(
    st.one_of(
        json_values(),
        st.fixed_dictionaries(
            {"format": st.just("callreview-bundle"), "version": st.just(1)},
            optional={"calls": json_values(), "created_at": json_values()},
        ),
    )
)
@example(None)
@example({"format": "callreview-bundle", "version": 1, "calls": [{"provider": "x"}]})
def test_any_json_as_the_manifest(bundle: Bundle, target: Target, manifest: Json) -> None:
    summary = check(write(bundle, bundle.entries, manifest), target)
    assert summary is None or summary.calls == ()  # no checksum matches by chance


@SLOW
@given(st.binary(max_size=200))
@example(b"")
@example(b"\xef\xbb\xbf{}")
def test_any_bytes_as_the_manifest_are_refused_cleanly(
    bundle: Bundle, target: Target, data: bytes
) -> None:
    assert check(write(bundle, bundle.entries, data), target) is None


def test_the_unchanged_bundle_imports(bundle: Bundle, target: Target) -> None:
    summary = check(write(bundle, bundle.entries, bundle.manifest), target)
    assert summary is not None and len(summary.calls) == 2 and summary.recordings == 1


# Places in the manifest where one changed value once broke an import half-way (issue 13):
# the test after this one mutates them too. The tests that take `data=None` as an explicit
# example replay the counterexample that was found first.
MANIFEST_BUGS = ("account", "call_id", "content_type")


@SLOW
@given(st.data())
def test_one_changed_place_in_the_manifest(
    bundle: Bundle, target: Target, data: st.DataObject
) -> None:
    manifest = data.draw(mutations(bundle.manifest, json_values(), skip=MANIFEST_BUGS))
    check(write(bundle, bundle.entries, manifest), target)


@settings(SLOW, report_multiple_bugs=False)
@given(st.data())
@example(None)
def test_one_changed_place_anywhere_in_the_manifest(
    bundle: Bundle, target: Target, data: st.DataObject | None
) -> None:
    if data is None:  # the explicit example: the second call's account is a list
        manifest = replaced(bundle.manifest, ("calls", 1, "account"), ["acme"])
    else:
        manifest = data.draw(mutations(bundle.manifest, json_values()))
    check(write(bundle, bundle.entries, manifest), target)


# -- any entry ------------------------------------------------------------------------------


@SLOW
@given(st.data(), st.binary(max_size=300), st.booleans())
def test_any_bytes_as_an_entry(
    bundle: Bundle, target: Target, data: st.DataObject, content: bytes, rehash: bool
) -> None:
    name = data.draw(st.sampled_from(sorted(bundle.entries)))
    entries = {**bundle.entries, name: content}
    manifest = rehashed(bundle, bundle.manifest, name, content) if rehash else bundle.manifest
    if name.startswith("recordings/"):
        manifest = copy.deepcopy(manifest)
        for call in manifest["calls"]:
            if call["recording"] and call["recording"]["file"] == name and rehash:
                call["recording"].update(
                    size=len(content), sha256=hashlib.sha256(content).hexdigest()
                )
    check(write(bundle, entries, manifest), target)


entry_names = st.one_of(
    st.from_regex(
        r"(calls/[a-z]{1,8}/[A-Za-z0-9_.-]{1,12}\.json|recordings/[A-Za-z0-9_.-]{1,12})",
        fullmatch=True,
    ),
    # Names a zip can hold: no NUL (zipfile cuts the name there), encodable as UTF-8.
    st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
    ).filter(lambda n: n not in ("", "manifest.json")),
    st.sampled_from(
        ["../evil.json", "/abs.json", "calls\\x.json", "c:/x.json", "calls/a/../../x.json"]
    ),
)


@SLOW
@given(st.dictionaries(entry_names, st.binary(max_size=100), max_size=4))
def test_extra_entries_of_any_name(bundle: Bundle, target: Target, extra: dict[str, bytes]) -> None:
    entries = {**bundle.entries, **{k: v for k, v in extra.items() if k not in bundle.entries}}
    summary = check(write(bundle, entries, bundle.manifest), target)
    # Unlisted entries with a safe name are ignored; anything else refuses the whole bundle.
    assert summary is None or summary.recordings == 1


# -- any review or call data (checksums updated) --------------------------------------------


def review_variants(bundle: Bundle, safe: bool) -> st.SearchStrategy[tuple[int, Json]]:
    values = json_values(
        limit=SQLITE_INT if safe else None, surrogates=not safe, blank_text=not safe
    )

    @st.composite
    def variant(draw: st.DrawFn) -> tuple[int, Json]:
        call = draw(st.sampled_from([0, 1]))
        review = json.loads(bundle.entries[bundle.file_of(call, "review")])
        # Each field also tries the values at the edge of what SQLite and add_note take.
        edges = [e for e in INT_EDGES if not safe or abs(e) <= SQLITE_INT]
        number = st.one_of(st.sampled_from(edges), values)
        text = st.one_of(st.sampled_from(TEXT_EDGES if not safe else ["x", "note"]), values)
        note = st.fixed_dictionaries({}, optional={"text": text, "position_ms": number})
        shaped = st.fixed_dictionaries(
            {},
            optional={
                "reviewed": values,
                "flagged": values,
                "sync_offset_ms": number,
                "notes": st.one_of(values, st.lists(st.one_of(note, values), max_size=3)),
            },
        )
        return call, draw(st.one_of(values, mutations(review, values), shaped))

    return variant()


def with_review(bundle: Bundle, call: int, review: Json) -> tuple[dict[str, bytes], Json]:
    name = bundle.file_of(call, "review")
    data = json.dumps(review).encode()
    return {**bundle.entries, name: data}, rehashed(bundle, bundle.manifest, name, data)


@SLOW
@given(st.data())
def test_any_review_without_huge_numbers_or_odd_text(
    bundle: Bundle, target: Target, data: st.DataObject
) -> None:
    call, review = data.draw(review_variants(bundle, safe=True))
    check(write(bundle, *with_review(bundle, call, review)), target)


@settings(SLOW, report_multiple_bugs=False)
@given(st.data())
@example(None)
def test_any_review(bundle: Bundle, target: Target, data: st.DataObject | None) -> None:
    if data is None:  # the explicit example: a note position past 64 bits in the 2nd call
        call, review = 1, {"notes": [{"text": "x", "position_ms": 2**70}]}
    else:
        call, review = data.draw(review_variants(bundle, safe=False))
    check(write(bundle, *with_review(bundle, call, review)), target)


# Durations and times in seconds become milliseconds in SQLite's 64-bit integers; beyond
# about 9e15 seconds they overflow: the bundle is refused (the test below).
SANE_SECONDS = 10**12


def raw_variants(
    bundle: Bundle, *, surrogates: bool = False, huge: bool = False
) -> st.SearchStrategy[tuple[int, Json]]:
    values = json_values(limit=None if huge else SANE_SECONDS, surrogates=surrogates)

    @st.composite
    def variant(draw: st.DrawFn) -> tuple[int, Json]:
        call = draw(st.sampled_from([0, 1]))
        raw = json.loads(bundle.entries[bundle.file_of(call, "raw")])
        # The call's own ID is left alone: a different one is the manifest bug above.
        return call, draw(mutations(raw, values, skip=("id",)))

    return variant()


def with_raw(bundle: Bundle, call: int, raw: Json) -> tuple[dict[str, bytes], Json]:
    name = bundle.file_of(call, "raw")
    data = json.dumps(raw).encode()
    return {**bundle.entries, name: data}, rehashed(bundle, bundle.manifest, name, data)


@SLOW
@given(st.data())
def test_one_changed_place_in_the_call_data(
    bundle: Bundle, target: Target, data: st.DataObject
) -> None:
    call, raw = data.draw(raw_variants(bundle))
    check(write(bundle, *with_raw(bundle, call, raw)), target)


@settings(SLOW, report_multiple_bugs=False)
@given(st.data())
@example(None)
def test_a_lone_surrogate_in_the_call_data(
    bundle: Bundle, target: Target, data: st.DataObject | None
) -> None:
    if data is None:
        call, raw = (
            0,
            {**json.loads(bundle.entries[bundle.file_of(0, "raw")]), "metadata": {"k": "\ud800"}},
        )
    else:
        call, raw = data.draw(raw_variants(bundle, surrogates=True))
    check(write(bundle, *with_raw(bundle, call, raw)), target)


@settings(SLOW, report_multiple_bugs=False)
@given(st.data())
@example(None)
def test_huge_numbers_in_the_call_data(
    bundle: Bundle, target: Target, data: st.DataObject | None
) -> None:
    if data is None:
        call, raw = 0, {**json.loads(bundle.entries[bundle.file_of(0, "raw")]), "duration": 1e300}
    else:
        call, raw = data.draw(raw_variants(bundle, huge=True))
    check(write(bundle, *with_raw(bundle, call, raw)), target)
