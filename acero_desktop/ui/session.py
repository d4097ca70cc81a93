"""One signed-in user's client: the local cache, the sync engine and who is acting.

Views read the cache through :meth:`ClientSession.read` (short sessions, plain rows out) and
change it only through :meth:`ClientSession.mutate`, which runs the mutation on the engine's
database worker and reports a local refusal as :attr:`mutation_failed` (the mutation path
checks the same rules the server does). The engine's callbacks become Qt signals, delivered
on the GUI thread because qasync runs the engine on the Qt loop.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QObject, Signal
from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.errors import AceroError
from acero_desktop.core.ids import uuid7
from acero_desktop.sync.cache import ApplyReport, LocalCache, LocalResult
from acero_desktop.sync.status import Phase, SyncStatus
from acero_desktop.sync.tables import ShadowRow

from .directory import TABLES as DIRECTORY_TABLES
from .directory import Directory, load_directory
from .tasks import spawn

if TYPE_CHECKING:
    from acero_desktop.sync.engine import SyncEngine, SyncOptions

log = logging.getLogger("acero.ui.session")
T = TypeVar("T")

# Tables whose change may change who the actor is (role, teams, leads).
_ACTOR_TABLES = frozenset({"user", "team", "team_member"})


@dataclass(frozen=True, slots=True)
class Profile:
    """A server and an account on it; each profile has its own cache file."""

    server_url: str
    username: str
    cache_path: Path

    @property
    def ws_url(self) -> str:
        return ws_url(self.server_url)


def ws_url(server_url: str) -> str:
    """``http://host:port`` → ``ws://host:port/ws`` (https → wss)."""
    parts = urlsplit(server_url.strip().rstrip("/"))
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path + "/ws", "", ""))


def new_id() -> str:
    """Ids of new rows are the client's to choose (UUIDv7), so offline work never collides."""
    return str(uuid7())


class ClientSession(QObject):
    status_changed = Signal(object)  # SyncStatus
    data_changed = Signal(object)  # ApplyReport
    issue_raised = Signal(str)
    # name, the person-readable refusal, the mutation's arguments
    mutation_failed = Signal(str, str, object)
    actor_changed = Signal()

    def __init__(
        self,
        profile: Profile,
        token: Callable[[], str | None],
        *,
        options: SyncOptions | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.cache = LocalCache.open(profile.cache_path)
        # The engine (websockets, the wire format's pydantic models: ~0.1 s to import) is made
        # on first use: start() or the first change, after the window's first paint.
        self._engine: SyncEngine | None = None
        self._options = options
        self._token = token
        self._clock = clock or (lambda: datetime.now(UTC))
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="acero-read")
        self._actor: Actor | None = None
        self._directory: Directory | None = None
        self._started = False
        self.closed = False
        self.reload_actor()

    # -- identity ----------------------------------------------------------------------

    @property
    def actor(self) -> Actor | None:
        """Who acts; None until the cache holds the user's own row (first sync)."""
        return self._actor

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.cache.meta().user_id

    def token(self) -> str | None:
        return self._token()

    @property
    def engine(self) -> SyncEngine:
        if self._engine is None:
            from acero_desktop.sync.engine import SyncCallbacks, SyncEngine

            callbacks = SyncCallbacks(
                status=self._on_status, changed=self._on_changed, issue=self._on_issue
            )
            self._engine = SyncEngine(
                self.cache, self.profile.ws_url, self._token, callbacks, self._options
            )
        return self._engine

    def set_user(self, user_id: uuid.UUID) -> None:
        """Remember whose cache this is right after login, so offline starts know the user."""
        self.cache.set_identity(user_id=user_id, server_url=self.profile.ws_url)
        self.reload_actor()

    def reload_actor(self) -> None:
        user_id = self.cache.meta().user_id
        actor = None
        if user_id is not None:
            with self.read() as session:
                try:
                    actor = load_actor(session, user_id)
                except AceroError:
                    actor = None
        if actor != self._actor:
            self._actor = actor
            self.actor_changed.emit()

    def directory(self) -> Directory:
        """People, teams and categories, read once and again after sync changed them."""
        if self._directory is None:
            with self.read() as session:
                self._directory = load_directory(session)
        return self._directory

    def now(self) -> datetime:
        return self._clock()

    # -- life --------------------------------------------------------------------------

    def start(self) -> None:
        if not self._started and not self.closed:
            self._started = True
            self.engine.start()

    def restart(self) -> None:
        """Connect again after the engine stopped (a new sign-in)."""
        self._started = False
        self.start()

    async def stop(self) -> None:
        self.closed = True
        if self._started:
            await self.engine.stop()
        if self._engine is not None:
            self._engine.close()
        self._reader.shutdown(wait=True)
        self.cache.close()

    @property
    def status(self) -> SyncStatus:
        # Before the engine exists, its first status: offline.
        return self._engine.status if self._engine is not None else SyncStatus(Phase.OFFLINE)

    @property
    def online(self) -> bool:
        return self.status.phase in (Phase.UP_TO_DATE, Phase.PUSHING, Phase.CATCHING_UP)

    # -- reading -----------------------------------------------------------------------

    def read(self) -> Session:
        """A short read session on the cache; callers turn rows into plain values."""
        return self.cache.session()

    async def read_async(self, fn: Callable[[Session], T]) -> T:
        """Run a slower read (counts, suggestions) off the GUI thread."""
        if self.closed:
            raise asyncio.CancelledError  # the window went away meanwhile; nobody waits

        def run() -> T:
            with self.read() as session:
                return fn(session)

        return await asyncio.get_running_loop().run_in_executor(self._reader, run)

    def pending_ids(self, session: Session, table: str) -> set[str]:
        """Rows of ``table`` changed by mutations the server has not confirmed yet."""
        query = select(ShadowRow.row_id).where(ShadowRow.table_name == table)
        return {uuid.UUID(r).hex for r in session.scalars(query)}

    # -- writing -----------------------------------------------------------------------

    def mutate(self, name: str, args: dict[str, Any]) -> asyncio.Task[LocalResult | None]:
        """Apply a change at once (optimistic) and queue it; a local refusal is signalled."""

        async def run() -> LocalResult | None:
            try:
                return await self.engine.mutate(name, args)
            except AceroError as exc:
                log.info("refused locally: %s %s", name, exc.message)
                self.mutation_failed.emit(name, exc.message, args)
                return None

        return spawn(run(), name=f"mutate {name}")

    # -- engine callbacks (on the loop thread) --------------------------------------------

    def _on_status(self, status: SyncStatus) -> None:
        self.status_changed.emit(status)

    def _on_changed(self, report: ApplyReport) -> None:
        if report.full_reload or DIRECTORY_TABLES & report.touched.keys():
            self._directory = None
        if report.full_reload or _ACTOR_TABLES & report.touched.keys():
            self.reload_actor()
        self.data_changed.emit(report)

    def _on_issue(self, message: str) -> None:
        self.issue_raised.emit(message)
