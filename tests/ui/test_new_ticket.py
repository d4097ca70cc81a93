"""The new-ticket form: validation at the field, suggestions as one types, offline creation."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.new_ticket.form import NewTicketDialog
from acero_desktop.ui.new_ticket.suggestions import keywords

MakeWindow = Callable[[str], MainWindow]


def _form(qtbot: QtBot, window: MainWindow) -> NewTicketDialog:
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = next(d for d in window.dialogs if isinstance(d, NewTicketDialog))
    qtbot.waitExposed(form)
    return form


def test_title_is_validated_at_the_field(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("requester")
    form = _form(qtbot, window)
    qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
    assert form.title_error.isVisible()
    assert form.title_error.text().startswith("A title is required")
    assert form.isVisible()
    qtbot.keyClicks(form.title, "x" * 301)
    assert "at most 300 characters" in form.title_error.text()
    form.title.clear()
    qtbot.keyClicks(form.title, "Printer on floor 3 jams")
    assert not form.title_error.isVisible()
    form.reject()


def test_suggestions_follow_the_typing(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("requester")
    form = _form(qtbot, window)
    qtbot.keyClicks(form.title, "VPN disconnects every few minutes")
    qtbot.waitUntil(lambda: bool(form.suggestions), timeout=5000)
    kinds = {s.kind for s in form.suggestions}
    assert kinds <= {"ticket", "article"}
    assert form.suggest_list.count() == len(form.suggestions)
    assert any("vpn" in s.title.casefold() for s in form.suggestions)
    form.reject()


def test_keywords_drop_filler_words() -> None:
    words = keywords("The printer is not printing since the update")
    assert words == ["printing", "printer", "update"]  # "since" is a filler word
    assert "the" not in keywords("the the the printer")


def test_creating_a_ticket_offline_shows_it_pending(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("requester")
    window.sidebar.select_key("view:mine")
    before = window.model.rowCount()
    form = _form(qtbot, window)
    assert "offline" in form.offline.text()
    qtbot.keyClicks(form.title, "Monitor flickers after lunch")
    qtbot.keyClicks(form.category.filter, "hardware")
    category = form.category.model.index(0, 0)
    form.category.tree.setCurrentIndex(category)
    qtbot.keyClicks(form.description, "It flickers **every** day at 13:00.")
    qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: window.model.rowCount() == before + 1, timeout=5000)
    detail = window.pane.detail
    assert detail is not None
    assert detail.title == "Monitor flickers after lunch"
    assert detail.label == "pending"
    assert detail.pending
    assert window.pane.pending.isVisible()
    assert len(window.session.cache.pending()) == 1
