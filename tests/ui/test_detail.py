"""The detail pane driven by clicks and keys: workflow, comments, roles, notices, files."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import exists, select, update

from acero_desktop.core.mutations import MAX_ATTACHMENT_BYTES
from acero_desktop.models import Ticket, TicketComment, TicketStatus
from acero_desktop.ui.detail.markdown import SafeTextBrowser, neutralise_html
from acero_desktop.ui.detail.prompts import FeedbackPrompt, StatusPrompt
from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.tickets.columns import Column
from acero_desktop.ui.tickets.query import TicketQuery

MakeWindow = Callable[[str], MainWindow]


def _find(window: MainWindow, *where: object) -> Ticket:
    """A ticket of this user's (visible) tickets meeting ``where``, as a plain ORM snapshot."""
    from acero_desktop.core.visibility import visible_tickets_clause

    actor = window.session.actor
    assert actor is not None
    with window.session.read() as s:
        ticket = s.scalars(
            select(Ticket)
            .where(visible_tickets_clause(actor), *where)  # type: ignore[arg-type]
            .order_by(Ticket.number)
            .limit(1)
        ).first()
    assert ticket is not None, "the seeded cache has no such ticket"
    return ticket


def _arrange(window: MainWindow, ticket: Ticket, **values: object) -> Ticket:
    """Given: put a ticket in the state a test starts from (written straight to the cache)."""
    with window.session.cache.engine.begin() as conn:
        conn.execute(update(Ticket).where(Ticket.id == ticket.id).values(**values))
    with window.session.read() as s:
        fresh = s.get(Ticket, ticket.id)
        assert fresh is not None
        return fresh


def _team_ticket(window: MainWindow, **values: object) -> Ticket:
    actor = window.session.actor
    assert actor is not None
    ticket = _find(
        window, Ticket.team_id.in_(actor.team_ids), Ticket.status == TicketStatus.IN_PROGRESS
    )
    return _arrange(window, ticket, **values)


def _open(qtbot: QtBot, window: MainWindow, ticket: Ticket) -> None:
    if ticket.status.is_open:
        window.sidebar.select_key("view:open")
        window.search.set_text(f"number:{ticket.number}")
    else:  # old closed tickets are in no view: search for it across everything
        window.model.set_query(TicketQuery(text=f"number:{ticket.number}"))
    assert window.model.rowCount() == 1
    rect = window.table.visualRect(window.model.index(0, Column.TITLE))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.pane.detail is not None
    assert window.pane.detail.uid == ticket.id


def _button(
    dialog: StatusPrompt | FeedbackPrompt, which: QDialogButtonBox.StandardButton
) -> object:
    return dialog.buttons.button(which)


def test_status_button_changes_the_status_optimistically(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    me = window.session.user_id
    ticket = _team_ticket(window, status=TicketStatus.ASSIGNED, assignee_id=me)
    _open(qtbot, window, ticket)
    button = window.pane.workflow.buttons[TicketStatus.IN_PROGRESS]
    assert button.text() == "Start work"
    # Exactly the allowed transitions: an agent cannot close or reopen.
    assert TicketStatus.CLOSED not in window.pane.workflow.buttons
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.pane.detail is not None and window.pane.detail.status is TicketStatus.IN_PROGRESS
        ),
        timeout=5000,
    )
    assert "In progress" in window.pane.fields.status.text()
    assert window.pane.pending.isVisible()  # not confirmed by a server yet
    qtbot.waitUntil(
        lambda: window.model.data(window.model.index(0, Column.STATUS)) == "In progress",
        timeout=5000,
    )
    assert window.model.ticket_at(0).pending  # type: ignore[union-attr]


def test_resolve_asks_for_the_resolution(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    me = window.session.user_id
    ticket = _team_ticket(window, assignee_id=me)
    _open(qtbot, window, ticket)
    qtbot.mouseClick(window.pane.workflow.buttons[TicketStatus.RESOLVED], Qt.MouseButton.LeftButton)
    prompt = window.pane.prompt
    assert isinstance(prompt, StatusPrompt)
    assert prompt.isVisible()
    qtbot.waitExposed(prompt)
    ok = prompt.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert prompt.isVisible()
    assert "required" in prompt.error.text()
    qtbot.keyClicks(prompt.text, "Replaced the **toner**; printing works.")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.pane.detail is not None and window.pane.detail.status is TicketStatus.RESOLVED
        ),
        timeout=5000,
    )
    assert window.pane.detail.resolution == "Replaced the **toner**; printing works."


def test_ctrl_enter_sends_a_comment_and_clears_the_draft(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    ticket = _find(window, Ticket.status == TicketStatus.IN_PROGRESS)
    _open(qtbot, window, ticket)
    composer = window.pane.composer
    qtbot.keyClicks(composer.edit, "Rebooted the **switch**, please retry.")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.edit.toPlainText() == "", timeout=5000)
    qtbot.waitUntil(
        lambda: (
            "Rebooted the switch, please retry."
            in window.pane.conversation.document().toPlainText()
        ),
        timeout=5000,
    )
    sent = [c for c in window.pane.detail.comments if "Rebooted" in c.body]  # type: ignore[union-attr]
    assert len(sent) == 1
    assert sent[0].pending
    assert not sent[0].internal
    assert composer.drafts.load(window.pane.ticket_id or "") is None


def test_internal_notes_are_marked_for_staff(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    ticket = _find(window, Ticket.status == TicketStatus.IN_PROGRESS)
    _open(qtbot, window, ticket)
    composer = window.pane.composer
    assert composer.internal.isEnabled()
    qtbot.mouseClick(composer.internal, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(composer.edit, "Vendor case 4711 opened")
    qtbot.mouseClick(composer.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any("4711" in c.body and c.internal for c in window.pane.detail.comments),  # type: ignore[union-attr]
        timeout=5000,
    )
    assert "Internal note" in window.pane.conversation.document().toPlainText()


def test_requester_never_sees_internal_notes(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("requester")
    me = window.session.user_id
    noted = exists().where(TicketComment.ticket_id == Ticket.id, TicketComment.internal.is_(True))
    ticket = _find(window, Ticket.requester_id == me, noted)
    ticket = _arrange(window, ticket, status=TicketStatus.IN_PROGRESS, closed_at=None)
    with window.session.read() as s:
        notes = list(
            s.scalars(
                select(TicketComment.body).where(
                    TicketComment.ticket_id == ticket.id, TicketComment.internal.is_(True)
                )
            )
        )
    assert notes
    _open(qtbot, window, ticket)
    detail = window.pane.detail
    assert detail is not None
    assert all(not c.internal for c in detail.comments)
    shown = window.pane.conversation.document().toPlainText()
    assert all(note[:30] not in shown for note in notes)
    assert "Internal note" not in shown
    assert all(h.field != "internal_note" for h in detail.history)
    internal = window.pane.composer.internal
    assert not internal.isEnabled()
    assert (
        internal.toolTip() == "Only support staff working on the ticket can write internal notes."
    )


def test_controls_are_greyed_for_a_requester_with_the_reason(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("requester")
    me = window.session.user_id
    ticket = _find(window, Ticket.requester_id == me, Ticket.status == TicketStatus.IN_PROGRESS)
    _open(qtbot, window, ticket)
    fields = window.pane.fields
    label = f"ACR-{ticket.number}"
    assert not fields.priority.isEnabled()
    assert fields.priority.toolTip() == f"Only its support team can change the priority of {label}."
    assert not fields.category.isEnabled()
    assert not fields.assign_me.isEnabled()
    assert fields.assign_me.toolTip() == "Only support staff can take tickets."
    assert not fields.team.isEnabled()
    assert "lead" in fields.team.toolTip()
    assert fields.title.isReadOnly()
    assert "already being handled" in fields.title.toolTip()
    # The requester may only cancel an open ticket of theirs; no other workflow button.
    assert set(window.pane.workflow.buttons) == {TicketStatus.CANCELLED}


def test_requester_accepts_a_resolution_and_gives_feedback(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("requester")
    me = window.session.user_id
    ticket = _find(window, Ticket.requester_id == me, Ticket.status == TicketStatus.IN_PROGRESS)
    ticket = _arrange(
        window,
        ticket,
        status=TicketStatus.RESOLVED,
        resolution="Reset the password.",
        resolved_at=ticket.updated_at,
    )
    _open(qtbot, window, ticket)
    buttons = window.pane.workflow.buttons
    assert buttons[TicketStatus.CLOSED].text() == "Accept resolution"
    assert buttons[TicketStatus.REOPENED].text() == "Reject resolution…"
    qtbot.mouseClick(buttons[TicketStatus.REOPENED], Qt.MouseButton.LeftButton)
    reopen = window.pane.prompt
    assert isinstance(reopen, StatusPrompt)
    qtbot.mouseClick(
        reopen.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert "reason" in reopen.error.text()  # a reason is required to reopen
    reopen.reject()
    qtbot.mouseClick(buttons[TicketStatus.CLOSED], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(window.pane.prompt, FeedbackPrompt), timeout=5000)
    feedback = window.pane.prompt
    assert isinstance(feedback, FeedbackPrompt)
    qtbot.waitExposed(feedback)
    four = feedback.rating.button(4)
    # On the round indicator: a radio button's clickable area ends with its short label.
    qtbot.mouseClick(four, Qt.MouseButton.LeftButton, pos=QPoint(8, four.height() // 2))
    assert feedback.rating.checkedId() == 4
    qtbot.keyClicks(feedback.comment, "Quick and friendly.")
    qtbot.mouseClick(
        feedback.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(
        lambda: window.pane.detail is not None and window.pane.detail.feedback is not None,
        timeout=5000,
    )
    assert window.pane.detail.status is TicketStatus.CLOSED
    assert window.pane.detail.feedback == (4, "Quick and friendly.")


def test_assign_to_me_and_suggestions(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    ticket = _team_ticket(window, status=TicketStatus.NEW, assignee_id=None)
    _open(qtbot, window, ticket)
    assert window.pane.candidates
    assert " open · " in window.pane.candidates[0].explanation
    qtbot.mouseClick(window.pane.fields.assign_me, Qt.MouseButton.LeftButton)
    me = window.session.user_id
    qtbot.waitUntil(
        lambda: window.pane.detail is not None and window.pane.detail.assignee_id == me,
        timeout=5000,
    )
    assert window.pane.detail.status is TicketStatus.ASSIGNED
    assert window.pane.fields.assignee.currentData() == str(me)


def test_a_rejection_shows_in_the_pane_and_in_sync_issues(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    me = window.session.user_id
    ticket = _team_ticket(window, status=TicketStatus.ASSIGNED, assignee_id=me)
    _open(qtbot, window, ticket)
    qtbot.mouseClick(
        window.pane.workflow.buttons[TicketStatus.IN_PROGRESS], Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: len(window.session.cache.pending()) == 1, timeout=5000)
    entry = window.session.cache.pending()[0]
    message = (
        f"ACR-{ticket.number} is now Closed (Marcus Lindqvist changed it); "
        "your change to In progress was not applied."
    )
    # What the engine does with a `rejected` push result:
    report = window.session.cache.reject(entry.mutation_id, "invalid_transition", message)
    window.session.engine.cb.issue(message)
    window.session.engine.cb.changed(report)
    qtbot.waitUntil(window.pane.notice.isVisible, timeout=5000)
    assert message in window.pane.notice.text.text()
    assert window.pane.detail.status is TicketStatus.ASSIGNED  # rolled back
    assert [r.message for r in window.issues.model.rows()] == [message]
    assert window.status.issues.isVisible()
    assert "1 sync issue" in window.status.issues.text()
    qtbot.mouseClick(window.pane.notice.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.issues.model.rowCount() == 0, timeout=5000)
    assert not window.pane.notice.isVisible()


def test_draft_survives_closing_the_window(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    ticket = _find(window, Ticket.status == TicketStatus.IN_PROGRESS)
    _open(qtbot, window, ticket)
    qtbot.keyClicks(window.pane.composer.edit, "Half a thought")
    window.close()
    again = MainWindow(window.session)
    qtbot.addWidget(again)
    again.show()
    again.open_ticket(ticket.id.hex)
    assert again.pane.composer.edit.toPlainText() == "Half a thought"
    again.close()


def test_attachment_over_the_limit_is_refused_before_upload(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window("agent")
    ticket = _find(window, Ticket.status == TicketStatus.IN_PROGRESS)
    _open(qtbot, window, ticket)
    big = tmp_path / "capture.pcap"
    with big.open("wb") as f:
        f.truncate(MAX_ATTACHMENT_BYTES + 1)
    assert "up to 25 MiB per file" in window.pane.attachments.limit.text()
    window.pane.attach([big])
    assert "files can be at most 25 MiB" in window.pane.attachments.status.text()
    assert not [t for t in __import__("asyncio").all_tasks() if t.get_name().startswith("upload")]


def test_watching_a_ticket(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    ticket = _find(window, Ticket.status == TicketStatus.IN_PROGRESS)
    _open(qtbot, window, ticket)
    was = window.pane.detail.watching  # type: ignore[union-attr]
    qtbot.mouseClick(window.pane.watchers.toggle, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pane.detail.watching is not was, timeout=5000)  # type: ignore[union-attr]


def test_markdown_is_rendered_safely(qtbot: QtBot, monkeypatch: object) -> None:
    browser = SafeTextBrowser()
    qtbot.addWidget(browser)
    text = (
        "Hi <img src=x onerror=alert(1)> <b>bold?</b>\n\n"
        "![tracker](http://evil.example/pixel.png) [run](javascript:alert(1)) "
        "[docs](https://docs.example.org/vpn) `<script>`"
    )
    assert "&lt;img" in neutralise_html(text)
    browser.set_markdown(text)
    plain = browser.document().toPlainText()
    assert "<img src=x onerror=alert(1)>" in plain
    assert "<b>bold?</b>" in plain
    assert "[image: tracker]" in plain
    assert "<script>" in plain
    html = browser.toHtml()
    assert "javascript:" not in html
    assert "evil.example" not in html
    assert "https://docs.example.org/vpn" in html
    opened: list[QUrl] = []
    monkeypatch.setattr(  # type: ignore[attr-defined]
        "acero_desktop.ui.detail.markdown.QDesktopServices.openUrl", opened.append
    )
    refused: list[QUrl] = []
    browser.link_refused.connect(refused.append)
    browser.follow(QUrl("javascript:alert(1)"))
    browser.follow(QUrl("file:///etc/passwd"))
    browser.follow(QUrl("https://docs.example.org/vpn"))
    assert [u.toString() for u in opened] == ["https://docs.example.org/vpn"]
    assert len(refused) == 2
    assert browser.loadResource(2, QUrl("http://evil.example/pixel.png")) is None


def test_unknown_ticket_ids_do_not_break_the_pane(make_window: MakeWindow) -> None:
    window = make_window("requester")
    window.open_ticket(uuid.uuid4().hex)
    assert window.pane.detail is None
    assert "no longer visible" in window.pane.empty.text()
