"""``acero demo``: a whole Acero on one machine, with nothing to set up.

An ``acero-server`` subprocess on a temporary SQLite database seeded with demo data, and the
client signed in as ``agent``. The Demo menu signs in as the requester, the lead or the admin
instead — each with its own cache, as on their own computers — to show what each one sees.
The server stops when the demo ends.

Seeding hashes a password for every demo user (argon2, on purpose slow), so the seeded
database is kept as a template in the data folder and copied for each run; it is made again
once a day so the demo's dates stay fresh.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QProgressBar, QVBoxLayout, QWidget

from acero_desktop import __version__

from . import paths
from .app import settle_after_start
from .crash import CrashReporter
from .login.client import LoginFailed, login
from .mainwindow import MainWindow
from .resources import app_icon
from .session import ClientSession, Profile
from .single_instance import SingleInstance
from .theme import ThemeManager

log = logging.getLogger("acero.ui.demo")
Progress = Callable[[str], None]

DEMO_PASSWORD = "demo-password"
ROLES: tuple[tuple[str, str], ...] = (
    ("agent", "Agent — Dana Whitfield, Network & Telecom"),
    ("requester", "Requester — Lukas Brenner, Finance & Operations"),
    ("lead", "Lead — Marcus Lindqvist, Service Desk"),
    ("admin", "Admin — Ingrid Halvorsen"),
)
TEMPLATE_MAX_AGE = 24 * 3600
TEMPLATE_ENV = "ACERO_DEMO_TEMPLATE"


class DemoFailed(Exception):
    """A sentence saying why the demo could not start."""


@dataclass(frozen=True, slots=True)
class DemoArgs:
    tickets: int
    template: Path | None
    role: str


def parse_demo_args(argv: Sequence[str]) -> DemoArgs:
    parser = argparse.ArgumentParser(prog="acero demo", description="Try Acero with demo data.")
    parser.add_argument("--tickets", type=int, default=300, help="how many demo tickets")
    parser.add_argument("--template", type=Path, help="an already seeded server database")
    parser.add_argument("--as", dest="role", choices=[r for r, _ in ROLES], default="agent")
    ns = parser.parse_args(list(argv))
    env = os.environ.get(TEMPLATE_ENV)
    template = ns.template or (Path(env) if env else None)
    return DemoArgs(ns.tickets, template, ns.role)


def _cli(*args: str) -> list[str]:
    """``acero-server`` as a subprocess; a PyInstaller build runs itself as ``acero server``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "server", *args]
    return [sys.executable, "-m", "acero_desktop.server.cli", *args]


class DemoServer:
    """The embedded server: seeded database in a temporary folder, port chosen by the OS."""

    def __init__(
        self, workdir: Path, *, tickets: int = 300, template: Path | None = None, port: int = 0
    ) -> None:
        self.workdir = workdir
        self.tickets = tickets
        self.template = template
        self.port = port  # 0: the OS picks one
        self.db = workdir / "server.db"
        self.data = workdir / "server-data"
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    async def start(self, say: Progress | None = None) -> str:
        template = self.template or await self._template(say)
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{template}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{self.db}{suffix}")
        if say:
            say("Starting the demo server…")
        port_file = self.workdir / "port"
        self.data.mkdir(exist_ok=True)
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                _cli(
                    "serve",
                    "--db",
                    f"sqlite:///{self.db}",
                    "--port",
                    str(self.port),
                    "--port-file",
                    str(port_file),
                    "--data-dir",
                    str(self.data),
                    "--poll-interval",
                    "0.2",
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while not port_file.exists():
            if self.process.poll() is not None:
                raise DemoFailed(f"The demo server did not start:\n{self._log_tail()}")
            if time.monotonic() > deadline:
                raise DemoFailed("The demo server took too long to start.")
            await asyncio.sleep(0.1)
        self.url = f"http://127.0.0.1:{port_file.read_text().strip()}"
        return self.url

    async def _template(self, say: Progress | None) -> Path:
        target = paths.data_dir() / f"demo-template-{__version__}-{self.tickets}.db"
        fresh = target.exists() and time.time() - target.stat().st_mtime < TEMPLATE_MAX_AGE
        if fresh:
            return target
        if say:
            say("Preparing demo data (the first time takes a minute)…")
        building = target.with_suffix(".building.db")
        for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            stale.unlink(missing_ok=True)
        with self.log_path.open("ab") as out:
            seed = subprocess.Popen(
                _cli(
                    "seed-demo",
                    "--db",
                    f"sqlite:///{building}",
                    "--tickets",
                    str(self.tickets),
                    "--password",
                    DEMO_PASSWORD,
                    "--data-dir",
                    str(self.data),
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            while seed.poll() is None:
                await asyncio.sleep(0.2)
        if seed.returncode != 0:
            raise DemoFailed(f"The demo data could not be made:\n{self._log_tail()}")
        for suffix in ("-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        building.replace(target)
        return target

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if process.poll() is None:
            process.kill()
            process.wait(5)

    def kill_now(self) -> None:
        """Last resort at interpreter exit: never leave a server behind."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-15:])
        except OSError:
            return ""


class Splash(QWidget):
    """What the newcomer sees while the server starts."""

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.SplashScreen | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowIcon(app_icon())
        self.label = QLabel("Starting the Acero demo…")
        bar = QProgressBar()
        bar.setRange(0, 0)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(icon)
        layout.addWidget(self.label)
        layout.addWidget(bar)
        self.resize(420, 160)

    def say(self, text: str) -> None:
        self.label.setText(text)


class DemoController:
    """Runs the demo: one window at a time, signed in as the chosen role."""

    def __init__(
        self, server: DemoServer, theme: ThemeManager | None, instance: SingleInstance | None
    ) -> None:
        self.server = server
        self.theme = theme
        self.instance = instance
        self.window: MainWindow | None = None
        self.session: ClientSession | None = None
        self._switch: asyncio.Future[str] | None = None
        self._geometry: QByteArray | None = None

    async def open_role(self, role: str) -> MainWindow:
        try:
            result = await login(self.server.url, role, DEMO_PASSWORD)
        except LoginFailed as exc:
            raise DemoFailed(f"Signing in as {role} failed: {exc}") from None
        token = result.token
        cache = self.server.workdir / f"cache-{role}.db"
        session = ClientSession(Profile(self.server.url, role, cache), lambda: token)
        session.set_user(result.user_id)
        window = MainWindow(session, theme=self.theme, title_note="demo")
        window.add_menu(self._menu(window, role))
        if self._geometry is not None:
            window.restoreGeometry(self._geometry)
        if self.instance is not None:
            self.instance.activated.connect(window.bring_to_front)
        self.window, self.session = window, session
        window.show()
        settle_after_start()  # as the client does: start-up's objects out of the collector's way
        session.start()
        return window

    def _menu(self, window: MainWindow, current: str) -> QMenu:
        menu = QMenu("&Demo", window)
        menu.setObjectName("demoMenu")
        group = QActionGroup(menu)
        for role, label in ROLES:
            action = QAction(f"Sign in as {label}", menu)
            action.setObjectName(f"demo-{role}")
            action.setCheckable(True)
            action.setChecked(role == current)
            action.triggered.connect(lambda _c=False, r=role: self.switch_to(r))
            group.addAction(action)
            menu.addAction(action)
        menu.addSeparator()
        note = menu.addAction(f"Demo server: {self.server.url}")
        note.setEnabled(False)
        return menu

    def switch_to(self, role: str) -> None:
        if self._switch is not None and not self._switch.done():
            self._switch.set_result(role)

    async def run(self, role: str) -> int:
        while True:
            window = await self.open_role(role)
            switch: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._switch = switch
            closed: asyncio.Future[None] = window.closed
            waiters: set[asyncio.Future[Any]] = {closed, switch}
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            next_role = switch.result() if switch.done() and not closed.done() else None
            if not window.closed.done():
                self._geometry = window.saveGeometry()
                window.close()
            if self.instance is not None:
                self.instance.activated.disconnect(window.bring_to_front)
            assert self.session is not None
            await self.session.stop()
            self.session = None
            if next_role is None:
                return 0
            role = next_role

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.stop()
            self.session = None


async def demo_main(app: QApplication, args: DemoArgs, instance: SingleInstance | None) -> int:
    theme = ThemeManager(app)
    crash = CrashReporter()
    crash.install(asyncio.get_running_loop())
    workdir = Path(tempfile.mkdtemp(prefix="acero-demo-"))
    server = DemoServer(workdir, tickets=args.tickets, template=args.template)
    atexit.register(server.kill_now)
    splash = Splash()
    splash.show()
    try:
        try:
            await server.start(splash.say)
        except DemoFailed as exc:
            log.error("demo failed: %s", exc)
            splash.say(str(exc))
            await asyncio.sleep(8)
            return 1
        splash.hide()
        controller = DemoController(server, theme, instance)
        try:
            return await controller.run(args.role)
        finally:
            await controller.stop()
    finally:
        splash.close()
        await server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        crash.uninstall()
