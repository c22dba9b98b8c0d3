"""Exports as pure writers: calls (or their flat records), a format, a destination and
options in; files out. PDF summaries, CSV tables, JSON, SRT/WebVTT subtitles and Markdown.

Nothing here reads the library: the caller hands over the calls. No export ever contains an
API key or a recording URL: the writers work from the normalized call (which has no URL in
its JSON form) and its review state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callreview.domain import CallRef, ExportError, StoredCall
from callreview.domain.records import CallRecord, record_from_stored
from callreview.export.formats import (
    FORMATS,
    ExportFormat,
    format_of,
    ignored_options,
    options_for,
)
from callreview.export.options import ExportOptions
from callreview.export.text import safe_filename

__all__ = [
    "FORMATS",
    "CallRecord",
    "ExportFormat",
    "ExportOptions",
    "ExportResult",
    "export_calls",
    "format_of",
    "ignored_options",
    "options_for",
]

Progress = Callable[[int, int], None]
NO_TRANSCRIPT = "no transcript"
TEXT_ONLY = "a transcript without lines"  # one block of text (Rounded's transcript_string)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export did: the files it wrote, and the calls it left out with the reason."""

    paths: list[Path]
    skipped: list[tuple[CallRef, str]] = field(default_factory=list)  # (call, why)


def _ref(item: StoredCall | CallRecord) -> CallRef:
    if isinstance(item, StoredCall):
        return item.ref
    return CallRef(item["provider"], item["call_id"])


def targets(refs: Sequence[CallRef], fmt: str, output: Path, options: ExportOptions) -> list[Path]:
    """Where an export will write: one file, or one file per call inside a folder."""
    spec = format_of(fmt)
    per_call = options.one_file_per_call or not spec.combined
    ext = spec.suffix
    if per_call and (output.is_dir() or len(refs) > 1 or not output.suffix):
        if output.exists() and not output.is_dir():
            raise ExportError(f"{output} is a file; one file per call needs a folder.")
        return [output / f"{safe_filename(f'{r.provider}_{r.call_id}')}.{ext}" for r in refs]
    if output.is_dir():
        return [
            output / f"calls.{ext}"
            if len(refs) > 1
            else output / f"{safe_filename(f'{refs[0].provider}_{refs[0].call_id}')}.{ext}"
        ]
    return [output]


def _nothing_to_write(skipped: list[tuple[CallRef, str]], spec: ExportFormat) -> ExportError:
    if len(skipped) == 1:
        ref, why = skipped[0]
        return ExportError(
            f"{ref} has {why}, so there is nothing to write as {spec.noun}. "
            "Choose PDF, CSV or JSON for it."
        )
    listed = ", ".join(str(ref) for ref, _why in skipped[:3])
    more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    return ExportError(
        f"None of the {len(skipped)} calls has transcript lines ({listed}{more}), so there "
        f"is nothing to write as {spec.noun}. Choose PDF, CSV or JSON for them."
    )


def export_calls(
    calls: Sequence[StoredCall] | Sequence[CallRecord],
    fmt: str,
    output: Path,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write `calls` in `fmt` to `output` (a file, or a folder for one file per call).

    `calls` are stored calls; a format that takes records (`FORMATS[fmt].takes_records`,
    the calls CSV) also takes the library's flat records instead, its fast path for a
    whole library. Calls with nothing to write in `fmt` are left out and reported in
    `skipped`; when no call is left it raises ExportError in words and writes nothing.
    `progress(done, total)` is called after each file, from the calling thread.
    """
    spec = format_of(fmt)
    options = options or ExportOptions()
    items: list[Any] = list(calls)
    if not items:
        raise ExportError("Nothing to export: choose at least one call.")
    stored = all(isinstance(item, StoredCall) for item in items)
    if not stored and not (spec.takes_records and all(isinstance(i, dict) for i in items)):
        raise TypeError(f"{fmt} exports take StoredCall items, not records")
    refs = [_ref(item) for item in items]
    output = output.expanduser()
    # The layout follows the calls asked for, not the ones left: which calls have a
    # transcript must not turn a folder of files into a single file.
    paths = targets(refs, fmt, output, options)
    bare: dict[int, str] = {}  # position → why that call has nothing to write
    if spec.transcript_only:
        # Every call is checked first: no export stops half-way through its files.
        bare = {
            n: TEXT_ONLY if s.call.transcript_text else NO_TRANSCRIPT
            for n, s in enumerate(items)
            if not s.call.segments
        }
    skipped = [(refs[n], why) for n, why in bare.items()]
    kept = [n for n in range(len(items)) if n not in bare]
    if not kept:
        raise _nothing_to_write(skipped, spec)
    groups: list[tuple[Path, list[Any]]]
    if len(paths) > 1:
        groups = [(paths[n], [items[n]]) for n in kept]
        paths = [path for path, _ in groups]
    else:
        groups = [(paths[0], [items[n] for n in kept])]
    if paths[0].parent == output:
        # One file per call into a folder of their own: made now that something goes in it.
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(
                f"Cannot create the folder {output}: {exc.strerror or exc}. Choose another folder."
            ) from exc
    done = len(skipped)
    for path, group in groups:
        if spec.takes_records and stored:
            spec.write([record_from_stored(s) for s in group], path, options)
        else:
            spec.write(group, path, options)
        done += len(group)
        if progress is not None:
            progress(done, len(items))
    return ExportResult(paths=paths, skipped=skipped)
