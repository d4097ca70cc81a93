"""One running client per user: a second launch asks the first to come to the front and exits.

The first instance listens on a QLocalServer named after the OS user (and the mode: the demo
runs beside a real client); a later one connects, sends ``raise`` and quits.
"""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

RAISE = b"raise\n"


def instance_name(mode: str = "client") -> str:
    who = getpass.getuser()
    digest = hashlib.sha256(f"{who}\n{mode}".encode()).hexdigest()[:16]
    return f"acero-{mode}-{digest}"


class SingleInstance(QObject):
    """Owns the name while alive; ``activated`` fires when another launch asks to be shown."""

    activated = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server: QLocalServer | None = None

    def notify_running(self, timeout_ms: int = 500) -> bool:
        """Tell a running instance to show itself; True when there was one."""
        socket = QLocalSocket(self)
        try:
            socket.connectToServer(self.name)
            if not socket.waitForConnected(timeout_ms):
                return False
            socket.write(RAISE)
            socket.flush()
            socket.waitForBytesWritten(timeout_ms)
            socket.disconnectFromServer()
            if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
                socket.waitForDisconnected(timeout_ms)
            return True
        finally:
            # Deleted by Qt once idle, never by Python's garbage collector mid-event.
            socket.abort()
            socket.deleteLater()

    def claim(self) -> bool:
        """Listen under the name; False when another live instance holds it."""
        if self.notify_running():
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # A stale name left by a crash: nobody answered above, so take it over.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                return False
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        data = bytes(socket.readAll().data())
        if RAISE.strip() in data:
            self.activated.emit()
