"""Modal screens of the queue: hide reason, note, search, filters, help."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from moderation.safetext import visible
from moderation.tui.render import safe, shorten


class SafeInput(Input):
    """An Input whose value never holds control or bidi characters: pasted ones become
    visible markers before they can reach the terminal."""

    def on_input_changed(self, event: Input.Changed) -> None:
        shown = visible(event.value, keep_newlines=False)
        if shown != event.value:
            self.value = shown


class ReasonScreen(ModalScreen[str | None]):
    """Pick the reason for hiding; Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, reasons: list[str]) -> None:
        super().__init__()
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text("Hide: why? (Enter to choose, Esc to cancel)"))
            yield OptionList(*[Option(Text(r), id=r) for r in self.reasons], id="reasons")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteScreen(ModalScreen[str | None]):
    """Type a free-text note; Enter saves, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str = "Note (Enter to save, Esc to cancel)") -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(self.title_text))
            yield SafeInput(placeholder="note", id="note-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SearchScreen(ModalScreen[str | None]):
    """Full-text search over comment text and author; Enter searches, empty Enter clears."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current or ""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text("Search text and authors (Enter to search, empty to clear, "
                             "Esc to cancel)"))
            yield SafeInput(self.current, placeholder="words", id="search-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilterScreen(ModalScreen[dict[str, Any] | None]):
    """Label, article, score range and flagged-only; Enter or Apply applies, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, labels: list[str], articles: list[dict[str, Any]],
                 current: dict[str, Any]) -> None:
        super().__init__()
        self.labels = labels
        self.articles = articles
        self.current = current

    def compose(self) -> ComposeResult:
        cur = self.current
        arts = [(safe(f"#{a['id']} " + shorten(a["title"] or "(untitled)", 50), one_line=True),
                 a["id"]) for a in self.articles]
        if cur.get("article_id") is not None and cur["article_id"] not in {a[1] for a in arts}:
            arts.append((Text(f"#{cur['article_id']}"), cur["article_id"]))
        with Vertical(id="dialog"):
            yield Label(Text("Filters (Enter applies, Esc cancels)", style="bold"))
            yield Label(Text("Label over its threshold"))
            yield Select([(Text(lbl), lbl) for lbl in self.labels], prompt="any label",
                         value=cur.get("label") or Select.NULL, id="f-label")
            yield Label(Text("Article"))
            yield Select(arts, prompt="any article",
                         value=cur["article_id"] if cur.get("article_id") is not None
                         else Select.NULL, id="f-article")
            yield Label(Text("Highest label score from / to (0 to 1)"))
            with Horizontal(id="f-range"):
                yield Input(_num(cur.get("min_score")), placeholder="min", id="f-min",
                            restrict=r"[0-9.]*")
                yield Input(_num(cur.get("max_score")), placeholder="max", id="f-max",
                            restrict=r"[0-9.]*")
            yield Checkbox("Only flagged comments", cur.get("flagged_only", True), id="f-flagged")
            yield Static(id="f-error")
            yield Button("Apply", id="f-apply", variant="primary")

    def _score(self, wid: str) -> float | None:
        raw = self.query_one(wid, Input).value.strip()
        if not raw:
            return None
        value = float(raw)
        if not 0 <= value <= 1:
            raise ValueError(raw)
        return value

    def action_apply(self) -> None:
        try:
            lo, hi = self._score("#f-min"), self._score("#f-max")
        except ValueError:
            self.query_one("#f-error", Static).update(
                Text("Scores must be numbers from 0 to 1.", style="bold red"))
            return
        label = self.query_one("#f-label", Select).value
        article = self.query_one("#f-article", Select).value
        self.dismiss({
            "label": None if label is Select.NULL else label,
            "article_id": None if article is Select.NULL else article,
            "min_score": lo, "max_score": hi,
            "flagged_only": self.query_one("#f-flagged", Checkbox).value,
        })

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_apply()

    def action_cancel(self) -> None:
        self.dismiss(None)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class HelpScreen(ModalScreen[None]):
    """Every key the queue knows, from the live bindings, and the keys of its dialogs."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    DIALOG_KEYS = (
        ("Enter", "choose the reason / save the note / search / apply the filters"),
        ("Esc", "cancel a dialog, close this help"),
        ("up / down", "move in the queue and in lists"),
    )

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        text = Text("Keys\n\n", style="bold")
        for key, desc in [*self.rows, *self.DIALOG_KEYS]:
            text.append(f"  {visible(key, keep_newlines=False):<12}", style="bold")
            text.append(f"{desc}\n")
        text.append("\nWith comments marked, approve and hide act on all of them.\n")
        text.append("Esc closes this help.")
        with Vertical(id="dialog"):
            yield Static(text, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
