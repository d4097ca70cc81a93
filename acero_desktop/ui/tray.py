"""The system tray icon and its notifications — only where a tray exists.

Offscreen and bare X servers have none (``isSystemTrayAvailable()`` is False); then the app
simply has no tray and raises nothing, and everything else works the same.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from .resources import app_icon


class Tray(QObject):
    show_requested = Signal()
    new_ticket_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.icon: QSystemTrayIcon | None = None
        self.shown: list[tuple[str, str]] = []  # every message, also without a tray (tests)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        icon = QSystemTrayIcon(app_icon(), self)
        icon.setToolTip("Acero")
        menu = QMenu(parent)
        menu.addAction("Show Acero", self.show_requested.emit)
        menu.addAction("New ticket…", self.new_ticket_requested.emit)
        menu.addSeparator()
        menu.addAction("Quit", self.quit_requested.emit)
        icon.setContextMenu(menu)
        icon.activated.connect(self._activated)
        icon.show()
        self.icon = icon
        self._menu = menu

    @property
    def available(self) -> bool:
        return self.icon is not None

    def notify(self, title: str, message: str, *, warning: bool = False) -> None:
        self.shown.append((title, message))
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            kind = (
                QSystemTrayIcon.MessageIcon.Warning
                if warning
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.icon.showMessage(title, message, kind, 8000)

    def set_tooltip(self, text: str) -> None:
        if self.icon is not None:
            self.icon.setToolTip(f"Acero — {text}")

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_requested.emit()
