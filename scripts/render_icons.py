"""Render the application icon's PNG sizes and the Windows .ico from resources/icons/acero.svg.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_icons.py

Run again after changing acero.svg; the outputs are committed (the build and the desktop entry
use them, and no SVG renderer is needed at install time).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "acero.svg"))
    if not renderer.isValid():
        print("acero.svg does not render", file=sys.stderr)
        return 1
    for size in SIZES:
        render(renderer, size).save(str(ICONS / f"acero-{size}.png"))
    render(renderer, 256).save(str(ICONS / "acero.png"))
    # The .ico holds one image per size; Qt's ico writer takes the largest given, so 256.
    render(renderer, 256).save(str(ICONS / "acero.ico"), "ICO")
    print(f"wrote {', '.join(f'acero-{s}.png' for s in SIZES)}, acero.png, acero.ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
