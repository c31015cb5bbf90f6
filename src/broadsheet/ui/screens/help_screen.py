"""Every key of the screen below, as it is mapped now."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from broadsheet.ui.keys import describe


# Inherited horizontal scrolling: broadsheet's views wrap and never scroll sideways.
HIDDEN_ACTIONS = {"scroll_left", "scroll_right", "page_left", "page_right"}


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help_screen.tcss"

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target

    def rows(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for every active binding of the target screen."""
        grouped: dict[tuple, list[str]] = {}
        info: dict[tuple, tuple[str, str]] = {}
        for key, active in self.target.active_bindings.items():
            binding = active.binding
            if binding.system or binding.action in HIDDEN_ACTIONS:
                continue
            ident = (binding.id or binding.action, id(active.node))
            display = self.app.get_key_display(binding.with_key(key)) if hasattr(binding, "with_key") else key
            grouped.setdefault(ident, [])
            if display not in grouped[ident]:
                grouped[ident].append(display)
            info[ident] = (describe(binding), binding.id or "")
        return [(" / ".join(keys), *info[ident]) for ident, keys in grouped.items()]

    def compose(self) -> ComposeResult:
        rows = self.rows()
        width = max((len(k) for k, _, _ in rows), default=4) + 2
        text = Text()
        text.append("Keys\n\n", style="bold")
        for keys, description, ident in rows:
            text.append(keys.ljust(width), style="bold")
            text.append(description)
            if ident:
                text.append(f"  ({ident})", style="dim")
            text.append("\n")
        text.append("\nescape, q or ? closes", style="dim")
        with VerticalScroll(id="help-box"):
            yield Static(text, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
