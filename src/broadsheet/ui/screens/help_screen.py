"""Every key of the screen below, as it is mapped now."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from broadsheet.ui.keys import describe


# Inherited horizontal scrolling: broadsheet's views wrap and never scroll sideways.
HIDDEN_ACTIONS = {"scroll_left", "scroll_right", "page_left", "page_right"}


class HelpScreen(ModalScreen[None]):
    """The keys of ``target``, the screen it is shown over.

    The app keeps one HelpScreen (see :meth:`BroadsheetApp.action_help`) and
    shows it again with :meth:`show_for`: it is built and laid out once, and
    again only when the keys to show change (another screen, a focus change,
    keys remapped).  Its background is opaque, so that the screen below is not
    painted through it on every frame.
    """

    CSS_PATH = "help_screen.tcss"

    CHANGES_LIBRARY = False
    """Nothing done here changes the stories: the screen below need not read
    them again when it comes back."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, target: Screen | None = None) -> None:
        super().__init__()
        self.target = target
        self._shown: list[tuple[str, str, str]] | None = None  # the rows the text was made from
        self._styled: int | None = None  # the app's count of style changes when last styled

    def rows(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for every active binding of the target screen."""
        if self.target is None:
            return []
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

    @staticmethod
    def keys_text(rows: list[tuple[str, str, str]]) -> Text:
        """The panel's text: one line per action (a Text: keys such as ``[`` show as they are)."""
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
        return text

    def compose(self) -> ComposeResult:
        self._shown = self.rows()
        with VerticalScroll(id="help-box"):
            yield Static(self.keys_text(self._shown), id="help-text")

    def show_for(self, target: Screen) -> None:
        """Show the keys of ``target`` (before the screen is pushed again).

        The text is made again only if the keys differ from the ones shown."""
        self.target = target
        if self._shown is None:
            return  # not composed yet: compose reads the rows
        rows = self.rows()
        if rows != self._shown:
            self._shown = rows
            self.query_one("#help-text", Static).update(self.keys_text(rows))
        self.query_one("#help-box", VerticalScroll).scroll_home(animate=False)  # opens at the top, as new

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.ScreenResume) and message.refresh_styles:
            # Shown again: its widgets keep the styles they had, unless the
            # app's styles changed since (a new theme), which Textual counts.
            styled = getattr(self.app, "_css_update_count", None)
            if styled is not None and styled == self._styled:
                message.refresh_styles = False
            self._styled = styled
        return super().post_message(message)

    def on_screen_suspend(self) -> None:
        self.target = None  # kept by the app: do not keep the screen below alive too

    def action_close(self) -> None:
        self.dismiss(None)
