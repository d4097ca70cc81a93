"""Light and dark themes on the Fusion style, following the system's colour scheme.

The choice ("system", "light", "dark") is a setting; "system" follows
``QStyleHints.colorScheme`` and switches live when the desktop does. The two palettes are data,
``resources/themes/light.json`` and ``dark.json`` (one colour per ``QPalette`` role).
"""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from functools import cache
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from .resources import resource_dir
from .settings import read_str, settings

log = logging.getLogger("acero.ui.theme")

_KEY = "appearance/theme"


class ThemeChoice(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


def theme_file(dark: bool) -> Path | None:
    """``resources/themes/<light|dark>.json``: the palette, editable without touching code."""
    base = resource_dir()
    path = base / "themes" / f"{'dark' if dark else 'light'}.json" if base else None
    return path if path is not None and path.is_file() else None


@cache
def _theme_colors(dark: bool) -> tuple[dict[str, str], dict[str, str]]:
    """(colour per role, disabled colour per role) of a theme file; empty when it is missing."""
    path = theme_file(dark)
    if path is None:
        log.warning("theme file for %s missing; using the style's palette", _name(dark))
        return {}, {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return dict(data.get("colors", {})), dict(data.get("disabled", {}))


def _name(dark: bool) -> str:
    return "dark" if dark else "light"


def _palette(dark: bool) -> QPalette:
    colors, disabled = _theme_colors(dark)
    if not colors:  # no resources (a bare wheel): Fusion's own palette still works
        return QApplication.style().standardPalette()
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for name, color in colors.items():
        p.setColor(getattr(role, name), QColor(color))
    for name, color in disabled.items():
        p.setColor(group.Disabled, getattr(role, name), QColor(color))
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
