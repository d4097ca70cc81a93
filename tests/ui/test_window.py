"""The main window driven as a person would: typing searches, clicking headers, keys."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.search.throttle import Throttle
from acero_desktop.ui.session import ClientSession
from acero_desktop.ui.tickets.columns import Column
from acero_desktop.ui.tickets.view import TicketTableView

MakeWindow = Callable[[str], MainWindow]


def _titles(window: MainWindow) -> list[str]:
    model = window.model
    return [model.ticket_at(r).title for r in range(model.rowCount())]  # type: ignore[union-attr]


def test_typing_a_query_filters_the_table(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("admin")
    window.sidebar.select_key("view:open")
    everything = window.model.rowCount()
    assert everything > 5
    qtbot.keyClicks(window.search.edit, "priority:urgent")
    qtbot.waitUntil(lambda: window.model.query.text == "priority:urgent", timeout=3000)
    rows = window.model.rowCount()
    assert 0 < rows < everything
    priorities = {window.model.ticket_at(r).priority.value for r in range(rows)}  # type: ignore[union-attr]
    assert priorities == {"urgent"}
    assert window.status.rows.text() == f"{rows:,} ticket{'s' if rows != 1 else ''}"
    window.search.edit.clear()  # the clear button's path: back to the whole view
    qtbot.waitUntil(lambda: window.model.rowCount() == everything, timeout=3000)


def test_a_bad_query_shows_the_error_with_its_position(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    qtbot.keyClicks(window.search.edit, "printer status:bogus")
    qtbot.keyClick(window.search.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(window.search.error.isVisible, timeout=3000)
    text = window.search.error.text()
    assert 'Unknown status "bogus" at 16' in text
    _message, line, caret = text.split("\n")
    assert line == "printer status:bogus"
    assert caret == " " * 15 + "^"
    assert window.model.error is not None
    assert window.model.query.text != "printer status:bogus"  # the last good search stays
    window.search.edit.clear()
    qtbot.waitUntil(lambda: not window.search.error.isVisible(), timeout=3000)


def test_completion_offers_fields_and_values(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    qtbot.keyClicks(window.search.edit, "prio")
    assert window.search.completions.stringList() == ["priority:"]
    window.search.insert_completion("priority:")
    assert window.search.text() == "priority:"
    qtbot.keyClicks(window.search.edit, "u")
    assert "priority:urgent" in window.search.completions.stringList()
    window.search.edit.setText("assignee:da")
    window.search.edit.setCursorPosition(len("assignee:da"))
    window.search.update_completions()
    assert any(s.startswith("assignee:da") for s in window.search.completions.stringList())


def test_the_throttle_collapses_keystrokes(qtbot: QtBot) -> None:
    calls: list[str] = []
    throttle = Throttle(calls.append, 200)
    for text in ("p", "pr", "pri", "prin"):
        throttle(text)
    assert calls == ["p"]  # the first goes at once
    qtbot.waitUntil(lambda: calls == ["p", "prin"], timeout=2000)
    qtbot.wait(300)
    assert calls == ["p", "prin"]  # the middle ones never ran


def test_clicking_a_header_sorts_in_sql(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("admin")
    window.sidebar.select_key("view:open")
    header = window.table.horizontalHeader()
    x = header.sectionViewportPosition(Column.PRIORITY) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    first = [window.model.ticket_at(r).priority.rank for r in range(window.model.rowCount())]  # type: ignore[union-attr]
    assert first in (sorted(first), sorted(first, reverse=True))
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    second = [window.model.ticket_at(r).priority.rank for r in range(window.model.rowCount())]  # type: ignore[union-attr]
    assert second == sorted(second, reverse=True) or second == sorted(second)
    assert second != first
    assert window.model.query.sort is not None
    assert window.model.query.sort.column is Column.PRIORITY


def test_selecting_a_ticket_opens_the_detail_and_keys_move(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    window.sidebar.select_key("view:team")
    assert not window.pane.isVisible()
    table = window.table
    rect = table.visualRect(window.model.index(1, Column.TITLE))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.pane.isVisible()
    second = window.model.ticket_at(1)
    assert second is not None
    assert window.pane.fields.title.text() == second.title
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_J)
    assert table.currentIndex().row() == 2
    assert window.pane.ticket_id == window.model.id_at(2)
    qtbot.keyClick(table, Qt.Key.Key_K)
    qtbot.keyClick(table, Qt.Key.Key_K)
    assert table.currentIndex().row() == 0
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.pane.isVisible()
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    assert not window.pane.isVisible()


def test_every_action_is_in_a_menu_with_its_shortcut(make_window: MakeWindow) -> None:
    window = make_window("agent")
    in_menus = {}
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        for action in menu.actions() if menu else []:
            in_menus[action.objectName()] = action.shortcut().toString()
    expected = {
        "actNew": "Ctrl+N",
        "actFind": "Ctrl+F",
        "actOpen": "Return",
        "actNext": "J",
        "actPrev": "K",
        "actClosePane": "Esc",
        "actSend": "Ctrl+Return",
    }
    for name, keys in expected.items():
        assert in_menus.get(name) == keys, name


def test_ctrl_f_focuses_the_search_and_ctrl_n_opens_the_form(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    window.table.setFocus()
    window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.search.edit
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialogs = [d for d in window.dialogs if d.objectName() == "newTicket"]
    assert dialogs
    assert dialogs[0].isVisible()
    dialogs[0].close()


def test_columns_can_be_hidden_and_moved_and_that_is_remembered(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    window.table.set_column_visible(Column.TEAM, False)
    header = window.table.horizontalHeader()
    header.moveSection(header.visualIndex(Column.SLA), 0)
    header.resizeSection(Column.TITLE, 411)
    again = TicketTableView(window.model)
    qtbot.addWidget(again)
    assert again.isColumnHidden(Column.TEAM)
    assert again.horizontalHeader().visualIndex(Column.SLA) == 0
    assert again.horizontalHeader().sectionSize(Column.TITLE) == 411


def test_saving_renaming_and_deleting_a_search(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    window.sidebar.select_key("view:team")
    window.search.set_text("priority:>=high")
    window.save_search()
    dialog = window.dialogs[-1]
    dialog.setTextValue("Hot in my team")  # type: ignore[attr-defined]
    dialog.accept()  # type: ignore[attr-defined]
    titles = lambda: [i.title for i in window.sidebar.sidebar_model.items()]  # noqa: E731
    qtbot.waitUntil(lambda: "Hot in my team" in titles(), timeout=5000)
    item = next(i for i in window.sidebar.sidebar_model.items() if i.title == "Hot in my team")
    assert item.query == "team:mine is:open priority:>=high"
    rename = window.sidebar.ask_rename(item)
    rename.setTextValue("Hot stuff")
    rename.accept()
    qtbot.waitUntil(lambda: "Hot stuff" in titles(), timeout=5000)
    renamed = next(i for i in window.sidebar.sidebar_model.items() if i.title == "Hot stuff")
    window.sidebar.delete(renamed)
    qtbot.waitUntil(lambda: "Hot stuff" not in titles(), timeout=5000)


def test_sidebar_counts_are_computed(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    model = window.sidebar.sidebar_model
    qtbot.waitUntil(lambda: model.count("view:open") is not None, timeout=5000)
    window.sidebar.select_key("view:open")
    assert model.count("view:open") == window.model.rowCount()


def test_bulk_priority_on_a_multi_selection(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    window.sidebar.select_key("view:team")
    assert window.model.rowCount() >= 3
    table = window.table
    first = table.visualRect(window.model.index(0, Column.TITLE)).center()
    third = table.visualRect(window.model.index(2, Column.TITLE)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, third
    )
    chosen = table.selected_ids()
    assert len(chosen) == 3
    low = next(a for a in window.priority_menu.actions() if a.text() == "Low")
    low.trigger()
    qtbot.waitUntil(
        lambda: all(
            window.model.ticket_at(window.model.row_of(t) or 0).priority.value == "low"  # type: ignore[union-attr]
            for t in chosen
        ),
        timeout=5000,
    )
    assert sorted(table.selected_ids()) == sorted(chosen)  # the selection stays


def test_no_tray_offscreen_and_the_app_still_works(make_window: MakeWindow) -> None:
    window = make_window("agent")
    assert not window.tray.available  # offscreen has no system tray
    window.tray.notify("Acero", "hello")  # a no-op without a tray, never an error
    assert window.tray.shown == [("Acero", "hello")]


def test_status_bar_words() -> None:
    from acero_desktop.sync.status import Phase, SyncStatus
    from acero_desktop.ui.statusbar import describe

    assert describe(SyncStatus(Phase.OFFLINE, pending=2)) == "Offline · 2 changes waiting"
    assert describe(SyncStatus(Phase.UP_TO_DATE)) == "Up to date"
    assert describe(SyncStatus(Phase.PUSHING, pending=1)) == "Sending 1 change"
    assert describe(SyncStatus(Phase.CATCHING_UP, done=200, total=1000, pending=1)) == (
        "Catching up 200 of 1,000 · 1 pending"
    )
    assert describe(SyncStatus(Phase.CONNECTING)) == "Connecting"


def test_dark_theme_follows_the_choice(qapp: QApplication) -> None:
    from acero_desktop.ui.theme import ThemeChoice, ThemeManager, is_dark

    theme = ThemeManager(qapp)
    theme.set_choice(ThemeChoice.DARK)
    assert is_dark(qapp.palette())
    theme.set_choice(ThemeChoice.LIGHT)
    assert not is_dark(qapp.palette())
    theme.set_choice(ThemeChoice.SYSTEM)  # offscreen reports no scheme: light
    assert not is_dark(qapp.palette())


def test_opening_the_current_row_again_shows_it_after_another_ticket(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """A ticket opened from elsewhere (My tasks, sync issues) replaces the pane's ticket even
    when it is the table's current row (selecting it again changes no current index)."""
    from sqlalchemy import select

    from acero_desktop.core.visibility import visible_tickets_clause
    from acero_desktop.models import Ticket

    window = make_window("agent")
    window.sidebar.select_key("view:team")
    table = window.table
    rect = table.visualRect(window.model.index(0, Column.TITLE))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    current = window.model.id_at(0)
    assert current is not None and window.pane.ticket_id == current
    actor = window.session.actor
    assert actor is not None
    with window.session.read() as s:
        ids = s.scalars(select(Ticket.id).where(visible_tickets_clause(actor))).all()
    elsewhere = next(t.hex for t in ids if window.model.row_of(t.hex) is None)
    window.open_ticket(elsewhere)
    assert window.pane.ticket_id == elsewhere
    window.open_ticket(current)
    assert window.pane.ticket_id == current


def test_a_theme_change_after_a_window_went_away_is_harmless(
    qtbot: QtBot, qapp: QApplication, make_session: Callable[[str], ClientSession]
) -> None:
    """The demo replaces its window on "Sign in as …"; the app-wide theme outlives it."""
    from PySide6.QtCore import QEvent

    from acero_desktop.ui.theme import ThemeChoice, ThemeManager

    theme = ThemeManager(qapp)
    window = MainWindow(make_session("agent"), theme=theme)
    window.show()
    qtbot.waitExposed(window)
    assert window.pane is not None  # built (start-up builds it right after the first paint)
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    theme.set_choice(ThemeChoice.DARK)  # raised "already deleted" in the pane's slot
    theme.set_choice(ThemeChoice.SYSTEM)


def test_dismissing_a_sync_issue_as_the_window_goes_away_is_harmless(
    qtbot: QtBot, make_session: Callable[[str], ClientSession]
) -> None:
    """The dismissal is written off the GUI thread; the window may be gone when it is done."""
    from datetime import UTC, datetime

    from PySide6.QtCore import QEvent
    from sqlalchemy import insert

    from acero_desktop.sync.tables import SyncIssue
    from acero_desktop.ui.tasks import running

    session = make_session("agent")
    with session.cache.engine.begin() as conn:
        conn.execute(
            insert(SyncIssue).values(
                mutation_id=1,
                name="ticket.set_status",
                args={},
                code="invalid_transition",
                message="Your change was not applied.",
                created_at=datetime.now(UTC),
            )
        )
    window = MainWindow(session)
    window.show()
    qtbot.waitExposed(window)
    window.toggle_issues()
    issues = window.issues
    qtbot.waitUntil(issues.isVisible, timeout=3000)
    rect = issues.list.visualRect(issues.model.index(0, 0))
    qtbot.mouseClick(issues.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseClick(issues.dismiss, Qt.MouseButton.LeftButton)
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(
        lambda: not any(t.get_name().startswith("dismiss") for t in running()), timeout=5000
    )
