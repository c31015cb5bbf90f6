"""Opening the reader: what its first screen loads, and the shortcuts its start takes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.css.tokenize import tokenize

from broadsheet import cli
from broadsheet.services import Services
from broadsheet.ui.themes import VARIABLE_DEFAULTS
from broadsheet.ui.widgets.key_bar import KeyBar
from broadsheet.ui.widgets.paged_list import compact_css
from broadsheet.ui.widgets.story_list import StoryList
from broadsheet.ui.widgets.tag_sidebar import TagSidebar

from uitools import NOW, _isolated_config, library, settle  # noqa: F401

UI = Path(cli.__file__).parent / "ui"

# Nothing of the network, the extractor, the importers or the reader is needed
# to show the list; the reader is loaded a moment after it is up.
NOT_FOR_THE_LIST = (
    "httpx", "lxml", "readability", "feedparser", "trafilatura",
    "broadsheet.net", "broadsheet.extract", "broadsheet.exchange",
    "broadsheet.ui.screens.reader_screen", "broadsheet.ui.widgets.reader_view",
    "argparse",
)


def test_the_first_screen_loads_no_network_extraction_or_reader_code(library):
    code = textwrap.dedent(f"""
        import asyncio, sys
        from broadsheet import cli
        args = cli._reader_args(["--library", {str(library)!r}])
        from broadsheet.config import Config
        from broadsheet.services import Services
        services = Services.open(args.library)
        services.ensure_welcome()
        services.read_list_early("", 40)
        from broadsheet.ui.app import BroadsheetApp
        app = BroadsheetApp(services, Config())
        async def main():
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                assert app.screen.story_list.count > 0 and app.screen.sidebar_visible
                print(" ".join(sorted(sys.modules)))
        asyncio.run(main())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "broadsheet.ui.screens.list_screen" in loaded  # the check sees the app's modules
    unwanted = sorted(name for name in loaded
                      if any(name == bad or name.startswith(bad + ".") for bad in NOT_FOR_THE_LIST))
    assert unwanted == []


def test_the_reader_resumes_the_collector_once_its_first_screen_is_shown(library):
    # broadsheet.launch.run pauses it for the start (see broadsheet.settle).
    code = textwrap.dedent(f"""
        import asyncio, gc
        gc.disable()
        from broadsheet.config import Config
        from broadsheet.services import Services
        from broadsheet.ui.app import BroadsheetApp
        services = Services.open({str(library)!r})
        app = BroadsheetApp(services, Config())
        app.settle_memory = True  # as run_app sets it
        async def main():
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                print(app.screen.story_list.count > 0, gc.isenabled())
        asyncio.run(main())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


@pytest.mark.parametrize("argv", [[], ["--library", "x.sqlite3"], ["--library=y/z.sqlite3"]])
def test_the_reader_arguments_read_without_the_parser_are_the_parsers(argv):
    quick = cli._reader_args(argv)
    parsed = cli.build_parser().parse_args(argv)
    assert quick is not None
    assert (quick.command, quick.library) == (parsed.command, parsed.library)


@pytest.mark.parametrize("argv", [
    ["list"], ["--library", "x", "list"], ["--library"], ["--library="], ["--library", "-x"],
    ["--lib", "x"], ["--help"], ["--version"], ["x"],
])
def test_every_other_command_line_goes_to_the_parser(argv):
    assert cli._reader_args(argv) is None


def test_the_list_read_early_answers_the_first_count_and_page_once(library):
    services = Services.open(library)
    try:
        total = services.library.count_stories("")
        first = [story.id for story in services.library.stories("", 0, 4)]
        assert total >= 4
        services.read_list_early("", 4)
        assert services.count_stories("") == total
        assert [story.id for story in services.stories_page("", 0, 3)] == first[:3]
        # Used once: what is asked afterwards comes from the library as it is now.
        services.set_read(first[0], True)
        assert services.stories_page("", 0, 1)[0].read
        assert services.count_stories("is:unread") == services.library.count_stories("is:unread")
    finally:
        services.close()


def test_the_list_read_early_is_not_used_for_another_list(library):
    services = Services.open(library)
    try:
        services.read_list_early("is:read", 4)  # nothing is read yet
        assert services.count_stories("") == services.library.count_stories("") > 0
        assert len(services.stories_page("", 0, 2)) == 2
    finally:
        services.close()


def _tokens(css: str) -> int:
    return sum(1 for _ in tokenize(css, ("test", "")))


def _rules(css: str) -> str:
    variables = {**App().get_css_variables(), **VARIABLE_DEFAULTS}
    sheet = Stylesheet(variables=variables)
    sheet.add_source(css, read_from=("test", ""))
    sheet.parse()
    return sheet.css


@pytest.mark.parametrize("source, compacted", [
    ((UI / "widgets" / "story_list.tcss").read_text(encoding="utf-8"), StoryList.DEFAULT_CSS),
    ((UI / "widgets" / "tag_sidebar.tcss").read_text(encoding="utf-8"), TagSidebar.DEFAULT_CSS),
    ((UI / "screens" / "list_screen.tcss").read_text(encoding="utf-8"), None),
], ids=["story_list", "tag_sidebar", "list_screen"])
def test_compacted_styles_are_the_same_rules(source, compacted):
    compacted = compact_css(source) if compacted is None else compacted
    assert _tokens(compacted) < _tokens(source) * 0.7
    assert _rules(compacted) == _rules(source)


def test_compacting_keeps_the_spaces_that_mean_something():
    css = "A :focus > .b {\n    padding: 0 1;  /* two values */\n}\nB:hover > C { color: red 50%; }"
    assert compact_css(css) == "A :focus > .b{padding:0 1;}B:hover > C{color:red 50%;}"
    assert _rules(compact_css(KeyBar.DEFAULT_CSS)) == _rules(KeyBar.DEFAULT_CSS)


async def test_what_a_start_keeps_gives_the_next_the_same_screen(library, tmp_path, monkeypatch):
    import textual.css.stylesheet as stylesheet_module

    from broadsheet.config import Config
    from broadsheet.ui import themes
    from broadsheet.ui.app import BroadsheetApp

    parsed: list[str] = []
    real_parse = stylesheet_module.parse

    def counting_parse(scope, css, read_from, *args, **kwargs):
        parsed.append(str(read_from))
        return real_parse(scope, css, read_from, *args, **kwargs)

    built: list[str] = []
    real_load = themes.load_theme_named

    def counting_load(name, dirs=None):
        built.append(name)
        return real_load(name, dirs)

    monkeypatch.setattr(stylesheet_module, "parse", counting_parse)
    monkeypatch.setattr(themes, "load_theme_named", counting_load)
    services = Services.open(library)
    folder = tmp_path / "cache"
    shots, parses, builds = [], [], []
    try:
        for keep in (False, True, True):
            parsed.clear()
            built.clear()
            app = BroadsheetApp(services, Config(theme="broadsheet-light"), clock=lambda: NOW,
                                cache_dir=folder if keep else None)
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(app, pilot)
                shots.append(app.export_screenshot())
                parses.append(len(parsed))
                builds.append(len(built))
            app.save_parsed_styles()
    finally:
        services.close()
    assert shots[0] == shots[1] == shots[2]
    assert app.theme == "broadsheet-light"
    assert parses[0] == parses[1] > 10 and builds[0] == builds[1] == 1  # nothing kept yet
    assert parses[2] == 0 and builds[2] == 0  # the next start builds and parses nothing
    kept = sorted(path.name.split("-")[0] for path in folder.iterdir())
    assert kept == ["styles", "theme"]
    assert all(path.stat().st_mode & 0o077 == 0 for path in folder.iterdir())


def test_a_kept_styles_file_others_can_write_is_not_read(tmp_path):
    from broadsheet.ui.app import ParsedStyles

    folder = tmp_path / "cache"
    sheet = Stylesheet(variables={})
    sheet.add_source("A{color:red;}", read_from=("test", ""))
    sheet.parse()
    ParsedStyles(folder, {}).save_from(sheet)
    (kept,) = folder.glob("styles-*.pickle")
    fresh = Stylesheet(variables={})
    ParsedStyles(folder, {}).load_into(fresh)
    assert len(fresh._parse_cache) == 1
    kept.chmod(0o666)
    fresh = Stylesheet(variables={})
    ParsedStyles(folder, {}).load_into(fresh)
    assert len(fresh._parse_cache) == 0


def test_a_theme_file_changed_since_the_last_start_is_read_again(library, tmp_path):
    import shutil

    from broadsheet.config import Config, bundled_themes_dir
    from broadsheet.ui.app import BroadsheetApp

    themes_dir = tmp_path / "themes"
    shutil.copytree(bundled_themes_dir(), themes_dir)
    folder = tmp_path / "cache"
    services = Services.open(library)
    try:
        def start() -> BroadsheetApp:
            return BroadsheetApp(services, Config(theme="broadsheet-light"), theme_dirs=[themes_dir],
                                 cache_dir=folder)

        first = start()
        assert start().current_theme == first.current_theme  # kept, and the same
        light = next(path for path in themes_dir.glob("*.toml")
                     if 'name = "broadsheet-light"' in path.read_text(encoding="utf-8"))
        text = light.read_text(encoding="utf-8")
        primary = next(line for line in text.splitlines() if line.startswith("primary"))
        light.write_text(text.replace(primary, 'primary = "#123456"'), encoding="utf-8")
        changed = start()
        assert changed.current_theme.primary.lower() == "#123456"
        assert changed.theme_variables["primary"].lower() == "#123456"
    finally:
        services.close()
