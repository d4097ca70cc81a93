"""The sign-in dialog: server, user, password, "remember me"; the call runs as an asyncio task."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ..resources import app_icon
from ..tasks import spawn
from .client import LoginFailed, LoginResult, login, normalise_url
from .tokens import TokenStore

LoginFn = Callable[[str, str, str], Awaitable[LoginResult]]


@dataclass(frozen=True, slots=True)
class SignedIn:
    server_url: str
    username: str
    result: LoginResult
    remember: bool


class LoginDialog(QDialog):
    """Opened with ``open()``; :attr:`outcome` resolves to SignedIn, or None when cancelled."""

    def __init__(
        self,
        tokens: TokenStore,
        *,
        server_url: str = "",
        username: str = "",
        message: str = "",
        login_fn: LoginFn = login,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.tokens = tokens
        self._login = login_fn
        self.outcome: asyncio.Future[SignedIn | None] = asyncio.get_event_loop().create_future()
        self.setWindowTitle("Sign in to Acero")
        self.setWindowIcon(app_icon())

        self.server = QLineEdit(server_url or "http://127.0.0.1:8765")
        self.server.setPlaceholderText("https://acero.example.org")
        self.user = QLineEdit(username)
        self.user.setPlaceholderText("your user name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember me on this computer")
        self.remember.setChecked(tokens.persistent)
        self.keyring_note = QLabel(tokens.message or "")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(bool(tokens.message))
        if tokens.message:
            self.remember.setChecked(False)
            self.remember.setEnabled(False)
            self.remember.setToolTip(tokens.message)
        self.error = QLabel(message)
        self.error.setObjectName("loginError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #DC2626;")
        self.error.setVisible(bool(message))

        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("", self.remember)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Sign in")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        (self.password if username else self.user).setFocus(Qt.FocusReason.OtherFocusReason)

    def _submit(self) -> None:
        url = normalise_url(self.server.text())
        user, password = self.user.text().strip(), self.password.text()
        missing = [
            n for n, v in (("server", url), ("user name", user), ("password", password)) if not v
        ]
        if missing:
            self._show_error(f"Please fill in the {' and '.join(missing)}.")
            return
        self._busy(True)
        spawn(self._run(url, user, password), name="login")

    async def _run(self, url: str, user: str, password: str) -> None:
        try:
            result = await self._login(url, user, password)
        except LoginFailed as exc:
            self._busy(False)
            self._show_error(str(exc))
            return
        remember = self.remember.isChecked()
        self.tokens.put(url, user, result.token, remember=remember)
        if not self.outcome.done():
            self.outcome.set_result(SignedIn(url, user, result, remember))
        self.accept()

    def done(self, code: int) -> None:
        super().done(code)
        if not self.outcome.done():
            self.outcome.set_result(None)

    def _busy(self, busy: bool) -> None:
        for w in (self.server, self.user, self.password, self.buttons):
            w.setEnabled(not busy)
        if busy:
            self.error.setVisible(False)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
