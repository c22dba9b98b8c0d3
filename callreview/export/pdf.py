"""PDF call summaries with QTextDocument + QPdfWriter: contents, page numbers, any script."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from callreview.domain import ExportError
from callreview.domain.timeline import silences, spoken_lines, talk_split
from callreview.export.options import ExportOptions
from callreview.export.text import atomic_output, iso, mask_text, mmss, speaker
from callreview.library import StoredCall

RESOLUTION = 300
GRID = 'class="grid" border="1" cellspacing="0" cellpadding="3"'
SILENCE_MS = 2000
# Fallbacks cover Latin, Arabic, CJK and emoji when the fonts are installed (CI installs
# Noto and Symbola); Qt also falls back through fontconfig for anything else.
FAMILIES = ["DejaVu Sans", "Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", "Symbola"]
CSS = """
body { font-size: 9.5pt; }
h1 { font-size: 15pt; margin-bottom: 2pt; }
h2 { font-size: 11.5pt; margin-top: 10pt; margin-bottom: 3pt; }
table.facts td { padding: 1pt 8pt 1pt 0; }
table.grid { border-collapse: collapse; }
table.grid td, table.grid th { border: 0.5pt solid #999; padding: 2pt 4pt; }
p.line { margin: 0 0 2pt 0; }
span.who { font-weight: bold; }
span.when { color: #555; }
p.muted { color: #666; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=False)


def _section(stored: StoredCall, n: int, options: ExportOptions, first: bool) -> str:
    call = stored.call
    m = mask_text if options.mask else (lambda t: t)
    brk = "" if first else ' style="page-break-before: always"'
    out = [
        f'<h1{brk}><a name="call-{n}">{_e(call.provider.capitalize())} call '
        f"{_e(call.call_id)}</a></h1>"
    ]
    facts = [
        ("Provider", call.provider.capitalize()),
        ("Call ID", call.call_id),
        ("From", m(call.from_number or "–")),
        ("To", m(call.to_number or "–")),
        ("Direction", call.direction.value),
        ("Agent", call.agent_id or "–"),
        ("Status", f"{call.status.label} (provider: {call.status_raw or '–'})"),
        ("Start", iso(call.started_at or call.created_at) or "–"),
        ("Duration", mmss(call.duration_ms) if call.duration_ms is not None else "–"),
        (
            "Cost",
            (str(call.cost) + ("" if call.cost.currency else " (currency not stated)"))
            if call.cost
            else "–",
        ),
    ]
    out.append(
        '<table class="facts">'
        + "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in facts)
        + "</table>"
    )
    analysis = call.analysis
    if analysis is not None and not analysis.is_empty:
        out.append("<h2>Analysis</h2>")
        for label, value in (
            ("Summary", analysis.summary),
            ("Outcome", analysis.outcome),
            ("Sentiment", analysis.sentiment),
        ):
            if value:
                out.append(f"<p><b>{label}:</b> {_e(m(value))}</p>")
        if analysis.success is not None:
            out.append(f"<p><b>Success:</b> {'yes' if analysis.success else 'no'}</p>")
        if analysis.items:
            out.append(
                f'<table {GRID} width="100%"><tr><th align="left">Question</th>'
                '<th align="left">Answer</th></tr>'
                + "".join(
                    f"<tr><td>{_e(i.question)}</td><td>{_e(m(i.value_text))}</td></tr>"
                    for i in analysis.items
                )
                + "</table>"
            )
        if analysis.structured:
            out.append(
                "<p><b>Structured data:</b></p><ul>"
                + "".join(
                    f"<li>{_e(k)}: {_e(m(str(v)))}</li>" for k, v in analysis.structured.items()
                )
                + "</ul>"
            )
    spoken = spoken_lines(call)
    shares = talk_split(spoken)
    if shares is not None:
        split = f"agent {shares[0]}%, caller {shares[1]}%"
        gaps = sorted(silences(spoken, SILENCE_MS), key=lambda g: -g[2])[:3]
        longest = ", ".join(f"{g[2] / 1000:.1f} s at {mmss(g[1])}" for g in gaps) or "none"
        out.append(
            f"<h2>Talk time</h2><p>{_e(split)}. Longest silences over "
            f"{SILENCE_MS // 1000} s: {_e(longest)}.</p>"
        )
    review = stored.review
    out.append("<h2>Review</h2>")
    out.append(
        f"<p>Reviewed: {'yes' if review.reviewed else 'no'} · "
        f"Flagged: {'yes' if review.flagged else 'no'}</p>"
    )
    for note in review.notes:
        when = f"[{mmss(note.position_ms)}] " if note.position_ms is not None else ""
        out.append(f"<p>{_e(when)}{_e(m(note.text))}</p>")
    if options.transcript:
        out.append("<h2>Transcript</h2>")
        if not call.segments and not call.transcript_text:
            out.append('<p class="muted">No transcript.</p>')
        for seg in call.segments:
            when = (
                f'<span class="when">[{mmss(seg.start_ms)}]</span> ' if options.timestamps else ""
            )
            out.append(
                f'<p class="line">{when}<span class="who">{_e(speaker(seg))}:</span> '
                f"{_e(m(seg.text))}</p>"
            )
        if not call.segments and call.transcript_text:
            out += [
                f'<p class="line">{_e(m(line))}</p>' for line in call.transcript_text.splitlines()
            ]
    return "\n".join(out)


def _contents(calls: Sequence[StoredCall], pages: Sequence[int] | None) -> str:
    rows = "".join(
        f"<tr><td>{n + 1}.</td><td>{_e(s.call.provider.capitalize())} {_e(s.call.call_id)}"
        f"</td><td>{_e(iso(s.call.started_at or s.call.created_at)[:16])}</td>"
        f'<td align="right">{pages[n] if pages else "0000"}</td></tr>'
        for n, s in enumerate(calls)
    )
    return (
        f"<h1>Call summaries</h1><p>{len(calls)} calls.</p>"
        f'<table {GRID} width="100%"><tr><th></th><th align="left">Call</th>'
        f'<th align="left">Start (UTC)</th><th align="right">Page</th></tr>{rows}</table>'
    )


def write_pdf(
    calls: Sequence[StoredCall],
    path: Path,
    options: ExportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write one PDF; a contents page when there is more than one call. Returns pages."""
    if QGuiApplication.instance() is None:
        raise ExportError("PDF export needs the Qt GUI library to be initialised.")
    if not path.parent.is_dir():
        raise ExportError(f"The folder {path.parent} does not exist. Choose an existing folder.")
    exported = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    # Rendered in memory, then written like every other format: QPdfWriter does not report
    # write errors, so a full disk would otherwise leave a truncated PDF that looks fine.
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pages = _render(calls, buffer, path.name, options, exported, progress)
    data = bytes(buffer.data().data())
    if not data.rstrip().endswith(b"%%EOF"):
        raise ExportError(f"Could not write {path.name}: the PDF came out incomplete.")
    with atomic_output(path, "wb") as handle:
        handle.write(data)
    return pages


def _render(
    calls: Sequence[StoredCall],
    target: QIODevice,
    name: str,
    options: ExportOptions,
    exported: str,
    progress: Callable[[int, int], None] | None,
) -> int:
    writer = QPdfWriter(target)
    writer.setResolution(RESOLUTION)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setTitle("Call summaries" if len(calls) > 1 else f"Call {calls[0].call.call_id}")
    writer.setCreator("CallReview")
    body = writer.pageLayout().paintRectPixels(RESOLUTION)
    font = QFont()
    font.setFamilies(FAMILIES)
    font.setPointSizeF(9.5)
    line = int(font.pointSizeF() / 72 * RESOLUTION * 1.6)
    header_h, footer_h = line, line
    page_h = body.height() - header_h - footer_h
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(CSS)
    doc.setPageSize(QSizeF(body.width(), page_h))
    sections = []
    for n, stored in enumerate(calls):
        sections.append(_section(stored, n, options, first=(n == 0 and len(calls) == 1)))
        if progress is not None:
            progress(n + 1, len(calls))

    def html_for(pages: Sequence[int] | None) -> str:
        head = _contents(calls, pages) if len(calls) > 1 else ""
        return f"<html><body>{head}{''.join(sections)}</body></html>"

    doc.setHtml(html_for(None))
    if len(calls) > 1:
        starts = _anchor_pages(doc, page_h, len(calls))
        doc.setHtml(html_for(starts))
    painter = QPainter(writer)
    if not painter.isActive():
        raise ExportError(f"Could not start writing the PDF {name}.")
    try:
        total = doc.pageCount()
        small = QFont(font)
        small.setPointSizeF(7.5)
        for page in range(total):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(0, header_h - page * page_h)
            doc.drawContents(painter, QRectF(0, page * page_h, body.width(), page_h))
            painter.restore()
            painter.setFont(small)
            title = writer.title()
            painter.drawText(
                QRectF(0, 0, body.width(), header_h),
                int(Qt.AlignmentFlag.AlignLeft),
                f"CallReview · {title}",
            )
            painter.drawText(
                QRectF(0, body.height() - footer_h * 0.8, body.width(), footer_h),
                int(Qt.AlignmentFlag.AlignLeft),
                f"Exported {exported}",
            )
            painter.drawText(
                QRectF(0, body.height() - footer_h * 0.8, body.width(), footer_h),
                int(Qt.AlignmentFlag.AlignRight),
                f"Page {page + 1} of {total}",
            )
    finally:
        painter.end()
    return total


def _anchor_pages(doc: QTextDocument, page_h: float, count: int) -> list[int]:
    """The page each call section starts on (after laying out with placeholder numbers)."""
    layout = doc.documentLayout()
    pages = [1] * count
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            for name in fragment.charFormat().anchorNames():
                if name.startswith("call-"):
                    n = int(name.split("-")[1])
                    top = layout.blockBoundingRect(block).top()
                    pages[n] = int(top // page_h) + 1
            it += 1
        block = block.next()
    return pages
