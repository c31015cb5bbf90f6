"""The story list reads ahead while it is left alone: the next key finds its rows.

A real library file of 600 stories, the real app under Pilot.  The list is
given pages of 50 stories so that a few page-downs cross pages.  What is
checked: the keys read ahead for (page down, page up, G, g) then read nothing
and paint nothing themselves; only the pages those screens need are read
(bounded by the cache); no page read ahead for an old query, or before the
library changed elsewhere, is kept; a page that cannot be read is not tried
again and again; nothing is read while another screen is on top; and the
lines handed to Textual (the list's and its scrollbar's) are the ones its own
styles cache would make.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import pytest
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget

from broadsheet.library import LibraryError
from broadsheet.services import Services
from broadsheet.ui.widgets.paged_list import PagedList, ReusingScrollBar
from broadsheet.ui.widgets.story_list import MAX_CACHED_PAGES, StoryList

from uitools import SIZE, _isolated_config, make_app  # noqa: F401

STORIES = 600
PAGE = 50
BASE = datetime(2026, 11, 1, tzinfo=timezone.utc)


def title(number: int) -> str:
    return f"Story {number:04d}"


def add_stories(services: Services, numbers, source: str = "Wire") -> None:
    library = services.library
    source_id = library.bundled_source_id(source)
    for number in numbers:
        library.add_story(source_id, url=f"https://news.test/{number}", title=title(number),
                          published=BASE + timedelta(minutes=number),
                          tags=["even"] if number % 2 == 0 else [])


@pytest.fixture
def big_library(tmp_path):
    path = tmp_path / "big.sqlite3"
    services = Services.open(path)
    add_stories(services, range(STORIES))
    services.close()
    return path


@pytest.fixture(autouse=True)
def _start_soon(monkeypatch):
    # The app waits half a second after its first frame; the tests need not.
    monkeypatch.setattr(PagedList, "READ_AHEAD_START", 0.05)


async def read_ahead(pilot, stories: StoryList, timeout: float = 10.0) -> None:
    """Wait until the list has nothing more to read ahead."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    await pilot.pause()
    while stories.reading_ahead:
        assert loop.time() < end, "reading ahead never finished"
        await pilot.pause(0.02)
    await pilot.pause()


def pages_of_views(stories: StoryList) -> set[int]:
    """The pages of the screen shown and of every screen read ahead for."""
    height = stories.scrollable_content_region.height
    top = int(stories.scroll_offset.y)
    views = [(top, stories.cursor), *stories.views_ahead()]
    pages = set()
    for first, _cursor in views:
        last = min(stories.count - 1, first + height - 1)
        pages.update(range(first // stories.page_size, last // stories.page_size + 1))
    return pages


def count_own_paints(stories: StoryList) -> tuple[list[int], list[int]]:
    """Rows painted other than by reading ahead (by a key's repaint), counted;
    and the pages read ahead, in order."""
    calls, read, ahead = [0], [], [False]
    paint, step, page = stories.paint_item, stories.read_ahead_step, stories._page

    def counted(*args, **kwargs):
        calls[0] += not ahead[0]
        return paint(*args, **kwargs)

    def reading_ahead():
        ahead[0] = True
        try:
            return step()
        finally:
            ahead[0] = False

    def reading(number, need=0):
        fetched = stories.fetch_count
        rows = page(number, need)
        if ahead[0] and stories.fetch_count > fetched:
            read.append(number)
        return rows

    stories.paint_item, stories.read_ahead_step, stories._page = counted, reading_ahead, reading
    return calls, read


def own_fetches(stories: StoryList) -> int:
    """Pages read other than by reading ahead."""
    return stories.fetch_count - stories.ahead_count


async def small_pages(pilot, app, size: int = PAGE) -> StoryList:
    stories = app.screen.story_list
    stories.page_size = size
    stories.reload(keep_cursor=False)
    await read_ahead(pilot, stories)
    return stories


@asynccontextmanager
async def reader(path, page: int | None = PAGE):
    """The reader on the library at ``path``, driven by a pilot: (services, app,
    pilot, its story list), the list in pages of ``page`` stories and read
    ahead (``None``: the list as the app starts it)."""
    services = Services.open(path)
    try:
        app = make_app(services)
        async with app.run_test(size=SIZE) as pilot:
            stories = app.screen.story_list if page is None else await small_pages(pilot, app, page)
            yield services, app, pilot, stories
    finally:
        services.close()


def shows(stories: StoryList, index: int, number: int) -> bool:
    return title(number) in stories.row_plain(index)


@pytest.mark.parametrize("page", [PAGE, 20])
async def test_keys_find_their_rows_read_and_painted(big_library, page):
    async with reader(big_library, page) as (services, app, pilot, stories):
        pages = STORIES // page
        assert stories.count == STORIES
        # Only the pages of the screen and of the screens read ahead for are read.
        assert set(stories._pages) == pages_of_views(stories)
        assert {0, pages - 1} <= pages_of_views(stories) and len(stories._pages) <= 4
        paints, read = count_own_paints(stories)
        own = own_fetches(stories)
        while stories.cursor < STORIES - 1:
            fetched, painted = own_fetches(stories), paints[0]
            await pilot.press("pagedown")
            await pilot.pause()
            assert own_fetches(stories) == fetched, "the key read a page itself"
            assert paints[0] == painted, "the key painted a row itself"
            assert shows(stories, stories.cursor, STORIES - 1 - stories.cursor)
            await read_ahead(pilot, stories)
            assert pages_of_views(stories) <= set(stories._pages)
            assert len(stories._pages) <= MAX_CACHED_PAGES
            assert len(stories._painted) <= stories.MAX_PAINTED
        for key, index, number in [("g", 0, STORIES - 1), ("G", STORIES - 1, 0),
                                   ("pageup", STORIES - 1 - stories.page_items(), stories.page_items()),
                                   ("g", 0, STORIES - 1)]:
            fetched, painted = own_fetches(stories), paints[0]
            await pilot.press(key)
            await pilot.pause()
            assert stories.cursor == index
            assert shows(stories, index, number)
            assert (own_fetches(stories), paints[0]) == (fetched, painted), key
            await read_ahead(pilot, stories)
        # The keys read nothing; every page was read ahead once on the way
        # down, and only the pages of the first and last screens again, when
        # the cache (smaller than the list, in small pages) had let them go.
        assert own_fetches(stories) == own
        height = stories.scrollable_content_region.height
        ends = {*range((height - 1) // page + 1), *range((STORIES - height) // page, pages)}
        assert set(range(pages)) - ends <= set(read)
        assert all(read.count(n) == 1 for n in range(pages) if n not in ends)
        again = [n for n in read if read.count(n) > 1]
        assert (not again) if pages <= MAX_CACHED_PAGES else (again and set(again) <= ends)


async def test_a_new_query_is_read_ahead_for_itself(big_library):
    async with reader(big_library) as (services, app, pilot, stories):
        stories.action_page_down()
        # Reading ahead for the old query is due; the query changes first.
        assert stories.reading_ahead
        stories.set_query("tag:even")
        await read_ahead(pilot, stories)
        assert stories.count == STORIES // 2
        held = [story for rows in stories._pages.values() for story in rows]
        assert held and all("even" in story.tags for story in held)
        assert set(stories._pages) == pages_of_views(stories)
        fetched = own_fetches(stories)
        await pilot.press("pagedown")
        await pilot.pause()
        assert own_fetches(stories) == fetched
        cursor = stories.cursor
        assert cursor > 0 and shows(stories, cursor, STORIES - 2 - 2 * cursor)
        # And back to everything.
        stories.set_query("")
        await read_ahead(pilot, stories)
        assert stories.count == STORIES
        assert {story.id for rows in stories._pages.values() for story in rows} >= {
            story.id for story in services.stories_page("", 0, PAGE)}
        assert shows(stories, 1, STORIES - 2)


async def test_reading_ahead_stops_when_the_library_changes_elsewhere(big_library):
    async with reader(big_library) as (services, app, pilot, stories):
        # A refresh in another process adds stories: every later page is shifted.
        other = Services.open(big_library)
        add_stories(other, range(STORIES, STORIES + 5), source="Elsewhere")
        other.close()
        before, own = stories.ahead_count, own_fetches(stories)
        assert set(stories._pages) == {0, STORIES // PAGE - 1}
        await pilot.press("pagedown")
        await read_ahead(pilot, stories)
        # Page 1, needed after the next page down, was read, found out of
        # date (the library holds more stories than the list counted) and dropped.
        assert stories.ahead_count == before + 1
        assert set(stories._pages) == {0, STORIES // PAGE - 1}
        for _ in range(4):  # no more reading ahead until the list reloads: keys read for themselves
            await pilot.press("pagedown")
            await read_ahead(pilot, stories)
        assert stories.ahead_count == before + 1
        assert own_fetches(stories) == own + 2  # pages 1 and 2, as before reading ahead
        # What the screen does once the refresh is over:
        stories.reload(keep_cursor=False)
        await read_ahead(pilot, stories)
        assert stories.count == STORIES + 5
        assert shows(stories, 0, STORIES + 4)
        assert stories.ahead_count > before + 1
        assert set(stories._pages) == pages_of_views(stories)
        await pilot.press("G")
        await pilot.pause()
        assert shows(stories, STORIES + 4, 0)


async def test_nothing_is_read_ahead_under_another_screen(big_library):
    async with reader(big_library) as (services, app, pilot, stories):
        stories.action_page_down()
        stories.action_page_down()
        assert stories.reading_ahead
        fetched, held = stories.fetch_count, set(stories._pages)
        await app.push_screen(Screen())
        await pilot.pause(0.3)
        assert (stories.fetch_count, set(stories._pages)) == (fetched, held)
        app.pop_screen()
        await read_ahead(pilot, stories)  # the list reloads as its screen comes back
        assert stories.fetch_count > fetched
        assert pages_of_views(stories) <= set(stories._pages)


async def test_the_first_screen_reads_only_itself(big_library):
    async with reader(big_library, page=None) as (services, app, pilot, stories):
        await pilot.pause()
        assert stories.reading_ahead and stories.ahead_count == 0
        assert stories.fetch_count == 1 and len(stories._pages[0]) < stories.page_size
        await read_ahead(pilot, stories)
        # The first screen was read with a few rows to spare (enough for the
        # first page down); the last page is read ahead for G.
        assert stories.ahead_count == 1 and set(stories._pages) == {0, (STORIES - 1) // stories.page_size}
        await pilot.press("pagedown")
        await read_ahead(pilot, stories)
        assert stories.ahead_count == 2 and len(stories._pages[0]) == stories.page_size


@pytest.mark.parametrize("padding", [None, (0, 1)])
async def test_lines_are_those_of_textuals_styles_cache(big_library, padding):
    async with reader(big_library) as (services, app, pilot, stories):
        if padding is not None:
            stories.styles.padding = padding
            await pilot.pause()
        assert (stories._finisher() is None) == (padding is not None)
        for keys in [(), ("j", "j"), ("pagedown",), ("G",), ("k",)]:
            await pilot.press(*keys)
            await read_ahead(pilot, stories)
            crop = stories.size.region
            ours = stories.render_lines(crop)
            stories._styles_cache.clear()
            textuals = Widget.render_lines(stories, crop)
            assert len(ours) == len(textuals) == stories.size.height
            for mine, theirs in zip(ours, textuals):
                assert list(mine) == list(theirs)
            part = crop.crop_size((20, 5)).translate((3, 2))
            assert [list(s) for s in stories.render_lines(part)] == [
                list(s) for s in Widget.render_lines(stories, part)]


async def test_the_scrollbar_lines_are_textuals(big_library):
    async with reader(big_library) as (services, app, pilot, stories):
        bar = stories.vertical_scrollbar
        assert isinstance(bar, ReusingScrollBar) and bar.display and bar.size.height > 10

        def textuals() -> list[list]:
            bar._dirty_regions.add(bar.size.region)
            bar._styles_cache.clear()
            return [list(strip) for strip in Widget.render_lines(bar, bar.size.region)]

        seen = set()
        for keys, hover in [((), False), (("pagedown",), False), (("pagedown",), True),
                            (("j",) * 3, False), (("G",), False), (("pageup",), True), (("g",), False)]:
            await pilot.press(*keys)
            bar.mouse_over = hover
            await pilot.pause()
            ours = [list(strip) for strip in bar.render_lines(bar.size.region)]
            assert ours == textuals()
            seen.add(tuple(map(tuple, ours)))
            part = Region(0, 2, 1, 5)
            assert [list(s) for s in bar.render_lines(part)] == textuals()[2:7]
        assert len(seen) >= 4  # the thumb at the top, further down, at the end; hovered
        assert len(bar._lines) < 40  # a handful of lines, kept


async def test_a_page_that_cannot_be_read_ahead_stops_reading_ahead(big_library, monkeypatch):
    async with reader(big_library) as (services, app, pilot, stories):
        before, held = stories.ahead_count, set(stories._pages)

        def broken(query, offset, limit):
            raise LibraryError("The library file cannot be read.")

        monkeypatch.setattr(services, "stories_page", broken)
        await pilot.press("pagedown")
        await read_ahead(pilot, stories)
        # Tried once, kept nothing, said nothing (the key that needs it reads
        # for itself and reports), and no retrying step after step.
        assert stories.ahead_count == before + 1
        assert set(stories._pages) == held and stories.error is None
        await pilot.press("k")
        await read_ahead(pilot, stories)
        assert stories.ahead_count == before + 1
        monkeypatch.undo()
        stories.reload(keep_cursor=True)
        await read_ahead(pilot, stories)
        assert stories.ahead_count > before + 1
        assert pages_of_views(stories) <= set(stories._pages)


async def test_a_slow_page_stops_reading_ahead_but_is_kept(big_library, monkeypatch):
    async with reader(big_library) as (services, app, pilot, stories):
        before = stories.ahead_count
        # Every page now counts as slow (a costly search): one page is read
        # ahead and kept, then the keys read for themselves.
        monkeypatch.setattr(StoryList, "SLOW_PAGE", -1.0)
        await pilot.press("pagedown")
        await read_ahead(pilot, stories)
        assert stories.ahead_count == before + 1
        kept = set(stories._pages)
        await pilot.press("pagedown", "pagedown")
        await read_ahead(pilot, stories)
        assert stories.ahead_count == before + 1
        assert kept <= set(stories._pages)
        # A reload (a new search) tries again.
        stories.reload(keep_cursor=True)
        await read_ahead(pilot, stories)
        assert stories.ahead_count == before + 2
