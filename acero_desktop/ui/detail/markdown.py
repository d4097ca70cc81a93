"""Markdown from other people, rendered safely.

- Raw HTML is text: ``<`` outside code is escaped before parsing, and the parser runs with
  ``MarkdownNoHTML`` as a second net, so ``<img onerror=…>`` shows as typed.
- Images are never loaded: they become "[image: alt]" and :meth:`SafeTextBrowser.loadResource`
  refuses every resource, so no remote URL is fetched (no tracking pixels).
- Links open only when http, https or mailto, through QDesktopServices after that check;
  other links (javascript:, file:, custom schemes) are turned back into plain text.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
INTERNAL_SCHEME = "acero"
FEATURES = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def neutralise_html(text: str) -> str:
    """Escape ``<`` outside code spans and fenced blocks, so no tag reaches the parser."""
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            out.append(line)
            continue
        out.append(_escape_outside_code_spans(line))
    return "".join(out)


def _escape_outside_code_spans(line: str) -> str:
    parts = re.split(r"(`+[^`]*`+)", line)
    return "".join(p if p.startswith("`") else p.replace("<", "&lt;") for p in parts)


def is_safe_link(url: QUrl) -> bool:
    scheme = url.scheme().lower()
    if scheme not in SAFE_SCHEMES or not url.isValid():
        return False
    return scheme == "mailto" or bool(url.host())


def markdown_document(text: str, parent: Any = None) -> QTextDocument:
    doc = QTextDocument(parent)
    render_into(doc, text)
    return doc


def render_into(doc: QTextDocument, text: str) -> None:
    doc.setMarkdown(neutralise_html(text), FEATURES)
    sanitise(doc)


def sanitise(doc: QTextDocument) -> None:
    """Replace images by their alt text and unlink every link that is not safe to open."""
    images: list[tuple[int, int, str]] = []
    bad_links: list[tuple[int, int]] = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.isValid():
                fmt = fragment.charFormat()
                start, length = fragment.position(), fragment.length()
                if fmt.isImageFormat():
                    alt = str(fmt.property(QTextFormat.Property.ImageAltText) or "").strip()
                    images.append((start, length, alt))
                elif fmt.isAnchor():
                    hrefs = [fmt.anchorHref()]
                    if not all(is_safe_link(QUrl(h)) for h in hrefs if h):
                        bad_links.append((start, length))
            it += 1
        block = block.next()
    edits: list[tuple[int, int, str | None]] = [(s, n, None) for s, n in bad_links]
    edits += [(s, n, a) for s, n, a in images]
    for start, length, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        cursor = QTextCursor(doc)
        cursor.setPosition(start)
        cursor.setPosition(start + length, QTextCursor.MoveMode.KeepAnchor)
        if replacement is None:
            plain = QTextCharFormat(cursor.charFormat())
            plain.setAnchor(False)
            plain.setAnchorHref("")
            plain.clearForeground()
            plain.setFontUnderline(False)
            cursor.setCharFormat(plain)
        else:
            text = f"[image: {replacement}]" if replacement else "[image]"
            cursor.insertText(text, QTextCharFormat())


class SafeTextBrowser(QTextBrowser):
    """A read-only rich text view that loads nothing and opens only checked links."""

    internal_link = Signal(QUrl)
    link_refused = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self.follow)
        self.opened: list[QUrl] = []  # what was handed to the desktop (tests read it)

    def set_markdown(self, text: str) -> None:
        render_into(self.document(), text)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        return None  # never fetch: no remote images, no local files

    def follow(self, url: QUrl) -> None:
        if url.scheme() == INTERNAL_SCHEME:
            self.internal_link.emit(url)
        elif is_safe_link(url):
            self.opened.append(url)
            QDesktopServices.openUrl(url)
        else:
            self.link_refused.emit(url)
