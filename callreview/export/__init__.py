"""Exports: PDF summaries, CSV tables, JSON, SRT/WebVTT subtitles and Markdown.

No export ever contains an API key or a recording URL: the writers work from the normalized
call (which has no URL in its JSON form) and the library's review data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from callreview.domain import ExportError
from callreview.export.options import (
    COMBINED,
    EXTENSIONS,
    FORMATS,
    ExportOptions,
    ignored_options,
    options_for,
)
from callreview.export.text import safe_filename
from callreview.library import Library, StoredCall

__all__ = [
    "FORMATS",
    "ExportOptions",
    "ExportResult",
    "export_calls",
    "ignored_options",
    "options_for",
]

Progress = Callable[[int, int], None]
# Formats made of transcript lines only: a call without any has nothing to write.
TRANSCRIPT_ONLY = frozenset({"srt", "vtt", "segments-csv"})
NO_TRANSCRIPT = "no transcript"
TEXT_ONLY = "a transcript without lines"  # one block of text (Rounded's transcript_string)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export did: the files it wrote, and the calls it left out with the reason."""

    paths: list[Path]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # ("provider:call_id", why)


def _load(library: Library, refs: Sequence[tuple[str, str]]) -> list[StoredCall]:
    calls = []
    for provider, call_id in refs:
        stored = library.get(provider, call_id)
        if stored is None:
            raise ExportError(f"The library has no call {provider}:{call_id}.")
        calls.append(stored)
    return calls


def targets(
    refs: Sequence[tuple[str, str]], fmt: str, output: Path, options: ExportOptions
) -> list[Path]:
    """Where an export will write: one file, or one file per call inside a folder."""
    per_call = options.one_file_per_call or fmt not in COMBINED
    ext = EXTENSIONS[fmt]
    if per_call and (output.is_dir() or len(refs) > 1 or not output.suffix):
        if output.exists() and not output.is_dir():
            raise ExportError(f"{output} is a file; one file per call needs a folder.")
        return [output / f"{safe_filename(f'{p}_{c}')}.{ext}" for p, c in refs]
    if output.is_dir():
        return [
            output / f"calls.{ext}"
            if len(refs) > 1
            else output / f"{safe_filename(f'{refs[0][0]}_{refs[0][1]}')}.{ext}"
        ]
    return [output]


def _nothing_to_write(skipped: list[tuple[str, str]], fmt: str) -> ExportError:
    label = fmt.upper() if fmt != "segments-csv" else "a segments CSV"
    if len(skipped) == 1:
        ref, why = skipped[0]
        return ExportError(
            f"{ref} has {why}, so there is nothing to write as {label}. "
            "Choose PDF, CSV or JSON for it."
        )
    listed = ", ".join(ref for ref, _why in skipped[:3])
    more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    return ExportError(
        f"None of the {len(skipped)} calls has transcript lines ({listed}{more}), so there "
        f"is nothing to write as {label}. Choose PDF, CSV or JSON for them."
    )


def export_calls(
    library: Library,
    refs: Sequence[tuple[str, str]],
    fmt: str,
    output: Path,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Export the calls that have something to write in `fmt`; report the others in
    `skipped`. Raises ExportError in words, and writes nothing, when no call is left."""
    from callreview.export import documents, tabular

    options = options or ExportOptions()
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    if not refs:
        raise ExportError("Nothing to export: choose at least one call.")
    output = output.expanduser()
    # The layout follows the calls asked for, not the ones left: which calls have a
    # transcript must not turn a folder of files into a single file.
    paths = targets(refs, fmt, output, options)
    bare: dict[tuple[str, str], str] = {}  # call → why it has nothing to write
    if fmt in TRANSCRIPT_ONLY:
        # Check every call first: no export stops half-way through its files.
        bare = {
            (s.call.provider, s.call.call_id): TEXT_ONLY
            if s.call.transcript_text
            else NO_TRANSCRIPT
            for s in _load(library, refs)
            if not s.call.segments
        }
    skipped = [(f"{p}:{c}", bare[(p, c)]) for p, c in refs if (p, c) in bare]
    kept = [ref for ref in refs if ref not in bare]
    if not kept:
        raise _nothing_to_write(skipped, fmt)
    groups: list[tuple[Path, Sequence[tuple[str, str]]]]
    if len(paths) > 1:
        paths = [path for path, ref in zip(paths, refs, strict=True) if ref not in bare]
        groups = [(path, [ref]) for path, ref in zip(paths, kept, strict=True)]
    else:
        groups = [(paths[0], kept)]
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
        if fmt == "csv":
            tabular.write_calls_csv(library.iter_records(group), path, options)
        else:
            calls = _load(library, group)
            if fmt == "segments-csv":
                tabular.write_segments_csv(calls, path, options)
            elif fmt == "json":
                documents.write_json(calls, path, options)
            elif fmt == "srt":
                documents.write_srt(calls[0], path, options)
            elif fmt == "vtt":
                documents.write_vtt(calls[0], path, options)
            elif fmt == "md":
                documents.write_markdown(calls, path, options)
            elif fmt == "pdf":
                from callreview.export.pdf import write_pdf

                write_pdf(calls, path, options)
        done += len(group)
        if progress is not None:
            progress(done, len(refs))
    return ExportResult(paths=paths, skipped=skipped)
