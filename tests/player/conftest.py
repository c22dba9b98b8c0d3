"""Player tests share the UI fixtures (one session-wide qasync loop)."""

from tests.ui.conftest import qloop  # noqa: F401 - a fixture, used by name
