"""Saved searches belong to their owner alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from acero_desktop.core.errors import NotFound, ValidationFailed
from acero_desktop.models import SavedSearch

from .conftest import Org, uid


def create(org: Org, who: str, name: str, query: str = "status:open") -> SavedSearch:
    search_id = uid(f"search:{who}:{name}")
    org.apply(who, "saved_search.create", {"id": str(search_id), "name": name, "query": query})
    found = org.session.get(SavedSearch, search_id)
    assert found is not None
    return found


def test_a_new_search_goes_after_the_owners_others(org: Org) -> None:
    first, second = create(org, "alice", "Mine"), create(org, "alice", "Urgent")
    assert (first.position, second.position) == (0, 1)
    assert first.owner_id == org.alice


def test_names_are_unique_per_owner(org: Org) -> None:
    create(org, "alice", "Mine")
    create(org, "bob", "Mine")
    with pytest.raises(ValidationFailed, match='already have a saved search named "Mine"'):
        org.apply(
            "alice", "saved_search.create", {"id": str(uid("x")), "name": "Mine", "query": "a"}
        )


def test_the_owner_renames_and_updates_it(org: Org) -> None:
    search = create(org, "alice", "Mine")
    org.apply("alice", "saved_search.rename", {"id": str(search.id), "name": "My queue"})
    org.apply("alice", "saved_search.update", {"id": str(search.id), "query": "assignee:me"})
    assert (search.name, search.query) == ("My queue", "assignee:me")


@pytest.mark.parametrize("who", ["bob", "ada"])
def test_nobody_else_sees_or_changes_it(org: Org, who: str) -> None:
    search = create(org, "alice", "Mine")
    with pytest.raises(NotFound):
        org.apply(who, "saved_search.rename", {"id": str(search.id), "name": "Theirs"})
    with pytest.raises(NotFound):
        org.apply(who, "saved_search.delete", {"id": str(search.id)})


def test_the_owner_deletes_it(org: Org) -> None:
    search = create(org, "alice", "Mine")
    org.apply("alice", "saved_search.delete", {"id": str(search.id)})
    assert org.session.scalars(select(SavedSearch)).all() == []
