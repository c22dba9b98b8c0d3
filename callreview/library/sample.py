"""The bundled sample library: provider JSON and real speech recordings, imported on demand."""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from callreview.domain import StorageError
from callreview.library.api import Library, RecordingFile

SAMPLE_ACCOUNT = "sample"


def sample_root() -> Traversable:
    """The installed copy (`callreview.resources`), or the checkout's `resources/` folder."""
    try:
        return resources.files("callreview.resources").joinpath("sample")
    except ModuleNotFoundError:
        # Running from a source checkout, where `callreview` is imported from the work tree.
        return Path(__file__).resolve().parents[2] / "resources" / "sample"


def import_sample(library: Library, root: Traversable | Path | None = None) -> int:
    """Copy every sample call (and its recording) into `library`; the source is only read."""
    from callreview.providers.registry import map_raw_call  # schemas load on first use

    root = root or sample_root()
    try:
        manifest = json.loads(root.joinpath("manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StorageError(f"The bundled sample library is missing or damaged: {exc}") from exc
    count = 0
    for entry in manifest["calls"]:
        provider, call_id = entry["provider"], entry["call_id"]
        raw = json.loads(root.joinpath(entry["file"]).read_text(encoding="utf-8"))
        parts = frozenset({"transcript", "recording", "analysis"})
        library.save_call(map_raw_call(provider, raw, parts), SAMPLE_ACCOUNT)
        count += 1
        if entry.get("recording"):
            source = root.joinpath(entry["recording"])
            target = library.recording_path(provider, call_id, "ogg")
            with source.open("rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            data = target.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry["recording_sha256"]:
                target.unlink(missing_ok=True)
                raise StorageError(f"The sample recording {entry['recording']} is damaged.")
            library.set_recording(
                provider,
                call_id,
                RecordingFile(
                    target, len(data), digest, "audio/ogg", entry.get("recording_duration_ms")
                ),
            )
    return count


def make_demo_dir() -> Path:
    """A new temporary data folder holding a fresh copy of the sample library."""
    import tempfile

    from callreview.library.sqlite import SqliteLibrary

    data_dir = Path(tempfile.mkdtemp(prefix="callreview-demo-"))
    library = SqliteLibrary(data_dir)
    try:
        import_sample(library)
    finally:
        library.close()
    return data_dir
