"""Property tests (hypothesis) for the parsers of untrusted input."""
