"""Report PDFs drawn with QPainter on QPdfWriter: bar charts and tables, QtGui only, no widgets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from callreview.domain import ExportError
from callreview.domain.reports import Report, ReportRow, one_decimal, percent
from callreview.export.pdf import AGENT_COLOUR, AUTHOR, CALLER_COLOUR, RESOLUTION, pdf_font
from callreview.export.text import atomic_output

GRID = QColor("#D0D0D0")
RULE = QColor("#999999")
MUTED = QColor("#555555")
HEADER_FILL = QColor("#EEEEEE")
TITLES = {"agent": "by agent", "week": "by week", "criterion": "by criterion"}


def _pt(points: float) -> float:
    """Points to the writer's device pixels."""
    return points / 72 * RESOLUTION


def report_title(report: Report) -> str:
    """`Scorecard report by agent`, with the scorecard's name when the report has one."""
    name = f" — {report.query.scorecard}" if report.query.scorecard else ""
    return f"Scorecard report {TITLES[report.query.by]}{name}"


def report_scope(report: Report) -> str:
    """Which calls the report covers, in words."""
    q = report.query
    if q.since and q.until:
        last = q.until - timedelta(milliseconds=1)
        span = f"calls started {q.since:%d %b %Y} to {last:%d %b %Y} (UTC)"
    elif q.since:
        span = f"calls started on or after {q.since:%d %b %Y} (UTC)"
    elif q.until:
        span = f"calls started before {q.until:%d %b %Y} (UTC)"
    else:
        span = "all calls"
    return f"{report.cards} submitted card(s), {span}"


def write_report_pdf(report: Report, path: Path) -> int:
    """Write a report as a PDF; returns the page count. Needs a QGuiApplication (fonts):
    `ensure_gui_application()` on the main thread first."""
    if QGuiApplication.instance() is None:
        raise ExportError("PDF export needs the Qt GUI library to be initialised.")
    if not path.parent.is_dir():
        raise ExportError(f"The folder {path.parent} does not exist. Choose an existing folder.")
    # WORKAROUND (Qt 6.11; QPdfWriter has no error reporting API): drawn in memory and
    # written atomically, as export/pdf.py does, so a full disk cannot leave half a PDF.
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pages = _render(report, buffer)
    data = bytes(buffer.data().data())
    if not data.rstrip().endswith(b"%%EOF"):
        raise ExportError(f"Could not write {path.name}: the PDF came out incomplete.")
    with atomic_output(path, "wb") as handle:
        handle.write(data)
    return pages


class _Canvas:
    """A painter with a cursor going down the page, turning the page when it must."""

    def __init__(self, writer: QPdfWriter, title: str) -> None:
        self.writer = writer
        self.title = title
        self.body = QRectF(writer.pageLayout().paintRectPixels(RESOLUTION))
        self.body.moveTo(0, 0)
        self.p = QPainter(writer)
        self.page = 1
        self.y = 0.0
        self.font = pdf_font(9.5)
        self.p.setFont(self.font)

    def fm(self, font: QFont | None = None) -> QFontMetricsF:
        return QFontMetricsF(font or self.font, self.writer)

    def room(self, height: float) -> None:
        """Start a new page unless `height` fits below the cursor."""
        if self.y + height > self.body.height() and self.y > 0:
            self.writer.newPage()
            self.page += 1
            self.y = 0.0
            small = pdf_font(8)
            self.p.setFont(small)
            self.p.setPen(MUTED)
            self.text(QRectF(0, 0, self.body.width(), _pt(12)), f"{self.title} (continued)")
            self.p.setFont(self.font)
            self.p.setPen(Qt.GlobalColor.black)
            self.y = _pt(16)

    def text(
        self,
        rect: QRectF,
        text: str,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    ) -> None:
        """One line of text in `rect`, elided to fit."""
        shown = QFontMetricsF(self.p.font(), self.writer).elidedText(
            text, Qt.TextElideMode.ElideRight, rect.width()
        )
        self.p.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), shown)

    def heading(self, text: str, size: float = 11.5) -> None:
        font = pdf_font(size)
        font.setBold(True)
        height = self.fm(font).height() * 1.3
        self.room(height * 3)  # never a heading alone at the foot of a page
        self.p.setFont(font)
        self.text(QRectF(0, self.y, self.body.width(), height), text)
        self.p.setFont(self.font)
        self.y += height + _pt(2)

    def paragraph(self, text: str) -> None:
        height = self.fm().height() * 1.3
        self.room(height)
        self.p.setPen(MUTED)
        self.text(QRectF(0, self.y, self.body.width(), height), text)
        self.p.setPen(Qt.GlobalColor.black)
        self.y += height

    def bars(
        self,
        title: str,
        items: Sequence[tuple[str, float | None, str]],
        colour: QColor,
    ) -> None:
        """A horizontal bar chart on a 0–100 scale: (label, value or None, value as text)."""
        self.heading(title, 10.5)
        row_h = self.fm().height() * 1.5
        label_w = self.body.width() * 0.32
        value_w = self.fm().horizontalAdvance("100.0 %") * 1.3
        left = label_w + _pt(6)
        width = self.body.width() - left - value_w
        if not items:
            self.paragraph("Nothing to show.")
            return
        axis_h = row_h
        self.room(row_h + axis_h)
        for label, value, shown in items:
            self.room(row_h)
            top = self.y
            self.text(QRectF(0, top, label_w, row_h), label, Qt.AlignmentFlag.AlignRight)
            self.p.setPen(QPen(GRID, _pt(0.5)))
            for tick in (0, 25, 50, 75, 100):
                x = left + width * tick / 100
                self.p.drawLine(int(x), int(top), int(x), int(top + row_h))
            if value is not None:
                bar = QRectF(
                    left,
                    top + row_h * 0.18,
                    width * max(0.0, min(value, 100.0)) / 100,
                    row_h * 0.64,
                )
                self.p.fillRect(bar, colour)
            self.p.setPen(Qt.GlobalColor.black)
            self.text(
                QRectF(left + width + _pt(4), top, value_w, row_h),
                shown if value is not None else "—",
            )
            self.y += row_h
        # The scale under the last bars.
        self.room(axis_h)
        small = pdf_font(7.5)
        self.p.setFont(small)
        self.p.setPen(MUTED)
        for tick in (0, 25, 50, 75, 100):
            x = left + width * tick / 100
            self.text(
                QRectF(x - _pt(15), self.y, _pt(30), axis_h),
                str(tick),
                Qt.AlignmentFlag.AlignHCenter,
            )
        self.p.setFont(self.font)
        self.p.setPen(Qt.GlobalColor.black)
        self.y += axis_h + _pt(8)

    def table(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
    ) -> None:
        """A ruled table; `widths` are shares of the page width, the first column left
        aligned and the others right aligned; the header repeats on every page."""
        row_h = self.fm().height() * 1.45
        pad = _pt(3)
        total = sum(widths)
        xs = [0.0]
        for w in widths:
            xs.append(xs[-1] + self.body.width() * w / total)

        def header() -> None:
            bold = QFont(self.font)
            bold.setBold(True)
            self.p.setFont(bold)
            self.p.fillRect(QRectF(0, self.y, self.body.width(), row_h), HEADER_FILL)
            self.cells(headers, xs, row_h, pad)
            self.p.setFont(self.font)
            self.y += row_h

        self.room(row_h * 3)
        header()
        for cells in rows:
            page = self.page
            self.room(row_h)
            if self.page != page:
                header()
            self.cells(cells, xs, row_h, pad)
            self.y += row_h
        self.y += _pt(8)

    def cells(self, cells: Sequence[str], xs: Sequence[float], row_h: float, pad: float) -> None:
        for n, cell in enumerate(cells):
            rect = QRectF(xs[n] + pad, self.y, xs[n + 1] - xs[n] - 2 * pad, row_h)
            align = Qt.AlignmentFlag.AlignLeft if n == 0 else Qt.AlignmentFlag.AlignRight
            self.text(rect, cell, align)
        self.p.setPen(QPen(RULE, _pt(0.5)))
        bottom = self.y + row_h
        self.p.drawLine(int(xs[0]), int(bottom), int(xs[-1]), int(bottom))
        self.p.setPen(Qt.GlobalColor.black)


def _render(report: Report, target: QIODevice) -> int:
    writer = QPdfWriter(target)
    writer.setResolution(RESOLUTION)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    title = report_title(report)
    writer.setTitle(title)
    writer.setAuthor(AUTHOR)
    writer.setCreator(AUTHOR)
    canvas = _Canvas(writer, title)
    try:
        canvas.heading(title, 15)
        made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        canvas.paragraph(f"{report_scope(report)}. Made {made}.")
        canvas.y += _pt(8)
        if not report.rows:
            canvas.paragraph("No submitted scorecards match: nothing to report.")
        elif report.query.by == "criterion":
            _criterion_pages(canvas, report)
        else:
            _group_pages(canvas, report)
    finally:
        canvas.p.end()
    return canvas.page


def _rate(value: float | None) -> float | None:
    return None if value is None else value * 100


def _group_pages(canvas: _Canvas, report: Report) -> None:
    rows = report.rows
    canvas.bars(
        "Average score",
        [(r.label, r.average_score, one_decimal(r.average_score)) for r in rows],
        AGENT_COLOUR,
    )
    canvas.bars(
        "Pass rate",
        [(r.label, _rate(_passed(r)), f"{percent(_passed(r))} %") for r in rows],
        CALLER_COLOUR,
    )
    group = "Agent" if report.query.by == "agent" else "Week (UTC)"
    canvas.heading("Summary")
    table_rows = [_group_cells(r) for r in rows]
    if report.total is not None:
        table_rows.append(_group_cells(report.total))
    canvas.table(
        [group, "Calls", "Cards", "Average", "Pass rate", "Agreement"],
        table_rows,
        [3.2, 1, 1, 1.1, 1.1, 1.6],
    )
    if report.total is not None and report.criteria:
        canvas.heading("Failure rate by criterion, all cards")
        total = report.total
        canvas.table(
            ["Criterion", "Answers", "Failed", "Failure rate"],
            [
                [
                    f"{cid}: {question}",
                    str(total.failures[cid].total),
                    str(total.failures[cid].count),
                    _pc(total.failures[cid].value),
                ]
                for cid, question in report.criteria
            ],
            [5, 1, 1, 1.2],
        )
        canvas.paragraph("An answer fails when it scores 0; N/A and text answers are not counted.")


def _passed(row: ReportRow) -> float | None:
    return row.passed.value if row.passed is not None else None


def _pc(value: float | None) -> str:
    return f"{percent(value)} %" if value is not None else "—"


def _agreement(row: ReportRow) -> str:
    if not row.agreement.total:
        return "—"
    return f"{percent(row.agreement.value)} % of {row.agreement.total}"


def _group_cells(row: ReportRow) -> list[str]:
    return [
        row.label,
        str(row.calls),
        str(row.cards),
        one_decimal(row.average_score) or "—",
        _pc(_passed(row)),
        _agreement(row),
    ]


def _criterion_pages(canvas: _Canvas, report: Report) -> None:
    rows = report.rows
    canvas.bars(
        "Failure rate",
        [(r.key, _rate(r.failures[r.key].value), _pc(r.failures[r.key].value)) for r in rows],
        CALLER_COLOUR,
    )
    compared = [r for r in rows if r.agreement.total]
    if compared:
        canvas.bars(
            "Agreement with the provider",
            [(r.key, _rate(r.agreement.value), _pc(r.agreement.value)) for r in compared],
            AGENT_COLOUR,
        )
    canvas.heading("Criteria")
    canvas.table(
        ["Criterion", "Answers", "N/A", "Average", "Failure rate", "Agreement"],
        [
            [
                f"{r.key}: {r.label}",
                str(r.cards),
                str(r.na),
                one_decimal(r.average_score) or "—",
                _pc(r.failures[r.key].value),
                _agreement(r),
            ]
            for r in rows
        ],
        [3.6, 1, 0.8, 1, 1.4, 1.5],
    )
    canvas.paragraph(
        "Average: 100 × the mean answer fraction; an answer fails when it scores 0 (N/A excluded)."
    )
