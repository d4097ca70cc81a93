"""Attachments: upload into the content-addressed store, download with a permission check.

The size limit is enforced twice: from ``Content-Length`` before the body is read (413
straight away), and while copying (a body that lies about its length). The stored path comes
from the server's own SHA-256, never from the client; the client's file name is metadata,
sanitised by the ``attachment.add`` mutation and sent back only in Content-Disposition.
"""

from __future__ import annotations

import mimetypes
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from acero_desktop.core import visibility as vis
from acero_desktop.core.errors import NotFound
from acero_desktop.core.ids import uuid7
from acero_desktop.core.mutations import MAX_ATTACHMENT_BYTES
from acero_desktop.models import Attachment

from ..app import ApiError
from ..attachments import TooLarge
from .deps import PrincipalDep, StateDep
from .serialize import row_json
from .tickets import list_children, resolve_ticket

router = APIRouter(prefix="/api", tags=["attachments"])
ATTACHMENT_NOT_FOUND = "That file does not exist, or you do not have access to it."


def _limit(state: Any) -> int:
    return min(int(state.config.limits.max_attachment_bytes), MAX_ATTACHMENT_BYTES)


@router.get("/tickets/{ref}/attachments")
async def list_attachments(ref: str, principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    return await list_children(
        state,
        principal,
        ref,
        Attachment,
        Attachment.created_at,
        Attachment.id,
        visible=vis.visible_attachments_clause(principal.actor),
    )


@router.post("/tickets/{ref}/attachments", status_code=201)
async def upload(
    ref: str,
    request: Request,
    principal: PrincipalDep,
    state: StateDep,
    file: Annotated[UploadFile, File()],
    comment_id: Annotated[uuid.UUID | None, Form()] = None,
) -> dict[str, Any]:
    limit = _limit(state)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise ApiError(413, f"Files can be at most {limit // (1024 * 1024)} MiB.", field="file")
    tid = await state.store.read(lambda s: resolve_ticket(s, principal.actor, ref).id)
    try:
        import asyncio

        sha, size = await asyncio.to_thread(state.blobs.put, file.file, limit)
    except TooLarge:
        raise ApiError(
            413, f"Files can be at most {limit // (1024 * 1024)} MiB.", field="file"
        ) from None
    filename = file.filename or "file"
    mime = (file.content_type or "").split(";")[0].strip().lower()
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    aid = uuid7()
    args: dict[str, Any] = {
        "id": str(aid),
        "ticket_id": str(tid),
        "sha256": sha,
        "filename": filename,
        "mime_type": mime,
        "size": size,
    }
    if comment_id is not None:
        args["comment_id"] = str(comment_id)
    await state.mutate(principal.user_id, "attachment.add", args)

    def read(session: Session) -> dict[str, Any]:
        row = session.get(Attachment, aid)
        if row is None:
            raise NotFound(ATTACHMENT_NOT_FOUND)
        return row_json(row)

    return await state.store.read(read)


@router.get("/attachments/{attachment_id}")
async def download(
    attachment_id: uuid.UUID, principal: PrincipalDep, state: StateDep
) -> FileResponse:
    def run(session: Session) -> tuple[str, str, str]:
        row = session.get(Attachment, attachment_id)
        if row is None or not vis.can_see_attachment(session, principal.actor, row):
            raise NotFound(ATTACHMENT_NOT_FOUND)
        return row.sha256, row.mime_type, row.filename

    sha, mime, filename = await state.store.read(run)
    path = state.blobs.path_of(sha)
    if not path.is_file():
        raise ApiError(404, "The file's content is missing on the server.", code="not_found")
    return FileResponse(
        path,
        media_type=mime,
        filename=filename,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )
