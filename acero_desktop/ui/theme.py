"""Light and dark themes on the Fusion style, following the system's colour scheme.

The choice ("system", "light", "dark") is a setting; "system" follows
``QStyleHints.colorScheme`` and switches live when the desktop does.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from .settings import read_str, settings

_KEY = "appearance/theme"


class ThemeChoice(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    if dark:
        colors = {
            role.Window: "#1F2329",
            role.WindowText: "#E6E8EB",
            role.Base: "#16191D",
            role.AlternateBase: "#1C2025",
            role.ToolTipBase: "#2A2F36",
            role.ToolTipText: "#E6E8EB",
            role.PlaceholderText: "#8A929C",
            role.Text: "#E6E8EB",
            role.Button: "#2A2F36",
            role.ButtonText: "#E6E8EB",
            role.BrightText: "#FF6B6B",
            role.Light: "#3A4048",
            role.Midlight: "#30353C",
            role.Mid: "#262A30",
            role.Dark: "#121417",
            role.Shadow: "#000000",
            role.Highlight: "#2F6FEB",
            role.HighlightedText: "#FFFFFF",
            role.Link: "#6EA8FE",
            role.LinkVisited: "#B197FC",
        }
        disabled = "#6B7178"
    else:
        colors = {
            role.Window: "#F4F5F7",
            role.WindowText: "#1F2328",
            role.Base: "#FFFFFF",
            role.AlternateBase: "#F7F8FA",
            role.ToolTipBase: "#FFFFE8",
            role.ToolTipText: "#1F2328",
            role.PlaceholderText: "#8A9099",
            role.Text: "#1F2328",
            role.Button: "#F0F1F3",
            role.ButtonText: "#1F2328",
            role.BrightText: "#D00000",
            role.Light: "#FFFFFF",
            role.Midlight: "#E9EBEE",
            role.Mid: "#C9CDD2",
            role.Dark: "#A0A6AD",
            role.Shadow: "#6B7178",
            role.Highlight: "#2F6FEB",
            role.HighlightedText: "#FFFFFF",
            role.Link: "#1F5FD1",
            role.LinkVisited: "#6F42C1",
        }
        disabled = "#A0A6AD"
    for r, c in colors.items():
        p.setColor(r, QColor(c))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor(disabled))
    return p


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


class ThemeManager(QObject):
    """Applies the chosen theme now and whenever the system scheme changes."""

    changed = Signal(bool)  # dark?

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        app.setStyle("Fusion")
        self.choice = ThemeChoice(read_str(_KEY, ThemeChoice.SYSTEM.value) or "system")
        app.styleHints().colorSchemeChanged.connect(lambda _s: self.apply())
        self.apply()

    def set_choice(self, choice: ThemeChoice) -> None:
        self.choice = choice
        settings().setValue(_KEY, choice.value)
        self.apply()

    def wants_dark(self) -> bool:
        if self.choice is ThemeChoice.SYSTEM:
            return self.app.styleHints().colorScheme() == Qt.ColorScheme.Dark
        return self.choice is ThemeChoice.DARK

    def apply(self) -> None:
        dark = self.wants_dark()
        self.app.setPalette(_palette(dark))
        self.changed.emit(dark)
