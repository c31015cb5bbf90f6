from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from httpserver import HTTPTestServer  # noqa: E402


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 (free port), one per test. See tests/httpserver.py."""
    with HTTPTestServer() as server:
        yield server
