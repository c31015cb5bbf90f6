"""The keys of the screen along the bottom, drawn as one line (a light Footer)."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from broadsheet.ui.widgets.paged_list import compact_css


class KeyBar(Widget):
    """The keys of the screen along the bottom, drawn as one line.

    It looks like Textual's Footer (the same colours and spacing, the palette
    key on the right) but is one widget rather than one per key, and new
    bindings (a focus change) repaint it rather than rebuild a dozen widgets.
    """

    DEFAULT_CSS = compact_css("""
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyBar > .key-bar--separator {
        color: $foreground 20%;
    }
    """)

    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--separator"}

    def __init__(self) -> None:
        super().__init__()
        self._keys: tuple | None = None
        self._spans: list[tuple[int, int, str, bool]] = []  # (start, end, key, enabled) as painted

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen and self.app.app_focus:
            keys = self._keys_shown()
            if keys != self._keys:
                self._keys = keys
                self.refresh()

    def _keys_shown(self) -> tuple:
        """((key, display, description, enabled) per action shown, the palette key or None)."""
        app = self.app
        first: dict[str, tuple[str, str, str, bool]] = {}
        palette = None
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if binding.show and binding.action not in first:
                first[binding.action] = (binding.key, app.get_key_display(binding), binding.description, enabled)
            if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = (binding.key, app.get_key_display(binding), binding.description, enabled)
        return tuple(first.values()), palette

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y or width <= 0:
            return Strip.blank(width, base)
        if self._keys is None:
            self._keys = self._keys_shown()
        keys, palette = self._keys
        key_style = base + self.get_component_rich_style("key-bar--key", partial=True)
        text_style = base + self.get_component_rich_style("key-bar--description", partial=True)
        dim = Style(dim=True)
        blank = Style(bgcolor=base.bgcolor)  # padding and the space between the keys and the palette key
        tail: list[Segment] = []
        if palette is not None:
            # The palette key sits on the right behind a thin rule, as in Footer.
            separator = self.get_component_styles("key-bar--separator").color
            rule = Style.from_color((self.background_colors[1] + separator).rich_color)
            tail = [Segment("▏", base + rule), Segment(palette[1], key_style),
                    Segment(f" {palette[2]}", text_style), Segment(" ", blank)]
        room = width - sum(cell_len(segment.text) for segment in tail)
        segments: list[Segment] = []
        spans = []
        x = 0
        for key, display, description, enabled in keys:
            if x >= room:
                break
            pieces = [(f" {display} ", key_style), (f"{description} " if description else "", text_style)]
            start = x
            for text, style in pieces:
                if not text:
                    continue
                if not enabled:
                    style = style + dim
                cells = cell_len(text)
                if x + cells > room:
                    text = set_cell_size(text, room - x)
                    cells = room - x
                if text:
                    segments.append(Segment(text, style))
                x += cells
            spans.append((start, x, key, enabled))
        if x < room:
            segments.append(Segment(" " * (room - x), blank))
        if palette is not None and room >= 0:
            spans.append((room, width, palette[0], palette[3]))
            segments.extend(tail)
        self._spans = spans
        return Strip(segments).crop_extend(0, width, base)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
