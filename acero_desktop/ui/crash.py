"""Unexpected errors: logged to a rotating file and shown with "Copy details"; the app goes on.

qasync routes exceptions of ``@asyncSlot`` and of Qt virtuals to ``sys.excepthook``, and those
of bare asyncio tasks to the loop's exception handler; both end up in :meth:`CrashReporter.report`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from . import paths

log = logging.getLogger("acero.ui")
LOG_NAME = "acero.log"


def configure_logging(directory: Path | None = None) -> Path:
    """Log INFO and up to a rotating file (5 × 1 MB) in the platform's log folder."""
    folder = directory or paths.log_dir()
    path = folder / LOG_NAME
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, RotatingFileHandler)]
    if any(Path(h.baseFilename) == path.absolute() for h in ours):
        return path
    for old in ours:  # the log folder moved (another ACERO_HOME): follow it, never write twice
        root.removeHandler(old)
        old.close()
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return path


class CrashReporter:
    """Installs itself as ``sys.excepthook`` and as the loop's exception handler."""

    def __init__(self, parent: QWidget | None = None, *, show_dialog: bool = True) -> None:
        self.parent = parent
        self.show_dialog = show_dialog
        self.dialogs: list[ErrorDialog] = []
        self._previous = sys.excepthook

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        sys.excepthook = self.excepthook
        if loop is not None:
            loop.set_exception_handler(self.loop_handler)

    def uninstall(self) -> None:
        sys.excepthook = self._previous

    def excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        self.report(exc, tb)

    def loop_handler(self, _loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            self.report(exc, exc.__traceback__)
        else:
            log.error("asyncio: %s", context.get("message", context))

    def report(self, exc: BaseException, tb: TracebackType | None = None) -> None:
        if isinstance(exc, KeyboardInterrupt):
            app = QApplication.instance()
            if app is not None:
                app.quit()
            return
        details = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
        log.error("unexpected error\n%s", details)
        if self.show_dialog and QApplication.instance() is not None:
            self.dialogs.append(self._dialog(exc, details))

    def _dialog(self, exc: BaseException, details: str) -> ErrorDialog:
        dialog = ErrorDialog(exc, details, self.parent)
        dialog.finished.connect(lambda _r: self._forget(dialog))
        dialog.open()
        return dialog

    def _forget(self, dialog: ErrorDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)


class ErrorDialog(QDialog):
    """What went wrong in one sentence, the traceback below, and a button to copy it."""

    def __init__(self, exc: BaseException, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Acero ran into a problem")
        self.details = details
        layout = QVBoxLayout(self)
        summary = QLabel(
            "Something went wrong, but Acero keeps running and your work is safe in the local "
            f"cache.\n\n{type(exc).__name__}: {exc}\n\n"
            f"Details were written to {paths.log_dir() / LOG_NAME}."
        )
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(summary)
        text = QPlainTextEdit(details)
        text.setReadOnly(True)
        text.setMinimumSize(520, 180)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details)
        self.copy_button.setText("Copied")


def excepthook_installed() -> bool:
    return isinstance(getattr(sys.excepthook, "__self__", None), CrashReporter)
