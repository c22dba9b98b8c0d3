"""What the first bytes of a file say it is: audio by its signature, or a description of it."""

from __future__ import annotations

# How many first bytes of a download are held back and checked before anything is written.
SNIFF_BYTES = 64
MIN_SNIFF = 12  # the longest fixed signature below (RIFF....WAVE)


def sniff_audio(head: bytes) -> str | None:
    """The audio container the first bytes announce, or None when they are not audio.

    Looks at the bytes, never at a Content-Type: MP3 (ID3 tag or an MPEG audio frame header),
    AAC (ADTS), WAV (RIFF/RF64/BW64 WAVE), OGG, FLAC, MP4/M4A (`ftyp`) and WebM/Matroska (EBML).
    """
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3":
        return "mp3"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if len(head) >= 3 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
        if layer == 0:  # ADTS: MPEG-2/4 AAC in a frame-synced stream
            return "aac" if head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0xF < 13 else None
        bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
        if version != 1 and bitrate != 15 and rate != 3:  # none of the reserved values
            return "mp3"
    return None


def describe_content(head: bytes) -> str:
    """What the first bytes of a body that is not audio look like, for an error message."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "nothing (an empty body)"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")) or any(
        tag in text for tag in (b"<html", b"<head", b"<body", b"<title", b"<script")
    ):
        return "an HTML page"
    if text.startswith(b"<"):
        return "an XML document"
    if text[:1] in (b"{", b"["):
        return "a JSON document"
    for magic, what in (
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x1f\x8b", "gzip-compressed data"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
    ):
        if head.startswith(magic):
            return what
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        decoded = None
    if decoded is not None and all(c.isprintable() or c in "\t\r\n" for c in decoded):
        return "plain text"
    return f"unrecognised bytes (starting {head[:8].hex(' ')})"
