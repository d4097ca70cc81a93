"""The detail pane driven by clicks and keys: workflow, comments, roles, notices, files."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import exists, select, update

from acero_desktop.core.mutations import MAX_ATTACHMENT_BYTES
from acero_desktop.models import Ticket, TicketComment, TicketStatus
from acero_desktop.ui.detail.conflict import ConflictDialog
from acero_desktop.ui.detail.data import CommentView
from acero_desktop.ui.detail.markdown import SafeTextBrowser, neutralise_html
from acero_desktop.ui.detail.prompts import DescriptionEditor, FeedbackPrompt, StatusPrompt
from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.tickets.columns import Column
from acero_desktop.ui.tickets.query import TicketQuery
from tests.ui.helpers import find_ticket

MakeWindow = Callable[[str], MainWindow]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _find(window: MainWindow, *where: object) -> Ticket:
    """A ticket of this user's (visible) tickets meeting ``where``, as a plain ORM snapshot."""
    return find_ticket(window.session, *where)


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


# -- comment edit and delete ------------------------------------------------------------------


def _link_point(browser: SafeTextBrowser, href: str) -> QPoint | None:
    """Where a link is drawn in a text browser's viewport (None: not shown)."""
    doc = browser.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.isValid() and frag.charFormat().anchorHref() == href:
                cursor = QTextCursor(doc)
                cursor.setPosition(frag.position() + min(1, frag.length() - 1))
                browser.ensureCursorVisible()
                browser.setTextCursor(cursor)
                browser.ensureCursorVisible()
                return browser.cursorRect(cursor).center()
            it += 1
        block = block.next()
    return None


def _click_link(qtbot: QtBot, browser: SafeTextBrowser, href: str) -> None:
    point = _link_point(browser, href)
    assert point is not None, f"no link {href}"
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=point)


def _my_comment(window: MainWindow) -> tuple[Ticket, TicketComment]:
    """An open team ticket with a public comment written by this user."""
    me = window.session.user_id
    actor = window.session.actor
    assert actor is not None
    with window.session.read() as s:
        row = s.execute(
            select(Ticket, TicketComment)
            .join(TicketComment, TicketComment.ticket_id == Ticket.id)
            .where(
                TicketComment.author_id == me,
                TicketComment.deleted_at.is_(None),
                TicketComment.internal.is_(False),
                Ticket.team_id.in_(actor.team_ids),
            )
            .order_by(Ticket.number)
            .limit(1)
        ).first()
    assert row is not None, "the seeded cache has no comment of this user"
    ticket = _arrange(window, row[0], status=TicketStatus.IN_PROGRESS, closed_at=None)
    return ticket, row[1]


def _comment_view(window: MainWindow, comment_id: uuid.UUID) -> CommentView:
    assert window.pane.detail is not None
    return next(c for c in window.pane.detail.comments if c.id == comment_id.hex)


def test_author_edits_a_comment_in_place(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    ticket, comment = _my_comment(window)
    _open(qtbot, window, ticket)
    thread = window.pane.conversation
    _click_link(qtbot, thread, f"acero:edit/{comment.id.hex}")
    editor = thread.editor
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    assert editor.text.toPlainText() == comment.body
    # The editor lies over the comment's card, inside the visible thread.
    assert thread.viewport().rect().intersects(editor.geometry())
    qtbot.keyClick(editor.text, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor.text, "Correction: the **new** toner is on the shelf.")
    qtbot.keyClick(editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    shown = thread.document().toPlainText()
    assert "Correction: the new toner is on the shelf." in shown
    assert comment.body[:20] not in shown
    view = _comment_view(window, comment.id)
    assert view.edited and view.pending
    assert "(edited)" in shown
    assert "pending" in shown
    entry = window.session.cache.pending()[-1]
    assert entry.name == "comment.edit"


def test_escape_cancels_a_comment_edit_and_keeps_the_text(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    ticket, comment = _my_comment(window)
    _open(qtbot, window, ticket)
    thread = window.pane.conversation
    _click_link(qtbot, thread, f"acero:edit/{comment.id.hex}")
    editor = thread.editor
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    qtbot.keyClicks(editor.text, " and something I did not mean")
    qtbot.keyClick(editor.text, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=3000)
    assert window.pane.isVisible()  # Esc cancelled the edit, it did not close the pane
    assert "did not mean" not in thread.document().toPlainText()
    assert not window.session.cache.pending()
    # An emptied comment is not saved: it says so and stays open.
    _click_link(qtbot, thread, f"acero:edit/{comment.id.hex}")
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    qtbot.keyClick(editor.text, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor.text, Qt.Key.Key_Delete)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.isVisible()
    assert editor.error.text() == "A comment cannot be empty; delete it instead."


def test_deleting_a_comment_asks_first(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    ticket, comment = _my_comment(window)
    _open(qtbot, window, ticket)
    thread = window.pane.conversation
    _click_link(qtbot, thread, f"acero:delete/{comment.id.hex}")
    box = window.pane.confirm
    assert box is not None
    qtbot.waitExposed(box)
    assert "Delete this comment" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not window.session.cache.pending()
    assert not _comment_view(window, comment.id).deleted
    _click_link(qtbot, thread, f"acero:delete/{comment.id.hex}")
    box = window.pane.confirm
    assert box is not None
    qtbot.waitExposed(box)
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _comment_view(window, comment.id).deleted, timeout=5000)
    assert _comment_view(window, comment.id).pending
    assert "This comment was deleted." in thread.document().toPlainText()
    assert _link_point(thread, f"acero:edit/{comment.id.hex}") is None


def test_only_the_author_may_edit_and_leads_may_delete_comments(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    agent = make_window("agent")
    ticket, comment = _my_comment(agent)
    _open(qtbot, agent, ticket)
    assert _link_point(agent.pane.conversation, f"acero:edit/{comment.id.hex}") is not None
    others = [c for c in agent.pane.detail.comments if c.id != comment.id.hex and not c.deleted]  # type: ignore[union-attr]
    mine = {c.id for c in agent.pane.detail.comments if c.can_edit}  # type: ignore[union-attr]
    for other in others:
        if other.id in mine:
            continue
        assert _link_point(agent.pane.conversation, f"acero:edit/{other.id}") is None
        assert _link_point(agent.pane.conversation, f"acero:delete/{other.id}") is None
    admin = make_window("admin")
    _arrange(admin, ticket, status=TicketStatus.IN_PROGRESS, closed_at=None)
    _open(qtbot, admin, ticket)
    # An admin may delete the agent's comment, but not put words in the agent's mouth.
    assert _link_point(admin.pane.conversation, f"acero:delete/{comment.id.hex}") is not None
    assert _link_point(admin.pane.conversation, f"acero:edit/{comment.id.hex}") is None


# -- resolving a refused title or description edit ------------------------------------------


def _someone_else_changed(window: MainWindow, ticket: Ticket, **server_values: object) -> str:
    """The server refuses the pending edit: meanwhile someone else stored ``server_values``.

    What the engine does with a ``rejected`` push result, with the server's row (the shadow)
    holding the other person's text; returns the refusal's message.
    """
    from sqlalchemy.orm import Session

    from acero_desktop.sync.tables import ShadowRow

    cache = window.session.cache
    with Session(cache.engine) as s, s.begin():
        shadow = s.get(ShadowRow, ("ticket", str(ticket.id)))
        assert shadow is not None and shadow.row is not None
        shadow.row = {**shadow.row, **server_values}
    entry = cache.pending()[-1]
    assert entry.name == "ticket.update"
    field = next(iter(server_values))
    message = f"The {field} of ACR-{ticket.number} was changed by someone else while you edited it."
    report = cache.reject(entry.mutation_id, "conflict", message)
    window.session.engine.cb.issue(message)
    window.session.engine.cb.changed(report)
    return message


def _edit_description(qtbot: QtBot, window: MainWindow, text: str) -> None:
    _click_link(qtbot, window.pane.conversation, "acero:edit-description")
    editor = window.pane.prompt
    assert isinstance(editor, DescriptionEditor)
    qtbot.waitExposed(editor)
    qtbot.keyClick(editor.text, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for i, line in enumerate(text.split("\n")):  # QTest types no "\n": Return it is
        if i:
            qtbot.keyClick(editor.text, Qt.Key.Key_Return)
        qtbot.keyClicks(editor.text, line)
    assert editor.text.toPlainText() == text
    save = next(b for b in editor.findChildren(QPushButton) if b.text() == "Save")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.session.cache.pending()) == 1, timeout=5000)


BASE = (
    "The printer on floor 3 jams.\nIt shows error E13.\nIt happens every morning.\nPaper: A4, 80 g."
)


def test_title_conflict_offers_use_mine_from_the_sync_issues_list(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    ticket = _team_ticket(window, title="Printer on floor 3 jams")
    _open(qtbot, window, ticket)
    title = window.pane.fields.title
    qtbot.mouseClick(title, Qt.MouseButton.LeftButton)
    qtbot.keyClick(title, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(title, "Printer on floor 3 jams with E13")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.cache.pending()) == 1, timeout=5000)
    theirs = "Floor 3 printer: paper jam"
    message = _someone_else_changed(window, ticket, title=theirs)
    qtbot.waitUntil(window.pane.notice.isVisible, timeout=5000)
    assert message in window.pane.notice.text.text()
    assert window.pane.notice.resolve_button.isVisible()
    assert title.text() == theirs  # the refused edit was rolled back

    # In the Sync issues list, the conflict can be resolved too.
    qtbot.keyClick(window, Qt.Key.Key_Y, CTRL_SHIFT)
    qtbot.waitUntil(window.issues.isVisible, timeout=3000)
    issues = window.issues
    assert not issues.resolve.isEnabled()
    rect = issues.list.visualRect(issues.model.index(0, 0))
    qtbot.mouseClick(issues.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert issues.resolve.isEnabled()
    qtbot.mouseClick(issues.resolve, Qt.MouseButton.LeftButton)
    dialog = window.pane.prompt
    assert isinstance(dialog, ConflictDialog)
    qtbot.waitExposed(dialog)
    assert dialog.theirs.toPlainText() == theirs
    assert dialog.mine.toPlainText() == "Printer on floor 3 jams with E13"
    assert dialog.merged is None  # a title is one line: theirs or yours
    qtbot.mouseClick(dialog.use_mine, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: title.text() == "Printer on floor 3 jams with E13", timeout=5000)
    entry = window.session.cache.pending()[-1]
    assert entry.args["title"] == "Printer on floor 3 jams with E13"
    assert entry.args["base_title"] == theirs  # based on their text now: no conflict again
    assert window.pane.pending.isVisible()
    qtbot.waitUntil(lambda: issues.model.rowCount() == 0, timeout=5000)
    assert not window.pane.notice.isVisible()


def test_keep_theirs_drops_the_refused_edit(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("agent")
    ticket = _team_ticket(window, description=BASE)
    _open(qtbot, window, ticket)
    _edit_description(qtbot, window, BASE.replace("E13", "E13 since Monday"))
    theirs = BASE + "\nTray 2 is broken."
    _someone_else_changed(window, ticket, description=theirs)
    qtbot.waitUntil(window.pane.notice.resolve_button.isVisible, timeout=5000)
    qtbot.mouseClick(window.pane.notice.resolve_button, Qt.MouseButton.LeftButton)
    dialog = window.pane.prompt
    assert isinstance(dialog, ConflictDialog)
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.keep_theirs, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.issues.model.rowCount() == 0, timeout=5000)
    assert not window.pane.notice.isVisible()
    assert window.pane.detail is not None
    assert window.pane.detail.description == theirs
    assert not window.session.cache.pending()


def test_description_conflict_offers_a_three_way_merge(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("agent")
    ticket = _team_ticket(window, description=BASE)
    _open(qtbot, window, ticket)
    mine = BASE.replace("E13", "E13 since Monday").replace("80 g", "90 g")
    _edit_description(qtbot, window, mine)
    theirs = BASE.replace("jams.", "jams daily.").replace("80 g", "100 g")
    _someone_else_changed(window, ticket, description=theirs)
    qtbot.waitUntil(window.pane.notice.resolve_button.isVisible, timeout=5000)
    qtbot.mouseClick(window.pane.notice.resolve_button, Qt.MouseButton.LeftButton)
    dialog = window.pane.prompt
    assert isinstance(dialog, ConflictDialog)
    qtbot.waitExposed(dialog)
    assert dialog.theirs.toPlainText() == theirs
    assert dialog.mine.toPlainText() == mine
    assert dialog.merged is not None and dialog.save_merged is not None
    # Changes to different lines are both kept; the line both changed is marked.
    assert dialog.merged.toPlainText() == (
        "The printer on floor 3 jams daily.\n"
        "It shows error E13 since Monday.\n"
        "It happens every morning.\n"
        "<<<<<<< theirs (the current text)\n"
        "Paper: A4, 100 g.\n"
        "=======\n"
        "Paper: A4, 90 g.\n"
        ">>>>>>> yours (your refused edit)\n"
    )
    qtbot.mouseClick(dialog.save_merged, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # markers left: not saved, and it says why
    assert "conflict markers" in dialog.error.text()
    # The person keeps their paper weight and deletes the marker lines.
    text = dialog.merged
    cursor = text.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.movePosition(QTextCursor.MoveOperation.Down, n=3)
    text.setTextCursor(cursor)
    for _ in range(3):  # "<<<<<<< …", "Paper: A4, 100 g." and "======="
        qtbot.keyClick(text, Qt.Key.Key_End, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(text, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(text, Qt.Key.Key_Delete)
    qtbot.keyClick(text, Qt.Key.Key_Down)
    qtbot.keyClick(text, Qt.Key.Key_End, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(text, Qt.Key.Key_Backspace)
    qtbot.keyClick(text, Qt.Key.Key_Backspace)
    merged = (
        "The printer on floor 3 jams daily.\nIt shows error E13 since Monday.\n"
        "It happens every morning.\nPaper: A4, 90 g.\n"
    )
    assert text.toPlainText() == merged
    qtbot.mouseClick(dialog.save_merged, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.pane.detail is not None
            and window.pane.detail.description == merged.strip()  # stored stripped
        ),
        timeout=5000,
    )
    entry = window.session.cache.pending()[-1]
    assert entry.args["base_description"] == theirs
    assert "since Monday" in window.pane.conversation.document().toPlainText()
    qtbot.waitUntil(lambda: window.issues.model.rowCount() == 0, timeout=5000)


def test_a_refused_edit_is_still_offered_when_the_text_went_back_to_its_base(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """Someone changed the title while I edited it and later changed it back: my edit was
    never applied, so Resolve must still offer it rather than drop it as "agreed"."""
    window = make_window("agent")
    original = "Printer on floor 3 jams"
    ticket = _team_ticket(window, title=original)
    _open(qtbot, window, ticket)
    title = window.pane.fields.title
    qtbot.mouseClick(title, Qt.MouseButton.LeftButton)
    qtbot.keyClick(title, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(title, "Printer on floor 3 jams with E13")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.cache.pending()) == 1, timeout=5000)
    _someone_else_changed(window, ticket, title=original)  # back to the text I started from
    qtbot.waitUntil(window.pane.notice.resolve_button.isVisible, timeout=5000)
    assert title.text() == original
    qtbot.mouseClick(window.pane.notice.resolve_button, Qt.MouseButton.LeftButton)
    dialog = window.pane.prompt
    assert isinstance(dialog, ConflictDialog), "the refused edit was dismissed unseen"
    qtbot.waitExposed(dialog)
    assert dialog.mine.toPlainText() == "Printer on floor 3 jams with E13"
    qtbot.mouseClick(dialog.use_mine, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: title.text() == "Printer on floor 3 jams with E13", timeout=5000)
    qtbot.waitUntil(lambda: window.issues.model.rowCount() == 0, timeout=5000)
