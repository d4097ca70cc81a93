"""attachment.add: a file recorded on a ticket or on one's own comment."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from acero_desktop.core.errors import NotFound, PermissionDenied, ValidationFailed
from acero_desktop.core.mutations import MAX_ATTACHMENT_BYTES
from acero_desktop.models import Attachment, Ticket, TicketHistory, TicketStatus

from .conftest import Org, uid

SHA = "ab" * 32


def attach(org: Org, who: str, ticket: Ticket, **overrides: object) -> Attachment:
    args: dict[str, object] = {
        "id": str(uid("attachment")),
        "ticket_id": str(ticket.id),
        "sha256": SHA,
        "filename": "router.log",
        "mime_type": "text/plain",
        "size": 2048,
    }
    args.update(overrides)
    org.apply(who, "attachment.add", args)
    found = org.session.get(Attachment, uid("attachment"))
    assert found is not None
    return found


def note(org: Org, ticket: Ticket, who: str = "alice", internal: bool = True) -> str:
    note_id = str(uid(f"note:{who}"))
    args = {"id": note_id, "ticket_id": str(ticket.id), "body": "Log", "internal": internal}
    org.apply(who, "comment.add", args)
    return note_id


def test_the_requester_attaches_a_file(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = attach(org, "rita", ticket)
    assert (added.uploaded_by_id, added.filename, added.size) == (org.rita, "router.log", 2048)
    (row,) = org.session.scalars(select(TicketHistory)).all()
    assert (row.field, row.new_value) == ("attachment", "router.log")


def test_the_limit_is_25_mib_and_the_refusal_says_so(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    assert MAX_ATTACHMENT_BYTES == 25 * 1024 * 1024
    attach(org, "rita", ticket, size=MAX_ATTACHMENT_BYTES)
    with pytest.raises(ValidationFailed) as refused:
        attach(org, "rita", ticket, id=str(uid("big")), size=MAX_ATTACHMENT_BYTES + 1)
    assert refused.value.message == "router.log is 25.0 MiB; files can be at most 25 MiB."


def test_an_empty_file_is_refused(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(ValidationFailed, match=r"router\.log is empty"):
        attach(org, "rita", ticket, size=0)


@pytest.mark.parametrize("name", ["../etc/passwd", "C:\\Users\\x.txt", "logs/router.log"])
def test_a_file_name_with_a_folder_is_refused(org: Org, name: str) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(ValidationFailed, match="cannot contain"):
        attach(org, "rita", ticket, filename=name)


def test_a_file_name_is_sanitised(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = attach(org, "rita", ticket, filename=' what?:"log"\x07. ')
    assert added.filename == "what___log__"


def test_the_checksum_must_be_sha256_hex(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(ValidationFailed, match="64 hexadecimal characters"):
        attach(org, "rita", ticket, sha256="xyz")


def test_the_mime_type_is_normalised(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = attach(org, "rita", ticket, mime_type="Text/Plain; charset=utf-8", sha256=SHA.upper())
    assert (added.mime_type, added.sha256) == ("text/plain", SHA)


def test_a_bad_mime_type_is_refused(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(ValidationFailed, match="is not a file type"):
        attach(org, "rita", ticket, mime_type="plain text")


def test_a_file_on_an_internal_note_is_an_internal_attachment(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    note_id = note(org, ticket)
    attach(org, "alice", ticket, comment_id=note_id)
    fields = {r.field for r in org.session.scalars(select(TicketHistory))}
    assert "internal_attachment" in fields


def test_a_requester_cannot_attach_to_an_internal_note(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    note_id = note(org, ticket)
    with pytest.raises(NotFound):
        attach(org, "rita", ticket, comment_id=note_id)


def test_files_are_attached_to_ones_own_comments_only(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    note_id = note(org, ticket, internal=False)
    with pytest.raises(PermissionDenied, match="your own comments"):
        attach(org, "rita", ticket, comment_id=note_id)


def test_a_cancelled_ticket_takes_no_files(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.CANCELLED)
    with pytest.raises(PermissionDenied):
        attach(org, "rita", ticket)
