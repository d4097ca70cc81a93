"""Fixtures of the GUI tests: a qasync loop pytest-qt's waits drive, caches, windows, servers.

pytest-qt does not run the qasync loop (pytest-qt#448). ``qloop`` makes a qasync loop that
counts as running from the start (``already_running=True``): its callbacks are Qt timers and
queued signals, so every ``qtbot.wait``/``waitUntil`` (a nested Qt event loop) also moves the
asyncio tasks on — the sync engine, uploads and counts run inside ordinary qtbot tests.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
import qasync
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from acero_desktop.models import User
from acero_desktop.store.demo import seed_demo
from acero_desktop.sync.cache import LocalCache
from acero_desktop.sync.engine import SyncOptions
from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.session import ClientSession, Profile
from tests.ui.helpers import run

CACHE_TICKETS = 80
# The demo generator's tickets depend on the clock it is seeded at (office hours and ages
# clamped to "now" use a varying count of random numbers, which shifts what later tickets
# become): seeded at the time of the run, some runs had no urgent open ticket or no requester
# ticket in progress, which these tests look for. Pinned, every run sees the same tickets. The
# sessions keep the real clock, so the seeded work gets older with each day; seeded two weeks
# back, four tests fail. Open item: a clock-independent generator (a random stream
# per ticket) and a test clock, then unpin.
SEEDED_AT = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
FAST = SyncOptions(retry_delays=(0.05, 0.1, 0.2, 0.4), ping_interval=1.0, ping_timeout=5.0)


# The offscreen platform cannot raise a window or grab the keyboard; Qt says so (a WARNING)
# whenever a popup opens (the search completer, combo lists). Like "propagateSizeHints" in
# pyproject's allow-list these describe the test platform, not the app; nothing else is ignored.
OFFSCREEN_LIMITS = (
    "This plugin does not support raise\\(\\)",
    "This plugin does not support grabbing the keyboard",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_LIMITS))


class MemoryKeyring(KeyringBackend):
    """A keyring that forgets at exit: tests never touch a real password store."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def acero_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, caches and logs of each test in its own folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("ACERO_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def collect_between_tests(qapp: QApplication) -> Iterator[None]:
    """Destroy what a test left in reference cycles at its end, with nothing else running.

    Otherwise a collection that happens to start inside a later test's event loop destroys
    the Qt wrappers then, while that test's worker threads and timers are busy: a segfault
    in "Garbage-collecting" was seen once in a full run. (Set up first, so torn down after
    qtbot has closed the test's widgets.)
    """
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        for _ in range(20):
            if all(t.done() for t in pending):
                break
            qapp.processEvents()
        # Not loop.stop(): it calls QApplication.exit(), and after that pytest-qt's waits no
        # longer deliver timer events, so the next test's loop would never run a callback.
        loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
        asyncio.events._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)


# -- caches seeded directly (no server) ----------------------------------------------------


@pytest.fixture(scope="session")
def cache_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, uuid.UUID]]:
    """A client cache holding the demo organisation and CACHE_TICKETS tickets."""
    path = tmp_path_factory.mktemp("cache-template") / "cache.db"
    cache = LocalCache.open(path)
    seed_demo(cache.engine, tickets=CACHE_TICKETS, seed=11, now=SEEDED_AT)
    with cache.session() as s:
        users = {u.username: u.id for u in s.scalars(select(User))}
    cache.engine.dispose()
    with cache.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.close()
    return path, users


@pytest.fixture
def make_session(
    qloop: asyncio.AbstractEventLoop,
    qtbot: QtBot,
    cache_template: tuple[Path, dict[str, uuid.UUID]],
    tmp_path: Path,
) -> Iterator[Callable[[str], ClientSession]]:
    """Offline sessions over copies of the seeded cache, signed in as a demo user."""
    template, users = cache_template
    made: list[ClientSession] = []

    def make(username: str) -> ClientSession:
        copy = tmp_path / f"cache-{username}-{len(made)}.db"
        shutil.copyfile(template, copy)
        session = ClientSession(Profile("http://127.0.0.1:9", username, copy), lambda: None)
        session.set_user(users[username])
        made.append(session)
        return session

    yield make
    for session in made:
        run(qtbot, session.stop())


@pytest.fixture
def make_window(
    qtbot: QtBot, make_session: Callable[[str], ClientSession]
) -> Iterator[Callable[[str], MainWindow]]:
    """A shown main window for a demo user, on an offline seeded cache."""
    windows: list[MainWindow] = []

    def make(username: str) -> MainWindow:
        window = MainWindow(make_session(username))
        qtbot.addWidget(window)
        window.show()
        window.resize(1400, 900)
        qtbot.waitExposed(window)
        window.activateWindow()  # window shortcuts (J, K, Esc, Ctrl+N) need the active window
        qtbot.waitUntil(window.isActiveWindow, timeout=3000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
