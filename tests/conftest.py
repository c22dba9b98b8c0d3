"""Shared fixtures: Qt offscreen, one session-wide qasync loop, the stand-in server."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.standin import StandinServer, seed

settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

RINGYO_KEY = "rg_test_4f9c2e1d8b7a"
ROUNDED_KEY = "rnd_test_9a8b7c6d5e4f"


@pytest.fixture(scope="session")
def standin() -> Iterator[StandinServer]:
    """One seeded stand-in server for the whole session (tests reset what they change)."""
    server = seed.seeded_server(n_each=20, ringyo_key=RINGYO_KEY, rounded_key=ROUNDED_KEY)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(standin: StandinServer) -> Iterator[StandinServer]:
    """The session server with a clean request log and default switches."""
    standin.clear_requests()
    standin.clear_faults()
    standin.latency = 0.0
    standin.ringyo_envelope = False
    standin.recording_ttl = 3600
    yield standin
    standin.latency = 0.0
    standin.ringyo_envelope = False
    standin.clear_faults()
    standin.clear_requests()
