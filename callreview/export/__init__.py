"""Exports: PDF summaries, CSV tables, JSON, SRT/WebVTT subtitles and Markdown.

No export ever contains an API key or a recording URL: the writers work from the normalized
call (which has no URL in its JSON form) and the library's review data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from callreview.domain import ExportError
from callreview.export.options import COMBINED, EXTENSIONS, FORMATS, ExportOptions
from callreview.export.text import safe_filename
from callreview.library import Library, StoredCall

__all__ = ["FORMATS", "ExportOptions", "export_calls"]

Progress = Callable[[int, int], None]


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


def export_calls(
    library: Library,
    refs: Sequence[tuple[str, str]],
    fmt: str,
    output: Path,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Export the calls; returns the files written. Raises ExportError in words."""
    from callreview.export import documents, tabular

    options = options or ExportOptions()
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    if not refs:
        raise ExportError("Nothing to export: choose at least one call.")
    output = output.expanduser()
    paths = targets(refs, fmt, output, options)
    if len(paths) > 1:
        output.mkdir(parents=True, exist_ok=True)
    groups: list[tuple[Path, Sequence[tuple[str, str]]]] = (
        [(paths[0], refs)]
        if len(paths) == 1
        else list(zip(paths, [[r] for r in refs], strict=True))
    )
    if fmt in ("srt", "vtt", "segments-csv"):
        # Check every call first: no export stops half-way through its files.
        bare = [s.call.ref for s in _load(library, refs) if not s.call.segments]
        if bare:
            listed = ", ".join(bare[:3]) + (f" and {len(bare) - 3} more" if len(bare) > 3 else "")
            raise ExportError(
                f"{listed} {'has' if len(bare) == 1 else 'have'} no transcript, so there is "
                f"nothing to write as {fmt.upper()}. Leave {'it' if len(bare) == 1 else 'them'} "
                "out, or choose PDF or CSV."
            )
    done = 0
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
    return paths
