"""Uploading and opening attachments over REST, as asyncio tasks (never in the GUI thread).

The size limit is checked before any byte is sent; the server checks again regardless. The
server records the file on the ticket itself (``attachment.add``), so the new row reaches
every client, this one included, through sync.
"""

from __future__ import annotations

import asyncio
import mimetypes
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

from .. import paths


def max_attachment_bytes() -> int:
    """The server's limit, from ``core.mutations`` (imported on first use: its pydantic schemas
    are not needed to start the client)."""
    from acero_desktop.core.mutations import MAX_ATTACHMENT_BYTES

    return MAX_ATTACHMENT_BYTES


def limit_text() -> str:
    return f"up to {max_attachment_bytes() // (1024 * 1024)} MiB per file"


class FileError(Exception):
    """A sentence for the person who tried."""


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def why_not_upload(path: Path) -> str | None:
    """Refuse a file before uploading it: missing, empty or over the limit."""
    try:
        size = path.stat().st_size
    except OSError:
        return f"{path.name} cannot be read."
    if not path.is_file():
        return f"{path.name} is not a file."
    if size == 0:
        return f"{path.name} is empty; there is nothing to attach."
    limit = max_attachment_bytes()
    if size > limit:
        return (
            f"{path.name} is {size_text(size)}; files can be at most {limit // (1024 * 1024)} MiB."
        )
    return None


class FileClient:
    def __init__(self, server_url: str, token: Callable[[], str | None]) -> None:
        self.base = server_url.rstrip("/")
        self._token = token

    def _headers(self) -> dict[str, str]:
        token = self._token()
        if not token:
            raise FileError("Sign in again to send or open files.")
        return {"Authorization": f"Bearer {token}"}

    async def upload(self, ticket_id: uuid.UUID, path: Path) -> dict[str, Any]:
        reason = why_not_upload(path)
        if reason:
            raise FileError(reason)
        data = await asyncio.to_thread(path.read_bytes)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        import httpx  # imported on first use: it costs ~0.2 s at start-up

        url = f"{self.base}/api/tickets/{ticket_id}/attachments"
        try:
            async with httpx.AsyncClient(timeout=120) as client:
                response = await client.post(
                    url, headers=self._headers(), files={"file": (path.name, data, mime)}
                )
        except httpx.HTTPError as exc:
            raise FileError(
                f"{path.name} was not sent: the server cannot be reached ({exc})."
            ) from None
        if response.status_code >= 400:
            raise FileError(f"{path.name} was not sent: {_message(response)}")
        body: dict[str, Any] = response.json()
        return body

    async def download(self, attachment_id: uuid.UUID, filename: str) -> Path:
        """The file in the attachments cache, fetched once: an attachment never changes, so a
        file opened before opens again offline."""
        import httpx

        target = paths.attachments_dir() / str(attachment_id) / (Path(filename).name or "file")
        if target.is_file():
            return target
        url = f"{self.base}/api/attachments/{attachment_id}"
        try:
            async with httpx.AsyncClient(timeout=120) as client:
                response = await client.get(url, headers=self._headers())
        except httpx.HTTPError as exc:
            raise FileError(f"{filename} cannot be opened while offline ({exc}).") from None
        if response.status_code >= 400:
            raise FileError(f"{filename} cannot be opened: {_message(response)}")
        await asyncio.to_thread(_write_atomically, target, response.content)
        return target


def _write_atomically(target: Path, content: bytes) -> None:
    """Never leave a half-written file that a later open would take as the cached copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    partial.write_bytes(content)
    partial.replace(target)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"the server answered {response.status_code}."
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return f"the server answered {response.status_code}."
