"""Icons and colours shared by every view: one place decides what "urgent" looks like.

The SVGs live in the repository's ``resources/icons`` (or a PyInstaller bundle's copy). When
they cannot be found, icons are drawn as plain coloured dots so the client still runs.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap

from acero_desktop.models import Priority, TicketStatus

PRIORITY_COLORS: dict[Priority, str] = {
    Priority.LOW: "#6B7C93",
    Priority.NORMAL: "#2F80ED",
    Priority.HIGH: "#E8833A",
    Priority.URGENT: "#E5484D",
}
STATUS_COLORS: dict[TicketStatus, str] = {
    TicketStatus.NEW: "#0EA5E9",
    TicketStatus.ASSIGNED: "#3B82F6",
    TicketStatus.IN_PROGRESS: "#8B5CF6",
    TicketStatus.WAITING: "#D97706",
    TicketStatus.RESOLVED: "#16A34A",
    TicketStatus.REOPENED: "#EA580C",
    TicketStatus.CLOSED: "#6B7280",
    TicketStatus.CANCELLED: "#9CA3AF",
}
AMBER = "#D97706"
RED = "#DC2626"
INTERNAL_NOTE_LIGHT = "#FFF4D6"
INTERNAL_NOTE_DARK = "#4A3A12"


def resource_dir() -> Path | None:
    """Where ``resources/`` is: a frozen bundle's copy, the source tree's, or a wheel's.

    A wheel installs them as data files under ``<prefix>/share/acero`` (pyproject's
    ``data-files``), beside the desktop entry in ``share/applications``.
    """
    candidates = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / "resources")
    candidates.append(Path(__file__).resolve().parents[2] / "resources")
    candidates.append(Path(sys.prefix) / "share" / "acero")
    return next((c for c in candidates if (c / "icons").is_dir()), None)


def icon_path(name: str) -> Path | None:
    base = resource_dir()
    if base is None:
        return None
    path = base / "icons" / f"{name}.svg"
    return path if path.is_file() else None


@cache
def svg_icon(name: str, fallback: str = "#888888") -> QIcon:
    """An icon from ``resources/icons/<name>.svg``, crisp at every size.

    Qt's SVG icon engine renders it when a size is first asked for (and keeps that pixmap):
    start-up draws only the sizes the table and the menus show, not eight sizes per icon.
    """
    path = icon_path(name)
    if path is not None:
        icon = QIcon(str(path))
        if not icon.isNull():
            return icon
    icon = QIcon()
    for size in (16, 32, 64):
        icon.addPixmap(_dot(size, fallback))
    return icon


def _dot(size: int, color: str) -> QPixmap:
    """A plain coloured dot: the icon when its SVG cannot be found."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QRectF(size * 0.2, size * 0.2, size * 0.6, size * 0.6))
    painter.end()
    return QPixmap.fromImage(image)


def app_icon() -> QIcon:
    return svg_icon("acero", "#1E40AF")


def priority_icon(priority: Priority) -> QIcon:
    return svg_icon(f"priority-{priority.value}", PRIORITY_COLORS[priority])


def status_icon(status: TicketStatus) -> QIcon:
    return svg_icon(f"status-{status.value}", STATUS_COLORS[status])


def internal_icon() -> QIcon:
    return svg_icon("internal-note", AMBER)
