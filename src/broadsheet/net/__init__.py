"""Network: fetching (one shared HTTP client), feed parsing, feed discovery."""

from broadsheet.net.discover import discover_feeds
from broadsheet.net.feeds import FeedError, parse_feed, sniff_kind
from broadsheet.net.fetch import Fetcher, FetchError, FetchResult

__all__ = [
    "Fetcher",
    "FetchError",
    "FetchResult",
    "parse_feed",
    "FeedError",
    "sniff_kind",
    "discover_feeds",
]
