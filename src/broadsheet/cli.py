"""The ``broadsheet`` command: the TUI by default, subcommands for scripts.

Errors are one sentence on stderr and a non-zero exit status, never a
traceback (set ``BROADSHEET_DEBUG=1`` to see one).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from broadsheet import __version__, config, settle
from broadsheet.model import iso

if TYPE_CHECKING:
    import argparse

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A failure to report as one line."""


DESCRIPTION = """\
A keyboard-driven terminal reader for news and long-form articles.

With no command, opens the reader on your library. The first run on an empty
library shows a few bundled Welcome stories, so it works offline at once.
"""

EPILOG = """\
examples:
  broadsheet                                   open the reader
  broadsheet add https://example.org/feed.xml  subscribe (feeds are found on web pages too)
  broadsheet add https://example.org/story --tag later
  broadsheet refresh                           fetch every feed
  broadsheet list --search 'tag:policing is:unread' --json
  broadsheet export --format json -o library.json
  broadsheet keys                              every action id and its keys ([keys] in config.toml)

search (every term must match):
  words, -word, "exact phrase", tag:NAME, -tag:NAME, source:NAME, is:unread, is:read,
  is:starred, has:highlights, has:notes, in:notes WORD, in:title WORD

The library is one SQLite file: --library PATH, else $BROADSHEET_LIBRARY, else
$XDG_DATA_HOME/broadsheet/library.sqlite3.
"""


def build_parser() -> argparse.ArgumentParser:
    import argparse  # here: opening the reader does not need it (see _reader_args)

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # one line, not argparse's usage block
            self.exit(EXIT_USAGE, f"broadsheet: {message} (see 'broadsheet --help').\n")

    parser = _Parser(
        prog="broadsheet",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"broadsheet {__version__}")
    parser.add_argument(
        "--library", metavar="PATH", type=Path,
        help="the library file (default: $BROADSHEET_LIBRARY or "
        f"{config.data_dir() / config.LIBRARY_FILENAME})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    add = commands.add_parser(
        "add", help="subscribe to feeds or save articles",
        description="Subscribe to a feed (RSS, Atom, JSON Feed, or a web page that advertises "
        "one), or save any other web page as a single story.",
    )
    add.add_argument("urls", nargs="+", metavar="URL",
                     help="an address; - reads addresses from standard input, one or more a line "
                     "(# starts a comment)")
    add.add_argument("--tag", action="append", default=[], metavar="TAG",
                     help="tag every story the command adds (repeatable)")

    refresh = commands.add_parser("refresh", help="fetch every feed (or the feeds named)",
                                  description="Fetch every feed at once and store new stories; "
                                  "with feeds named (ids as 'broadsheet sources' lists them, or "
                                  "addresses), only those.")
    refresh.add_argument("feeds", nargs="*", metavar="ID|URL", help="only these feeds")
    refresh.add_argument("--quiet", action="store_true", help="print only failures")

    listing = commands.add_parser("list", help="list stories, newest first",
                                  description="List stories, newest first.")
    listing.add_argument("--tag", action="append", default=[], metavar="TAG",
                         help="only stories with this tag (repeatable)")
    listing.add_argument("--unread", action="store_true", help="only unread stories")
    listing.add_argument("--search", metavar="QUERY", default="",
                         help="the search language below, e.g. 'tag:policing is:unread'")
    listing.add_argument("--limit", type=int, default=None, metavar="N",
                         help="at most N stories")
    listing.add_argument("--json", action="store_true", help="print a JSON array")

    read = commands.add_parser("read", help="print a story's clean text",
                               description="Print a story's clean text, by its id or its "
                               "address (fetching it once if the feed gave only a summary). An "
                               "address that is not in the library is read without saving it.")
    read.add_argument("story", metavar="ID|URL")
    read.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                      help="text (the default), Markdown, or JSON (the story and its document)")

    extract = commands.add_parser(
        "extract", help="print the clean text of a page (no library)",
        description="Extract the article from a web page or HTML file; the library is not used.",
    )
    extract.add_argument("target", metavar="URL|FILE")
    extract.add_argument("--format", choices=("text", "markdown", "json"), default="text")

    tag = commands.add_parser("tag", help="tag a story (or --remove tags)",
                              description="Add tags to a story, or remove them with --remove.")
    tag.add_argument("id", type=int, metavar="ID")
    tag.add_argument("tags", nargs="+", metavar="TAG")
    tag.add_argument("--remove", action="store_true", help="remove these tags instead")

    mark = commands.add_parser(
        "mark", help="mark stories read or unread, starred or not",
        description="Mark stories, by id or all that a search finds (--search '' for every "
        "story): read (the default), --unread, --star, --unstar; a read state and a star "
        "state can go together.",
    )
    mark.add_argument("ids", nargs="*", type=int, metavar="ID")
    mark.add_argument("--search", metavar="QUERY", help="every story this search finds")
    state = mark.add_mutually_exclusive_group()
    state.add_argument("--read", action="store_true", help="read (the default)")
    state.add_argument("--unread", action="store_true", help="unread")
    star = mark.add_mutually_exclusive_group()
    star.add_argument("--star", action="store_true", help="starred")
    star.add_argument("--unstar", action="store_true", help="not starred")

    annotate = commands.add_parser(
        "annotate", help="highlight a quote in a story, with a note",
        description="Highlight a passage of a story, found by its words, with an optional "
        "note. Without --quote, --note sets the note on the whole story.",
    )
    annotate.add_argument("id", type=int, metavar="ID")
    annotate.add_argument("--quote", metavar="TEXT", help="the passage to highlight")
    annotate.add_argument("--note", default=None, metavar="TEXT", help="the note to attach")
    annotate.add_argument("--color", default="yellow", metavar="COLOUR",
                          choices=("yellow", "green", "blue", "pink"),
                          help="yellow (default), green, blue or pink")

    annotations = commands.add_parser(
        "annotations", help="list highlights and notes, newest first",
        description="List every highlight and note, newest first. The search matches words "
        "in the highlight or note; tag:, source: and is: filter by story.",
    )
    annotations.add_argument("--search", metavar="QUERY", default="")
    annotations.add_argument("--json", action="store_true", help="print a JSON array")

    tags = commands.add_parser(
        "tags", help="list tags with counts; rename, merge or delete a tag",
        description="List every tag with its number of stories and unread stories, or change "
        "a tag everywhere. Renaming into an existing tag merges the two.",
    )
    tags_action = tags.add_mutually_exclusive_group()
    tags_action.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"))
    tags_action.add_argument("--delete", metavar="TAG", help="remove the tag from every story")

    export = commands.add_parser(
        "export", help="export the library, notes or feeds",
        description="json: everything (sources, stories, tags, highlights, notes), importable "
        "back without loss. markdown: one file per story with highlights, notes or tags (an "
        "Obsidian-ready folder; needs -o DIR). w3c: highlights and notes as a W3C Web "
        "Annotation collection (JSON-LD). readwise: every highlight as a CSV for Readwise's "
        "import (the story's tags as inline .tags in the note). opml: the feeds, with their "
        "tags as categories.",
    )
    export.add_argument("--format", choices=("json", "markdown", "w3c", "readwise", "opml"), default="json")
    export.add_argument("-o", "--output", type=Path, metavar="FILE|DIR",
                        help="write to FILE (or DIR for markdown) instead of standard output")

    importing = commands.add_parser(
        "import", help="import feeds, read-later exports, newsboat or a broadsheet export",
        description="Import OPML subscriptions, a Pocket, Instapaper, Omnivore, wallabag or "
        "Readwise export, broadsheet's own JSON, or newsboat's urls file, cache.db (every story "
        "it kept, with its read state) or the folder holding them (~/.newsboat). The format is "
        "guessed when not given. Importing the same file twice adds nothing twice; bad rows are "
        "reported and skipped. No network is needed.",
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="the file (or newsboat's folder)")
    importing.add_argument(
        "--format", default=None,
        choices=("opml", "json", "pocket", "instapaper", "omnivore", "wallabag", "readwise", "newsboat"),
    )
    sources = commands.add_parser(
        "sources", help="list feeds and other sources with their counts and errors",
        description="List every source (feeds, saved articles) with its id, unread and total "
        "stories, the last time it was fetched and its last error.",
    )
    sources.add_argument("--json", action="store_true", help="print a JSON array")

    unsubscribe = commands.add_parser(
        "unsubscribe", help="stop following feeds",
        description="Stop following feeds, named by their id (see 'broadsheet sources') or "
        "address. Their stories go, except those you starred, tagged, highlighted or noted: "
        "they stay, under the feed's name. 'broadsheet add' subscribes again.",
    )
    unsubscribe.add_argument("feeds", nargs="+", metavar="ID|URL")

    keys = commands.add_parser(
        "keys", help="list every action id with its keys",
        description="List every action of the reader with its id, its keys as currently "
        "mapped and what it does. To change a key, add the id to the [keys] table of "
        f"{config.config_path()}, e.g.  \"app.quit\" = \"x\"  or  \"list.down\" = \"j,ctrl+n\".",
    )
    keys.add_argument("--json", action="store_true", help="print a JSON array")
    return parser


def _reader_args(argv: Sequence[str]) -> Any | None:
    """The arguments of ``broadsheet`` and ``broadsheet --library PATH`` (the
    reader), read without building the parser of every command; None for any
    other command line, which the parser reads."""
    from types import SimpleNamespace

    if not argv:
        return SimpleNamespace(command=None, library=None)
    if len(argv) == 2 and argv[0] == "--library":
        value = argv[1]
    elif len(argv) == 1 and argv[0].startswith("--library="):
        value = argv[0][len("--library="):]
    else:
        return None
    if not value or value.startswith("-"):
        return None
    return SimpleNamespace(command=None, library=Path(value))


def main(argv: Sequence[str] | None = None) -> int:
    args = _reader_args(sys.argv[1:] if argv is None else list(argv))
    if args is None:
        args = build_parser().parse_args(argv)
    handler = HANDLERS.get(args.command or "", run_tui)
    if handler not in _SETTLED_LATER:
        settle()
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("broadsheet: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into something that stopped reading (head, less).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - one line, never a traceback
        if os.environ.get("BROADSHEET_DEBUG"):
            raise
        print(f"broadsheet: {_one_line(error)}", file=sys.stderr)
        return EXIT_ERROR


def _one_line(error: BaseException) -> str:
    from broadsheet.sanitize import clean_line

    text = clean_line(str(error), 500)
    known = error.__class__.__name__ in (
        "CommandError", "LibraryError", "ServiceError", "FullTextUnavailable", "FetchError",
        "FeedError",
    )
    if not known:
        text = f"unexpected error ({error.__class__.__name__}): {text}" if text else (
            f"unexpected error ({error.__class__.__name__})"
        )
    if text and text[-1] not in ".!?":
        text += "."
    return text


@contextmanager
def _services(args: argparse.Namespace) -> Iterator[Any]:
    from broadsheet.services import Services

    services = Services.open(
        args.library, upgrading=lambda note: print(f"broadsheet: {note}.", file=sys.stderr))
    try:
        yield services
    finally:
        services.close()


def _progress_bar(label: str) -> tuple[Callable[[int, int, str], None] | None, Any]:
    """A progress bar on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from broadsheet.sanitize import clean_line

    # Drawn when told (at most ten times a second), not by a thread of its
    # own: a refresh of many feeds forks, and only a process without other
    # threads may fork safely.
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[current]}", markup=False),
        console=Console(stderr=True), transient=True, auto_refresh=False,
    )
    task = bar.add_task(label, total=None, current="")
    drawn = [0.0]

    def update(done: int, total: int, current: str) -> None:
        bar.update(task, completed=done, total=total, current=clean_line(current, 60))
        now = time.monotonic()
        if now - drawn[0] >= 0.1 or done == total:
            drawn[0] = now
            bar.refresh()

    return update, bar


def _run_with_progress(label: str, make: Callable[[Any], Any], quiet: bool = False) -> Any:
    update, bar = (None, None) if quiet else _progress_bar(label)
    settle()  # the start is over (see broadsheet.launch)
    if bar is None:
        return asyncio.run(make(update))
    with bar:
        return asyncio.run(make(update))


# -- commands ------------------------------------------------------------------


def run_tui(args: argparse.Namespace) -> int:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise CommandError("the reader needs a terminal; see 'broadsheet --help' for commands")
    with _services(args) as services:
        services.ensure_welcome()
        # The list's count and first screenful are read from the library while
        # the interface loads (most of a start), not after it.
        services.read_list_early("", _terminal_lines())
        from broadsheet.ui.app import run_app

        run_app(services)
    return EXIT_OK


def _terminal_lines() -> int:
    try:
        return int(os.environ.get("LINES") or 0) or os.get_terminal_size(sys.stdout.fileno()).lines
    except (OSError, ValueError):
        return 50


def _addresses(urls: list[str]) -> list[str]:
    """The addresses given, with ``-`` replaced by those read from standard input."""
    out: list[str] = []
    for url in urls:
        if url != "-":
            out.append(url)
            continue
        for line in sys.stdin:
            for word in line.split():
                if word.startswith("#"):  # a comment, to the end of the line (an address may hold #)
                    break
                out.append(word)
    if not out:
        raise CommandError("no address to add (standard input held none)")
    return out


def cmd_add(args: argparse.Namespace) -> int:
    urls = _addresses(args.urls)
    with _services(args) as services:
        report = _run_with_progress(
            "Adding", lambda update: services.add(urls, args.tag, update)
        )
    print(report.summary())
    _list_failures([(o.url, o.message) for o in report.failed])
    return EXIT_ERROR if report.failed else EXIT_OK


def _list_failures(failures: list[tuple[str, str]]) -> None:
    """Every failure on a line of its own, when the summary named only some."""
    from broadsheet.services import NAMED_FAILURES

    if len(failures) > NAMED_FAILURES:
        for what, why in failures:
            print(f"  {what}: {why}")


def cmd_refresh(args: argparse.Namespace) -> int:
    with _services(args) as services:
        only = services.feeds_to_refresh(args.feeds) if args.feeds else None
        report = _run_with_progress(
            "Refreshing", lambda update: services.refresh(update, only), quiet=args.quiet
        )
    if not report.sources:
        if not args.quiet:
            print("No feeds to refresh; 'broadsheet add URL' subscribes to one.")
        return EXIT_OK
    if not args.quiet or report.failed:
        print(report.summary())
        _list_failures(report.failed)
    return EXIT_ERROR if report.failed and len(report.failed) == report.sources else EXIT_OK


def _story_json(story: Any) -> dict[str, Any]:
    return {
        "id": story.id,
        "source": story.source_title,
        "title": story.title,
        "url": story.url,
        "author": story.author,
        "published": iso(story.published),
        "fetched": iso(story.fetched),
        "read": story.read,
        "starred": story.starred,
        "tags": list(story.tags),
        "annotations": story.annotation_count,
    }


def cmd_list(args: argparse.Namespace) -> int:
    from broadsheet.humanize import ago

    terms = [args.search] if args.search else []
    terms += [f'tag:"{t}"' if " " in t else f"tag:{t}" for t in args.tag]
    if args.unread:
        terms.append("is:unread")
    query = " ".join(terms)
    with _services(args) as services:
        total = services.count_stories(query)
        limit = total if args.limit is None else max(0, args.limit)
        stories = services.stories_page(query, 0, limit)
    if args.json:
        json.dump([_story_json(s) for s in stories], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for story in stories:
        mark = " " if story.read else "*"
        tags = "  " + " ".join(f"#{t}" for t in story.tags) if story.tags else ""
        age = ago(story.when)
        print(f"{story.id:>6} {mark} {story.source_title[:20]:<20} {age:>16}  {story.title}{tags}")
    return EXIT_OK


def cmd_read(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from broadsheet.extract import to_markdown, to_text

    from broadsheet.services import FullTextUnavailable

    wanted = args.story.strip()
    is_url = wanted.lower().startswith(("http://", "https://"))
    if not wanted.isdigit() and not is_url:
        raise CommandError(f"give a story's id (see 'broadsheet list') or an http(s) address, "
                           f"not {wanted[:80]!r}")
    with _services(args) as services:
        story_id = int(wanted) if not is_url else services.story_at(wanted)
        if story_id is not None:
            story = services.story(story_id)
            try:
                document = asyncio.run(services.open_document(story_id))
            except FullTextUnavailable as error:
                print(f"broadsheet: {_one_line(error)[:-1]}; showing the feed's summary.",
                      file=sys.stderr)
                document = error.fallback
    if story_id is None:  # not in the library: read as extract reads it, nothing saved
        args.target = wanted
        return cmd_extract(args)
    if args.format == "json":
        json.dump({"story": _story_json(story), "document": document.to_json()}, sys.stdout,
                  ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    details = [d for d in (story.source_title, document.byline or story.author, iso(story.published)) if d]
    if args.format == "markdown":
        from broadsheet.model import EMPHASIS, PARAGRAPH, Block, Span

        # Under the title: where it is from, in italics, and a link to the original.
        spans = [Span(" · ".join(details), (EMPHASIS,))] if details else []
        links = list(document.links)
        if story.url:
            links.append(story.url)
            spans += [Span(" · ")] if spans else []
            spans.append(Span("original", link=len(links)))
        blocks = ([Block(PARAGRAPH, tuple(spans))] if spans else []) + list(document.blocks)
        shown = replace(document, title=document.title or story.title, blocks=blocks, links=links)
        sys.stdout.write(to_markdown(shown).rstrip("\n") + "\n")
        return EXIT_OK
    header = [document.title or story.title]
    if details:
        header.append(" · ".join(details))
    sys.stdout.write("\n".join(header) + "\n\n" + to_text(document, with_links=True) + "\n")
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from broadsheet.extract import extract_document, to_markdown, to_text

    target = args.target
    if target.lower().startswith(("http://", "https://")):
        from broadsheet.net import Fetcher

        async def fetch() -> Any:
            async with Fetcher() as fetcher:
                return await fetcher.fetch(target)

        result = asyncio.run(fetch())
        document = extract_document(result.content, result.final_url, result.content_type)
    else:
        path = Path(target)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {target}: {error.strerror or error}") from None
        document = extract_document(data, None)
    if not document.blocks:
        raise CommandError("the page has no readable article text (nothing, or only a cookie-consent "
                           "wall, menus and links)")
    if args.format == "markdown":
        sys.stdout.write(to_markdown(document).rstrip("\n") + "\n")
    elif args.format == "json":
        json.dump(document.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(to_text(document) + "\n")
    return EXIT_OK


def cmd_tag(args: argparse.Namespace) -> int:
    with _services(args) as services:
        if args.remove:
            tags = services.remove_tags(args.id, args.tags)
        else:
            tags = services.add_tags(args.id, args.tags)
    print(f"Story {args.id}: " + (", ".join(tags) if tags else "no tags"))
    return EXIT_OK


def cmd_mark(args: argparse.Namespace) -> int:
    if bool(args.ids) == (args.search is not None):
        raise CommandError("give story ids, or --search QUERY (--search '' for every story), not both")
    starred = True if args.star else False if args.unstar else None
    read = False if args.unread else True if args.read or starred is None else None
    with _services(args) as services:
        changed = services.mark(args.ids or None, args.search, read=read, starred=starred)
    states = [word for word, value in (("read", read is True), ("unread", read is False),
                                       ("starred", starred is True), ("unstarred", starred is False)) if value]
    print(f"Marked {changed} stor{'y' if changed == 1 else 'ies'} {' and '.join(states)}.")
    return EXIT_OK


def cmd_annotate(args: argparse.Namespace) -> int:
    if args.quote is None:
        if args.note is None:
            raise CommandError("give --quote TEXT to highlight, or --note TEXT for the story")
        with _services(args) as services:
            services.story(args.id)
            services.set_story_note(args.id, args.note)
        print(f"Noted story {args.id}.")
        return EXIT_OK
    from broadsheet.services import FullTextUnavailable

    with _services(args) as services:
        if services.cached_document(args.id) is None:
            try:
                asyncio.run(services.open_document(args.id))
            except FullTextUnavailable as error:  # the feed's text is kept: quote from it
                print(f"broadsheet: {_one_line(error)[:-1]}; quoting the feed's summary.",
                      file=sys.stderr)
        annotation = services.annotate_quote(args.id, args.quote, args.note or "", args.color)
    print(f"Highlighted characters {annotation.position.start}–{annotation.position.end} "
          f"of story {args.id}" + (" with a note." if annotation.note else "."))
    return EXIT_OK


def cmd_annotations(args: argparse.Namespace) -> int:
    from broadsheet.humanize import ago

    with _services(args) as services:
        rows = []
        offset = 0
        while True:
            page = services.annotations_page(args.search, offset, 500)
            rows.extend(page)
            if len(page) < 500:
                break
            offset += 500
    if args.json:
        json.dump([{
            "id": a.id, "uuid": a.uuid, "story": s.id, "title": s.title, "source": s.source_title,
            "url": s.url, "quote": a.quote.exact, "note": a.note, "color": a.color,
            "created": iso(a.created), "orphaned": a.orphaned, "tags": list(s.tags),
        } for a, s in rows], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for annotation, story in rows:
        quote = " ".join(annotation.quote.exact.split())
        print(f"{story.id:>6}  {story.title[:60]}  ({ago(annotation.created)})")
        print(f"        > {quote[:300]}")
        if annotation.note:
            print(f"        {' '.join(annotation.note.split())[:300]}")
    return EXIT_OK


def cmd_tags(args: argparse.Namespace) -> int:
    with _services(args) as services:
        if args.rename:
            old, new = args.rename
            count = services.rename_tag(old, new)
            print(f"Renamed {old} to {new} on {count} stor{'y' if count == 1 else 'ies'}.")
            return EXIT_OK
        if args.delete:
            count = services.delete_tag(args.delete)
            print(f"Removed {args.delete} from {count} stor{'y' if count == 1 else 'ies'}.")
            return EXIT_OK
        for name, stories, unread in services.tag_counts():
            print(f"{stories:>7} {unread:>7} unread  {name}")
    return EXIT_OK


def cmd_sources(args: argparse.Namespace) -> int:
    from broadsheet.humanize import ago

    with _services(args) as services:
        sources = services.sources()
    if args.json:
        json.dump([{
            "id": s.id, "kind": s.kind, "title": s.title, "url": s.url, "site_url": s.site_url,
            "unread": s.unread, "stories": s.total, "last_success": iso(s.last_success),
            "last_error": s.last_error, "polled": s.kind == "feed" and not s.state,
            "state": s.state or None,
        } for s in sources], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for source in sources:
        when = ago(source.last_success) if source.last_success else "never fetched"
        if source.kind != "feed":
            when = source.kind
        state = {"gone": "  (gone: no longer polled)", "unsubscribed": "  (unsubscribed)"}.get(
            source.state, "")
        stories = "story  " if source.total == 1 else "stories"
        print(f"{source.id:>6} {source.unread:>6} unread {source.total:>6} {stories}  "
              f"{source.title[:40]:<40}  {when}{state}")
        if source.url:
            print(f"{'':>6}  {source.url}")
        if source.last_error:
            print(f"{'':>6}  last error: {source.last_error}")
    return EXIT_OK


def cmd_unsubscribe(args: argparse.Namespace) -> int:
    from broadsheet.services import ServiceError

    failed = False
    with _services(args) as services:
        for feed in args.feeds:
            try:
                source, deleted, kept = services.unsubscribe(feed)
            except ServiceError as error:
                print(f"broadsheet: {_one_line(error)}", file=sys.stderr)
                failed = True
                continue
            line = (f"Unsubscribed from {source.title}: {deleted} "
                    f"stor{'y' if deleted == 1 else 'ies'} deleted")
            if kept:
                line += (f", {kept} kept (starred, tagged, highlighted or noted)")
            print(line + ".")
    return EXIT_ERROR if failed else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    with _services(args) as services:
        text, summary = services.export_to(args.format, args.output)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(summary, file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    update, bar = _progress_bar("Importing")
    with _services(args) as services, bar or nullcontext():
        report = services.import_file(args.file, args.format, progress=update)
    for problem in report.problems:
        print(f"broadsheet: {args.file.name}: {problem}", file=sys.stderr)
    print(report.summary())
    return EXIT_OK


def cmd_keys(args: argparse.Namespace) -> int:
    from broadsheet.ui.keys import catalogue, check_keymap

    settings = config.load_config()
    entries = catalogue()
    keymap, problems = check_keymap(settings.keys, (entry.id for entry in entries))
    for problem in settings.problems + problems:
        print(f"broadsheet: {problem}", file=sys.stderr)
    if args.json:
        rows = [
            {"id": entry.id, "keys": entry.display_keys(keymap).split(", "),
             "description": entry.description, "where": entry.contexts}
            for entry in entries
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    id_width = max(len(entry.id) for entry in entries) + 2
    key_width = max(len(entry.display_keys(keymap)) for entry in entries) + 2
    print(f"{'ID'.ljust(id_width)}{'KEYS'.ljust(key_width)}WHAT IT DOES")
    for entry in entries:
        where = ", ".join(entry.contexts)
        print(f"{entry.id.ljust(id_width)}{entry.display_keys(keymap).ljust(key_width)}"
              f"{entry.description} ({where})")
    return EXIT_OK


# Commands that resume the garbage collector themselves, once started (see
# broadsheet.launch): the network ones when their event loop starts, the reader
# once its first screen is shown.
_SETTLED_LATER = {run_tui, cmd_add, cmd_refresh}

HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": cmd_add,
    "refresh": cmd_refresh,
    "list": cmd_list,
    "read": cmd_read,
    "extract": cmd_extract,
    "tag": cmd_tag,
    "mark": cmd_mark,
    "annotate": cmd_annotate,
    "export": cmd_export,
    "import": cmd_import,
    "annotations": cmd_annotations,
    "tags": cmd_tags,
    "sources": cmd_sources,
    "unsubscribe": cmd_unsubscribe,
    "keys": cmd_keys,
}
