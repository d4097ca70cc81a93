"""The detail pane: one ticket, every change through a mutation, every refusal in view.

Changes are optimistic: the mutation runs on the cache at once and the pane redraws from the
cache, with "pending" marks where the server has not confirmed yet (shadow rows). A change the
server later refuses comes back as a sync issue; the pane shows the ones about its ticket.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from acero_desktop.core.assignment import Candidate, rank_candidates
from acero_desktop.models import Ticket, TicketStatus
from acero_desktop.sync.cache import ApplyReport

from ..directory import TABLES as DIRECTORY_TABLES
from ..directory import Directory
from ..kanban.board import TaskBoard
from ..session import ClientSession, new_id
from ..slaview import SlaCalendars
from ..sync_issues import IssueRow
from ..tasks import alive, spawn
from ..timefmt import ago
from .composer import Composer
from .conflict import ConflictDialog, TextConflict, conflict_of
from .data import AttachmentView, TicketDetail, load_detail
from .drafts import DraftStore
from .fields import TicketFields
from .files import FileClient, FileError, why_not_upload
from .panels import AssignPanel, AttachmentsPanel, SlaPanel, WatchersPanel
from .prompts import DescriptionEditor, FeedbackPrompt, StatusPrompt, needs_prompt
from .thread import CommentThread, Opening
from .timeline import TimelineView
from .workflow import WorkflowBar

log = logging.getLogger("acero.ui.detail")

# Tables whose rows appear in the pane; a change to one may concern the shown ticket.
_PANE_TABLES = frozenset(
    {"ticket", "ticket_comment", "ticket_history", "attachment", "ticket_watcher", "feedback"}
)


@dataclass(eq=False)
class _Upload:
    """A file being sent, shown as pending until its row comes back through sync."""

    ticket_id: uuid.UUID
    path: Path
    attachment_id: uuid.UUID | None = None


class Notice(QFrame):
    """Refusals and conflicts about this ticket, in plain words, until dismissed."""

    dismissed = Signal()
    resolve = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setStyleSheet(
            "#notice { background: #FDECEC; border: 1px solid #DC2626; border-radius: 6px; }"
            "#notice QLabel { color: #7F1D1D; }"
        )
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("Dismiss")
        self.close_button.clicked.connect(self.dismissed)
        self.resolve_button = QToolButton()
        self.resolve_button.setObjectName("resolveConflict")
        self.resolve_button.setText("Resolve…")
        self.resolve_button.setToolTip(
            "Compare your edit with the current text: keep theirs, use yours or merge them"
        )
        self.resolve_button.clicked.connect(self.resolve)
        self.resolve_button.hide()
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.resolve_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.messages: list[str] = []
        self.hide()

    def set_messages(self, messages: list[str], *, resolvable: bool = False) -> None:
        self.messages = messages
        self.text.setText("\n".join(f"• {m}" for m in messages))
        self.resolve_button.setVisible(resolvable and bool(messages))
        self.setVisible(bool(messages))


class DetailPane(QWidget):
    close_requested = Signal()
    dismiss_issues = Signal(list)  # issue ids

    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setMinimumWidth(460)
        self.session = session
        self.ticket_id: str | None = None
        self.detail: TicketDetail | None = None
        self.directory = Directory()
        self.calendars = SlaCalendars()
        self.files = FileClient(session.profile.server_url, session.token)
        self.local_errors: list[str] = []
        self.issues: list[IssueRow] = []
        self.prompt: StatusPrompt | FeedbackPrompt | DescriptionEditor | ConflictDialog | None = (
            None
        )
        self.confirm: QMessageBox | None = None
        self.uploading: list[_Upload] = []
        self.candidates: list[Candidate] = []

        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close the pane (Esc)")
        self.close_button.clicked.connect(self.close_requested)
        self.notice = Notice()
        self.notice.dismissed.connect(self._dismiss_notice)
        self.notice.resolve.connect(self._resolve_first)
        self.fields = TicketFields()
        self.fields.update_requested.connect(self._update)
        self.fields.assign_requested.connect(self._assign)
        self.workflow = WorkflowBar()
        self.workflow.transition.connect(self.request_transition)
        self.sla = SlaPanel()
        self.conversation = CommentThread()
        self.conversation.reply_requested.connect(self._reply_to)
        self.conversation.edit_description_requested.connect(self.edit_description)
        self.conversation.edit_comment.connect(self.save_comment_edit)
        self.conversation.delete_requested.connect(self.ask_delete_comment)
        self.composer = Composer(DraftStore())
        self.composer.send.connect(self.send_comment)
        self.timeline = TimelineView()
        self.assign_panel = AssignPanel()
        self.assign_panel.assign.connect(self._assign)
        self.watchers = WatchersPanel()
        self.watchers.watch.connect(self._watch)
        self.attachments = AttachmentsPanel()
        self.attachments.add_files.connect(self.attach)
        self.attachments.open_file.connect(self._open_file)
        self.empty = QLabel("Select a ticket to see it here.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.number = QLabel()
        self.number.setObjectName("ticketNumber")
        self.pending = QLabel("pending")
        self.pending.setObjectName("pendingBadge")
        self.pending.setToolTip("Saved on this computer; waiting for the server to confirm it.")
        self.pending.setStyleSheet(
            "color: #B45309; border: 1px solid #D97706; border-radius: 8px; padding: 0 6px;"
        )
        head = QHBoxLayout()
        head.addWidget(self.number)
        head.addWidget(self.pending)
        head.addStretch(1)
        head.addWidget(self.close_button)

        conversation = QWidget()
        conv_layout = QVBoxLayout(conversation)
        conv_layout.setContentsMargins(4, 4, 4, 4)
        conv_layout.addWidget(self.conversation, 1)
        conv_layout.addWidget(self.composer)
        people = QWidget()
        people_layout = QVBoxLayout(people)
        self.assign_box = QGroupBox("Suggested assignees")
        QVBoxLayout(self.assign_box).addWidget(self.assign_panel)
        watch_box = QGroupBox("Watchers")
        QVBoxLayout(watch_box).addWidget(self.watchers)
        files_box = QGroupBox("Files")
        QVBoxLayout(files_box).addWidget(self.attachments)
        people_layout.addWidget(self.assign_box)
        people_layout.addWidget(watch_box)
        people_layout.addWidget(files_box)
        people_layout.addStretch(1)
        people_scroll = QScrollArea()
        people_scroll.setWidgetResizable(True)
        people_scroll.setFrameShape(QFrame.Shape.NoFrame)
        people_scroll.setWidget(people)
        self.tabs = QTabWidget()
        self.tabs.addTab(conversation, "Conversation")
        self.tabs.addTab(self.timeline, "Timeline")
        self.tabs.addTab(people_scroll, "People && files")
        self.task_board = TaskBoard(session)  # the ticket's tasks: ui/kanban
        self.tabs.addTab(self.task_board, "Tasks")
        self.task_board.count_changed.connect(
            lambda n: self.tabs.setTabText(self.tabs.indexOf(self.task_board), f"Tasks ({n})")
        )

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(6)
        actions = QHBoxLayout()
        actions.addWidget(self.workflow, 1)
        actions.addWidget(self.fields.assign_me)  # taking a ticket is an action, not a field
        body.addWidget(self.fields)
        body.addWidget(self.sla)
        body.addLayout(actions)
        body.addWidget(self.tabs, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addLayout(head)
        layout.addWidget(self.notice)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.empty, 1)
        self.setAcceptDrops(True)
        session.mutation_failed.connect(self._refused_locally)
        self.reload_directory()
        self._set_visible_parts(False)

    # -- loading -------------------------------------------------------------------------

    def reload_directory(self) -> None:
        self.directory = self.session.directory()
        with self.session.read() as s:
            self.calendars.load(s)

    def show_ticket(self, ticket_id: str | None, *, force: bool = False) -> None:
        if ticket_id == self.ticket_id and not force:
            return
        if ticket_id != self.ticket_id:
            self.local_errors = []
        self.ticket_id = ticket_id
        self.composer.open_ticket(ticket_id)
        self.task_board.show_ticket(ticket_id)
        self.reload()

    def reload(self) -> None:
        actor = self.session.actor
        detail = None
        if self.ticket_id is not None and actor is not None:
            with self.session.read() as s:
                pending = {
                    t: self.session.pending_ids(s, t)
                    for t in ("ticket", "ticket_comment", "ticket_history", "ticket_watcher")
                }
                detail = load_detail(
                    s,
                    actor,
                    self.ticket_id,
                    directory=self.directory,
                    calendars=self.calendars,
                    pending=pending,
                    now=self.session.now(),
                )
                self.candidates = self._suggestions(s, detail) if detail else []
        self.detail = detail
        self._set_visible_parts(detail is not None)
        if detail is None:
            self.empty.setText(
                "Select a ticket to see it here."
                if self.ticket_id is None
                else "This ticket is no longer visible to you."
            )
            return
        now = self.session.now()
        dates = (
            f"Opened {ago(detail.created_at, now)} by {detail.requester} · "
            f"updated {ago(detail.updated_at, now)}"
        )
        self.number.setText(f"<b>{detail.label}</b>")
        self.pending.setVisible(detail.pending)
        self.fields.show_detail(detail, self.directory, self.session.user_id, dates)
        self.workflow.set_transitions(
            detail.transitions, requester=detail.is_requester, current=detail.status
        )
        self.sla.show_sla(detail.sla)
        opening = Opening(
            detail.requester,
            detail.description,
            detail.created_at,
            can_edit=detail.controls.description is None,
        )
        self.conversation.show_thread(detail.comments, now, opening=opening)
        self.composer.set_permissions(detail.controls.comment, detail.controls.internal)
        self.timeline.timeline.set_history(detail.history, now)
        self.assign_box.setVisible(detail.works_on)
        self.assign_panel.show_candidates(self.candidates, detail.controls.assign)
        self.watchers.show_watchers(detail.watchers, detail, self.directory, self.session.user_id)
        self._show_files()
        self._show_notices()

    def _suggestions(self, s: Any, detail: TicketDetail) -> list[Candidate]:
        if not detail.works_on or not detail.status.is_open or detail.team_id is None:
            return []
        return rank_candidates(
            s, category_id=detail.category_id, team_id=detail.team_id, now=self.session.now()
        )

    def _set_visible_parts(self, has_ticket: bool) -> None:
        self.body.setVisible(has_ticket)
        self.number.setVisible(has_ticket)
        self.pending.setVisible(has_ticket and self.detail is not None and self.detail.pending)
        self.empty.setVisible(not has_ticket)

    def on_changed(self, report: ApplyReport) -> None:
        """Reload when sync or a local change touched something this pane shows."""
        if report.full_reload or DIRECTORY_TABLES & report.touched.keys():
            self.reload_directory()
        if self.ticket_id is None:
            return
        if report.full_reload or self._concerns(report):
            self.reload()

    def _concerns(self, report: ApplyReport) -> bool:
        # Most changes to a ticket's comments, files, watchers or feedback write a history
        # row and stamp the ticket's updated_at, so the ticket row is touched too; an edited
        # comment is not, so its id is looked for among the comments shown.
        if self.ticket_id is None or not _PANE_TABLES & report.touched.keys():
            return False
        if self.ticket_id in {uuid.UUID(t).hex for t in report.touched.get("ticket", set())}:
            return True
        comments = report.touched.get("ticket_comment", set())
        if comments and self.detail is not None:
            shown = {c.id for c in self.detail.comments}
            return any(uuid.UUID(c).hex in shown for c in comments)
        return False

    # -- notices ---------------------------------------------------------------------------

    def set_issues(self, issues: list[IssueRow]) -> None:
        self.issues = issues
        self._show_notices()

    def _show_notices(self) -> None:
        issues = [i for i in self.issues if i.ticket_id == self.ticket_id]
        self.notice.set_messages(
            [*(i.message for i in issues), *self.local_errors],
            resolvable=any(i.is_text_conflict for i in issues),
        )

    # -- resolving a refused text edit -----------------------------------------------------

    def _resolve_first(self) -> None:
        issue = next(
            (i for i in self.issues if i.ticket_id == self.ticket_id and i.is_text_conflict),
            None,
        )
        if issue is not None:
            self.resolve_issue(issue)

    def _current_texts(self, ticket_id: str) -> dict[str, str]:
        with self.session.read() as s:
            ticket = s.get(Ticket, uuid.UUID(ticket_id))
            if ticket is None:
                return {}
            return {"title": ticket.title, "description": ticket.description}

    def resolve_issue(self, issue: IssueRow) -> ConflictDialog | None:
        """Offer theirs / yours / a merge for a refused title or description edit."""
        if not issue.is_text_conflict or issue.ticket_id is None:
            return None
        current = self._current_texts(issue.ticket_id)
        conflict = conflict_of(issue.id, issue.name, issue.code, issue.args, current)
        if conflict is None:
            # The texts agree now (or the ticket is gone): nothing is left to choose.
            self.dismiss_issues.emit([issue.id])
            return None
        ref = self.detail.label if self.detail and self.detail.id == issue.ticket_id else "it"
        dialog = ConflictDialog(ref, conflict, self)
        dialog.chosen.connect(lambda choice, text, c=conflict: self._resolved(c, choice, text))
        self.prompt = dialog
        dialog.open()
        return dialog

    def _resolved(self, conflict: TextConflict, choice: str, text: str) -> None:
        if choice == "theirs":
            self.dismiss_issues.emit([conflict.issue_id])
            return
        # Yours (or the merge), now based on their text: a new edit, checked as any other.
        args = {
            "id": conflict.ticket_id,
            conflict.field: text,
            f"base_{conflict.field}": conflict.theirs,
        }
        task = self.session.mutate("ticket.update", args)
        task.add_done_callback(
            lambda t: (
                self.dismiss_issues.emit([conflict.issue_id])
                if t.result() is not None and alive(self)
                else None
            )
        )

    def _dismiss_notice(self) -> None:
        ids = [i.id for i in self.issues if i.ticket_id == self.ticket_id]
        self.local_errors = []
        if ids:
            self.dismiss_issues.emit(ids)
        self.notice.set_messages([])

    def _refused_locally(self, name: str, message: str, args: object) -> None:
        target = None
        if isinstance(args, dict):
            raw = args.get("ticket_id") or (args.get("id") if name.startswith("ticket.") else None)
            target = uuid.UUID(str(raw)).hex if raw else None
        if target is not None and target == self.ticket_id:
            self.local_errors.append(message)
            self._show_notices()

    # -- changes ---------------------------------------------------------------------------

    def _mutate(self, name: str, args: dict[str, Any]) -> None:
        self.session.mutate(name, args)

    def _update(self, changes: dict[str, Any]) -> None:
        if self.detail is not None:
            self._mutate("ticket.update", {"id": str(self.detail.uid), **changes})

    def _assign(self, user_id: uuid.UUID | None) -> None:
        if self.detail is not None:
            self._mutate(
                "ticket.assign",
                {"id": str(self.detail.uid), "assignee_id": str(user_id) if user_id else None},
            )

    def assign_to_me(self) -> None:
        if self.detail is not None and self.detail.controls.assign_me is None:
            self._assign(self.session.user_id)

    def request_transition(self, to: TicketStatus) -> None:
        d = self.detail
        if d is None:
            return
        if needs_prompt(to):
            prompt = StatusPrompt(to, d.label, requester=d.is_requester, parent=self)
            prompt.submitted.connect(lambda extra, t=to: self.set_status(t, extra))
            self.prompt = prompt
            prompt.open()
            return
        self.set_status(to, {})

    def set_status(self, to: TicketStatus, extra: dict[str, Any]) -> None:
        d = self.detail
        if d is None:
            return
        args = {"id": str(d.uid), "from_status": d.status.value, "to_status": to.value, **extra}
        task = self.session.mutate("ticket.set_status", args)
        if to is TicketStatus.CLOSED and d.is_requester:
            task.add_done_callback(
                lambda t: self._ask_feedback(d) if t.result() and alive(self) else None
            )

    def _ask_feedback(self, d: TicketDetail) -> None:
        prompt = FeedbackPrompt(d.label, parent=self)
        prompt.submitted.connect(
            lambda rating, comment: self._mutate(
                "feedback.give",
                {"id": new_id(), "ticket_id": str(d.uid), "rating": rating, "comment": comment},
            )
        )
        self.prompt = prompt
        prompt.open()

    def send_comment(self, body: str, internal: bool, parent_id: str | None) -> None:
        d = self.detail
        if d is None:
            return
        args: dict[str, Any] = {
            "id": new_id(),
            "ticket_id": str(d.uid),
            "body": body,
            "internal": internal,
        }
        if parent_id:
            args["parent_id"] = str(uuid.UUID(parent_id))
        ticket_id = d.id
        task = self.session.mutate("comment.add", args)
        task.add_done_callback(lambda t: self._comment_done(ticket_id, t.result() is not None))

    def _comment_done(self, ticket_id: str, ok: bool) -> None:
        if ok and alive(self.composer) and ticket_id == self.composer.ticket_id:
            self.composer.sent()

    def edit_description(self) -> None:
        d = self.detail
        if d is None or d.controls.description is not None:
            return
        editor = DescriptionEditor(d.label, d.description, self)
        editor.submitted.connect(
            lambda text, base: self._update({"description": text, "base_description": base})
        )
        self.prompt = editor
        editor.open()

    # -- editing and deleting comments ------------------------------------------------------

    def save_comment_edit(self, comment_id: str, body: str) -> None:
        args = {"id": str(uuid.UUID(comment_id)), "body": body}
        task = self.session.mutate("comment.edit", args)
        task.add_done_callback(lambda t: self._comment_edited(comment_id, t.result() is not None))

    def _comment_edited(self, comment_id: str, ok: bool) -> None:
        editor = self.conversation.editor
        if not alive(self.conversation) or self.conversation.editing != comment_id:
            return
        if ok:
            self.conversation.cancel_edit()
        else:  # refused here already: the notice says why; the text stays to fix or copy
            editor.say("Not saved; see the message above.")

    def ask_delete_comment(self, comment_id: str) -> None:
        comments = self.detail.comments if self.detail else ()
        target = next((c for c in comments if c.id == comment_id and c.can_delete), None)
        if target is None:
            return
        box = QMessageBox(self)
        box.setObjectName("confirmDeleteComment")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete comment")
        kind = "internal note" if target.internal else "comment"
        box.setText(f"Delete this {kind} by {target.author}?")
        box.setInformativeText(
            "Everyone who sees the ticket will read “This comment was deleted.” in its place; "
            "replies to it stay. This cannot be undone."
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        delete.setObjectName("confirmDelete")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self._delete_comment(comment_id) if button is delete else None
        )
        self.confirm = box
        box.open()

    def _delete_comment(self, comment_id: str) -> None:
        if self.conversation.editing == comment_id:
            self.conversation.cancel_edit()
        self._mutate("comment.delete", {"id": str(uuid.UUID(comment_id))})

    def _reply_to(self, comment_id: str) -> None:
        comments = self.detail.comments if self.detail else ()
        target = next((c for c in comments if c.id == comment_id), None)
        if target is None:
            return
        self.composer.set_reply(comment_id, target.author)
        if target.internal and self.composer.internal.isEnabled():
            self.composer.internal.setChecked(True)
        self.tabs.setCurrentIndex(0)

    def _watch(self, user_id: uuid.UUID, add: bool) -> None:
        d = self.detail
        if d is None:
            return
        if add:
            args = {"id": new_id(), "ticket_id": str(d.uid), "user_id": str(user_id)}
            self._mutate("watch.add", args)
        else:
            self._mutate("watch.remove", {"ticket_id": str(d.uid), "user_id": str(user_id)})

    # -- files -----------------------------------------------------------------------------

    def attach(self, paths: list[Path]) -> None:
        d = self.detail
        if d is None:
            return
        if d.controls.attach is not None:
            self.attachments.say(d.controls.attach, error=True)
            return
        for path in paths:
            reason = why_not_upload(path)
            if reason:
                self.attachments.say(reason, error=True)
                continue
            self.attachments.say(f"Sending {path.name}…")
            item = _Upload(d.uid, path)
            self.uploading.append(item)
            self._show_files()
            spawn(self._upload(item), name=f"upload {path.name}")

    async def _upload(self, item: _Upload) -> None:
        try:
            body = await self.files.upload(item.ticket_id, item.path)
        except FileError as exc:
            if alive(self):
                self.uploading.remove(item)
                self._show_files()
                self.attachments.say(str(exc), error=True)
            return
        if not alive(self):
            return
        # Stored on the server; it stays "pending" here until sync brings its row.
        try:
            item.attachment_id = uuid.UUID(str(body.get("id")))
        except ValueError:
            self.uploading.remove(item)
        self._show_files()
        self.attachments.say(f"{item.path.name} attached.")

    def _show_files(self) -> None:
        d = self.detail
        if d is None:
            return
        have = {a.id for a in d.attachments}
        self.uploading = [u for u in self.uploading if u.attachment_id not in have]
        sending = [u.path.name for u in self.uploading if u.ticket_id == d.uid]
        self.attachments.show_files(d.attachments, d.controls.attach, sending=sending)

    def _open_file(self, attachment: AttachmentView) -> None:
        spawn(self._download(attachment), name=f"open {attachment.filename}")

    async def _download(self, attachment: AttachmentView) -> None:
        try:
            path = await self.files.download(attachment.id, attachment.filename)
        except FileError as exc:
            self.attachments.say(str(exc), error=True)
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def dragEnterEvent(self, event: Any) -> None:
        self.attachments.dragEnterEvent(event)

    def dropEvent(self, event: Any) -> None:
        self.attachments.dropEvent(event)

    def save_draft(self) -> None:
        self.composer.save_draft()
