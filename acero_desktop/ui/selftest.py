"""``acero --selftest``: prove that this installation works, with its real parts, in seconds.

Made for the PyInstaller build (a missing Qt plugin, resource or migration script shows here
rather than on a staff member's desk), and just as useful on a source install. Everything happens
in a temporary folder (``ACERO_HOME`` points there), so the user's own cache, settings and
keyring entries are never touched:

1. version and bundled resources (icons, themes, desktop entry);
2. Qt: the platform plugin, SVG image format and icon engine, the platform plugins shipped;
3. the keyring backend, reported (none usable is a warning: sign-ins then last one run);
4. a new cache file brought to the head of the domain and client migration chains;
5. an embedded ``acero-server`` (as ``acero demo`` starts it) seeded with a few demo tickets;
6. the real main window, offscreen unless ``QT_QPA_PLATFORM`` says otherwise, to its first paint;
7. a full sync over the websocket, then one change (a new ticket) confirmed by the server: it
   gets its number from the server and the server's REST API returns it.

One line per check; the exit code is 0 when all passed, else 1 and the failed check is named.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from acero_desktop import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from acero_desktop.sync.cache import LocalCache

    from .session import ClientSession

TICKETS = 5
STEP_TIMEOUT = 120.0


class CheckFailed(Exception):
    """A check did not pass; the message says why in one line."""


@dataclass
class Report:
    """Prints one line per check as it finishes; remembers the first failure."""

    out: TextIO
    started: float = field(default_factory=time.perf_counter)
    failed: str | None = None
    lines: list[str] = field(default_factory=list)

    def line(self, status: str, name: str, detail: str) -> None:
        text = f"{status:<5} {name + ':':<10} {detail}"
        self.lines.append(text)
        print(text, file=self.out, flush=True)

    def ok(self, name: str, detail: str) -> None:
        self.line("ok", name, detail)

    def warn(self, name: str, detail: str) -> None:
        self.line("warn", name, detail)

    def fail(self, name: str, reason: str) -> None:
        if self.failed is None:
            self.failed = name
        self.line("FAIL", name, reason)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def run_selftest(started: float | None = None, out: TextIO | None = None) -> int:
    """Run every check; ``started`` is when the process began (for the first-paint figure)."""
    stream = out or sys.stdout
    origin = _process_start()
    if origin is None:
        origin = started if started is not None else time.perf_counter()
    report = Report(stream, origin)
    print(f"Acero {__version__} self-test", file=stream, flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="acero-selftest-"))
    saved = {k: os.environ.get(k) for k in ("ACERO_HOME", "QT_QPA_PLATFORM")}
    os.environ["ACERO_HOME"] = str(workdir / "home")
    # Never flash a window on a desktop; with no display this is also the only platform there is.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        _checked(report, "version", _version)
        _checked(report, "resources", _resources)
        if report.failed is None:
            _gui(report, workdir)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(workdir, ignore_errors=True)
    if report.failed is not None:
        print(f"self-test FAILED at {report.failed}", file=stream, flush=True)
        return 1
    print(f"self-test passed in {report.elapsed():.1f} s", file=stream, flush=True)
    return 0


def _process_start() -> float | None:
    """When the OS started this process, on the ``perf_counter`` clock (Linux only).

    It counts the PyInstaller bootloader and the interpreter's start too, which the user waits
    for as well; elsewhere the caller's own start time is used.
    """
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        age = uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.perf_counter() - age if 0 <= age < 3600 else None


def _checked(report: Report, name: str, check: Callable[[], str]) -> None:
    try:
        report.ok(name, check())
    except Exception as exc:
        report.fail(name, _reason(exc))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return first if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {first}"


def _version() -> str:
    import PySide6
    from PySide6 import QtCore

    frozen = "PyInstaller build" if getattr(sys, "frozen", False) else "source install"
    return (
        f"acero {__version__}, Python {platform.python_version()}, PySide6 "
        f"{PySide6.__version__}, Qt {QtCore.qVersion()} ({frozen}, {platform.system()})"
    )


def _resources() -> str:
    from .resources import resource_dir

    base = resource_dir()
    if base is None:
        raise CheckFailed("the resources folder (icons, themes) is missing")
    icons = sorted(p.name for p in (base / "icons").glob("*.svg"))
    needed = ["acero.svg", "priority-urgent.svg", "status-new.svg"]
    missing = [n for n in needed if n not in icons]
    themes = sorted(p.stem for p in (base / "themes").glob("*.json"))
    if missing:
        raise CheckFailed(f"icons missing: {', '.join(missing)}")
    if not {"light", "dark"} <= set(themes):
        raise CheckFailed(f"themes missing (found {themes or 'none'})")
    entry = "desktop entry" if (base / "acero.desktop").is_file() else "no desktop entry"
    return f"{len(icons)} icons, themes {' '.join(themes)}, {entry} in {base}"


def _keyring(report: Report) -> None:
    """Report the backend; a missing one is a warning (tokens then live for one run only)."""
    from .login.tokens import keyring_usable

    try:
        import keyring

        backend = keyring.get_keyring()
        name = f"{type(backend).__module__}.{type(backend).__name__}"
    except Exception as exc:
        report.warn("keyring", f"no backend ({_reason(exc)}); sign-ins last one run")
        return
    if keyring_usable():
        report.ok("keyring", name)
    else:
        why = f" ({_secret_service()})" if sys.platform.startswith("linux") else ""
        report.warn("keyring", f"{name} cannot store secrets{why}; sign-ins last one run")


def _secret_service() -> str:
    """Why Linux's Secret Service backend is out (also proves the build ships it)."""
    try:
        from keyring.backends import SecretService

        SecretService.Keyring.priority  # noqa: B018 - raises the reason when unusable
    except Exception as exc:
        return f"Secret Service: {_reason(exc)}"
    return "Secret Service present"


def _cache(cache: LocalCache, seconds: float) -> str:
    from acero_desktop.store.migrate import current_revision, head_revision
    from acero_desktop.sync.migrations_set import CLIENT

    domain = current_revision(cache.engine)
    client = current_revision(cache.engine, CLIENT)
    if domain != head_revision() or client != head_revision(CLIENT):
        raise CheckFailed(f"the cache stopped at domain {domain}, client {client}")
    return f"new cache made and migrated to domain {domain}, client {client} in {seconds:.2f} s"


def _qt(app: QApplication) -> str:
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtGui import QImageReader

    from .resources import app_icon

    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    if "svg" not in formats or "png" not in formats:
        raise CheckFailed(f"image format plugins missing (have {' '.join(sorted(formats))})")
    if app_icon().pixmap(32, 32).isNull():
        raise CheckFailed("the application icon does not render")
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    shipped = sorted(
        p.name.split(".")[0].removeprefix("libq").removeprefix("q") for p in plugins.glob("*q*.*")
    )
    if sys.platform.startswith("linux") and "xcb" not in shipped:
        raise CheckFailed(f"the xcb platform plugin is missing from {plugins}")
    return (
        f"platform {app.platformName()}; platforms shipped: {' '.join(shipped)}; "
        f"image formats: {' '.join(sorted(formats & {'svg', 'png', 'jpeg', 'ico', 'gif'}))}"
    )


def _gui(report: Report, workdir: Path) -> None:
    import qasync
    from PySide6.QtCore import qInstallMessageHandler

    from .app import make_app

    qInstallMessageHandler(_qt_message)
    try:
        app = make_app([])
    except Exception as exc:
        report.fail("qt", _reason(exc))
        return
    _checked(report, "qt", lambda: _qt(app))
    if report.failed is None:
        qasync.run(_live(app, report, workdir))


# Harmless on the offscreen platform, which has no window manager to pass size hints to.
_QT_NOISE = ("This plugin does not support propagateSizeHints",)


def _qt_message(_kind: object, _context: object, message: str) -> None:
    """Qt's own warnings go to stderr as usual, minus the offscreen platform's noise."""
    if not message.startswith(_QT_NOISE):
        print(message, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise CheckFailed(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.05)


async def _step(
    report: Report, name: str, work: Callable[[], Awaitable[str]], timeout: float = STEP_TIMEOUT
) -> bool:
    try:
        report.ok(name, await asyncio.wait_for(work(), timeout))
        return True
    except TimeoutError:
        report.fail(name, f"no result within {timeout:.0f} s")
    except Exception as exc:
        report.fail(name, _reason(exc))
    return False


async def _live(app: QApplication, report: Report, workdir: Path) -> None:
    """Window, cache, server, sync, change: the steps that need the event loop.

    The window opens first, on a new cache, as on a first start: its first paint, counted from
    the process's start, is the start-up figure. The server starts after that, so it does not
    compete for the processor meanwhile.
    """
    from PySide6.QtCore import QEvent, QObject

    from .demo import DEMO_PASSWORD, DemoServer
    from .mainwindow import MainWindow
    from .session import ClientSession, Profile
    from .theme import ThemeManager

    theme = ThemeManager(app)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = DemoServer(workdir / "server", tickets=TICKETS, port=port)
    server.workdir.mkdir(parents=True, exist_ok=True)
    token: list[str] = []
    began = time.perf_counter()
    try:
        session = ClientSession(
            Profile(url, "agent", workdir / "cache.db"), lambda: token[0] if token else None
        )
    except Exception as exc:
        report.fail("cache", _reason(exc))
        return
    opened = time.perf_counter() - began
    window: MainWindow | None = None
    try:
        window = MainWindow(session, theme=theme, title_note="self-test")
        painted: list[float] = []

        class FirstPaint(QObject):
            def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint and not painted:
                    painted.append(time.perf_counter())
                return False

        watch = FirstPaint(window)
        window.installEventFilter(watch)
        window.table.viewport().installEventFilter(watch)
        shown = time.perf_counter()
        window.show()

        async def first_paint() -> str:
            await _until(lambda: bool(painted), 30, "the first paint of the main window")
            return (
                f"main window painted {painted[0] - report.started:.2f} s after process start "
                f"({painted[0] - shown:.2f} s after show), theme "
                f"{'dark' if theme.wants_dark() else 'light'}, tray "
                f"{'shown' if window.tray.available else 'not available here'}"
            )

        if not await _step(report, "window", first_paint, 60):
            return
        _checked(report, "cache", lambda: _cache(session.cache, opened))
        _keyring(report)
        if report.failed is not None:
            return

        async def serve() -> str:
            started = time.perf_counter()
            await server.start()
            return (
                f"embedded server at {url} with {TICKETS} demo tickets, "
                f"up in {time.perf_counter() - started:.1f} s"
            )

        if not await _step(report, "server", serve, 180):
            return

        async def sync() -> str:
            from acero_desktop.sync.status import Phase

            from .login.client import login

            started = time.perf_counter()
            result = await login(url, "agent", DEMO_PASSWORD, timeout=60)
            token.append(result.token)
            session.set_user(result.user_id)
            session.start()
            await _until(
                lambda: session.status.phase is Phase.UP_TO_DATE and _tickets(session) > 0,
                60,
                f"a full sync (sync is {session.status.describe()})",
            )
            return (
                f"signed in as agent, snapshot of {_tickets(session)} visible ticket(s) over "
                f"the websocket in {time.perf_counter() - started:.2f} s"
            )

        if not await _step(report, "sync", sync):
            return

        async def change() -> str:
            return await _change(session, url, token[0])

        await _step(report, "change", change)
    finally:
        if window is not None:
            window.close()
        await session.stop()
        await server.stop()


def _tickets(session: ClientSession) -> int:
    from sqlalchemy import func, select

    from acero_desktop.models import Ticket

    with session.read() as s:
        return int(s.scalar(select(func.count()).select_from(Ticket)) or 0)


async def _change(session: ClientSession, url: str, token: str) -> str:
    """One new ticket: applied locally, pushed, numbered by the server, read back over REST."""
    import uuid

    import httpx

    from acero_desktop.models import Ticket

    from .session import new_id

    began = time.perf_counter()
    ticket_id = new_id()
    await session.engine.mutate("ticket.create", {"id": ticket_id, "title": "Acero self-test"})

    def confirmed() -> bool:
        if session.cache.pending_count():
            return False
        with session.read() as s:
            ticket = s.get(Ticket, uuid.UUID(ticket_id))
            return ticket is not None and ticket.number is not None

    await _until(confirmed, 60, "the server's confirmation of the new ticket")
    with session.read() as s:
        ticket = s.get(Ticket, uuid.UUID(ticket_id))
        number = ticket.number if ticket is not None else None
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(
            f"{url}/api/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"}
        )
    if response.status_code != 200:
        raise CheckFailed(f"the server does not return the new ticket ({response.status_code})")
    if response.json().get("number") != number:
        raise CheckFailed(f"the server numbered it {response.json().get('number')}, not {number}")
    return (
        f"ticket.create synced and confirmed by the server as #{number} "
        f"in {time.perf_counter() - began:.2f} s"
    )
