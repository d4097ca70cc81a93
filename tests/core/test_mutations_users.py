"""user.set_availability: one's own availability, which smart assignment reads."""

from __future__ import annotations

import pytest

from acero_desktop.core.errors import PermissionDenied
from acero_desktop.models import Availability, User

from .conftest import Org


def test_a_user_sets_their_own_availability(org: Org) -> None:
    org.apply("alice", "user.set_availability", {"availability": "away"})
    alice = org.session.get(User, org.alice)
    assert alice is not None
    assert alice.availability is Availability.AWAY


def test_the_system_has_no_availability(org: Org) -> None:
    with pytest.raises(PermissionDenied, match="made by a person"):
        org.apply("system", "user.set_availability", {"availability": "off"})
