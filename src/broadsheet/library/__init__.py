"""The library file: sources, stories, tags, annotations and search, in SQLite."""

from broadsheet.library.query import Query, parse_query
from broadsheet.library.store import FeedState, FeedUpdate, Library, LibraryError

__all__ = ["FeedState", "FeedUpdate", "Library", "LibraryError", "Query", "parse_query"]
