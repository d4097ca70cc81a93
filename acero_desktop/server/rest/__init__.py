"""The REST API under /api; every write goes through the mutations (channel REST)."""

from fastapi import APIRouter

from . import attachments, auth, directory, tickets

router = APIRouter()
for _module in (auth, tickets, directory, attachments):
    router.include_router(_module.router)

__all__ = ["router"]
