"""Every key binding of broadsheet, by id, and checking a user's ``[keys]`` table.

The bindings live in the ``BINDINGS`` of the app, its screens and widgets;
this module gathers them (for ``broadsheet keys``, the command palette and
config checking) so there is one place that knows them all.
"""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_TO_UNICODE_NAME, Keys, _character_to_key, format_key

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
_NAMED_KEYS = {key.value for key in Keys if "+" not in key.value and not key.value.startswith("<")}

# Where a binding applies, by the class that declares it (shown by ``broadsheet keys``).
_CONTEXTS = {
    "BroadsheetApp": "everywhere",
    "ListScreen": "list",
    "StoryList": "list",
    "TagSidebar": "tags sidebar",
    "ReaderScreen": "reader",
    "ReaderView": "reader",
    "AnnotationsScreen": "annotations",
    "AnnotationList": "annotations",
    "HelpScreen": "help",
    "NoteEditor": "note editor",
    "TagEditor": "tag editor",
    "AddDialog": "add dialog",
    "RenameTag": "rename dialog",
    "Confirm": "confirmation",
    "SourcesScreen": "sources",
    "FileDialog": "file dialog",
    "LinksScreen": "links",
    "FindBar": "find in the story",
}

# Longer words than the footer has room for: for `broadsheet keys`, `?` and the palette.
DESCRIPTIONS = {
    "app.command_palette": "Open the command palette",
    "app.help": "Show the keys of this screen",
    "app.annotations": "Every highlight and note in the library",
    "app.quit": "Quit broadsheet",
    "app.sources": "Sources: unread counts, last success, last error",
    "app.mark_all_read": "Mark every story in the list (as filtered) read",
    "list.add": "Add a feed or save an article",
    "list.bottom": "Go to the last story",
    "list.top": "Go to the first story",
    "list.clear_search": "Clear the search",
    "list.down": "Next story",
    "list.up": "Previous story",
    "list.open_browser": "Open the story in the browser",
    "list.page_down": "Page down",
    "list.page_up": "Page up",
    "list.read": "Read the story",
    "list.refresh": "Refresh every feed",
    "list.search": "Search (words, \"phrase\", tag:, source:, is:unread …)",
    "list.sidebar": "Show or focus the tags sidebar",
    "list.tags": "Edit the story's tags",
    "list.toggle_read": "Mark read or unread",
    "list.toggle_star": "Star or unstar",
    "sidebar.filter": "Show the stories with this tag",
    "sidebar.rename": "Rename or merge the tag",
    "sidebar.delete": "Remove the tag from every story",
    "sidebar.down": "Next tag",
    "sidebar.up": "Previous tag",
    "reader.annotate": "Highlight and write a note",
    "reader.back": "Back to the list",
    "reader.bottom": "Go to the end",
    "reader.top": "Go to the top",
    "reader.copy_link": "Copy the story's link",
    "reader.cycle_color": "Change the highlight's colour",
    "reader.delete_highlight": "Delete the highlight (z undoes)",
    "reader.down": "Next paragraph (with a selection: take in the next sentence)",
    "reader.up": "Previous paragraph (with a selection: drop its last sentence; the first stays)",
    "reader.edit_note": "Edit the highlight's note",
    "reader.highlight": "Highlight the selection or sentence",
    "reader.next_highlight": "Next highlight",
    "reader.previous_highlight": "Previous highlight",
    "reader.next_story": "Next story",
    "reader.previous_story": "Previous story",
    "reader.open_browser": "Open the story in the browser",
    "reader.links": "The story's links: open, save to read later, copy",
    "reader.find": "Find in the story (enter: next match, escape: close)",
    "find.next": "Next match (enter too)",
    "find.previous": "Previous match",
    "find.close": "Close the find; the cursor stays on the match",
    "reader.page_down": "Page down",
    "reader.page_up": "Page up",
    "reader.select": "Select a sentence: the paragraph's first, or the one a find ended on (j/k then grow or shrink it)",
    "reader.story_note": "Note on the whole story",
    "reader.tags": "Edit the story's tags",
    "reader.toggle_read": "Mark read or unread",
    "reader.toggle_star": "Star or unstar",
    "reader.undo_delete": "Undo the last delete",
    "annotations.open": "Open the story at this highlight",
    "annotations.search": "Filter highlights and notes",
    "annotations.back": "Back",
    "sources.open": "Show this source's stories",
    "sources.errors": "Show only failing sources",
    "sources.back": "Back",
    "sources.unsubscribe": "Unsubscribe from the feed (starred, tagged, noted stories stay)",
    "sources.refresh": "Fetch this feed now",
    "links.open": "Open the link (in the reader when it is in the library, else the browser)",
    "links.save": "Save the linked page to the library, to read later",
    "links.copy": "Copy the link's address",
    "links.back": "Back to the story",
    "links.down": "Next link",
    "links.up": "Previous link",
}


def describe(binding: Binding) -> str:
    """The longer description of a binding, else its footer label."""
    return DESCRIPTIONS.get(binding.id or "", "") or binding.description or binding.action


@dataclass
class KeyAction:
    """One binding id: its default keys, what it does and where."""

    id: str
    action: str
    description: str
    keys: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)

    def display_keys(self, keymap: Mapping[str, str] | None = None) -> str:
        keys = normalize_keys(keymap[self.id]) if keymap and self.id in keymap else self.keys
        return ", ".join(format_key(key) for key in keys)


def _binding_classes() -> list[type[DOMNode]]:
    """Every broadsheet class under ``broadsheet.ui`` that declares BINDINGS."""
    import broadsheet.ui as package

    classes: list[type[DOMNode]] = []
    seen: set[type] = set()
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, DOMNode)
                    and value.__module__ == module.__name__ and value not in seen
                    and "BINDINGS" in vars(value)):
                seen.add(value)
                classes.append(value)
    return classes


def catalogue() -> list[KeyAction]:
    """Every binding id with its default keys, ordered by where it applies, then id."""
    actions: dict[str, KeyAction] = {}
    for cls in _binding_classes():
        context = _CONTEXTS.get(cls.__name__, cls.__name__)
        for binding in Binding.make_bindings(vars(cls)["BINDINGS"]):
            if not binding.id or binding.system:
                continue
            entry = actions.setdefault(
                binding.id, KeyAction(binding.id, binding.action, describe(binding))
            )
            if binding.key not in entry.keys:
                entry.keys.append(binding.key)
            if context not in entry.contexts:
                entry.contexts.append(context)
    order = list(dict.fromkeys(_CONTEXTS.values()))

    def rank(entry: KeyAction) -> tuple[int, str]:
        first = entry.contexts[0] if entry.contexts else ""
        return (order.index(first) if first in order else len(order), entry.id)

    return sorted(actions.values(), key=rank)


def normalize_keys(keys: str) -> list[str]:
    """``"?, ctrl+x"`` -> ``["question_mark", "ctrl+x"]`` (Textual's key names)."""
    result = []
    for key in keys.split(","):
        key = key.strip()
        if len(key) == 1:
            key = _character_to_key(key)
        result.append(key)
    return result


def key_problem(key: str) -> str | None:
    """Why ``key`` (one key, Textual's naming) cannot be pressed, or None."""
    if not key:
        return "an empty key"
    *mods, base = key.split("+")
    for mod in mods:
        if mod not in MODIFIERS:
            return f"unknown modifier {mod!r}"
    if len(mods) != len(set(mods)):
        return "a modifier given twice"
    if len(base) == 1:
        return None if base.isprintable() and not base.isspace() else "not a printable key"
    if base in _NAMED_KEYS:
        return None
    name = KEY_TO_UNICODE_NAME.get(base, base.replace("_", " ").upper())
    try:
        unicodedata.lookup(name)
    except KeyError:
        return "not a key name"
    return None


def check_keymap(keymap: Mapping[str, str], known: Iterable[str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Split a ``[keys]`` table into what can be applied and one problem per bad entry."""
    ids = set(known) if known is not None else {entry.id for entry in catalogue()}
    good: dict[str, str] = {}
    problems: list[str] = []
    for ident, keys in keymap.items():
        if ident not in ids:
            problems.append(f"[keys] {ident!r} is not an action id (see 'broadsheet keys'); ignored.")
            continue
        bad = [(key, reason) for key in normalize_keys(keys) if (reason := key_problem(key))]
        if bad:
            key, reason = bad[0]
            problems.append(f"[keys] {ident} = {keys!r}: {key!r} is {reason}; the default keys stay.")
            continue
        good[ident] = ",".join(normalize_keys(keys))
    return good, problems
