"""Network: fetching (one shared HTTP client), feed parsing, feed discovery.

The names are loaded on first use: a process that only parses feeds (a
refresh's worker processes) never imports the HTTP client.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from broadsheet.net.discover import discover_feeds
    from broadsheet.net.feeds import FeedError, parse_feed, sniff_kind
    from broadsheet.net.fetch import Fetcher, FetchError, FetchResult

_WHERE = {
    "Fetcher": "broadsheet.net.fetch",
    "FetchError": "broadsheet.net.fetch",
    "FetchResult": "broadsheet.net.fetch",
    "parse_feed": "broadsheet.net.feeds",
    "FeedError": "broadsheet.net.feeds",
    "sniff_kind": "broadsheet.net.feeds",
    "discover_feeds": "broadsheet.net.discover",
}

__all__ = [
    "Fetcher",
    "FetchError",
    "FetchResult",
    "parse_feed",
    "FeedError",
    "sniff_kind",
    "discover_feeds",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'broadsheet.net' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
