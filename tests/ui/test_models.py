"""Every item model of the client under pytest-qt's model tester, plus the table's refresh rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from acero_desktop.ui.detail.data import HistoryView
from acero_desktop.ui.detail.timeline import TimelineModel, sentence
from acero_desktop.ui.directory import load_directory
from acero_desktop.ui.new_ticket.categories import CategoryTreeModel
from acero_desktop.ui.session import ClientSession, new_id
from acero_desktop.ui.sidebar.model import SidebarModel
from acero_desktop.ui.sidebar.views import ViewItem, builtin_views, saved_searches
from acero_desktop.ui.sync_issues import IssueRow, SyncIssuesModel
from acero_desktop.ui.tickets.columns import Column
from acero_desktop.ui.tickets.model import ID_ROLE, ROW_ROLE, TicketTableModel
from acero_desktop.ui.tickets.query import TicketQuery
from acero_desktop.ui.tickets.view import TicketTableView
from tests.ui.helpers import run

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_ticket_table_model(
    qtmodeltester: ModelTester, make_session: Callable[[str], ClientSession]
) -> None:
    session = make_session("admin")
    model = TicketTableModel(session)
    assert model.set_query(TicketQuery(base="is:open"))
    assert model.rowCount() > 10
    qtmodeltester.check(model, force_py=True)
    assert model.set_query(TicketQuery(base="", text="sort:priority"))
    qtmodeltester.check(model, force_py=True)
    first = model.index(0, Column.NUMBER)
    assert str(model.data(first)).startswith("ACR-")
    assert model.data(first, ROW_ROLE).id == model.data(first, ID_ROLE)


def test_ticket_model_sorts_in_sql_and_keeps_the_selection(
    qtbot: QtBot, make_session: Callable[[str], ClientSession]
) -> None:
    session = make_session("admin")
    model = TicketTableModel(session)
    view = TicketTableView(model)
    qtbot.addWidget(view)
    model.set_query(TicketQuery(base="is:open"))
    view.select_row(3)
    chosen = view.current_id()
    model.sort(Column.PRIORITY, Qt.SortOrder.DescendingOrder)
    ranks = [model.ticket_at(r).priority.rank for r in range(model.rowCount())]  # type: ignore[union-attr]
    assert ranks == sorted(ranks, reverse=True)
    assert view.current_id() == chosen  # a layout change carries the selection
    model.sort(Column.REQUESTER, Qt.SortOrder.AscendingOrder)
    names = [model.ticket_at(r).requester.casefold() for r in range(model.rowCount())]  # type: ignore[union-attr]
    assert names == sorted(names)
    assert view.current_id() == chosen


def test_sync_change_refreshes_only_touched_rows(
    qtbot: QtBot, make_session: Callable[[str], ClientSession]
) -> None:
    session = make_session("admin")
    model = TicketTableModel(session)
    view = TicketTableView(model)
    qtbot.addWidget(view)
    model.set_query(TicketQuery(base="is:open"))
    view.select_row(5)
    chosen = view.current_id()
    assert chosen is not None
    target = model.id_at(2)
    assert target is not None
    import uuid

    run(
        qtbot,
        session.engine.mutate(
            "ticket.update", {"id": str(uuid.UUID(target)), "title": "Renamed by sync"}
        ),
    )
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    with qtbot.assertNotEmitted(model.modelReset):
        model.refresh({target})
    row = model.row_of(target)
    assert row is not None
    assert model.ticket_at(row).title == "Renamed by sync"  # type: ignore[union-attr]
    assert (row, row) in changed
    assert all(a == b == row for a, b in changed)
    assert view.current_id() == chosen


def test_new_ticket_appears_without_a_reset(
    qtbot: QtBot, make_session: Callable[[str], ClientSession]
) -> None:
    session = make_session("agent")
    model = TicketTableModel(session)
    view = TicketTableView(model)
    qtbot.addWidget(view)
    model.set_query(TicketQuery(base="is:open"))
    before = model.rowCount()
    view.select_row(1)
    chosen = view.current_id()
    tid = new_id()
    run(qtbot, session.engine.mutate("ticket.create", {"id": tid, "title": "Fresh one"}))
    import uuid

    hex_id = uuid.UUID(tid).hex
    with qtbot.assertNotEmitted(model.modelReset):
        model.refresh({hex_id})
    assert model.rowCount() == before + 1
    row = model.row_of(hex_id)
    assert row is not None
    created = model.ticket_at(row)
    assert created is not None
    assert created.pending
    assert created.label == "pending"
    assert view.current_id() == chosen


def test_sidebar_model(
    qtmodeltester: ModelTester, make_session: Callable[[str], ClientSession]
) -> None:
    session = make_session("agent")
    model = SidebarModel()
    with session.read() as s:
        saved = saved_searches(s, session.actor)
    model.set_items(builtin_views(session.actor), saved)
    model.set_counts({"view:mine": 3, "view:open": 12})
    qtmodeltester.check(model, force_py=True)
    index = model.index_of("view:open")
    assert model.data(index.siblingAtColumn(1)) == "12"
    model.set_items(builtin_views(session.actor), [ViewItem("saved:x", "Mine", "is:open")])
    qtmodeltester.check(model, force_py=True)


def test_timeline_model(qtmodeltester: ModelTester) -> None:
    rows = (
        HistoryView("a", NOW, "Dana", "status", "new", "in_progress", "desktop", None, False),
        HistoryView("b", NOW, "Dana", "assignee", None, "Dana", "desktop", None, True),
        HistoryView("c", NOW, "Lukas", "created", None, "Printer", "rest", None, False),
    )
    model = TimelineModel()
    model.set_history(rows, NOW)
    qtmodeltester.check(model, force_py=True)
    assert sentence(rows[0]) == "Dana changed the status from New to In progress"
    assert "pending" in model.data(model.index(1, 0))


def test_sync_issues_model(qtmodeltester: ModelTester) -> None:
    model = SyncIssuesModel()
    model.set_rows([IssueRow(1, "ticket.set_status", "ACR-1 is now Closed.", NOW, "ab")])
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 0)) == "ACR-1 is now Closed."


def test_category_tree_model(
    qtmodeltester: ModelTester, make_session: Callable[[str], ClientSession]
) -> None:
    session = make_session("requester")
    with session.read() as s:
        directory = load_directory(s)
    model = CategoryTreeModel()
    model.set_directory(directory)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() >= 1
    model.set_directory(directory, "vpn")
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() >= 1
