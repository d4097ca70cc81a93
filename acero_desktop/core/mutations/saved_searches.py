"""Saved searches: personal, so only their owner may see or change them (admins included)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from acero_desktop.models import SavedSearch

from ..errors import Conflict, NotFound, ValidationFailed
from ..permissions import person
from ..visibility import can_see_saved_search
from .argtypes import Name, Query
from .base import MutationArgs, MutationContext, mutation

SEARCH_NOT_FOUND = "That saved search does not exist."


class CreateSavedSearch(MutationArgs):
    id: uuid.UUID
    name: Name
    query: Query
    # Place in the sidebar; after the owner's other searches when not given.
    position: int | None = None


class RenameSavedSearch(MutationArgs):
    id: uuid.UUID
    name: Name


class UpdateSavedSearch(MutationArgs):
    id: uuid.UUID
    query: Query | None = None
    position: int | None = None


class SavedSearchRef(MutationArgs):
    id: uuid.UUID


@mutation("saved_search.create", CreateSavedSearch)
def create_saved_search(ctx: MutationContext, args: CreateSavedSearch) -> None:
    owner_id = person(ctx.actor)
    if ctx.session.get(SavedSearch, args.id) is not None:
        raise Conflict("This saved search has already been created.")
    _check_name_free(ctx, owner_id, args.name)
    position = args.position
    if position is None:
        last = ctx.session.scalar(
            select(func.max(SavedSearch.position)).where(SavedSearch.owner_id == owner_id)
        )
        position = 0 if last is None else last + 1
    ctx.session.add(
        SavedSearch(
            id=args.id,
            owner_id=owner_id,
            name=args.name,
            query=args.query,
            position=position,
            created_at=ctx.at,
            updated_at=ctx.at,
        )
    )


@mutation("saved_search.rename", RenameSavedSearch)
def rename_saved_search(ctx: MutationContext, args: RenameSavedSearch) -> None:
    search = _require_search(ctx, args.id)
    if search.name == args.name:
        return
    _check_name_free(ctx, search.owner_id, args.name)
    search.name = args.name
    search.updated_at = ctx.at


@mutation("saved_search.update", UpdateSavedSearch)
def update_saved_search(ctx: MutationContext, args: UpdateSavedSearch) -> None:
    search = _require_search(ctx, args.id)
    changed = False
    if args.query is not None and args.query != search.query:
        search.query, changed = args.query, True
    if args.position is not None and args.position != search.position:
        search.position, changed = args.position, True
    if changed:
        search.updated_at = ctx.at


@mutation("saved_search.delete", SavedSearchRef)
def delete_saved_search(ctx: MutationContext, args: SavedSearchRef) -> None:
    """Delete a saved search; one that is already gone is a successful no-op."""
    search = ctx.session.get(SavedSearch, args.id)
    if search is None:
        return
    if not can_see_saved_search(ctx.actor, search):
        raise NotFound(SEARCH_NOT_FOUND)
    ctx.session.delete(search)


def _require_search(ctx: MutationContext, search_id: uuid.UUID) -> SavedSearch:
    search = ctx.session.get(SavedSearch, search_id)
    if search is None or not can_see_saved_search(ctx.actor, search):
        raise NotFound(SEARCH_NOT_FOUND)
    return search


def _check_name_free(ctx: MutationContext, owner_id: uuid.UUID, name: str) -> None:
    taken = ctx.session.scalar(
        select(SavedSearch.id).where(SavedSearch.owner_id == owner_id, SavedSearch.name == name)
    )
    if taken is not None:
        raise ValidationFailed(f'You already have a saved search named "{name}".', field="name")
