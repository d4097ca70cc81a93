"""Starting the client: the QApplication, the qasync loop, one instance, sign-in, the window.

``qasync.run(main())`` (Python 3.11: it installs qasync's loop policy) runs Qt and asyncio on
one thread; the sync engine, logins and uploads are tasks on that loop. The coroutine ends
when the window closes, and its result is the exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from acero_desktop.sync.status import Phase, SyncStatus

from . import paths
from .crash import CrashReporter
from .login.tokens import TokenStore
from .mainwindow import MainWindow
from .resources import app_icon
from .session import ClientSession, Profile
from .settings import read_str, settings
from .single_instance import SingleInstance
from .tasks import spawn
from .theme import ThemeManager

if TYPE_CHECKING:
    from .login.dialog import SignedIn

log = logging.getLogger("acero.ui")


@dataclass(frozen=True, slots=True)
class ClientArgs:
    server: str | None
    user: str | None
    login: bool


def parse_client_args(argv: Sequence[str]) -> ClientArgs:
    parser = argparse.ArgumentParser(prog="acero", description="The Acero desktop client.")
    parser.add_argument("--server", help="server URL, e.g. https://acero.example.org")
    parser.add_argument("--user", help="user name")
    parser.add_argument("--login", action="store_true", help="sign in again (another account)")
    ns = parser.parse_args(list(argv))
    return ClientArgs(ns.server, ns.user, ns.login)


def make_app(argv: Sequence[str] = ()) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("Acero")
    app.setOrganizationName("Acero")
    app.setApplicationDisplayName("Acero")
    app.setDesktopFileName("acero")
    app.setWindowIcon(app_icon())
    # Quitting is the main coroutine's decision (a dialog closing must not end the app).
    app.setQuitOnLastWindowClosed(False)
    return app


def settle_after_start() -> None:
    """Once the window is up: keep what start-up made out of the garbage collector's way.

    Modules, SQLAlchemy's compiled structures, Qt wrappers and the directory are some 120k
    objects that live as long as the app; each full collection walked them all (60–160 ms on
    the GUI thread, the slowest searches of the table). ``gc.freeze`` moves them to the
    permanent generation in O(1); later collections only look at what came after.
    """
    gc.freeze()


async def sign_in(tokens: TokenStore, server: str, user: str, message: str = "") -> SignedIn | None:
    from .login.dialog import LoginDialog  # only when a sign-in is needed

    dialog = LoginDialog(tokens, server_url=server, username=user, message=message)
    dialog.open()
    outcome: SignedIn | None = await dialog.outcome
    if outcome is not None:
        s = settings()
        s.setValue("login/server", outcome.server_url)
        s.setValue("login/user", outcome.username)
    return outcome


async def client_main(app: QApplication, args: ClientArgs, instance: SingleInstance) -> int:
    theme = ThemeManager(app)
    crash = CrashReporter()
    crash.install(asyncio.get_running_loop())
    tokens = TokenStore()
    server = args.server or read_str("login/server")
    user = args.user or read_str("login/user")
    token = None if args.login or not (server and user) else tokens.get(server, user)
    signed: SignedIn | None = None
    if token is None:
        signed = await sign_in(tokens, server, user)
        if signed is None:
            return 1
        server, user = signed.server_url, signed.username

    def current_token() -> str | None:
        return tokens.get(server, user)

    session = ClientSession(Profile(server, user, paths.cache_file(server, user)), current_token)
    if signed is not None:
        session.set_user(signed.result.user_id)
    window = MainWindow(session, theme=theme)
    crash.parent = window
    instance.activated.connect(window.bring_to_front)
    relogin = Relogin(session, tokens, server, user)
    window.show()
    settle_after_start()
    # The sync engine starts once the table is on screen (its modules are not needed to draw
    # it); a window that is not painted (started minimised) starts it a second later.
    window.first_painted.connect(session.start)
    QTimer.singleShot(1000, session, session.start)
    # What start-up deferred (the detail pane, the mutators) lives as long as the app too.
    window.warmed_up.connect(settle_after_start)
    try:
        await window.closed
    finally:
        relogin.asking = True  # no dialog while shutting down
        await session.stop()
        crash.uninstall()
    return 0


class Relogin:
    """When the server ends the session, ask for the password again, then sync on."""

    def __init__(self, session: ClientSession, tokens: TokenStore, server: str, user: str) -> None:
        self.session, self.tokens, self.server, self.user = session, tokens, server, user
        self.asking = False
        session.status_changed.connect(self.on_status)

    def on_status(self, status: SyncStatus) -> None:
        if status.phase is not Phase.LOGIN_REQUIRED or self.asking:
            return
        self.asking = True
        self.tokens.forget(self.server, self.user)
        spawn(self._again(status.message), name="sign in again")

    async def _again(self, message: str) -> None:
        try:
            outcome = await sign_in(self.tokens, self.server, self.user, message)
            if outcome is not None:
                self.session.restart()
        finally:
            self.asking = False
