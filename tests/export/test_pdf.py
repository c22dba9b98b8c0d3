"""PDF call summaries: text that extracts as typed, JSON-form values, outline, layout, timeline."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, Destination

from callreview.domain import (
    Analysis,
    AnswerItem,
    Call,
    CallStatus,
    Role,
    Segment,
    Timing,
    Variable,
)
from callreview.domain.display import format_duration, format_ms, format_start
from callreview.export.options import ExportOptions
from callreview.export.pdf import write_pdf
from callreview.library import StoredCall

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")

STARTED = datetime(2026, 11, 20, 10, 5, 44, tzinfo=UTC)
LATIN = "The booking is confirmed: the office will fix the affluent waffle shuffle (fi, ffl)."
JAPANESE = "日本語の通話"
CHINESE = "确认预约"
ARABIC = "تم تأكيد الموعد"
# What pdftotext adds around right-to-left runs, and the invisible break helpers.
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
PAGE_W, MARGIN = 595.28, 15 / 25.4 * 72  # A4 and the writer's 15 mm margins, in points


def seg(index: int, role: Role, text: str, start_s: float, end_s: float | None = None) -> Segment:
    end = None if end_s is None else int(end_s * 1000)
    return Segment(
        index=index,
        role=role,
        role_raw=role.value,
        text=text,
        start_ms=int(start_s * 1000),
        end_ms=end,
        end_inferred=end is None,
    )


def make_call(call_id: str = "call_pdf_1", **changes: object) -> StoredCall:
    call = Call(
        provider="ringyo",
        call_id=call_id,
        status=CallStatus.ENDED,
        status_raw="completed",
        started_at=STARTED,
        duration_ms=217_400,
        duration_source="provider",
        segments=(
            seg(0, Role.AGENT, LATIN, 0, 4),
            seg(1, Role.USER, f"{JAPANESE} / {CHINESE}", 5, 8),
            seg(2, Role.TOOL_CALL, '{"tool": "lookup"}', 9, 9.5),
            seg(3, Role.USER, ARABIC, 14, 17),
            seg(4, Role.AGENT, "Official confirmation follows, fine.", 18, 21),
        ),
        timing=Timing(STARTED, "started_at", has_positions=True),
    )
    return StoredCall(
        call=replace(call, **changes),  # type: ignore[arg-type]
        account="acme",
        fetched_at=STARTED,
    )


def export(
    tmp_path: Path,
    calls: Sequence[StoredCall],
    name: str = "out.pdf",
    options: ExportOptions | None = None,
) -> Path:
    path = tmp_path / name
    write_pdf(calls, path, options or ExportOptions())
    return path


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def normalized(text: str) -> str:
    """NFKC with pdftotext's bidi marks and zero-width characters removed."""
    return ZERO_WIDTH.sub("", BIDI_MARKS.sub("", unicodedata.normalize("NFKC", text)))


def words(path: Path) -> list[tuple[int, float, float, float, str]]:
    """(page, xMin, yMin, xMax, word) for every word pdftotext finds."""
    xml = pdftotext(path, "-bbox")
    xml = xml[xml.index("<doc>") : xml.index("</doc>") + len("</doc>")]
    out = []
    for page_no, page in enumerate(ElementTree.fromstring(xml).iter("page"), start=1):
        for word in page.iter("word"):
            out.append(
                (
                    page_no,
                    float(word.get("xMin", 0)),
                    float(word.get("yMin", 0)),
                    float(word.get("xMax", 0)),
                    word.text or "",
                )
            )
    return out


@needs_poppler
def test_latin_text_extracts_as_typed_without_ligatures(qapp: object, tmp_path: Path) -> None:
    analysis = Analysis(summary="Office confirmed the affluent fjord trip.")
    # In the ID too: the heading and the page header use other sizes, weights and painters.
    path = export(tmp_path, [make_call("confirmed_office_file", analysis=analysis)])
    for mode in ((), ("-raw",), ("-layout",)):
        text = pdftotext(path, *mode)
        assert not re.search("[\ufb00-\ufb06]", text), mode  # ﬁ ﬂ ﬀ ﬃ ﬄ
        flat = " ".join(text.split())
        assert LATIN in flat, mode
        assert "Official confirmation follows, fine." in flat, mode
        assert "Office confirmed the affluent fjord trip." in flat, mode
        assert flat.count("Ringyo call confirmed_office_file") == 2, mode  # header, heading


@needs_poppler
def test_cjk_text_extracts_as_typed(qapp: object, tmp_path: Path) -> None:
    text = pdftotext(export(tmp_path, [make_call()]))
    # Exactly as typed: no NFKC, which would hide Kangxi radicals (日 → U+2F47).
    assert JAPANESE in text and CHINESE in text
    assert not re.search("[\u2e80-\u2fdf]", text)


@needs_poppler
def test_arabic_text_extracts_after_normalizing(qapp: object, tmp_path: Path) -> None:
    call = make_call(metadata={"note": ARABIC})
    text = normalized(pdftotext(export(tmp_path, [call])))
    lines = [line.strip() for line in text.splitlines()]
    assert ARABIC in lines  # the metadata value, alone in its table cell
    assert f"Caller: {ARABIC}" in text  # the transcript line


@needs_poppler
def test_values_in_json_form(qapp: object, tmp_path: Path) -> None:
    analysis = Analysis(
        success=True,
        structured={"confirmed": True, "items": ["card", "photo ID"], "slot": {"day": "Thu"}},
        items=(
            AnswerItem("resolved", "Resolved?", "boolean", True, True),
            AnswerItem("topics", "Topics?", "select", True, ["billing", "refund"]),
            AnswerItem("score", "Score?", "number", True, 4.0),
            AnswerItem("later", "Call back?", "boolean", False),
        ),
    )
    call = make_call(
        analysis=analysis,
        metadata={"customer": {"tier": "gold", "vip": False}, "tags": ["a", "b"]},
        variables=(
            Variable("consent", "boolean", True, at_ms=65_000),
            Variable("ratio", "number", 2.0, at=STARTED),
        ),
    )
    text = pdftotext(export(tmp_path, [call]), "-layout")
    assert "True" not in text and "False" not in text and "['" not in text and "{'" not in text
    for pattern in (
        r"Resolved\?\s+true\b",
        r"Topics\?\s+billing; refund\b",
        r"Score\?\s+4\s",
        r"Call back\?\s+\(no answer\)",
        r"confirmed\s+true\b",
        r"items\s+card; photo ID\b",
        r"slot\.day\s+Thu\b",
        r"customer\.tier\s+gold\b",
        r"customer\.vip\s+false\b",
        r"tags\s+a; b\b",
        r"consent\s+true\s+1:05\b",
        r"ratio\s+2\s+10:05:44\b",
    ):
        assert re.search(pattern, text), pattern
    assert re.search(r"^\s*Metadata\s*$", text, re.M) and re.search(
        r"^\s*Variables\s*$", text, re.M
    )


@needs_poppler
def test_dates_and_durations_as_the_window_shows_them(qapp: object, tmp_path: Path) -> None:
    call = make_call(duration_ms=3_725_000, duration_source="segments")
    text = pdftotext(export(tmp_path, [call]), "-layout")
    assert re.search(r"Start\s+2026-11-20 10:05:44 UTC", text)
    assert format_start(STARTED) == "2026-11-20 10:05:44 UTC"
    assert re.search(r"Duration\s+1:02:05 \(approx\.\)", text)
    assert format_duration(3_725_000, "segments") == "1:02:05 (approx.)"
    assert f"[{format_ms(14_000)}] Caller:" in text and "[0:14] Caller:" in text
    assert "2026-11-20T10:05:44" not in text and "[00:14]" not in text


def test_window_uses_the_same_formatters() -> None:
    from callreview.domain import display
    from callreview.ui import call_table

    assert call_table.format_ms is display.format_ms


def page_of(path: Path, needle: str, first: int = 1) -> int:
    """The first page (1-based, from `first`) whose text contains `needle`."""
    pages = pdftotext(path).split("\f")
    for number, text in enumerate(pages[first - 1 :], start=first):
        if needle in " ".join(text.split()):
            return number
    raise AssertionError(f"{needle!r} not found")


def bookmarks(reader: PdfReader) -> list[tuple[str, int]]:
    """(title, 1-based page) of each top-level outline entry."""
    out = []
    for item in reader.outline:
        assert isinstance(item, Destination)
        page = reader.get_destination_page_number(item)
        assert page is not None and item.title is not None
        out.append((item.title, page + 1))
    return out


def link_pages(reader: PdfReader) -> list[int]:
    """The 1-based page each link on the first page goes to."""
    annots = reader.pages[0]["/Annots"].get_object()
    assert isinstance(annots, ArrayObject)
    out = []
    for annot in annots:
        dest = reader.named_destinations[str(annot.get_object()["/Dest"])]
        page = reader.get_destination_page_number(dest)
        assert page is not None
        out.append(page + 1)
    return out


@needs_poppler
def test_outline_contents_links_and_document_info(qapp: object, tmp_path: Path) -> None:
    long_talk = tuple(
        seg(i, Role.AGENT if i % 2 else Role.USER, f"Line {i} of a long call.", i * 3, i * 3 + 2)
        for i in range(150)
    )
    calls = [
        make_call("call_first", segments=long_talk),
        make_call("call_second"),
        make_call("call_third", provider="rounded"),
    ]
    path = export(tmp_path, calls)
    reader = PdfReader(path)
    titles = ["Ringyo call call_first", "Ringyo call call_second", "Rounded call call_third"]
    pages = [page_of(path, t, first=2) for t in titles]
    assert bookmarks(reader) == list(zip(titles, pages, strict=True))
    assert pages[0] == 2 and pages[1] > pages[0] + 1  # the long call runs over a page
    assert link_pages(reader) == pages  # each contents row links to its call's page
    assert reader.metadata is not None
    assert reader.metadata.title == "Call summaries"
    assert reader.metadata.author == "CallReview"

    single = PdfReader(export(tmp_path, [calls[1]], "one.pdf"))
    assert bookmarks(single) == [("Ringyo call call_second", 1)]
    assert single.metadata is not None
    assert single.metadata.title == "Ringyo call call_second"
    assert single.metadata.author == "CallReview"


@needs_poppler
def test_long_call_ids_wrap_inside_the_page_and_stay_searchable(
    qapp: object, tmp_path: Path
) -> None:
    hex64 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    dashed = "-".join(["a1b2c3d4e5f6"] * 7)  # 90 characters with hyphens
    unbroken = "x" * 90 + "y" * 90 + "z" * 60
    calls = [make_call(hex64), make_call(dashed), make_call(unbroken)]
    right = PAGE_W - MARGIN + 1
    for n, call in enumerate(calls):  # alone, the ID is in the page header too
        alone = export(tmp_path, [call], f"{n}.pdf")
        assert all(x_max <= right for _, _, _, x_max, _ in words(alone)), call.call.call_id
    path = export(tmp_path, calls)
    assert all(x_max <= right for _, _, _, x_max, _ in words(path))
    text = pdftotext(path)
    assert hex64 in text.split()  # fits a line: one word, found as typed
    joined = ZERO_WIDTH.sub("", text.replace("\n", ""))
    # Too long for a line: broken across lines, but never hyphenation-joined or cut short.
    assert dashed in joined and unbroken in joined
    assert text.count("x" * 10) >= 3  # the unbroken ID appears in contents, heading and facts


@needs_poppler
def test_labels_never_run_into_their_values(qapp: object, tmp_path: Path) -> None:
    call = make_call(answered_by="human", agent_id="agent_" + "k" * 40)
    found = words(export(tmp_path, [call]))
    for label in ("Provider", "Direction", "Duration", "Agent", "Answered"):
        page, _, y, x_max, _ = next(w for w in found if w[4] == label)
        if label == "Answered":  # "Answered by": the value follows "by"
            page, _, y, x_max, _ = next(
                w for w in found if w[4] == "by" and w[0] == page and abs(w[2] - y) < 1
            )
        value = min(
            (w for w in found if w[0] == page and abs(w[2] - y) < 1 and w[1] > x_max),
            key=lambda w: w[1],
        )
        assert value[1] - x_max >= 8, (label, value[4], value[1] - x_max)


@needs_poppler
def test_wrapped_transcript_lines_hang_under_the_speaker(qapp: object, tmp_path: Path) -> None:
    long_line = " ".join(f"word{i}" for i in range(60))
    call = make_call(segments=(seg(0, Role.AGENT, long_line, 0, 20),))
    found = words(export(tmp_path, [call]))
    stamp = next(w for w in found if re.fullmatch(r"\[[\d:]+\]", w[4]))
    who = next(w for w in found if w[4] == "Agent:" and abs(w[2] - stamp[2]) < 1)
    later = [w for w in found if w[4].startswith("word") and w[2] > stamp[2] + 1]
    assert later, "the line did not wrap"
    first_x = min(w[1] for w in later)
    assert abs(first_x - who[1]) < 1.5, (first_x, stamp[1], who[1])
    assert first_x > stamp[1] + 10


def rgb_pixels(path: Path, page: int) -> list[tuple[int, int, int]]:
    """The page rendered at 40 dpi, as RGB pixels (pdftoppm's binary PPM)."""
    data = subprocess.run(
        ["pdftoppm", "-r", "40", "-f", str(page), "-l", str(page), str(path)],
        capture_output=True,
        check=True,
    ).stdout
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P6"
    width, height, pixels = int(fields[1]), int(fields[2]), fields[4]
    return [tuple(pixels[i : i + 3]) for i in range(0, 3 * width * height, 3)]  # type: ignore[misc]


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True))


@needs_poppler
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils")
def test_speaker_timeline_is_drawn_under_the_talk_time(qapp: object, tmp_path: Path) -> None:
    path = export(tmp_path, [make_call()])
    text = pdftotext(path, "-layout")
    legend = re.search(r"Agent speaking\s+Caller speaking\s+Tool call\s+Silence over 2 s", text)
    assert legend is not None
    assert text.index("Talk time") < legend.start() < text.index("Transcript")
    pixels = rgb_pixels(path, 1)
    agent = sum(near(p, (0x00, 0x72, 0xB2)) for p in pixels)
    caller = sum(near(p, (0xE6, 0x9F, 0x00)) for p in pixels)
    assert agent > 20 and caller > 20, (agent, caller)

    untimed = make_call(timing=Timing(None, "none", has_positions=False))
    path = export(tmp_path, [untimed], "untimed.pdf")
    assert "Agent speaking" not in pdftotext(path)
    assert not any(near(p, (0x00, 0x72, 0xB2)) for p in rgb_pixels(path, 1))


@needs_poppler
def test_masking_reaches_metadata_and_variables(qapp: object, tmp_path: Path) -> None:
    call = make_call(
        metadata={"contact": {"email": "riley.chen@example.com"}},
        variables=(Variable("callback", "string", "+1 555 010 0199"),),
    )
    text = pdftotext(export(tmp_path, [call], options=ExportOptions(mask=True)), "-layout")
    assert "riley.chen" not in text and "•••@example.com" in text
    assert "555 010" not in text and "•••99" in text
