"""Start-up pieces: tokens and the keyring, the login dialog, one instance, the crash dialog."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from acero_desktop.ui import paths
from acero_desktop.ui.crash import CrashReporter, ErrorDialog, configure_logging
from acero_desktop.ui.login.client import LoginFailed, LoginResult, normalise_url
from acero_desktop.ui.login.dialog import LoginDialog
from acero_desktop.ui.login.tokens import NO_KEYRING_MESSAGE, SERVICE, TokenStore
from acero_desktop.ui.session import ws_url
from acero_desktop.ui.single_instance import SingleInstance
from acero_desktop.ui.tasks import spawn
from tests.ui.conftest import MemoryKeyring


def test_token_goes_to_the_keyring_when_remembered(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore()
    assert store.persistent
    assert store.message is None
    store.put("http://acero:8765", "dana", "tok-1", remember=True)
    assert memory_keyring.secrets[(SERVICE, "dana@http://acero:8765")] == "tok-1"
    assert TokenStore().get("http://acero:8765", "dana") == "tok-1"  # a later run
    store.put("http://acero:8765", "lukas", "tok-2", remember=False)
    assert (SERVICE, "lukas@http://acero:8765") not in memory_keyring.secrets
    store.forget("http://acero:8765", "dana")
    assert TokenStore().get("http://acero:8765", "dana") is None


def test_without_a_keyring_the_token_stays_in_memory(acero_home: Path) -> None:
    keyring.set_keyring(FailKeyring())
    store = TokenStore()
    assert not store.persistent
    assert store.message == NO_KEYRING_MESSAGE
    store.put("http://acero:8765", "dana", "secret-token-123", remember=True)
    assert store.get("http://acero:8765", "dana") == "secret-token-123"
    assert TokenStore().get("http://acero:8765", "dana") is None  # gone with the run
    for path in acero_home.rglob("*"):
        if path.is_file():
            assert b"secret-token-123" not in path.read_bytes(), path


async def _fake_login(url: str, user: str, password: str) -> LoginResult:
    await asyncio.sleep(0.01)
    if password != "right":
        raise LoginFailed("The user name or password is not right.")
    return LoginResult("tok-xyz", uuid.uuid4(), "Dana", "agent")


def test_login_dialog_signs_in_and_remembers(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, memory_keyring: MemoryKeyring
) -> None:
    dialog = LoginDialog(TokenStore(), server_url="acero.example:8765", login_fn=_fake_login)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    assert not dialog.keyring_note.isVisible()
    assert dialog.remember.isChecked()
    qtbot.keyClicks(dialog.user, "dana")
    qtbot.keyClicks(dialog.password, "wrong")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.error.isVisible, timeout=3000)
    assert dialog.error.text() == "The user name or password is not right."
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "right")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.outcome.done, timeout=3000)
    outcome = dialog.outcome.result()
    assert outcome is not None
    assert outcome.server_url == "http://acero.example:8765"
    assert memory_keyring.secrets[(SERVICE, "dana@http://acero.example:8765")] == "tok-xyz"


def test_login_dialog_says_once_when_there_is_no_keyring(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop
) -> None:
    keyring.set_keyring(FailKeyring())
    dialog = LoginDialog(TokenStore(), login_fn=_fake_login)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    assert dialog.keyring_note.isVisible()
    assert dialog.keyring_note.text() == NO_KEYRING_MESSAGE
    assert not dialog.remember.isEnabled()
    assert not dialog.remember.isChecked()
    dialog.reject()
    assert dialog.outcome.done()
    assert dialog.outcome.result() is None


def test_urls() -> None:
    assert normalise_url(" acero:8765/ ") == "http://acero:8765"
    assert ws_url("http://127.0.0.1:8765") == "ws://127.0.0.1:8765/ws"
    assert ws_url("https://acero.example.org/") == "wss://acero.example.org/ws"
    assert paths.cache_file("http://a", "dana") != paths.cache_file("http://a", "lukas")


def test_second_instance_brings_the_first_to_the_front(qtbot: QtBot) -> None:
    name = f"acero-test-{uuid.uuid4().hex[:8]}"
    first = SingleInstance(name)
    assert first.claim()
    raised: list[bool] = []
    first.activated.connect(lambda: raised.append(True))
    second = SingleInstance(name)
    assert not second.claim()  # a second launch finds the first and asks it to come up
    qtbot.waitUntil(lambda: bool(raised), timeout=3000)
    first.release()
    third = SingleInstance(name)
    assert third.claim()  # released: the next launch is the first again
    third.release()


@pytest.mark.allow_log_warnings
def test_crash_reporter_logs_and_offers_copy(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, acero_home: Path
) -> None:
    log_file = configure_logging()
    reporter = CrashReporter()
    reporter.install(qloop)
    try:
        try:
            raise ValueError("boom in a slot")
        except ValueError as exc:
            reporter.excepthook(type(exc), exc, exc.__traceback__)

        async def failing() -> None:
            raise KeyError("boom in a task")

        spawn(failing(), name="failing task")
        qtbot.waitUntil(lambda: len(reporter.dialogs) == 2, timeout=3000)
    finally:
        reporter.uninstall()
        qloop.set_exception_handler(None)
    dialog = reporter.dialogs[0]
    assert isinstance(dialog, ErrorDialog)
    assert dialog.isVisible()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert "ValueError: boom in a slot" in QApplication.clipboard().text()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "boom in a slot" in text
    assert "boom in a task" in text
    assert log_file.parent == paths.log_dir()
    for d in list(reporter.dialogs):
        d.close()
