"""The new-ticket form. Works offline: creating a ticket is a local mutation like any other.

Fields are checked as they are left (and again on Create) with the messages of the mutation's
own validators, shown under the field. Suggestions follow the title and description through a
throttle, computed off the GUI thread.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from acero_desktop.core.mutations.argtypes import MAX_TEXT, MAX_TITLE
from acero_desktop.models import Priority, TicketCategory, TicketStatus

from ..detail.files import limit_text, why_not_upload
from ..directory import Category, Directory
from ..resources import app_icon, priority_icon, status_icon, svg_icon
from ..search.throttle import Throttle
from ..session import ClientSession, new_id
from ..tasks import alive, spawn
from .categories import CategoryPicker
from .delegate import SuggestionDelegate
from .suggestions import Suggestion, suggest

SUGGEST_MS = 300


def title_problem(text: str) -> str | None:
    text = text.strip()
    if not text:
        return "A title is required: say in a few words what is wrong."
    if len(text) > MAX_TITLE:
        return f"A title can be at most {MAX_TITLE} characters long ({len(text)} now)."
    return None


def description_problem(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return f"A description can be at most {MAX_TEXT:,} characters long."
    return None


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #DC2626;")
    label.setWordWrap(True)
    label.hide()
    return label


class NewTicketDialog(QDialog):
    created = Signal(str, list)  # hex id of the new ticket, files to upload
    open_ticket = Signal(str)

    def __init__(
        self, session: ClientSession, directory: Directory, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newTicket")
        self.setWindowTitle("New ticket")
        self.setWindowIcon(app_icon())
        self.session = session
        self.directory = directory
        self._seq = 0
        self.suggestions: list[Suggestion] = []

        self.title = QLineEdit()
        self.title.setObjectName("newTitle")
        self.title.setPlaceholderText("e.g. Printer on the 3rd floor jams every morning")
        self.title_error = _error_label()
        self.title_error.setObjectName("titleError")
        self.category = CategoryPicker()
        self.category.set_directory(directory)
        self.category.chosen.connect(self._category_chosen)
        self.priority = QComboBox()
        self.priority.setObjectName("newPriority")
        for p in Priority:
            self.priority.addItem(priority_icon(p), p.label, p.value)
        self.priority.setCurrentIndex(list(Priority).index(Priority.NORMAL))
        self._priority_touched = False
        self.priority.activated.connect(lambda _i: setattr(self, "_priority_touched", True))
        self.description = QPlainTextEdit()
        self.description.setObjectName("newDescription")
        self.description.setPlaceholderText(
            "What happened, what did you expect, since when? (Markdown)"
        )
        self.description_error = _error_label()
        self.files = QListWidget()
        self.files.setObjectName("newFiles")
        self.files.setMaximumHeight(70)
        self.add_file = QPushButton("Add file…")
        self.add_file.clicked.connect(self._choose_files)
        self.file_note = QLabel(f"Drop files here · {limit_text()}")
        self.file_note.setStyleSheet("color: gray;")
        self.file_error = _error_label()
        self.paths: list[Path] = []

        self.suggest_list = QListWidget()
        self.suggest_list.setObjectName("suggestions")
        self.suggest_list.setWordWrap(True)
        self.suggest_list.setSpacing(3)
        self.suggest_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.suggest_list.setItemDelegate(SuggestionDelegate(self.suggest_list))
        self.suggest_list.itemActivated.connect(self._suggestion_activated)
        self.suggest_note = QLabel("Type a title: similar solved tickets and articles show here.")
        self.suggest_note.setWordWrap(True)
        self.suggest_note.setStyleSheet("color: gray;")

        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("", self.title_error)
        form.addRow("Category", self.category)
        form.addRow("Priority", self.priority)
        form.addRow("Description", self.description)
        form.addRow("", self.description_error)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_note, 1)
        file_row.addWidget(self.add_file)
        files_box = QVBoxLayout()
        files_box.addWidget(self.files)
        files_box.addLayout(file_row)
        files_box.addWidget(self.file_error)
        form.addRow("Files", files_box)
        left = QWidget()
        left.setLayout(form)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(QLabel("<b>Maybe this helps</b>"))
        right_layout.addWidget(self.suggest_note)
        right_layout.addWidget(self.suggest_list, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 420])
        split.setChildrenCollapsible(False)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create ticket")
        self.create_button.setObjectName("createTicket")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.offline = QLabel()
        self.offline.setStyleSheet("color: gray;")
        self.form_error = _error_label()
        self.form_error.setObjectName("formError")
        bottom = QHBoxLayout()
        bottom.addWidget(self.offline, 1)
        bottom.addWidget(self.form_error, 2)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self.resize(1000, 580)
        self.setAcceptDrops(True)

        self.throttle = Throttle(self._refresh_suggestions, SUGGEST_MS, self)
        self.title.textEdited.connect(lambda _t: self._typed())
        self.title.editingFinished.connect(self._check_title)
        self.description.textChanged.connect(self._typed)
        self._title_touched = False
        if not session.online:
            self.offline.setText("You are offline: the ticket is saved here and sent later.")
        self._pending_id: str | None = None
        session.mutation_failed.connect(self._refused)

    # -- validation ------------------------------------------------------------------------

    def _check_title(self) -> bool:
        self._title_touched = True
        problem = title_problem(self.title.text())
        self.title_error.setText(problem or "")
        self.title_error.setVisible(problem is not None)
        return problem is None

    def _check_description(self) -> bool:
        problem = description_problem(self.description.toPlainText())
        self.description_error.setText(problem or "")
        self.description_error.setVisible(problem is not None)
        return problem is None

    def _typed(self) -> None:
        if self._title_touched:
            self._check_title()
        self.throttle()

    # -- fields ----------------------------------------------------------------------------

    def _category_chosen(self, category: Category | None) -> None:
        if category is None or self._priority_touched:
            return
        default = self._default_priority(category.id)
        if default is not None:
            self.priority.setCurrentIndex(list(Priority).index(default))

    def _default_priority(self, category_id: uuid.UUID) -> Priority | None:
        with self.session.read() as s:
            row = s.get(TicketCategory, category_id)
            return row.default_priority if row is not None else None

    def _choose_files(self) -> None:
        dialog = QFileDialog(self, f"Attach files ({limit_text()})")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda names: self.add_paths([Path(n) for n in names]))
        dialog.open()
        self._file_dialog = dialog

    def add_paths(self, paths: list[Path]) -> None:
        problems = []
        for path in paths:
            reason = why_not_upload(path)
            if reason:
                problems.append(reason)
                continue
            self.paths.append(path)
            self.files.addItem(QListWidgetItem(path.name))
        self.file_error.setText("\n".join(problems))
        self.file_error.setVisible(bool(problems))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()

    # -- suggestions -----------------------------------------------------------------------

    def _refresh_suggestions(self) -> None:
        actor = self.session.actor
        text = f"{self.title.text()}\n{self.description.toPlainText()}"
        if actor is None or self.session.closed:
            return
        self._seq += 1
        spawn(self._suggest(self._seq, text), name="suggest")

    async def _suggest(self, seq: int, text: str) -> None:
        actor = self.session.actor
        if actor is None:
            return
        found = await self.session.read_async(lambda s: suggest(s, actor, text))
        if seq != self._seq:
            return  # the user typed on meanwhile; a newer answer is coming
        self.show_suggestions(found)

    def show_suggestions(self, found: list[Suggestion]) -> None:
        self.suggestions = found
        self.suggest_list.clear()
        for s in found:
            icon = status_icon(TicketStatus.RESOLVED) if s.kind == "ticket" else svg_icon("article")
            item = QListWidgetItem(icon, s.title)
            item.setData(Qt.ItemDataRole.UserRole, s)
            item.setToolTip("Double-click to open" if s.kind == "ticket" else s.detail)
            self.suggest_list.addItem(item)
        self.suggest_note.setVisible(not found)
        if not found:
            self.suggest_note.setText("No similar solved tickets or articles yet.")

    def _suggestion_activated(self, item: QListWidgetItem) -> None:
        s = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(s, Suggestion) and s.kind == "ticket":
            self.open_ticket.emit(s.id)

    # -- creating --------------------------------------------------------------------------

    def args(self) -> dict[str, Any]:
        category = self.category.category
        return {
            "id": new_id(),
            "title": self.title.text().strip(),
            "description": self.description.toPlainText(),
            "priority": self.priority.currentData(),
            "category_id": str(category.id) if category else None,
        }

    def submit(self) -> None:
        ok_title, ok_description = self._check_title(), self._check_description()
        if not (ok_title and ok_description):
            (self.title if not ok_title else self.description).setFocus()
            return
        args = self.args()
        self._pending_id = args["id"]
        self.form_error.hide()
        self.create_button.setEnabled(False)
        task = self.session.mutate("ticket.create", args)
        task.add_done_callback(lambda t: self._done(args, t.result() is not None))

    def _refused(self, name: str, message: str, args: object) -> None:
        if (
            name == "ticket.create"
            and isinstance(args, dict)
            and args.get("id") == self._pending_id
        ):
            self.form_error.setText(message)
            self.form_error.show()

    def _done(self, args: dict[str, Any], ok: bool) -> None:
        if not alive(self):
            return
        self.create_button.setEnabled(True)
        if not ok:
            return  # the refusal is shown by the main window (mutation_failed)
        self.created.emit(uuid.UUID(args["id"]).hex, list(self.paths))
        self.accept()
