"""SRT and WebVTT files that real readers parse back into the transcript, cue for cue."""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import srt
import webvtt
from hypothesis import example, given
from hypothesis import strategies as st

from callreview.domain import Call, CallRef, CallStatus, Role, Segment
from callreview.export import ExportOptions
from callreview.export.documents import write_srt, write_vtt
from callreview.library import SqliteLibrary, StoredCall
from tests.export.factories import export_from, save_ringyo
from tests.library.helpers import open_library

# (transcript line, SRT cue text after "Speaker: ", WebVTT cue text)
CASES = [
    ("first\n\nsecond", "first\nsecond", "first\nsecond"),
    ("blank lines\n  \n\n\nwith spaces", "blank lines\nwith spaces", "blank lines\nwith spaces"),
    ("a --> b", "a -> b", "a --> b"),
    ("arrows ---> and -->", "arrows -> and ->", "arrows ---> and -->"),
    (
        "00:00:01,000 --> 00:00:02,000",
        "00:00:01,000 -> 00:00:02,000",
        "00:00:01,000 --> 00:00:02,000",
    ),
    ("x\n42\ny", "x 42\ny", "x\n42\ny"),
    (
        "1\n\n00:00:05,000 --> 00:00:06,000\nfake cue",
        "1\n00:00:05,000 -> 00:00:06,000\nfake cue",
        "1\n00:00:05,000 --> 00:00:06,000\nfake cue",
    ),
    (
        "<b>bold</b> & <i>x</i> &amp;",
        "<b>bold</b> & <i>x</i> &amp;",
        "<b>bold</b> & <i>x</i> &amp;",
    ),
    ("windows\r\nline\rends", "windows\nline\nends", "windows\nline\nends"),
    ("  padded  ", "padded", "padded"),
    ("NOTE this\nSTYLE that", "NOTE this\nSTYLE that", "NOTE this\nSTYLE that"),
    ("مرحبا 您好 👍 café", "مرحبا 您好 👍 café", "مرحبا 您好 👍 café"),
    ("", "", ""),
]
TEXTS = [text for text, _srt, _vtt in CASES]
SPEAKERS = ["Agent" if i % 2 == 0 else "Caller" for i in range(len(CASES))]


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "lib")
    save_ringyo(library, "call_hostile", TEXTS)
    yield library
    library.close()


def test_srt_round_trips_every_cue(lib: SqliteLibrary, tmp_path: Path) -> None:
    [path] = export_from(lib, [CallRef("ringyo", "call_hostile")], "srt", tmp_path / "c.srt").paths
    cues = list(srt.parse(path.read_text(encoding="utf-8")))
    assert len(cues) == len(CASES)
    for n, (cue, (_text, expected, _vtt), who) in enumerate(
        zip(cues, CASES, SPEAKERS, strict=True)
    ):
        assert cue.index == n + 1
        assert cue.start == timedelta(seconds=n)
        assert cue.content == (f"{who}: {expected}" if expected else f"{who}:")


def test_srt_index_lines_are_only_the_cue_numbers(lib: SqliteLibrary, tmp_path: Path) -> None:
    # A strict reader: every block is "number, times, text" and text lines never look like
    # either of the first two.
    [path] = export_from(lib, [CallRef("ringyo", "call_hostile")], "srt", tmp_path / "c.srt").paths
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    assert blocks[-1] == "" and len(blocks) - 1 == len(CASES)
    for n, block in enumerate(blocks[:-1], 1):
        number, times, *text = block.split("\n")
        assert number == str(n) and " --> " in times and text
        assert not any(line.isdigit() or "-->" in line or not line.strip() for line in text)


def test_vtt_round_trips_every_cue(lib: SqliteLibrary, tmp_path: Path) -> None:
    [path] = export_from(lib, [CallRef("ringyo", "call_hostile")], "vtt", tmp_path / "c.vtt").paths
    captions = list(webvtt.from_string(path.read_text(encoding="utf-8")))
    assert len(captions) == len(CASES)
    for n, (caption, (_text, _srt, expected), who) in enumerate(
        zip(captions, CASES, SPEAKERS, strict=True)
    ):
        assert caption.start_in_seconds == n
        assert caption.voice == who
        # webvtt-py leaves the character references as they are: &amp; &lt; &gt;
        assert html.unescape(caption.text) == expected
    body = path.read_text(encoding="utf-8")
    assert "<b>" not in body and "&amp;amp;" in body


def test_vtt_header_and_speaker_cannot_break_the_file(tmp_path: Path) -> None:
    library = open_library(tmp_path / "lib")
    doc_ref = save_ringyo(
        library,
        "id --> with\narrow",
        ["hello"],
        transcript=[{"role": "Sales <lead> & co\n", "content": "hello", "timestamp": 0.0}],
    )
    [path] = export_from(library, [doc_ref], "vtt", tmp_path / "c.vtt").paths
    library.close()
    body = path.read_text(encoding="utf-8")
    assert body.splitlines()[0] == "WEBVTT - ringyo call id -> with arrow"
    [caption] = webvtt.from_string(body)
    assert html.unescape(caption.voice) == "Sales <lead> & co" and caption.text == "hello"


def stored_call(texts: list[str]) -> StoredCall:
    segments = tuple(
        Segment(i, Role.AGENT if i % 2 == 0 else Role.USER, "", text, i * 1000, i * 1000 + 900)
        for i, text in enumerate(texts)
    )
    call = Call("ringyo", "call_any", CallStatus.ENDED, "completed", segments=segments)
    return StoredCall(call, None, datetime.now(UTC))


def trimmed_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


# Text made of what subtitle readers react to, and ordinary characters between.
subtitle_text = st.lists(
    st.sampled_from(
        [
            *"<>&-: \t\n\r0123456789ab,.",
            *("-->", "- >", "00:00:01,000", "00:00:01.000", "\n\n", "WEBVTT", "NOTE"),
            *("<v x>", "&amp;", "\x0c", "\u2028", "é", "👍"),
        ]
    ),
    max_size=25,
).map("".join)


@given(st.lists(subtitle_text, min_size=1, max_size=4))
@example(["<\n-0\n00:00:01,000"])  # a signed number alone read as the next cue's index
def test_any_transcript_makes_one_cue_per_line(texts: list[str]) -> None:
    stored = stored_call(texts)
    with tempfile.TemporaryDirectory() as tmp:
        write_srt(stored, Path(tmp) / "c.srt", ExportOptions())
        write_vtt(stored, Path(tmp) / "c.vtt", ExportOptions())
        cues = list(srt.parse((Path(tmp) / "c.srt").read_text(encoding="utf-8")))
        captions = list(webvtt.from_string((Path(tmp) / "c.vtt").read_text(encoding="utf-8")))
    assert len(cues) == len(captions) == len(texts)
    for n, (cue, caption, text) in enumerate(zip(cues, captions, texts, strict=True)):
        who = "Agent" if n % 2 == 0 else "Caller"
        # SRT: the documented changes only (arrows shortened, digit-only lines joined).
        expected = re.sub(r"-+>", "->", f"{who}: {' '.join(trimmed_lines(text))}")
        assert " ".join(cue.content.split()) == " ".join(expected.split())
        assert cue.start == timedelta(seconds=n)
        assert caption.voice == who
        assert html.unescape(caption.text) == "\n".join(trimmed_lines(text))
