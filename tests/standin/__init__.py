"""A local stand-in for the Ringyo and Rounded APIs (and their recording storage) for tests."""

from tests.standin import seed
from tests.standin.server import Fault, RecordedRequest, StandinServer

__all__ = ["Fault", "RecordedRequest", "StandinServer", "seed"]
