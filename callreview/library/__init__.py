"""The local library: calls, recordings and review state, stored safely and searchable."""

from callreview.library.api import (
    CallQuery,
    CallRow,
    Library,
    Note,
    RawMapper,
    RecordingFile,
    Review,
    StoredCall,
)
from callreview.library.sqlite import SqliteLibrary

__all__ = [
    "CallQuery",
    "CallRow",
    "Library",
    "Note",
    "RawMapper",
    "RecordingFile",
    "Review",
    "SqliteLibrary",
    "StoredCall",
]
