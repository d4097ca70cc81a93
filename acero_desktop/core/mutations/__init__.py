"""The one mutation path. Importing this package registers every mutation in REGISTRY.

Names and their modules: ``ticket.create``/``ticket.update`` (tickets), ``ticket.set_status``
(ticket_status), ``ticket.assign`` (ticket_assign), ``comment.*`` (comments), ``task.*``
(tasks), ``watch.*`` (watchers), ``feedback.give`` (feedback), ``attachment.add``
(attachments), ``article.*`` (articles), ``saved_search.*`` (saved_searches),
``user.set_availability`` (users).
"""

from . import (
    articles,
    attachments,
    comments,
    feedback,
    saved_searches,
    tasks,
    ticket_assign,
    ticket_status,
    tickets,
    users,
    watchers,
)
from .attachments import MAX_ATTACHMENT_BYTES
from .base import REGISTRY, MutationArgs, MutationContext, RowChange, parse_args, run_mutation

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "REGISTRY",
    "MutationArgs",
    "MutationContext",
    "RowChange",
    "articles",
    "attachments",
    "comments",
    "feedback",
    "parse_args",
    "run_mutation",
    "saved_searches",
    "tasks",
    "ticket_assign",
    "ticket_status",
    "tickets",
    "users",
    "watchers",
]
