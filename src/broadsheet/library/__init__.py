"""The library file: sources, stories, tags, annotations and search, in SQLite."""

from broadsheet.library.query import Query, parse_query
from broadsheet.library.store import FeedState, Library, LibraryError

__all__ = ["FeedState", "Library", "LibraryError", "Query", "parse_query"]
