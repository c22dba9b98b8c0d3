"""Player tests share the UI fixtures (one session-wide qasync loop)."""

from tests.ui.conftest import _cancel_leftover_tasks, _qasync_loop, qloop

__all__ = ["_cancel_leftover_tasks", "_qasync_loop", "qloop"]
