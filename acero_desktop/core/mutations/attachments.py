"""``attachment.add``: record a file whose bytes went to the content-addressed store.

The upload itself is not a mutation (bytes do not travel through the outbox); this records the
file on the ticket by its SHA-256 once the bytes are stored. The size limit lives here, once,
so the UI can refuse a file before uploading it and the server refuses it again regardless.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Annotated, Self

from pydantic import AfterValidator, model_validator

from acero_desktop.models import Attachment

from ..errors import Conflict, ValidationFailed
from ..history import HistoryField, record
from ..permissions import person, require, why_not_attach
from ..visibility import require_comment, require_ticket
from .base import MutationArgs, MutationContext, mutation

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
"""The largest file a ticket accepts: 25 MiB."""

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
# Characters Windows refuses in names, and control characters: replaced, not refused.
_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')


def _sha256(value: str) -> str:
    value = value.strip().lower()
    if not _SHA256.fullmatch(value):
        raise ValueError("A file's SHA-256 checksum must be 64 hexadecimal characters.")
    return value


def sanitise_filename(value: str) -> str:
    """A file name safe on every desktop: no folders, no control or reserved characters."""
    if "/" in value or "\\" in value:
        raise ValueError("A file name cannot contain / or \\; give the name without its folder.")
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", value)).strip().rstrip(".")
    if name in ("", ".", ".."):
        raise ValueError("A file needs a name.")
    if len(name) > 255:
        raise ValueError("A file name can be at most 255 characters long.")
    return name


def _mime_type(value: str) -> str:
    essence = value.split(";", 1)[0].strip().lower()
    if not _MIME.fullmatch(essence) or len(essence) > 127:
        raise ValueError(f"{value!r} is not a file type such as application/pdf.")
    return essence


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


class AddAttachment(MutationArgs):
    id: uuid.UUID
    ticket_id: uuid.UUID
    comment_id: uuid.UUID | None = None
    sha256: Annotated[str, AfterValidator(_sha256)]
    filename: Annotated[str, AfterValidator(sanitise_filename)]
    mime_type: Annotated[str, AfterValidator(_mime_type)]
    size: int

    @model_validator(mode="after")
    def _size_limit(self) -> Self:
        if self.size <= 0:
            raise ValueError(f"{self.filename} is empty; there is nothing to attach.")
        if self.size > MAX_ATTACHMENT_BYTES:
            raise ValueError(
                f"{self.filename} is {_size_text(self.size)}; files can be at most "
                f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)} MiB."
            )
        return self


@mutation("attachment.add", AddAttachment)
def add_attachment(ctx: MutationContext, args: AddAttachment) -> None:
    session, actor = ctx.session, ctx.actor
    ticket = require_ticket(session, actor, args.ticket_id)
    comment = None
    if args.comment_id is not None:
        comment, _ = require_comment(session, actor, args.comment_id)
        if comment.ticket_id != ticket.id:
            raise ValidationFailed("That comment belongs to another ticket.", field="comment_id")
    require(why_not_attach(actor, ticket, comment))
    if session.get(Attachment, args.id) is not None:
        raise Conflict("This file has already been attached.")
    session.add(
        Attachment(
            id=args.id,
            ticket_id=ticket.id,
            comment_id=args.comment_id,
            sha256=args.sha256,
            filename=args.filename,
            mime_type=args.mime_type,
            size=args.size,
            uploaded_by_id=person(actor),
            created_at=ctx.at,
        )
    )
    internal = comment is not None and comment.internal
    field = HistoryField.INTERNAL_ATTACHMENT if internal else HistoryField.ATTACHMENT
    record(ctx, ticket, field, None, args.filename)
